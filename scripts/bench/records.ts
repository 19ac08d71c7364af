// Benchmark: encrypted record writes end to end over HTTP on the embedded store (PGlite + embedded Anvil).
//   node --import tsx scripts/bench/records.ts       (prints JSON)
// Each write: zod validation, signature check, consent check from the index, one records row + its key rows + one
// log leaf, group-committed. Envelopes (4 KiB plaintext, 2 recipients) are sealed beforehand on the client side:
// sealing is reported separately, it is the client's CPU, not the server's. Every request carries a distinct,
// freshly sealed envelope, so every 2xx is a real new record.
// Goals (issue): >= 2,000 writes/s on 2 cores; p99 <= 50 ms at a fixed 500 writes/s. The ceiling is a bare express
// "200 OK" POST handler (JSON body parsed) in the same server process, driven the same way.
// The load generator (autocannon) runs in a CHILD process, so it does not share the server's event loop; on a
// 2-core machine it still competes for the cores. The machine may also be shared (other builds, tests), so besides
// rates we report the server process's CPU time per request (process.cpuUsage: all its threads, PGlite included),
// its main-thread busy time (event-loop utilisation), and the ceiling those imply: ~1 / main-thread ms per write on
// one event loop, and cores / CPU ms per write for the whole machine.
import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, cpus } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";

export interface RecordsBench {
  plaintextBytes: number;
  bodyBytes: number;
  /** Client-side sealing (encrypt + 2 sealed keys + EIP-191 signature), envelopes per second on one core. */
  sealPerSecond: number;
  /** Max-throughput run: writes acknowledged per second (2xx only), its latency and errors. */
  writesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxRunRequests: number;
  maxRunNon2xx: number;
  /** Server process CPU (all threads) per acknowledged write in the max run, and main-thread busy time per write. */
  cpuMsPerWrite: number;
  mainThreadMsPerWrite: number;
  /** CPU of the load generator (autocannon, other process) per write: it shares the same cores. */
  loaderCpuMsPerWrite: number;
  /** Ceilings those imply: one event loop (1000 / main-thread ms) and all cores (cores × 1000 / CPU ms). */
  ceilingMainThreadPerSecond: number;
  ceilingAllCoresPerSecond: number;
  /** Server CPU with no requests (background workers), ms per second, and cpuMsPerWrite with that share removed. */
  idleCpuMsPerSecond: number;
  cpuMsPerWriteWithoutIdle: number;
  /** Fixed-rate run (default 500 writes/s). */
  fixedRate: number;
  achievedFixedRate: number;
  p50AtFixedRateMs: number;
  p99AtFixedRateMs: number;
  fixedRateNon2xx: number;
  /** The same target rate with evenly spaced arrivals (open loop, latency from the scheduled send time). */
  openLoopAchieved: number;
  openLoopP50Ms: number;
  openLoopP99Ms: number;
  openLoopNon2xx: number;
  /** Key release (GET …/key, each one an access-log row + leaf) at a fixed rate. */
  keyReleaseRate: number;
  keyReleaseAchieved: number;
  keyReleaseP50Ms: number;
  keyReleaseP99Ms: number;
  keyReleaseNon2xx: number;
  /** Bare express "200 OK" on the same bodies, same connections: the ceiling. */
  bareExpressPerSecond: number;
  bareCpuMsPerRequest: number;
  bareLoaderCpuMsPerRequest: number;
  /** Writes/s the machine's cores allow at the measured CPU per write, server + load generator together. */
  ceilingMachinePerSecond: number;
  ratioToBare: number;
  /** Rows really stored after the runs (every 2xx is a committed row + leaf). */
  storedRecords: number;
  cores: number;
  connections: number;
  /** CPU ms per write of the server's four busiest threads in the max run (Linux only). */
  busiestThreadsMsPerWrite: number[];
  /** Batch sync: records stored per second through POST /v1/records:batch (256 per request, 4 connections). */
  batchRecordsPerSecond: number;
  batchStored: number;
  batchRequests: number;
  batchNon2xx: number;
  batchP99Ms: number;
  batchCpuMsPerRecord: number;
  /** 1-minute load average when the max run started: >cores means other work shared the machine. */
  loadAverageAtStart: number;
  /** Max run, from the store's fsync(2) counter and the log writer: syncs per group commit (durability: ≥ 1). */
  syncsPerGroupCommit: number;
  groupCommits: number;
  writesPerGroupCommit: number;
  /** Share of the max run's commits that went in one hop (head in memory, nothing read), and batches redone. */
  oneHopShare: number;
  redoneBatches: number;
}

