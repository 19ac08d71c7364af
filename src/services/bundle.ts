// Offline proof bundles (docs/FORMATS.md (Audit formats)): for each leaf of a record (its versions, their sealed-key leaves
// and tombstones), the leaf input, its index, an inclusion proof into the FIRST anchored checkpoint that covers it,
// that checkpoint's transaction and block, and a consistency proof from that checkpoint to the LATEST anchored one.
// checkBundle needs nothing but the bundle and a chain endpoint: every checkpoint the bundle names either is the
// CheckpointLog's `latest()` or provably an earlier state of it.
import { recordLeaves } from "../store/log-repo.js";
import { Contract, JsonRpcProvider, type Provider } from "ethers";
import { fromHex, isHash32Hex, leafHash, parseLeafInput, toHex, verifyConsistency, verifyInclusion } from "../log/index.js";
import type { Queryable } from "../store/db.js";
import { anchoredHistory, checkpointIface, firstCovering } from "./checkpoints.js";
import type { LogTreeCache } from "./log-tree.js";
import { readHead } from "./log-tree.js";

export const BUNDLE_FORMAT = "anxin.audit.bundle.v2";
/** Bundles written before the consistency proofs: still checked, without the link to `latest()`. */
export const BUNDLE_FORMAT_V1 = "anxin.audit.bundle.v1";

/** An accepted checkpoint and where the chain holds its CheckpointSubmitted event. */
export interface BundleCheckpoint {
  size: number;
  /** 64 lowercase hex, no 0x. */
  root: string;
  txHash: string;
  blockNumber: number;
  blockHash: string;
  /** Unix seconds. */
  blockTime: number;
  logIndex: number;
}

export interface BundleEntry {
  index: number;
  /** The leaf input: canonical JSON text of the event (its UTF-8 bytes are hashed). */
  input: string;
  leafHash: string;
  checkpoint: BundleCheckpoint;
  /** Inclusion proof of leaf `index` in the tree of `checkpoint.size` leaves, sibling first, 64 hex each. */
  proof: string[];
  /** RFC 6962 PROOF(checkpoint.size, latest.size): `checkpoint` is a prefix of `latest` (empty when they are equal). */
  consistency: string[];
}

export interface Bundle {
  format: typeof BUNDLE_FORMAT;
  recordId: string;
  chain: { chainId: number; checkpointLog: string };
  createdAt: string;
  /** The latest checkpoint anchored when the bundle was made (`latest()` of the CheckpointLog then). */
  latest: BundleCheckpoint | null;
  entries: BundleEntry[];
  /** Leaves of the record not yet covered by an anchor (no proof possible yet). */
  unanchored: number[];
}

export class BundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BundleError";
  }
}

const pick = (cp: BundleCheckpoint): BundleCheckpoint => ({ size: cp.size, root: cp.root, txHash: cp.txHash, blockNumber: cp.blockNumber, blockHash: cp.blockHash, blockTime: cp.blockTime, logIndex: cp.logIndex });

export async function buildBundle(
  d: { db: Queryable; provider: Provider; tree: LogTreeCache; deployment: { chainId: number; checkpointLog: string; deployBlock: number } },
  recordId: string,
): Promise<Bundle> {
  const rows = await recordLeaves(d.db, recordId);
  if (rows.length === 0) throw new BundleError("no such record in the log");
  const tree = await d.tree.upTo(await readHead(d.db));
  // Only checkpoints our local log can prove (a chain ahead of the log is the reconciler's business).
  const history = (await anchoredHistory(d.provider, d.deployment.checkpointLog, d.deployment.deployBlock)).filter((cp) => cp.size <= tree.size);
  const latest = history.at(-1);
  const entries: BundleEntry[] = [];
  const unanchored: number[] = [];
  for (const r of rows) {
    const index = Number(r.idx);
    const cp = firstCovering(history, index);
    if (!cp || !latest) {
      unanchored.push(index);
      continue;
    }
    entries.push({
      index,
      input: r.input,
      leafHash: toHex(leafHash(Buffer.from(r.input, "utf8"))),
      checkpoint: pick(cp),
      proof: tree.inclusionProof(index, cp.size).map(toHex),
      consistency: tree.consistencyProof(cp.size, latest.size).map(toHex),
    });
  }
  return {
    format: BUNDLE_FORMAT,
    recordId,
    chain: { chainId: d.deployment.chainId, checkpointLog: d.deployment.checkpointLog.toLowerCase() },
    createdAt: new Date().toISOString(),
    latest: latest ? pick(latest) : null,
    entries,
    unanchored,
  };
}

