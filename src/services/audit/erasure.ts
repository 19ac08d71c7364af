// 6 erasure: tombstoned data is gone (envelope and sealed keys) while the record row and every leaf remain.
import { Findings, type AuditCheck } from "./report.js";
import type { AuditSnapshot } from "./snapshot.js";

export function checkErasure(s: AuditSnapshot): AuditCheck {
  const c = new Findings("erasure", "erased data gone, leaves kept");
  for (const r of s.records.values()) if (r.erased && r.envelope !== "absent") c.fail("erased-data-present", `record ${r.id} is erased but its envelope is still stored`);
  for (const k of s.keys) {
    const r = s.records.get(k.contentHash);
    if (r?.erased) c.fail("erased-data-present", `record ${r.id} is erased but a sealed key is still stored`);
  }
  const matched = new Set<number>();
  const tombHashes = new Set<string>();
  for (const t of s.tombstones) {
    tombHashes.add(t.contentHash);
    const leaf = s.tombstoneLeaves.get(t.leafIndex);
    if (!leaf || leaf.hash !== t.contentHash.slice(2)) c.fail("tombstone-not-in-log", `tombstone of ${t.contentHash}: leaf ${t.leafIndex} is not its tombstone leaf`);
    else matched.add(t.leafIndex);
    const r = s.records.get(t.contentHash);
    if (!r) c.fail("record-row-missing", `tombstone of ${t.contentHash}: the record row is gone (it must stay, emptied)`);
    else {
      if (!r.erased) c.fail("erased-data-present", `record ${r.id} has a tombstone but is not marked erased`);
      if (!s.recordLeaves.has(r.leafIndex)) c.fail("record-leaf-missing", `record ${r.id}: its leaf ${r.leafIndex} is gone`);
    }
  }
  for (const r of s.records.values()) if (r.erased && !tombHashes.has(r.contentHash)) c.fail("erased-without-tombstone", `record ${r.id} is erased without a tombstone`);
  for (const [idx] of s.tombstoneLeaves) if (!matched.has(idx)) c.fail("tombstone-row-missing", `tombstone leaf ${idx} has no tombstone row`);
  return c.done();
}
