// Starts a real Anxin server in-process for integration tests: a temporary data directory, PGlite on disk
// (or a fresh schema on the test PostgreSQL with { pg: true }: TEST_DATABASE_URL or the embedded one), and an embedded Anvil on a free port.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Wallet, type Contract, type HDNodeWallet } from "ethers";
import type { OperatorSigner } from "../../src/chain/operator.js";
import { loadConfig, type Config } from "../../src/config.js";
import { createLogger } from "../../src/http/logger.js";
import { startServer, type RunningServer } from "../../src/http/server.js";
import { ApiClient, type TrustedChain } from "../../src/client/index.js";
import { counselorKeys, x25519PublicKeyToBytes32 } from "../../src/crypto/index.js";
import { freshSchemaUrl } from "./db.js";
import pino from "pino";
import { Writable } from "node:stream";

export interface TestServer extends RunningServer {
  dataDir: string;
  /** Every log line the server wrote (for privacy scans). */
  logLines: string[];
  api(): ApiClient;
  /** GET /metrics as the operator's scraper does: with the metrics token from the data directory. */
  metrics(): Promise<Response>;
  stop(): Promise<void>;
}

export async function startTestServer(opts: { pg?: boolean; config?: Partial<Config>; dataDir?: string } = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), "anxin-test-"));
  const databaseUrl = opts.pg ? await freshSchemaUrl() : undefined;
  const cfg = loadConfig({}, { dataDir, port: 0, anvilPort: 0, logLevel: "info", chainPollMs: 100, databaseUrl, anchorIntervalSeconds: 1, ...opts.config });
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(...chunk.toString().split("\n").filter(Boolean));
      cb();
    },
  });
  const log = createLogger("info", sink as unknown as pino.DestinationStream);
  const srv = await startServer(cfg, log);
  return {
    ...srv,
    dataDir,
    logLines,
    api: () => new ApiClient(srv.url),
    metrics: () => new ApiClient(srv.url).raw("GET", "/metrics", undefined, { authorization: `Bearer ${readFileSync(path.join(dataDir, "metrics.token"), "utf8").trim()}` }),
    async stop() {
      await srv.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The dev chain's operator is also the authority (admin) that accredits counselors. */
export function authority(srv: RunningServer): OperatorSigner {
  return srv.ctx.chain.operator;
}

export async function accreditCounselor(srv: RunningServer, wallet: Wallet | HDNodeWallet = Wallet.createRandom()) {
  const keys = await counselorKeys(wallet.privateKey);
  const now = Math.floor(Date.now() / 1000);
  const registry = srv.ctx.chain.registry as Contract;
  await (await registry.accredit(wallet.address, "0x" + "11".repeat(32), x25519PublicKeyToBytes32(keys.x25519.publicKey), now - 60, now + 365 * 86400)).wait();
  await srv.ctx.indexer.sync();
  srv.ctx.roles.invalidate();
  return { wallet: new Wallet(wallet.privateKey), keys };
}

export async function appointAuditor(srv: RunningServer, wallet = Wallet.createRandom()) {
  await (await (srv.ctx.chain.registry as Contract).appointAuditor(wallet.address)).wait();
  await srv.ctx.indexer.sync();
  srv.ctx.roles.invalidate();
  return new Wallet(wallet.privateKey);
}

export async function registerMatcher(srv: RunningServer, wallet = Wallet.createRandom()) {
  await (await (srv.ctx.chain.registry as Contract).registerMatcher(wallet.address)).wait();
  await srv.ctx.indexer.sync();
  srv.ctx.roles.invalidate();
  return new Wallet(wallet.privateKey);
}

/** The test's own view of the server's chain (the same Anvil, read directly, not through the app server). */
export function trustedChainOf(srv: RunningServer): TrustedChain {
  const d = srv.ctx.chain.deployment;
  return { rpcUrl: d.rpcUrl!, registry: d.registry, checkpointLog: d.checkpointLog };
}
