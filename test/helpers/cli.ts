// The `anxin` command line as a child process, the way people run it: its exit code, stdout and stderr (a failing
// command is an answer, not an exception), with extra environment variables when a test needs them.
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
export const ANXIN_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bin/anxin.js");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function anxin(args: string[], env: Record<string, string> = {}, timeout = 120_000): Promise<CliResult> {
  try {
    const r = await run(process.execPath, [ANXIN_BIN, ...args], { env: { ...process.env, ...env }, timeout });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}