interface LoadJob {
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  connections: number;
  amount: number;
  overallRate?: number;
  /** JSON file with an array of bodies (POST) or paths (GET), cycled through. */
  itemsFile: string;
  kind: "body" | "path";
  /** Open loop instead of autocannon: request i is sent at start + i / overallRate s, whatever the answers. */
  openLoop?: boolean;
}

interface LoadResult {
  ok: number;
  non2xx: number;
  errors: number;
  total: number;
  seconds: number;
  p50: number;
  p99: number;
  /** CPU time of the load generator process during the job. */
  loaderCpuMs: number;
}

// ---------- load generator (child process) ----------

/**
 * Evenly spaced arrivals (open loop): request i leaves at start + i/rate on a free keep-alive socket, and its latency
 * counts from that scheduled moment, so a slow server cannot slow the arrivals down and hide its queue (no
 * coordinated omission). autocannon's overallRate instead lets every connection fire its per-second quota
 * back-to-back at the start of each second: bursts as large as the connection count.
 */
async function openLoop(job: LoadJob, items: string[]): Promise<LoadResult> {
  const http = await import("node:http");
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.connections });
  const url = new URL(job.url);
  const latencies: number[] = [];
  let ok = 0, non2xx = 0, errors = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now() + 50;
  await Promise.all(
    Array.from({ length: job.amount }, (_, i) => {
      const due = start + (i * 1000) / job.overallRate!;
      return new Promise<void>((resolve) => {
        setTimeout(() => {
          const item = items[i % items.length];
          const req = http.request(
            { agent, host: url.hostname, port: url.port, method: job.method, headers: job.headers, path: job.kind === "path" ? item : url.pathname },
            (res) => {
              res.resume();
              res.on("end", () => {
                latencies.push(performance.now() - due);
                if (res.statusCode! >= 200 && res.statusCode! < 300) ok++;
                else non2xx++;
                resolve();
              });
            },
          );
          req.on("error", () => (errors++, resolve()));
          req.end(job.kind === "body" ? item : undefined);
        }, Math.max(0, due - performance.now()));
      });
    }),
  );
  agent.destroy();
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  const q = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0);
  return { ok, non2xx, errors, total: job.amount, seconds: (performance.now() - start) / 1000, p50: q(0.5), p99: q(0.99), loaderCpuMs: (cpu.user + cpu.system) / 1000 };
}

async function loadChild() {
  const { default: autocannon } = await import("autocannon");
  process.on("message", async (job: LoadJob) => {
    const items = JSON.parse(readFileSync(job.itemsFile, "utf8")) as string[];
    if (job.openLoop) return process.send!(await openLoop(job, items));
    let i = 0;
    const setupRequest = (req: any) => {
      const item = items[i++ % items.length];
      return job.kind === "body" ? { ...req, body: item } : { ...req, path: item };
    };
    const started = performance.now();
    const cpu0 = process.cpuUsage();
    // autocannon calls back only at its next 1-second sampling tick after the last answer: timing up to the
    // callback would round every run up to whole seconds (8,000 writes in 7.1 s read as 8.0 s). The run ends at
    // its last answer.
    let lastAnswer = started;
    const instance = autocannon(
      {
        url: job.url,
        method: job.method,
        headers: job.headers,
        connections: job.connections,
        amount: job.amount,
        ...(job.overallRate ? { overallRate: job.overallRate } : {}),
        requests: [{ setupRequest }],
      },
      (err: unknown, r: any) => {
        if (err) return process.send!({ error: String(err) });
        const seconds = (lastAnswer - started) / 1000;
        const cpu = process.cpuUsage(cpu0);
        const loaderCpuMs = (cpu.user + cpu.system) / 1000;
        process.send!({ ok: r["2xx"], non2xx: r.non2xx, errors: r.errors, total: r.requests.total, seconds, p50: r.latency.p50, p99: r.latency.p99, loaderCpuMs } satisfies LoadResult);
      },
    );
    instance.on("response", () => (lastAnswer = performance.now()));
  });
  process.send!({ ready: true });
}

