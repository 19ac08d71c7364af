// `anxin witness`: a C2SP tlog-witness for another deployment's log (or ours). It keeps its key and its state file
// in its own directory and cosigns only checkpoints signed by a log key it was given, consistent with what it saw.
import { mkdirSync } from "node:fs";
import type { Command } from "commander";
import { parseVkey, ALG_ED25519 } from "../../log/index.js";
import { Witness } from "../../services/witness.js";
import { CliError } from "../io.js";

export function register(program: Command) {
  program
    .command("witness")
    .description("run a C2SP tlog-witness: POST /add-checkpoint verifies the log's signature and consistency, then cosigns")
    .requiredOption("--dir <dir>", "the witness's own directory (witness-key, witness-state.json)")
    .option("--name <name>", "the witness's key name, e.g. witness.example.org/w1 (needed on first start)")
    .option("--log <vkey>", "a log verifier key to accept (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option("--host <host>", "listen address", "127.0.0.1")
    .option("--port <port>", "listen port (0: any free port)", "7380")
    .option("--print-vkey", "print the witness's verifier key and exit")
    .action(async (opts: { dir: string; name?: string; log: string[]; host: string; port: string; printVkey?: boolean }) => {
      mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
      let logs;
      try {
        logs = opts.log.map((v) => parseVkey(v, ALG_ED25519));
      } catch (e) {
        throw new CliError(`--log: ${(e as Error).message}`);
      }
      let w: Witness;
      try {
        w = new Witness({ dir: opts.dir, name: opts.name, logs });
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      if (opts.printVkey) {
        process.stdout.write(w.vkey + "\n");
        return;
      }
      if (logs.length === 0) throw new CliError("give at least one --log <vkey> to witness");
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError("--port must be 0-65535");
      const srv = w.server();
      await new Promise<void>((res) => srv.listen(port, opts.host, res));
      const addr = srv.address() as { port: number };
      process.stdout.write(JSON.stringify({ witness: w.key.name, vkey: w.vkey, url: `http://${opts.host}:${addr.port}`, logs: logs.map((l) => l.name) }) + "\n");
      const stop = () => srv.close(() => process.exit(0));
      process.on("SIGTERM", stop);
      process.on("SIGINT", stop);
    });
}
