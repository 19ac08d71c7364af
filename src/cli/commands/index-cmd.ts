// `anxin index rebuild`: drops the chain event index and reads it again from the deployment block. Works offline,
// straight on the store (data dir or DATABASE_URL) and the chain, not through a running server.
import type { Command } from "commander";
import { loadConfig } from "../../config.js";
import { createLogger } from "../../http/logger.js";
import { closeContext, createContext } from "../../services/context.js";
import { CliError, printResult } from "../io.js";
import { registryEventCount } from "../../store/registry-repo.js";
import type { Queryable } from "../../store/db.js";

async function counts(q: { query: (s: string) => Promise<any[]> }) {
  const [g] = await q.query("SELECT count(*)::int AS grants, count(revoked_at)::int AS revoked, count(*) FILTER (WHERE emergency)::int AS emergency FROM consent_grants");
  return { grants: Number(g.grants), revoked: Number(g.revoked), emergency: Number(g.emergency), registryEvents: await registryEventCount(q as Queryable) };
}

export function register(program: Command) {
  const index = program.command("index").description("the chain event index (consents, registry)");
  index
    .command("rebuild")
    .description("rebuild the event index from the chain, from the deployment block (stop an embedded server first)")
    .option("--data-dir <dir>", "data directory (env ANXIN_DATA_DIR, default ./data)")
    .option("--json", "machine-readable output")
    .action(async (opts: { dataDir?: string; json?: boolean }) => {
      const cfg = loadConfig(process.env, { dataDir: opts.dataDir });
      const log = createLogger(process.env.LOG_LEVEL ? cfg.logLevel : "warn");
      let ctx;
      try {
        ctx = await createContext(cfg, log);
      } catch (e) {
        throw new CliError(`cannot open the store and chain (${(e as Error).message.split("\n")[0]}); is a server using this data directory?`);
      }
      try {
        const before = await counts(ctx.db);
        const started = Date.now();
        const block = await ctx.indexer.rebuild();
        const after = await counts(ctx.db);
        const result = { block, before, after, ms: Date.now() - started };
        printResult(!!opts.json, result, () =>
          [
            `index rebuilt from the chain up to block ${block} in ${result.ms} ms`,
            `grants: ${after.grants} (revoked ${after.revoked}, break-glass ${after.emergency}); before: ${before.grants}`,
            `registry events: ${after.registryEvents}; before: ${before.registryEvents}`,
          ].join("\n"),
        );
      } finally {
        await closeContext(ctx);
      }
    });
}
