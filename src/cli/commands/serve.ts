import path from "node:path";
import type { Command } from "commander";
import { loadConfig } from "../../config.js";
import { createLogger } from "../../http/logger.js";
import { startServer } from "../../http/server.js";
import { CliError } from "../io.js";
import { CHAIN_RESTARTED, isWorker, runPrimary } from "./serve-workers.js";

export function register(program: Command) {
  program
    .command("serve")
    .description("start the Anxin server (embedded PGlite + Anvil unless DATABASE_URL / CHAIN_RPC_URL are set)")
    .option("--port <port>", "HTTP port (env PORT, default 7300)")
    .option("--host <host>", "bind address (env HOST, default 127.0.0.1)")
    .option("--data-dir <dir>", "data directory (env ANXIN_DATA_DIR, default ./data)")
    .option("--workers <n>", "server processes sharing the port (needs DATABASE_URL; default 1)", "1")
    .action(async (opts: { port?: string; host?: string; dataDir?: string; workers: string }) => {
      const workers = Number(opts.workers);
      if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new CliError("--workers must be a whole number from 1 to 64");
      const cfg = loadConfig(process.env, { port: opts.port as unknown as number, host: opts.host, dataDir: opts.dataDir });
      const log = createLogger(cfg.logLevel);
      if (workers > 1 && !isWorker()) {
        log.info({ dataDir: cfg.dataDir, workers }, "starting anxin workers");
        return runPrimary(cfg, log, workers);
      }
      log.info({ dataDir: cfg.dataDir }, "starting anxin");
      const srv = await startServer(cfg, log);
      // A worker: the primary's embedded chain was restarted by its supervisor; re-check what it may have lost now.
      process.on("message", (m) => {
        if (m === CHAIN_RESTARTED) for (const f of srv.ctx.chain.onRestart) f();
      });
      if (isWorker()) {
        const stopWorker = () => void srv.close().then(() => process.exit(0));
        process.on("SIGTERM", stopWorker);
        process.on("SIGINT", () => undefined); // the primary decides
        return;
      }
      process.stderr.write(
        `\n  安心 Anxin is running at ${srv.url}\n` +
          `    居民 Resident   ${srv.url}/resident.html\n` +
          `    咨询师 Counselor ${srv.url}/counselor.html\n` +
          `    审计员 Auditor   ${srv.url}/auditor.html\n` +
          `    管理方 Admin     ${srv.url}/admin.html\n` +
          `    health ${srv.url}/healthz · API ${srv.url}/openapi.json · metrics ${srv.url}/metrics (bearer: ${cfg.metricsTokenFile ?? path.join(cfg.dataDir, "metrics.token")})\n` +
          `  Press Ctrl-C to stop (the embedded chain is saved on the way out).\n\n`,
      );
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, "shutting down");
        const force = setTimeout(() => process.exit(1), 30_000);
        force.unref();
        await srv.close();
        process.exit(0);
      };
      process.on("SIGINT", () => void stop("SIGINT"));
      process.on("SIGTERM", () => void stop("SIGTERM"));
    });
}
