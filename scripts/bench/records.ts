// Benchmark: encrypted record writes end to end over HTTP on the embedded store (PGlite + embedded Anvil).
//   node --import tsx scripts/bench/records.ts       (prints JSON)
// Each write: zod validation, signature check, consent check from the index, one records row + its key rows + one
// log leaf, group-committed. Envelopes (4 KiB plaintext, 2 recipients) are sealed beforehand on the client side:
// sealing is reported separately, it is the client's CPU, not the server's.
// Goals (issue): >= 2,000 writes/s on 2 cores; p99 <= 50 ms at a fixed 500 writes/s. The ceiling is a bare express
// "200 OK" POST handler (JSON body parsed) measured in the same process, the same way.
// Caveat: autocannon runs in this process too, so server and load generator share the 2 cores (for both figures).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir, cpus } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { AddressInfo } from "node:net";
import autocannon from "autocannon";
import express from "express";
import { Wallet, type Contract } from "ethers";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/http/logger.js";
import { startServer } from "../../src/http/server.js";
import { ApiClient } from "../../src/cli/client.js";
import { buildGrant, consentDomain, grantId, signGrant, Purpose } from "../../src/consent/index.js";
import { counselorKeys, generateSeed, relationshipKeys, sealJson, walletSigner, x25519PublicKeyToBytes32 } from "../../src/crypto/index.js";

export interface RecordsBench {
  plaintextBytes: number;
  /** Client-side sealing (encrypt + 2 sealed keys + EIP-191 signature), envelopes per second on one core. */
  sealPerSecond: number;
  /** Max-throughput run: writes acknowledged per second (2xx only), its latency and errors. */
  writesPerSecond: number;
  maxRunP50Ms: number;
  maxRunP99Ms: number;
  maxRunRequests: number;
  maxRunNon2xx: number;
  /** Fixed 500 writes/s run. */
  fixedRate: number;
  fixedRateAchieved: number;
  fixedRateP50Ms: number;
  fixedRateP99Ms: number;
  fixedRateNon2xx: number;
  /** Bare express "200 OK" on the same bodies, same connections: the ceiling. */
  bareExpressPerSecond: number;
  ratioToBare: number;
  /** Rows really stored after the runs (every 2xx is a committed row + leaf). */
  storedRecords: number;
  cores: number;
  connections: number;
}

type Result = autocannon.Result;

function run(opts: autocannon.Options, bodies: string[]): Promise<Result> {
  let i = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        ...opts,
        requests: [{ setupRequest: (req: any) => ({ ...req, body: bodies[i++ % bodies.length] }) }],
      },
      (err: unknown, res: Result) => (err ? reject(err) : resolve(res)),
    );
  });
}

