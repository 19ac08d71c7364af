import type { Command } from "commander";
import { CliError, printResult } from "../io.js";
import { defaultServerUrl } from "../../config.js";

export function register(program: Command) {
  program
    .command("status")
    .description("ask a running server for its health (database, chain) and its chain: RPC URL, chain id, contract addresses")
    .option("--url <url>", "server URL", defaultServerUrl())
    .option("--json", "machine-readable output")
    .action(async (opts: { url: string; json?: boolean }) => {
      let res: Response;
      try {
        res = await fetch(new URL("/healthz", opts.url), { signal: AbortSignal.timeout(5000) });
      } catch {
        throw new CliError(`no Anxin server answers at ${opts.url}`);
      }
      const body = (await res.json()) as {
        status: string;
        db: { ok: boolean; kind: string };
        chain: { ok: boolean; chainId?: number; block?: number; embedded: boolean; rpcUrl?: string; registry?: string; consentLedger?: string; checkpointLog?: string };
        log?: unknown;
      };
      // The log's note verifier key (C2SP signed-note), for witnesses and auditors.
      body.log = await fetch(new URL("/v1/log/key", opts.url), { signal: AbortSignal.timeout(5000) }).then((r) => (r.ok ? r.json() : undefined), () => undefined);
      printResult(!!opts.json, body, () =>
        [
          `status: ${body.status}`,
          `database: ${body.db.ok ? "up" : "DOWN"} (${body.db.kind})`,
          ...(body.log ? [`log key: ${(body.log as { vkey: string }).vkey}`] : []),
          `chain: ${body.chain.ok ? "up" : "DOWN"} (chain ${body.chain.chainId}, block ${body.chain.block ?? "?"}, ${body.chain.embedded ? "embedded anvil" : "external"}) at ${body.chain.rpcUrl ?? "?"}`,
          `contracts: CounselorRegistry ${body.chain.registry}, ConsentLedger ${body.chain.consentLedger}, CheckpointLog ${body.chain.checkpointLog}`,
        ].join("\n"),
      );
      if (res.status !== 200) process.exitCode = 1;
    });
}