/** CPU time of each thread of this process so far (Linux /proc; empty elsewhere), by thread id. */
function threadCpuMs(): Map<string, number> {
  const out = new Map<string, number>();
  try {
    const tick = 10; // USER_HZ is 100 on Linux: utime and stime count 10 ms ticks
    for (const tid of readdirSync("/proc/self/task")) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.set(tid, (Number(f[11]) + Number(f[12])) * tick);
    }
  } catch {
    // not Linux: the per-thread figures are left out
  }
  return out;
}

export class Loader {
  #child: ChildProcess;
  #ready: Promise<void>;
  constructor(private readonly dir: string) {
    const execArgv = process.execArgv.some((a) => a.includes("tsx")) ? process.execArgv : [...process.execArgv, "--import", "tsx"];
    this.#child = fork(fileURLToPath(import.meta.url), ["--load-generator"], { execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    this.#ready = new Promise((resolve, reject) => {
      this.#child.once("message", () => resolve());
      this.#child.once("exit", (code) => reject(new Error(`load generator exited (${code})`)));
    });
  }

  /** Runs one autocannon job in the child; returns its result and this (server) process's CPU and main-thread time. */
  async run(job: Omit<LoadJob, "itemsFile">, items: string[]) {
    await this.#ready;
    const itemsFile = path.join(this.dir, `items-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(itemsFile, JSON.stringify(items));
    const elu0 = performance.eventLoopUtilization();
    const cpu0 = process.cpuUsage();
    const threads0 = threadCpuMs();
    const r = await new Promise<LoadResult>((resolve, reject) => {
      this.#child.once("message", (m: LoadResult & { error?: string }) => (m.error ? reject(new Error(m.error)) : resolve(m)));
      this.#child.send({ ...job, itemsFile });
    });
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);
    const threads = [...threadCpuMs()].map(([tid, ms]) => ms - (threads0.get(tid) ?? 0)).sort((a, b) => b - a);
    rmSync(itemsFile, { force: true });
    return { ...r, cpuMs: (cpu.user + cpu.system) / 1000, mainBusyMs: elu.active, busiestThreadsMs: threads.slice(0, 4) };
  }

  close() {
    this.#child.kill();
  }
}

// ---------- the benchmark (server process) ----------

async function startProfile(): Promise<() => Promise<unknown>> {
  const { Session } = await import("node:inspector/promises");
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 500 });
  await session.post("Profiler.start");
  return async () => {
    const { profile } = await session.post("Profiler.stop");
    session.disconnect();
    return profile;
  };
}

export async function benchRecords(
  opts: { maxRun?: number; fixedRate?: number; fixedSeconds?: number; connections?: number; keyReleases?: number; batches?: number } = {},
): Promise<RecordsBench> {
  const { Wallet } = await import("ethers");
  const express = (await import("express")).default;
  const { loadConfig } = await import("../../src/config.js");
  const { createLogger } = await import("../../src/http/logger.js");
  const { startServer } = await import("../../src/http/server.js");
  const { ApiClient } = await import("../../src/client/index.js");
  const { buildGrant, consentDomain, grantId, signGrant, Purpose } = await import("../../src/consent/index.js");
  const { counselorKeys, generateSeed, relationshipKeys, sealJson, walletSigner, x25519PublicKeyToBytes32 } = await import("../../src/crypto/index.js");

  const maxRun = opts.maxRun ?? 8000;
  const fixedRate = opts.fixedRate ?? 500;
  const fixedSeconds = opts.fixedSeconds ?? 8;
  const connections = opts.connections ?? 48;
  const keyReleases = opts.keyReleases ?? 2000;
  const keyReleaseRate = 200;
  const dataDir = mkdtempSync(path.join(tmpdir(), "anxin-bench-records-"));
  // ANXIN_BENCH_DATABASE_URL (an empty database): the same run against a PostgreSQL server, for comparison only.
  const databaseUrl = process.env.ANXIN_BENCH_DATABASE_URL;
  // The thread switches come from the environment (ANXIN_PGLITE_THREAD, ANXIN_CHECK_THREAD), to compare layouts.
  const threads = { ANXIN_PGLITE_THREAD: process.env.ANXIN_PGLITE_THREAD, ANXIN_CHECK_THREAD: process.env.ANXIN_CHECK_THREAD };
  const cfg = loadConfig(threads, { dataDir, port: 0, anvilPort: 0, logLevel: "warn", chainPollMs: 200, rateLimitPerMinute: 1_000_000, loggedReadRateLimitPerMinute: 1_000_000, ...(databaseUrl ? { databaseUrl } : {}) });
  const srv = await startServer(cfg, createLogger("warn"));
  const loader = new Loader(dataDir);
  try {
    // A real accredited counselor and a real TREATMENT grant on the embedded chain.
    const counselor = Wallet.createRandom();
    const ck = await counselorKeys(counselor.privateKey);
    const now = Math.floor(Date.now() / 1000);
    const registry = srv.ctx.chain.registry as any;
    await (await registry.accredit(counselor.address, "0x" + "11".repeat(32), x25519PublicKeyToBytes32(ck.x25519.publicKey), now - 60, now + 86400)).wait();
    const rel = await relationshipKeys(await generateSeed(), counselor.address);
    const built = buildGrant({ subject: rel.address, grantee: counselor.address, purpose: Purpose.TREATMENT, categories: ["consultation_note"], notBefore: now - 60, notAfter: now + 86400 });
    const grant = built.grant;
    const sig = await signGrant(rel.wallet, consentDomain(srv.ctx.chain.deployment.chainId, srv.ctx.chain.deployment.consentLedger), grant);
    // The resident submits the consent as any resident does (the relayer puts it on chain; the service keeps the
    // scope's opening, without which no record kind is covered).
    const { wireGrant } = await import("../../src/consent/index.js");
    const resident = await new ApiClient(srv.url).login(rel.wallet);
    await resident.post("/v1/consents", { grant: wireGrant(grant), signature: sig, categories: built.categories, scopeSalt: built.scopeSalt });
    for (let i = 0; !(await resident.get(`/v1/consents/${grantId(grant)}`)).onChain; i++) {
      if (i > 300) throw new Error("the bench's consent never reached the chain");
      await new Promise((r) => setTimeout(r, 100));
    }
    srv.ctx.roles.invalidate();
    const api = await new ApiClient(srv.url).login(new Wallet(counselor.privateKey));

    // Pre-seal the pool client side (timed separately): one distinct envelope per request.
    const text = "x".repeat(4096 - 64);
    const warmCount = 300;
    const total = warmCount + maxRun + 2 * fixedRate * fixedSeconds;
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
    const writes = { url: `${srv.url}/v1/records`, method: "POST" as const, headers, kind: "body" as const };

    // Warm-up (first-use key recovery, JIT), then the max-throughput run and the fixed-rate run on fresh bodies.
    const warm = bodies.splice(0, warmCount);
    await loader.run({ ...writes, connections: 8, amount: warm.length }, warm);
    const maxBodies = bodies.splice(0, maxRun);
    // Background work (chain indexer polling, anchoring, relayer, matching workers) costs CPU with no request at all.
    const idle0 = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 3000));
    const idle = process.cpuUsage(idle0);
    const idleCpuMsPerSecond = (idle.user + idle.system) / 1000 / 3;
    const loadAverageAtStart = (await import("node:os")).loadavg()[0];
    // ANXIN_BENCH_PROFILE=<file.cpuprofile>: a V8 CPU profile of the server process during the max run only.
    const profile = process.env.ANXIN_BENCH_PROFILE ? await startProfile() : undefined;
    const commitsOf = () => srv.ctx.writer.stats.cached + srv.ctx.writer.stats.read + srv.ctx.writer.stats.single;
    const [syncs0, commits0, oneHop0, redone0] = [(await srv.ctx.db.syncCount?.()) ?? 0, commitsOf(), srv.ctx.writer.stats.cached, srv.ctx.writer.stats.redone];
    const max = await loader.run({ ...writes, connections, amount: maxBodies.length }, maxBodies);
    const syncs = ((await srv.ctx.db.syncCount?.()) ?? 0) - syncs0;
    const commits = commitsOf() - commits0;
    const oneHop = srv.ctx.writer.stats.cached - oneHop0;
    const redone = srv.ctx.writer.stats.redone - redone0;
    if (profile) writeFileSync(process.env.ANXIN_BENCH_PROFILE!, JSON.stringify(await profile()));
    const fixed = await loader.run({ ...writes, connections: 32, overallRate: fixedRate, amount: fixedRate * fixedSeconds }, bodies.splice(0, fixedRate * fixedSeconds));
    const even = await loader.run({ ...writes, connections: 64, overallRate: fixedRate, amount: fixedRate * fixedSeconds, openLoop: true }, bodies);
    const [{ n }] = await srv.ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM records");

    // Key release: the author asks for its sealed key of stored versions (author basis), each logged.
    const stored = await srv.ctx.db.query<{ record_id: string; content_hash: string }>("SELECT record_id, content_hash FROM records LIMIT 1000");
    const keyPaths = stored.map((r) => `/v1/records/${r.record_id}/versions/${r.content_hash}/key`);
    const kr = await loader.run(
      { url: srv.url, method: "GET", headers: { authorization: headers.authorization }, connections: 16, overallRate: keyReleaseRate, amount: keyReleases, kind: "path" },
      keyPaths,
    );

    // Batch sync (POST /v1/records:batch): 50 batches of 256 fresh versions, 4 connections; each item is stored on
    // its own, so the figure counts items answered 201, read back from the store.
    const batchSize = 256;
    const batchCount = opts.batches ?? 50;
    const batchBodies: string[] = [];
    for (let b = 0; b < batchCount; b++) {
      const records = [];
      for (let i = 0; i < batchSize; i++) {
        records.push(await sealJson({ kind: "consultation_note", schema: "anxin.note.v1", subjectRef: rel.address, consentId: grantId(grant), body: { b, i, text: text.slice(12) }, recipients, signer }));
      }
      batchBodies.push(JSON.stringify({ records }));
    }
    const [{ n: beforeBatch }] = await srv.ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM records");
    // A fresh sign-in: on a loaded host sealing can outlast the first session token (every batch answered 401).
    const batchApi = await new ApiClient(srv.url).login(new Wallet(counselor.privateKey));
    const batchHeaders = { ...headers, authorization: `Bearer ${batchApi.token}` };
    const batch = await loader.run({ url: `${srv.url}/v1/records:batch`, method: "POST", headers: batchHeaders, kind: "body", connections: 4, amount: batchCount }, batchBodies);
    const [{ n: afterBatch }] = await srv.ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM records");
    const batchStored = Number(afterBatch) - Number(beforeBatch);

    // The ceiling: bare express in this process, JSON body parsed, "200 OK".
    const bare = express();
    bare.use(express.json({ limit: "2mb" }));
    bare.post("/", (_req, res) => {
      res.send("OK");
    });
    const bareServer = await new Promise<import("node:http").Server>((r) => {
      const s = bare.listen(0, "127.0.0.1", () => r(s));
    });
    const barePort = (bareServer.address() as AddressInfo).port;
    const b = await loader.run({ url: `http://127.0.0.1:${barePort}/`, method: "POST", headers, connections, amount: maxRun, kind: "body" }, maxBodies);
    await new Promise<void>((r) => bareServer.close(() => r()));

    // A bench whose writes were refused measured nothing: say so instead of reporting 0/s.
    if (max.ok === 0 || max.non2xx + max.errors > max.total / 100) {
      throw new Error(`record writes were refused in the max-rate run (${max.non2xx} non-2xx, ${max.errors} errors of ${max.total})`);
    }
    const rate = (r: LoadResult) => r.ok / (r.seconds || 1);
    const writesPerSecond = Math.round(rate(max));
    const bareExpressPerSecond = Math.round(rate(b));
    const cpuMsPerWrite = max.cpuMs / Math.max(1, max.ok);
    const mainThreadMsPerWrite = max.mainBusyMs / Math.max(1, max.ok);
    const r3 = (x: number) => Number(x.toFixed(3));
    return {
      plaintextBytes,
      bodyBytes: maxBodies[0].length,
      sealPerSecond: Math.round(sealPerSecond),
      writesPerSecond,
      p50Ms: max.p50,
      p99Ms: max.p99,
      maxRunRequests: max.total,
      maxRunNon2xx: max.non2xx + max.errors,
      cpuMsPerWrite: r3(cpuMsPerWrite),
      mainThreadMsPerWrite: r3(mainThreadMsPerWrite),
      loaderCpuMsPerWrite: r3(max.loaderCpuMs / Math.max(1, max.ok)),
      // The server's four busiest threads (event loop, store, envelope checks, GC/libuv helpers), CPU ms per write:
      // the first one at ~1000 / writesPerSecond is the bottleneck.
      busiestThreadsMsPerWrite: max.busiestThreadsMs.map((ms) => r3(ms / Math.max(1, max.ok))),
      ceilingMainThreadPerSecond: Math.round(1000 / mainThreadMsPerWrite),
      ceilingAllCoresPerSecond: Math.round((cpus().length * 1000) / cpuMsPerWrite),
      idleCpuMsPerSecond: r3(idleCpuMsPerSecond),
      cpuMsPerWriteWithoutIdle: r3(Math.max(0, max.cpuMs - idleCpuMsPerSecond * max.seconds) / Math.max(1, max.ok)),
      fixedRate,
      achievedFixedRate: Math.round(rate(fixed)),
      p50AtFixedRateMs: fixed.p50,
      p99AtFixedRateMs: fixed.p99,
      fixedRateNon2xx: fixed.non2xx + fixed.errors,
      openLoopAchieved: Math.round(rate(even)),
      openLoopP50Ms: even.p50,
      openLoopP99Ms: even.p99,
      openLoopNon2xx: even.non2xx + even.errors,
      keyReleaseRate,
      keyReleaseAchieved: Math.round(rate(kr)),
      keyReleaseP50Ms: kr.p50,
      keyReleaseP99Ms: kr.p99,
      keyReleaseNon2xx: kr.non2xx + kr.errors,
      bareExpressPerSecond,
      bareCpuMsPerRequest: r3(b.cpuMs / Math.max(1, b.ok)),
      bareLoaderCpuMsPerRequest: r3(b.loaderCpuMs / Math.max(1, b.ok)),
      ceilingMachinePerSecond: Math.round((cpus().length * 1000) / (cpuMsPerWrite + max.loaderCpuMs / Math.max(1, max.ok))),
      ratioToBare: r3(writesPerSecond / bareExpressPerSecond),
      batchRecordsPerSecond: Math.round(batchStored / (batch.seconds || 1)),
      batchStored,
      batchRequests: batch.total,
      batchNon2xx: batch.non2xx + batch.errors,
      batchP99Ms: batch.p99,
      batchCpuMsPerRecord: r3(batch.cpuMs / Math.max(1, batchStored)),
      storedRecords: Number(n),
      cores: cpus().length,
      connections,
      loadAverageAtStart: Number(loadAverageAtStart.toFixed(2)),
      // Background commits (anchoring, relayer) fall in the window too: they are commits that sync as well.
      syncsPerGroupCommit: r3(syncs / Math.max(1, commits)),
      groupCommits: commits,
      writesPerGroupCommit: r3(max.ok / Math.max(1, commits)),
      oneHopShare: r3(oneHop / Math.max(1, commits)),
      redoneBatches: redone,
    };
  } finally {
    loader.close();
    await srv.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv.includes("--load-generator")) {
  await loadChild();
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  // Run alone: ANXIN_BENCH_CONNECTIONS / ANXIN_BENCH_MAX_RUN try other loads (npm run bench uses the defaults).
  const env = (k: string) => (process.env[k] ? Number(process.env[k]) : undefined);
  const r = await benchRecords({ connections: env("ANXIN_BENCH_CONNECTIONS"), maxRun: env("ANXIN_BENCH_MAX_RUN") });
  process.stdout.write(JSON.stringify(r, null, 2) + "\n");
  process.exit(0);
}