export async function benchRecords(opts: { maxRun?: number; fixedRate?: number; fixedSeconds?: number; connections?: number } = {}): Promise<RecordsBench> {
  const maxRun = opts.maxRun ?? 6000;
  const fixedRate = opts.fixedRate ?? 500;
  const fixedSeconds = opts.fixedSeconds ?? 8;
  const connections = opts.connections ?? 64;
  const dataDir = mkdtempSync(path.join(tmpdir(), "anxin-bench-records-"));
  const cfg = loadConfig({}, { dataDir, port: 0, anvilPort: 0, logLevel: "warn", chainPollMs: 200, rateLimitPerMinute: 1_000_000 });
  const srv = await startServer(cfg, createLogger("warn"));
  try {
    // A real accredited counselor and a real TREATMENT grant on the embedded chain.
    const counselor = Wallet.createRandom();
    const ck = await counselorKeys(counselor.privateKey);
    const now = Math.floor(Date.now() / 1000);
    await (await (srv.ctx.chain.registry as Contract).accredit(counselor.address, "0x" + "11".repeat(32), x25519PublicKeyToBytes32(ck.x25519.publicKey), now - 60, now + 86400)).wait();
    const rel = await relationshipKeys(await generateSeed(), counselor.address);
    const { grant } = buildGrant({ subject: rel.address, grantee: counselor.address, purpose: Purpose.TREATMENT, categories: ["consultation_note"], notBefore: now - 60, notAfter: now + 86400 });
    const sig = await signGrant(rel.wallet, consentDomain(srv.ctx.chain.deployment.chainId, srv.ctx.chain.deployment.consentLedger), grant);
    const receipt = await (await (srv.ctx.chain.consentLedger as Contract).grantBySig(grant, sig)).wait();
    await srv.ctx.indexer.syncTo(receipt.blockNumber);
    srv.ctx.roles.invalidate();
    const api = await new ApiClient(srv.url).login(new Wallet(counselor.privateKey));

    // Pre-seal the pool client side (timed separately).
    const text = "x".repeat(4096 - 64);
    const total = maxRun + fixedRate * fixedSeconds + 200;
    const signer = walletSigner(new Wallet(counselor.privateKey));
    const recipients = [
      { address: ck.address, x25519PublicKey: ck.x25519.publicKey },
      { address: rel.address, x25519PublicKey: rel.x25519.publicKey },
    ];
    const bodies: string[] = [];
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      const env = await sealJson({ kind: "consultation_note", schema: "anxin.note.v1", subjectRef: rel.address, consentId: grantId(grant), body: { n: i, text: text.slice(String(i).length) }, recipients, signer });
      bodies.push(JSON.stringify(env));
    }
    const sealPerSecond = total / ((performance.now() - t0) / 1000);
    const plaintextBytes = JSON.stringify({ n: 0, text: text.slice(1) }).length;
    const headers = { authorization: `Bearer ${api.token}`, "content-type": "application/json" };

    // Warm-up (first-use key recovery, JIT), then the max-throughput run and the fixed-rate run on fresh bodies.
    const warm = bodies.splice(0, 200);
    await run({ url: `${srv.url}/v1/records`, method: "POST", headers, connections: 8, amount: warm.length }, warm);
    const maxBodies = bodies.splice(0, maxRun);
    const max = await run({ url: `${srv.url}/v1/records`, method: "POST", headers, connections, amount: maxBodies.length }, maxBodies);
    const fixed = await run(
      { url: `${srv.url}/v1/records`, method: "POST", headers, connections: 32, overallRate: fixedRate, amount: fixedRate * fixedSeconds },
      bodies,
    );
    const [{ n }] = await srv.ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM records");

    // The ceiling: bare express, JSON body parsed, "200 OK".
    const bare = express();
    bare.use(express.json({ limit: "2mb" }));
    bare.post("/", (_req, res) => {
      res.send("OK");
    });
    const bareServer = await new Promise<import("node:http").Server>((r) => {
      const s = bare.listen(0, "127.0.0.1", () => r(s));
    });
    const barePort = (bareServer.address() as AddressInfo).port;
    const b = await run({ url: `http://127.0.0.1:${barePort}/`, method: "POST", headers, connections, amount: maxRun }, maxBodies);
    await new Promise<void>((r) => bareServer.close(() => r()));

    const rate = (r: Result) => (r["2xx"] / (r.duration || 1));
    const writesPerSecond = Math.round(rate(max));
    const bareExpressPerSecond = Math.round(rate(b));
    return {
      plaintextBytes,
      sealPerSecond: Math.round(sealPerSecond),
      writesPerSecond,
      maxRunP50Ms: max.latency.p50,
      maxRunP99Ms: max.latency.p99,
      maxRunRequests: max.requests.total,
      maxRunNon2xx: max.non2xx + max.errors,
      fixedRate,
      fixedRateAchieved: Math.round(rate(fixed)),
      fixedRateP50Ms: fixed.latency.p50,
      fixedRateP99Ms: fixed.latency.p99,
      fixedRateNon2xx: fixed.non2xx + fixed.errors,
      bareExpressPerSecond,
      ratioToBare: Number((writesPerSecond / bareExpressPerSecond).toFixed(3)),
      storedRecords: Number(n),
      cores: cpus().length,
      connections,
    };
  } finally {
    await srv.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const r = await benchRecords();
  process.stdout.write(JSON.stringify(r, null, 2) + "\n");
  process.exit(0);
}