export interface BundleCheck {
  ok: boolean;
  entries: Array<{ index: number; ok: boolean; problems: string[]; type?: string; at?: string; anchoredAt?: string }>;
  /** The bundle's latest checkpoint against the chain's `latest()` now (v2 bundles). */
  latest?: { size: number; root: string; chain: { size: number; root: string }; current: boolean };
  problems: string[];
}

/** Checks that the chain holds `cp`: a successful transaction in that block whose CheckpointLog event names (size, root). */
async function anchorProblems(provider: Provider, checkpointLog: string, cp: BundleCheckpoint): Promise<string[]> {
  const p: string[] = [];
  const receipt = await provider.getTransactionReceipt(cp.txHash);
  if (!receipt) return ["the anchoring transaction is not on this chain"];
  if (receipt.blockNumber !== cp.blockNumber || receipt.blockHash.toLowerCase() !== String(cp.blockHash).toLowerCase()) p.push("the transaction is in another block");
  if (receipt.status !== 1) p.push("the anchoring transaction failed");
  const emitted = receipt.logs.some((l) => {
    if (l.address.toLowerCase() !== checkpointLog.toLowerCase()) return false;
    const ev = checkpointIface.parseLog(l);
    return ev?.name === "CheckpointSubmitted" && Number(ev.args.size) === cp.size && ev.args.root.slice(2).toLowerCase() === cp.root;
  });
  if (!emitted) p.push("CheckpointLog did not emit this (size, root) in that transaction");
  const block = await provider.getBlock(cp.blockNumber);
  if (!block || block.timestamp !== cp.blockTime) p.push("the block time differs");
  return p;
}

const cpShapeOk = (cp: BundleCheckpoint | null | undefined): cp is BundleCheckpoint =>
  !!cp && Number.isSafeInteger(cp.size) && cp.size > 0 && isHash32Hex(cp.root) && typeof cp.txHash === "string";
const proofOk = (proof: unknown): proof is string[] => Array.isArray(proof) && proof.every(isHash32Hex);

/**
 * Verifies a bundle with nothing but a chain endpoint: leaf hash, inclusion proof, the chain's own events, and
 * (v2) each checkpoint's consistency with the bundle's latest one, which must be the chain's `latest()` or an
 * earlier checkpoint the chain holds (the contract accepts a checkpoint only with a consistency proof from the
 * one before it, so every accepted checkpoint is a prefix of `latest()`).
 */
