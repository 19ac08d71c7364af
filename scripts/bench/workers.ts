// `anxin serve --workers N` on PostgreSQL: the same write load (one envelope per request, distinct pre-sealed
// envelopes, 48 connections) against 1 and 2 worker processes, each on a fresh database, with the CPU of every
// server process (primary + workers; the embedded Anvil excluded) per acknowledged write.
// Needs ANXIN_BENCH_DATABASE_URL (a PostgreSQL server whose user may create databases); without it the figure is
// reported as not measured. Method, so a bigger machine can repeat it: `ANXIN_BENCH_DATABASE_URL=postgres://… 
// ANXIN_BENCH_WORKERS=1,2,4,8 node --import tsx scripts/bench/workers.ts`.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir, cpus } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Loader } from "./records.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface WorkersRun {
  workers: number;
  writesPerSecond: number;
  p99Ms: number;
  non2xx: number;
  cpuMsPerWrite: number;
  stored: number;
}
export interface WorkersBench {
  measured: boolean;
  reason?: string;
  runs: WorkersRun[];
  cores: number;
}

/** utime+stime (ms) of `pid` and its descendants whose command is node (the chain's anvil is left out). */
function treeCpuMs(pid: number): number {
  let total = 0;
  const visit = (p: number) => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (comm.startsWith("node")) total += (Number(f[11]) + Number(f[12])) * 10;
      for (const t of readdirSync(`/proc/${p}/task`)) {
        for (const c of readFileSync(`/proc/${p}/task/${t}/children`, "utf8").trim().split(/\s+/).filter(Boolean)) visit(Number(c));
      }
    } catch {
      /* the process ended */
    }
  };
  visit(pid);
  return total;
}

async function waitHealthy(url: string, child: ChildProcess, workers: number): Promise<any> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`anxin serve --workers ${workers} exited (${child.exitCode})`);
    try {
      const h = await (await fetch(`${url}/healthz`)).json();
      if (h.status === "ok") return h;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error("the workers never became healthy");
}

