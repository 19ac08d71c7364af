// Benchmark: `audit verify` end to end from the store: n synthetic leaves inserted into PGlite with unnest batches,
// ~10 checkpoints anchored on a real (embedded) Anvil, then verifyAudit timed (paging leaf inputs, hashing, tree
// rebuild, reproducing every anchored root from the chain's events).
//   node --import tsx scripts/bench/audit-store.ts [n]     (prints JSON)
// Goal: n = 1,000,000 in <= 5 s, reported against the bare SHA-256 cost measured in the same run (1M leaf inputs +
// 1M node-sized inputs with the core's sha256): the floor for any rebuild on this machine at this moment.
import { pathToFileURL } from "node:url";
import { JsonRpcProvider, NonceManager, Wallet } from "ethers";
import { MerkleTree, leafHash, toHex } from "../../src/log/index.js";
import { sha256Raw } from "../../src/log/sha256.js";
import { startAnvil } from "../../src/chain/anvil.js";
import { DEV_OPERATOR_KEY, contractsFor } from "../../src/chain/index.js";
import { deployContracts } from "../../src/chain/deploy.js";
import { openPglite } from "../../src/store/pglite.js";
import { migrate } from "../../src/store/migrate.js";
import { verifyAudit } from "../../src/services/audit.js";

export interface AuditStoreBench {
  leaves: number;
  checkpoints: number;
  /** verifyAudit wall time, store + chain included. */
  seconds: number;
  cpuSeconds: number;
  /** Bare SHA-256 of the n leaf inputs plus n - 1 node-sized (65-byte) inputs, just before the audit. */
  sha256BaselineSeconds: number;
  sha256BaselineCpuSeconds: number;
  /** seconds / sha256BaselineSeconds (wall), and the same for CPU time. */
  ratio: number;
  cpuRatio: number;
  meanLeafInputBytes: number;
  /** How the leaf inputs were read ("stream": raw rows from PGlite; "paged": string_agg pages). */
  readPath: "stream" | "paged";
  note: string;
  /** Setup (synthetic inserts), for reference. */
  insertSeconds: number;
  ok: boolean;
}

const TYPES = ["consent", "revoke", "accredit"] as const;

export async function benchAuditStore(n = 1_000_000): Promise<AuditStoreBench> {
  const db = await openPglite();
  await migrate(db);
  const anvil = await startAnvil({ port: 0 });
  const provider = new JsonRpcProvider(anvil.url, undefined, { staticNetwork: true });
  try {
    const operator = new NonceManager(new Wallet(DEV_OPERATOR_KEY, provider));
    const deployment = await deployContracts(operator);
    const { checkpointLog } = contractsFor(deployment, operator);
    const tree = new MerkleTree(n);
    const B = 50_000;
    // The inputs, packed, for the SHA-256 baseline (dropped before the audit runs).
    let packed: Buffer[] = [];
    const offsets = new Float64Array(n + 1);
    const t0 = Date.UTC(2026, 0, 1);
    let t = performance.now();
    for (let s = 0; s < n; s += B) {
      const idx: number[] = [], hs: Buffer[] = [], ins: string[] = [], ty: string[] = [], ref: string[] = [], at: string[] = [];
      for (let i = s; i < Math.min(n, s + B); i++) {
        const type = TYPES[i % 3];
        const h = toHex(leafHash(new Uint8Array([i & 255, (i >>> 8) & 255, (i >>> 16) & 255, i >>> 24])));
        const a = new Date(t0 + i * 1000).toISOString();
        const id = `ev-${i.toString(36).padStart(8, "0")}`;
        // Already canonical (keys sorted, no spaces): what leafInput would produce for this event.
        const input = `{"at":"${a}","block":${i},"hash":"${h}","id":"${id}","type":"${type}"}`;
        const lh = leafHash(Buffer.from(input));
        tree.append(lh);
        idx.push(i); hs.push(Buffer.from(lh)); ins.push(input); ty.push(type); ref.push(id); at.push(a);
        offsets[i + 1] = offsets[i] + input.length; // ASCII: bytes = chars
      }
      packed.push(Buffer.from(ins.join(""), "latin1"));
      await db.query(
        `INSERT INTO log_leaves (idx, leaf_hash, input, type, ref_id, at)
         SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])`,
        [idx, hs, ins, ty, ref, at],
      );
    }
    const { CompactRange } = await import("../../src/log/index.js");
    const cr = new CompactRange();
    // The head's compact range, as the LogWriter would have left it.
    for (let i = 0; i < n; i++) cr.append(tree.leafHash(i));
    await db.query("UPDATE log_head SET size = $1, frontier = $2", [n, JSON.stringify(cr.toState())]);
    const insertSeconds = (performance.now() - t) / 1000;
    let prev = 0;
    const sizes = Array.from({ length: 10 }, (_, j) => Math.round(((j + 1) * n) / 10) - (j < 9 ? j : 0));
    for (const size of sizes) {
      const proof = tree.consistencyProof(prev, size).map((p) => "0x" + toHex(p));
      await (await checkpointLog.submitCheckpoint(size, "0x" + toHex(tree.rootAt(size)), proof)).wait();
      prev = size;
    }
    // Baseline: the hash work alone, with the same one-shot SHA-256 the core uses.
    const all = Buffer.concat(packed);
    packed = [];
    const bytes = new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
    t = performance.now();
    let c = process.cpuUsage();
    for (let i = 0; i < n; i++) sha256Raw(bytes.subarray(offsets[i], offsets[i + 1]));
    const node = new Uint8Array(65);
    for (let i = 1; i < n; i++) sha256Raw(node);
    const baseSeconds = (performance.now() - t) / 1000;
    const baseCpu = process.cpuUsage(c);
    const meanLeafInputBytes = Math.round(all.length / n);

    t = performance.now();
    c = process.cpuUsage();
    const report = await verifyAudit({ db, provider, deployment });
    const cpu = process.cpuUsage(c);
    const seconds = (performance.now() - t) / 1000;
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const baseCpuSeconds = (baseCpu.user + baseCpu.system) / 1e6;
    const r3 = (x: number) => Math.round(x * 1000) / 1000;
    const r2 = (x: number) => Math.round(x * 100) / 100;
    const readPath = db.streamRows ? "stream" : "paged";
    return {
      leaves: n,
      checkpoints: sizes.length,
      seconds: r3(seconds),
      cpuSeconds: r3(cpuSeconds),
      sha256BaselineSeconds: r3(baseSeconds),
      sha256BaselineCpuSeconds: r3(baseCpuSeconds),
      ratio: r2(seconds / baseSeconds),
      cpuRatio: r2(cpuSeconds / baseCpuSeconds),
      meanLeafInputBytes,
      readPath,
      note: `cpu ${r3(cpuSeconds)} s; SHA-256 baseline ${r3(baseSeconds)} s (cpu ${r3(baseCpuSeconds)} s); ratio ${r2(seconds / baseSeconds)} (cpu ${r2(cpuSeconds / baseCpuSeconds)}); ${readPath} read`,
      insertSeconds: r3(insertSeconds),
      ok: report.ok,
    };
  } finally {
    provider.destroy();
    await anvil.stop();
    await db.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = process.argv[2] ? Number(process.argv[2]) : undefined;
  console.log(JSON.stringify(await benchAuditStore(n), null, 2));
}
