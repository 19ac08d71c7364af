// Benchmark: an auditor's full verification of a log of n synthetic events, against the bare SHA-256 cost.
//   node --import tsx scripts/bench/audit-log.ts [n]     (prints JSON)
// Goal: n = 1,000,000 in <= 5 s on one core.
import { pathToFileURL } from "node:url";
import {
  LOG_EVENT_TYPES,
  MerkleTree,
  bytesEqual,
  eventTime,
  leafHash,
  leafInput,
  rootsAt,
  toHex,
  verifyConsistency,
} from "../../src/log/index.js";
import { sha256Raw } from "../../src/log/sha256.js";

export interface AuditLogBench {
  leaves: number;
  /** Full audit: hash every leaf input, rebuild the tree, reproduce every checkpoint root, verify every
   *  consistency proof between successive checkpoints. */
  seconds: number;
  /** Bare SHA-256 of the n leaf inputs plus n - 1 node-sized (65-byte) inputs: the floor for any rebuild. */
  sha256BaselineSeconds: number;
  ratio: number;
  /** CPU time (user + system) of this process for the audit and the baseline: steadier than wall time on a
   *  shared machine, and the process is single-threaded, so this is "one core". */
  cpuSeconds: number;
  sha256BaselineCpuSeconds: number;
  checkpoints: number;
  /** Streaming rebuild alone (rootsAt over the leaf inputs: constant memory, roots only, no proofs). */
  streamingRootsSeconds: number;
  meanLeafInputBytes: number;
}

/** Packs n canonical-JSON events into one buffer (offsets[i]..offsets[i+1]) to keep setup memory flat. */
function syntheticLeafInputs(n: number): { bytes: Uint8Array; offsets: Float64Array } {
  const offsets = new Float64Array(n + 1);
  let bytes = new Uint8Array(n * 220);
  let pos = 0;
  const t0 = Date.UTC(2026, 0, 1);
  for (let i = 0; i < n; i++) {
    const seed = new Uint8Array([i & 255, (i >>> 8) & 255, (i >>> 16) & 255, (i >>> 24) & 255]);
    const h = toHex(leafHash(seed));
    const input = leafInput({
      type: LOG_EVENT_TYPES[i % LOG_EVENT_TYPES.length],
      id: `ev-${i.toString(36).padStart(8, "0")}`,
      hash: h,
      at: eventTime(t0 + i * 1000),
      actor: `0x${h.slice(0, 40)}`,
      purpose: i % 5,
    });
    if (pos + input.length > bytes.length) {
      const grown = new Uint8Array(bytes.length * 2);
      grown.set(bytes);
      bytes = grown;
    }
    bytes.set(input, pos);
    pos += input.length;
    offsets[i + 1] = pos;
  }
  return { bytes: bytes.subarray(0, pos), offsets };
}

/** ~1000 strictly increasing checkpoint sizes ending at n, unevenly spaced like real anchoring. */
function checkpointSizes(n: number, count = 1000): number[] {
  const sizes: number[] = [];
  for (let j = 1; j <= count; j++) {
    const s = Math.round((j * n) / count) - (j % 7) * (j < count ? 1 : 0);
    if (s > (sizes.at(-1) ?? 0) && s <= n) sizes.push(s);
  }
  if (sizes.at(-1) !== n) sizes.push(n);
  return sizes;
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;
const cpu = (c0: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(c0);
  return (d.user + d.system) / 1e6;
};

export async function benchAuditLog(n = 1_000_000): Promise<AuditLogBench> {
  const { bytes, offsets } = syntheticLeafInputs(n);
  const input = (i: number) => bytes.subarray(offsets[i], offsets[i + 1]);
  const sizes = checkpointSizes(n);

  // (a) baseline: the hash work alone, with the same one-shot SHA-256 the core uses.
  let t = performance.now();
  let c = process.cpuUsage();
  for (let i = 0; i < n; i++) sha256Raw(input(i));
  const node = new Uint8Array(65);
  for (let i = 1; i < n; i++) sha256Raw(node);
  const sha256BaselineSeconds = seconds(t);
  const sha256BaselineCpuSeconds = cpu(c);

  // The anchored roots, as a log server would have published them (one streaming pass; also timed).
  t = performance.now();
  const anchored = rootsAt(
    (function* () {
      for (let i = 0; i < n; i++) yield leafHash(input(i));
    })(),
    sizes,
  );
  const streamingRootsSeconds = seconds(t);

  // (b) the audit.
  t = performance.now();
  c = process.cpuUsage();
  const tree = new MerkleTree(n);
  for (let i = 0; i < n; i++) tree.append(leafHash(input(i)));
  let prevSize = 0;
  let prevRoot = tree.rootAt(0);
  for (let j = 0; j < sizes.length; j++) {
    const root = tree.rootAt(sizes[j]);
    if (!bytesEqual(root, anchored[j])) throw new Error(`checkpoint ${j} root not reproduced`);
    const proof = tree.consistencyProof(prevSize, sizes[j]);
    if (!verifyConsistency(prevSize, sizes[j], prevRoot, root, proof)) throw new Error(`checkpoint ${j} inconsistent`);
    prevSize = sizes[j];
    prevRoot = root;
  }
  const auditSeconds = seconds(t);
  const auditCpuSeconds = cpu(c);

  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return {
    leaves: n,
    seconds: r3(auditSeconds),
    sha256BaselineSeconds: r3(sha256BaselineSeconds),
    ratio: Math.round((auditSeconds / sha256BaselineSeconds) * 100) / 100,
    cpuSeconds: r3(auditCpuSeconds),
    sha256BaselineCpuSeconds: r3(sha256BaselineCpuSeconds),
    checkpoints: sizes.length,
    streamingRootsSeconds: r3(streamingRootsSeconds),
    meanLeafInputBytes: Math.round(bytes.length / n),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = process.argv[2] ? Number(process.argv[2]) : undefined;
  console.log(JSON.stringify(await benchAuditLog(n), null, 2));
}