async function runOne(baseUrl: string, workers: number, writes: number): Promise<WorkersRun> {
  const pg = (await import("pg")).default;
  const { Wallet, JsonRpcProvider, Contract } = await import("ethers");
  const { ApiClient } = await import("../../src/client/index.js");
  const { buildGrant, consentDomain, grantId, signGrant, wireGrant, Purpose } = await import("../../src/consent/index.js");
  const { counselorKeys, generateSeed, relationshipKeys, sealJson, walletSigner, x25519PublicKeyToBytes32 } = await import("../../src/crypto/index.js");
  const { DEV_OPERATOR_KEY } = await import("../../src/chain/index.js");
  const { loadArtifact } = await import("../../src/chain/artifacts.js");
  const { freePort } = await import("../../src/chain/anvil.js");

  const dbName = `anxin_bench_w${workers}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const u = new URL(baseUrl);
  u.pathname = `/${dbName}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), `anxin-bench-w${workers}-`));
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(root, "bin/anxin.js"), "serve", "--workers", String(workers), "--port", String(port), "--data-dir", dataDir], {
    env: { ...process.env, DATABASE_URL: u.toString(), ANXIN_ANVIL_PORT: "0", LOG_LEVEL: "warn", ANXIN_RATE_LIMIT_PER_MINUTE: "1000000", ANXIN_CHAIN_POLL_MS: "200" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const loader = new Loader(dataDir);
  const url = `http://127.0.0.1:${port}`;
  try {
    const h = await waitHealthy(url, child, workers);
    // The authority (the dev operator on the embedded dev chain) accredits a counselor; a resident grants TREATMENT.
    const provider = new JsonRpcProvider(h.chain.rpcUrl);
    const authority = new Wallet(DEV_OPERATOR_KEY, provider);
    const registry = new Contract(h.chain.registry, (await loadArtifact("CounselorRegistry")).abi, authority);
    const counselor = Wallet.createRandom();
    const ck = await counselorKeys(counselor.privateKey);
    const now = Math.floor(Date.now() / 1000);
    await (await registry.accredit(counselor.address, "0x" + "11".repeat(32), x25519PublicKeyToBytes32(ck.x25519.publicKey), now - 60, now + 86400)).wait();
    const rel = await relationshipKeys(await generateSeed(), counselor.address);
    const built = buildGrant({ subject: rel.address, grantee: counselor.address, purpose: Purpose.TREATMENT, categories: ["consultation_note"], notBefore: now - 60, notAfter: now + 86400 });
    const sig = await signGrant(rel.wallet, consentDomain(h.chain.chainId, h.chain.consentLedger), built.grant);
    const resident = await new ApiClient(url).login(rel.wallet);
    await resident.post("/v1/consents", { grant: wireGrant(built.grant), signature: sig, categories: built.categories, scopeSalt: built.scopeSalt });
    for (let i = 0; !(await resident.get(`/v1/consents/${grantId(built.grant)}`)).onChain; i++) {
      if (i > 600) throw new Error("the bench's consent never reached the chain");
      await new Promise((r) => setTimeout(r, 100));
    }
    let api = await new ApiClient(url).login(new Wallet(counselor.privateKey));
    for (let i = 0; !api.roles.includes("counselor") && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 200));
      api = await new ApiClient(url).login(new Wallet(counselor.privateKey));
    }
    const text = "x".repeat(4096 - 64);
    const recipients = [{ address: ck.address, x25519PublicKey: ck.x25519.publicKey }, { address: rel.address, x25519PublicKey: rel.x25519.publicKey }];
    const signer = walletSigner(new Wallet(counselor.privateKey));
    const bodies: string[] = [];
    for (let i = 0; i < writes + 300; i++) {
      bodies.push(JSON.stringify(await sealJson({ kind: "consultation_note", schema: "anxin.note.v1", subjectRef: rel.address, consentId: grantId(built.grant), body: { n: i, text: text.slice(String(i).length) }, recipients, signer })));
    }
    const job = { url: `${url}/v1/records`, method: "POST" as const, headers: { authorization: `Bearer ${api.token}`, "content-type": "application/json" }, kind: "body" as const };
    await loader.run({ ...job, connections: 8, amount: 300 }, bodies.splice(0, 300)); // warm-up: JIT in every worker
    const cpu0 = treeCpuMs(child.pid!);
    const r = await loader.run({ ...job, connections: 48, amount: writes }, bodies);
    const cpuMs = treeCpuMs(child.pid!) - cpu0;
    const db = new pg.Client({ connectionString: u.toString() });
    await db.connect();
    const [{ n }] = (await db.query("SELECT count(*)::int AS n FROM records")).rows;
    await db.end();
    provider.destroy();
    return { workers, writesPerSecond: Math.round(r.ok / (r.seconds || 1)), p99Ms: r.p99, non2xx: r.non2xx + r.errors, cpuMsPerWrite: Number((cpuMs / Math.max(1, r.ok)).toFixed(3)), stored: Number(n) };
  } finally {
    loader.close();
    child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once("exit", r)));
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function benchWorkers(opts: { writes?: number; workers?: number[] } = {}): Promise<WorkersBench> {
  const baseUrl = process.env.ANXIN_BENCH_DATABASE_URL;
  if (!baseUrl) return { measured: false, reason: "set ANXIN_BENCH_DATABASE_URL to a PostgreSQL server", runs: [], cores: cpus().length };
  const runs: WorkersRun[] = [];
  for (const w of opts.workers ?? [1, 2]) runs.push(await runOne(baseUrl, w, opts.writes ?? 6000));
  return { measured: true, runs, cores: cpus().length };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const workers = process.env.ANXIN_BENCH_WORKERS?.split(",").map(Number);
  process.stdout.write(JSON.stringify(await benchWorkers({ workers, writes: process.env.ANXIN_BENCH_WRITES ? Number(process.env.ANXIN_BENCH_WRITES) : undefined }), null, 2) + "\n");
  process.exit(0);
}
