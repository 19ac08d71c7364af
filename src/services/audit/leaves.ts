// 1 leaves: every leaf index 0..size-1 present; the tree rebuilt from the stored leaf inputs reproduces the head;
// every stored envelope recomputes to its record leaf; every sealed key is logged.
import { bytesEqual } from "../../log/index.js";
import { Findings, type AuditCheck } from "./report.js";
import type { AuditSnapshot, RecordFact } from "./snapshot.js";

export function checkLeaves(s: AuditSnapshot): AuditCheck {
  const c = new Findings("leaves", "every leaf present and rebuilt; every envelope and sealed key matches its leaf");
  for (const p of s.leafProblems) {
    if (p.problem === "missing") for (let i = p.from; i < p.to; i++) c.fail("leaf-missing", `leaf ${i} is missing from the log`);
    else if (p.problem === "not-event") c.fail("leaf-invalid", `leaf ${p.index} is not a log event`);
    else c.fail("leaf-invalid", `leaf ${p.index} is not a valid log event`);
  }
  // Named one by one: the stored input of each no longer hashes to the leaf hash the tree and the anchors were built from.
  for (const l of s.changedInputs) c.fail("leaf-input-changed", `leaf ${l.idx} (${l.type} ${l.refId}): its stored input was changed (it no longer hashes to its leaf hash)`);
  const { size, root, maxIndex } = s.head;
  if (maxIndex !== null && maxIndex + 1 > size) c.fail("leaf-beyond-head", `leaves exist up to index ${maxIndex} but the head says ${size}`);
  if (s.missingLeaves === 0 && s.tree.size === size && !bytesEqual(s.tree.rootAt(size), root)) {
    c.fail("head-root-mismatch", `the leaves do not reproduce the head's root at size ${size}`);
  }
  const matched = new Set<number>();
  for (const r of s.records.values()) {
    if (r.envelope === "differs") c.fail("content-hash-mismatch", `record ${r.id}: the stored envelope does not hash to ${r.contentHash}`);
    else if (r.envelope === "absent" && !r.erased) c.fail("envelope-missing", `record ${r.id} has no envelope and no erasure`);
    const leaf = recordLeafOf(s, r);
    if (leaf === "absent") c.fail("record-not-in-log", `record ${r.id}: leaf ${r.leafIndex} is not its record leaf`);
    else {
      matched.add(r.leafIndex);
      if (leaf === "differs") c.fail("record-leaf-mismatch", `record ${r.id}: leaf ${r.leafIndex} names another record, hash or time`);
    }
  }
  for (const [idx, leaf] of s.recordLeaves) if (!matched.has(idx)) c.fail("record-row-missing", `record leaf ${idx} (${leaf.id}) has no record row`);
  // Sealed keys are outside the content hash by design: each must be committed to by a leaf.
  for (const k of s.keys) {
    if (!s.keyHashes.has(k.entryHash)) {
      const r = s.records.get(k.contentHash);
      c.fail("key-entry-not-in-log", `a sealed key of record ${r?.id ?? k.contentHash} for ${k.recipient} is not covered by any leaf`);
    }
  }
  return c.done();
}

/** Whether the record's leaf is a record leaf, and if so whether it names this record, hash and time. */
export function recordLeafOf(s: AuditSnapshot, r: RecordFact): "absent" | "differs" | "matches" {
  const leaf = s.recordLeaves.get(r.leafIndex);
  if (!leaf) return "absent";
  return leaf.hash === r.contentHash.slice(2) && leaf.id === r.id && leaf.at === r.createdAt ? "matches" : "differs";
}
