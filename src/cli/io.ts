// Shared CLI plumbing: errors become a one-line message and a non-zero exit; --json prints machine output.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { passphraseFromFileText } from "../crypto/index.js";

export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = "CliError";
  }
}

export function printResult(json: boolean, value: unknown, human: () => string) {
  process.stdout.write(json ? JSON.stringify(value) + "\n" : human() + "\n");
}

/** Reads a passphrase from a file (its first line, docs/FORMATS.md §5.3) or, on a terminal, asks for it without echo. */
export async function passphrase(file: string | undefined, prompt: string, confirm = false): Promise<string> {
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      throw new CliError(`cannot read passphrase file ${file}`);
    }
    try {
      return passphraseFromFileText(text);
    } catch {
      throw new CliError(`passphrase file ${file} is empty`);
    }
  }
  if (!process.stdin.isTTY) throw new CliError("no terminal to ask for a passphrase: use --passphrase-file");
  const ask = async (q: string) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const out = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WriteStream };
    out._writeToOutput = (s: string) => {
      if (s.includes(q)) process.stderr.write(q);
    };
    const answer = await new Promise<string>((r) => rl.question(q, r));
    rl.close();
    process.stderr.write("\n");
    return answer;
  };
  const p = await ask(prompt);
  if (p.length < 8) throw new CliError("passphrase too short: use at least 8 characters");
  if (confirm && (await ask("Repeat passphrase: ")) !== p) throw new CliError("the passphrases differ");
  return p;
}

export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new CliError(`cannot read ${file}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
}
