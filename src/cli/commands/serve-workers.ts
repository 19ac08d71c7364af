// `anxin serve --workers N`: N server processes on one port (node:cluster shares the listening socket), all on
// one PostgreSQL. They coordinate as separate instances already do: one checkpoint writer and one relayer are
// elected through the database, sessions are rows, keys are files. The primary process serves nothing: it holds
// the data directory's lock, creates the key files once (so that workers never race to create them), runs the
// embedded chain when no CHAIN_RPC_URL is set (deploying the contracts before any worker starts), restarts a worker
// that dies, and stops everything on SIGINT/SIGTERM.
import cluster, { type Worker } from "node:cluster";
import type { Logger } from "pino";
import { connectChain, type Chain } from "../../chain/index.js";
import type { Config } from "../../config.js";
import { lockDataDir } from "../../data-dir-lock.js";
import { loadSessionKey } from "../../services/session-key.js";
import { loadLogKey } from "../../services/signed-checkpoints.js";
import { CliError } from "../io.js";

export const CHAIN_RESTARTED = "anxin:chain-restarted";

export async function runPrimary(cfg: Config, log: Logger, workers: number): Promise<void> {
  if (!cfg.databaseUrl) throw new CliError("--workers needs DATABASE_URL: the embedded PGlite store is one process; point the workers at one PostgreSQL");
  const unlock = cfg.chainRpcUrl ? () => undefined : lockDataDir(cfg.dataDir);
  let chain: Chain | undefined;
  try {
    loadSessionKey(cfg);
    loadLogKey(cfg);
    const env: Record<string, string> = {};
    if (!cfg.chainRpcUrl) {
      chain = await connectChain(cfg, log); // starts the supervised Anvil and deploys or finds the contracts
      chain.provider.destroy();
      env.ANXIN_EMBEDDED_CHAIN_URL = chain.anvil!.url;
      chain.onRestart.add(() => {
        for (const w of Object.values(cluster.workers ?? {})) w?.send(CHAIN_RESTARTED);
      });
    }
    let stopping = false;
    let listening = 0;
    const fork = () => cluster.fork(env);
    cluster.on("listening", (w: Worker, addr) => {
      listening++;
      log.info({ worker: w.id, pid: w.process.pid, port: addr.port }, "worker listening");
      if (listening === workers) process.stderr.write(`\n  安心 Anxin is running with ${workers} workers on port ${addr.port}\n  Press Ctrl-C to stop.\n\n`);
    });
    cluster.on("exit", (w: Worker, code, signal) => {
      if (stopping) return;
      log.error({ worker: w.id, code, signal }, "a worker died: starting another");
      fork();
    });
    for (let i = 0; i < workers; i++) fork();
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, "shutting down the workers");
      const force = setTimeout(() => process.exit(1), 40_000);
      force.unref();
      await Promise.all(
        Object.values(cluster.workers ?? {}).map(
          (w) => new Promise<void>((r) => {
            if (!w || w.isDead()) return r();
            w.once("exit", () => r());
            w.process.kill("SIGTERM");
          }),
        ),
      );
      await chain?.anvil?.stop();
      unlock();
      process.exit(0);
    };
    process.on("SIGINT", () => void stop("SIGINT"));
    process.on("SIGTERM", () => void stop("SIGTERM"));
  } catch (e) {
    await chain?.anvil?.stop();
    unlock();
    throw e;
  }
}

export const isWorker = () => cluster.isWorker;
