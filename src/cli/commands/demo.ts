// `anxin demo`: one community end to end (src/demo/run.ts) with progress on stderr and the summary on
// stdout; --json prints the summary as one JSON object. Exit code 1 when a step or the audit fails.
import type { Command } from "commander";
import { rmSync } from "node:fs";
import { runDemo } from "../../demo/run.js";
import { servableCity } from "../../deid/divisions.js";
import { formatSummary } from "../../demo/summary.js";
import { CliError } from "../io.js";
import { loadConfig } from "../../config.js";

export function register(program: Command) {
  program
    .command("demo")
    .description("run one community (authority, 3 counselors, 20 residents, a matcher, an auditor) through every flow on a fresh data directory, then audit; with DATABASE_URL on a fresh schema of that PostgreSQL server, by two instances sharing it")
    .option("--data-dir <dir>", "data directory to use (must not exist or be empty; kept afterwards)")
    .option("--keep", "keep the temporary data directory")
    .option("--serve", "leave the server running afterwards (Ctrl-C stops it)")
    .option("--json", "print the summary as one JSON object")
    .option("--city <code>", "the city the community lives in: a 6-digit division code (e.g. 210400 抚顺市, 450900 玉林市)", "310000")
    .action(async (o: { dataDir?: string; keep?: boolean; serve?: boolean; json?: boolean; city: string }) => {
      let result;
      // Ctrl-C during the run: stop the server (SIGTERM to the embedded chain, so it does not linger) and drop a
      // temporary data directory. Before the server is up, the stop waits for it.
      const state: { srv?: { close(): Promise<void> }; dir?: string; kept?: boolean; pending?: boolean; stopping?: boolean } = {};
      const stop = () => {
        state.stopping = true;
        void state.srv!.close().finally(() => {
          if (!state.kept) rmSync(state.dir!, { recursive: true, force: true });
          process.exit(130);
        });
      };
      const interrupt = () => {
        process.stderr.write("\ninterrupted: stopping the server\n");
        if (state.srv) stop();
        else state.pending = true;
      };
      const onStarted = (srv: { close(): Promise<void> }, dir: string, kept: boolean) => {
        Object.assign(state, { srv, dir, kept });
        if (state.pending) stop();
      };
      process.on("SIGINT", interrupt);
      try {
        if (!servableCity(o.city)) throw new Error(`--city ${o.city}: not a prefecture-level city or municipality in the division codes (e.g. 210400, 450900, 310000)`);
        const { databaseUrl } = loadConfig({ DATABASE_URL: process.env.DATABASE_URL }, {});
        result = await runDemo({ dataDir: o.dataDir, keep: o.keep, serve: o.serve, city: o.city, databaseUrl, onStarted, progress: (line) => process.stderr.write(line + "\n") });
      } catch (e) {
        throw new CliError((e as Error).message);
      } finally {
        process.off("SIGINT", interrupt);
      }
      if (state.stopping || state.pending) await new Promise(() => {}); // the interrupt handler exits once stopped
      const { server, logLines: _lines, ...summary } = result;
      process.stdout.write(o.json ? JSON.stringify(summary) + "\n" : formatSummary(summary));
      if (server) {
        process.stderr.write(`\n  the server keeps running at ${server.url} (resident.html, counselor.html, auditor.html, admin.html); Ctrl-C stops it\n`);
        await new Promise<void>((resolve) => process.once("SIGINT", resolve));
        await server.close();
      }
      if (!summary.ok) throw new CliError(summary.audit && !summary.audit.ok ? "the audit failed" : "the demo did not complete", 1);
      process.exit(0); // the embedded chain's child and pending timers must not keep the process alive
    });
}
