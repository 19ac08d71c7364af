// Offline proof bundles (docs/FORMATS.md (Audit formats)): for each leaf of a record (its versions, their sealed-key leaves
// and tombstones), the leaf input, its index, an inclusion proof into the FIRST anchored checkpoint that covers it,
// and that checkpoint's transaction and block. checkBundle needs nothing but the bundle and a chain endpoint.
import { Contract, JsonRpcProvider, type Provider } from "ethers";
import { fromHex, isHash32Hex, leafHash, parseLeafInput, toHex, verifyInclusion } from "../log/index.js";
import type { Queryable } from "../store/db.js";
import { anchoredHistory, checkpointIface, firstCovering } from "./checkpoints.js";
import type { LogTreeCache } from "./log-tree.js";
import { readHead } from "./log-tree.js";

export const BUNDLE_FORMAT = "anxin.audit.bundle.v1";

export interface BundleEntry {
  index: number;
  /** The leaf input: canonical JSON text of the event (its UTF-8 bytes are hashed). */
  input: string;
  leafHash: string;
  checkpoint: { size: number; root: string; txHash: string; blockNumber: number; blockHash: string; blockTime: number; logIndex: number };
  /** Inclusion proof of leaf `index` in the tree of `checkpoint.size` leaves, sibling first, 64 hex each. */
  proof: string[];
}

export interface Bundle {
  format: typeof BUNDLE_FORMAT;
  recordId: string;
  chain: { chainId: number; checkpointLog: string };
  createdAt: string;
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

export async function buildBundle(
  d: { db: Queryable; provider: Provider; tree: LogTreeCache; deployment: { chainId: number; checkpointLog: string; deployBlock: number } },
  recordId: string,
): Promise<Bundle> {
  const rows = await d.db.query<{ idx: number; input: string }>(
    `SELECT idx, input FROM log_leaves WHERE idx IN (
       SELECT leaf_index FROM records WHERE record_id = $1
       UNION SELECT t.leaf_index FROM tombstones t JOIN records r USING (content_hash) WHERE r.record_id = $1)
     OR (type = 'access' AND ref_id LIKE $2) ORDER BY idx`,
    [recordId, `${recordId}:%`],
  );
  if (rows.length === 0) throw new BundleError("no such record in the log");
  const history = await anchoredHistory(d.provider, d.deployment.checkpointLog, d.deployment.deployBlock);
  const tree = await d.tree.upTo(await readHead(d.db));
  const entries: BundleEntry[] = [];
  const unanchored: number[] = [];
  for (const r of rows) {
    const index = Number(r.idx);
    const cp = firstCovering(history, index);
    if (!cp || cp.size > tree.size) {
      unanchored.push(index);
      continue;
    }
    entries.push({
      index,
      input: r.input,
      leafHash: toHex(leafHash(Buffer.from(r.input, "utf8"))),
      checkpoint: { size: cp.size, root: cp.root, txHash: cp.txHash, blockNumber: cp.blockNumber, blockHash: cp.blockHash, blockTime: cp.blockTime, logIndex: cp.logIndex },
      proof: tree.inclusionProof(index, cp.size).map(toHex),
    });
  }
  return { format: BUNDLE_FORMAT, recordId, chain: { chainId: d.deployment.chainId, checkpointLog: d.deployment.checkpointLog.toLowerCase() }, createdAt: new Date().toISOString(), entries, unanchored };
}

export interface BundleCheck {
  ok: boolean;
  entries: Array<{ index: number; ok: boolean; problems: string[]; type?: string; at?: string; anchoredAt?: string }>;
  problems: string[];
}

/** Verifies a bundle with nothing but a chain endpoint: leaf hash, inclusion proof, and the chain's own event. */
export async function checkBundle(bundle: unknown, rpc: Provider | string): Promise<BundleCheck> {
  const provider = typeof rpc === "string" ? new JsonRpcProvider(rpc, undefined, { staticNetwork: true }) : rpc;
  const problems: string[] = [];
  const b = bundle as Bundle;
  try {
    if (!b || b.format !== BUNDLE_FORMAT || !Array.isArray(b.entries) || !b.chain) return { ok: false, entries: [], problems: [`not an ${BUNDLE_FORMAT} bundle`] };
    const net = await provider.getNetwork();
    if (Number(net.chainId) !== b.chain.chainId) problems.push(`the endpoint is chain ${net.chainId}, the bundle is for chain ${b.chain.chainId}`);
    if (b.entries.length === 0) problems.push("the bundle proves no leaf");
    const cpl = new Contract(b.chain.checkpointLog, checkpointIface, provider);
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
      const shapeOk = cp && isHash32Hex(cp.root) && Array.isArray(e.proof) && e.proof.every(isHash32Hex);
      if (!shapeOk) p.push("malformed checkpoint or proof");
      else if (!verifyInclusion(e.index, cp.size, lh, e.proof.map(fromHex), fromHex(cp.root))) p.push("the inclusion proof does not lead to the checkpoint root");
      if (cp) {
        const receipt = await provider.getTransactionReceipt(cp.txHash);
        if (!receipt) p.push("the anchoring transaction is not on this chain");
        else {
          if (receipt.blockNumber !== cp.blockNumber || receipt.blockHash.toLowerCase() !== String(cp.blockHash).toLowerCase()) p.push("the transaction is in another block");
          if (receipt.status !== 1) p.push("the anchoring transaction failed");
          const emitted = receipt.logs.some((l) => {
            if (l.address.toLowerCase() !== b.chain.checkpointLog.toLowerCase()) return false;
            const ev = checkpointIface.parseLog(l);
            return ev?.name === "CheckpointSubmitted" && Number(ev.args.size) === cp.size && ev.args.root.slice(2).toLowerCase() === cp.root;
          });
          if (!emitted) p.push("CheckpointLog did not emit this (size, root) in that transaction");
          const block = await provider.getBlock(cp.blockNumber);
          if (!block || block.timestamp !== cp.blockTime) p.push("the block time differs");
          // Belt and braces: the contract's own verifier agrees.
          if (p.length === 0 && !(await cpl.verifyInclusion(e.index, cp.size, "0x" + e.leafHash, e.proof.map((x) => "0x" + x), "0x" + cp.root))) {
            p.push("CheckpointLog.verifyInclusion refuses the proof");
          }
        }
      }
      out.push({ index: e.index, ok: p.length === 0, problems: p, type, at, anchoredAt: cp?.blockTime ? new Date(cp.blockTime * 1000).toISOString() : undefined });
    }
    return { ok: problems.length === 0 && out.every((x) => x.ok), entries: out, problems };
  } finally {
    if (typeof rpc === "string") provider.destroy?.();
  }
}