export async function checkBundle(bundle: unknown, rpc: Provider | string): Promise<BundleCheck> {
  const provider = typeof rpc === "string" ? new JsonRpcProvider(rpc, undefined, { staticNetwork: true }) : rpc;
  const problems: string[] = [];
  const b = bundle as Bundle;
  try {
    const v2 = b?.format === BUNDLE_FORMAT;
    if (!b || !(v2 || (b.format as string) === BUNDLE_FORMAT_V1) || !Array.isArray(b.entries) || !b.chain) return { ok: false, entries: [], problems: [`not an ${BUNDLE_FORMAT} bundle`] };
    const net = await provider.getNetwork();
    if (Number(net.chainId) !== b.chain.chainId) problems.push(`the endpoint is chain ${net.chainId}, the bundle is for chain ${b.chain.chainId}`);
    if (b.entries.length === 0) problems.push("the bundle proves no leaf");
    const cpl = new Contract(b.chain.checkpointLog, checkpointIface, provider);
    const anchors = new Map<string, Promise<string[]>>();
    const anchored = (cp: BundleCheckpoint) => {
      const key = `${cp.txHash}|${cp.size}|${cp.root}|${cp.blockNumber}|${cp.blockHash}|${cp.blockTime}`;
      if (!anchors.has(key)) anchors.set(key, anchorProblems(provider, b.chain.checkpointLog, cp));
      return anchors.get(key)!;
    };
    let latest: BundleCheck["latest"];
    if (v2 && b.entries.length > 0) {
      if (!cpShapeOk(b.latest)) problems.push("the bundle names no latest checkpoint");
      else {
        const [size, root] = (await cpl.latest()) as [bigint, string];
        const chain = { size: Number(size), root: root.slice(2).toLowerCase() };
        const current = chain.size === b.latest.size && chain.root === b.latest.root;
        latest = { size: b.latest.size, root: b.latest.root, chain, current };
        if (!current) {
          if (chain.size <= b.latest.size) problems.push(`the chain's latest checkpoint (size ${chain.size}) does not extend the bundle's (size ${b.latest.size})`);
          // The chain moved on: the bundle's latest must be one of its accepted checkpoints.
          else for (const x of await anchored(b.latest)) problems.push(`latest checkpoint: ${x}`);
        }
      }
    }
    const out: BundleCheck["entries"] = [];
    for (const e of b.entries) {
      const p: string[] = [];
      let type: string | undefined;
      let at: string | undefined;
      const bytes = Buffer.from(String(e.input), "utf8");
      try {
        const ev = parseLeafInput(bytes);
        type = ev.type;
        at = ev.at;
        if (ev.type !== "access" && ev.type !== "record" && ev.type !== "tombstone") p.push("the leaf is not a record, access or tombstone event");
        if ((ev.type === "record" || ev.type === "tombstone") && !ev.id.startsWith(`${b.recordId}:`)) p.push("the leaf belongs to another record");
      } catch {
        p.push("the leaf input is not a canonical log event");
      }
      const lh = leafHash(bytes);
      if (toHex(lh) !== e.leafHash) p.push("the leaf input does not hash to leafHash");
      const cp = e.checkpoint;
      if (!cpShapeOk(cp) || !proofOk(e.proof)) p.push("malformed checkpoint or proof");
      else {
        if (!verifyInclusion(e.index, cp.size, lh, e.proof.map(fromHex), fromHex(cp.root))) p.push("the inclusion proof does not lead to the checkpoint root");
        if (v2 && cpShapeOk(b.latest)) {
          if (!proofOk(e.consistency) || !verifyConsistency(cp.size, b.latest.size, fromHex(cp.root), fromHex(b.latest.root), e.consistency.map(fromHex))) {
            p.push("the consistency proof does not lead from the checkpoint to the latest one");
          }
        }
        p.push(...(await anchored(cp)));
        // Belt and braces: the contract's own verifiers agree.
        if (p.length === 0 && !(await cpl.verifyInclusion(e.index, cp.size, "0x" + e.leafHash, e.proof.map((x) => "0x" + x), "0x" + cp.root))) {
          p.push("CheckpointLog.verifyInclusion refuses the proof");
        }
        if (p.length === 0 && v2 && b.latest && cp.size < b.latest.size) {
          const agrees = await cpl.verifyConsistency(cp.size, b.latest.size, "0x" + cp.root, "0x" + b.latest.root, e.consistency.map((x) => "0x" + x));
          if (!agrees) p.push("CheckpointLog.verifyConsistency refuses the proof");
        }
      }
      out.push({ index: e.index, ok: p.length === 0, problems: p, type, at, anchoredAt: cp?.blockTime ? new Date(cp.blockTime * 1000).toISOString() : undefined });
    }
    return { ok: problems.length === 0 && out.every((x) => x.ok), entries: out, latest, problems };
  } finally {
    if (typeof rpc === "string") provider.destroy?.();
  }
}
