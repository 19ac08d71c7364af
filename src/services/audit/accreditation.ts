// 5 accreditation: every counselor-written record's author was accredited (on chain) at its createdAt; every public
// profile the server stores is the one the authority published on chain (not forged, not stale).
import { accreditedAt } from "../accreditation.js";
import { recordLeafOf } from "./leaves.js";
import { Findings, type AuditCheck } from "./report.js";
import type { AuditSnapshot } from "./snapshot.js";

export function checkAccreditation(s: AuditSnapshot): AuditCheck {
  const c = new Findings("accreditation", "every counselor-written record's author was accredited when it was written; every served profile is the authority's");
  // Records a resident wrote about herself need no accreditation; a record whose leaf is wrong is the leaves check's.
  const writes = new Map<string, Array<{ t: number; id: string }>>();
  for (const r of s.records.values()) {
    if (r.author === r.subject || recordLeafOf(s, r) !== "matches") continue;
    const list = writes.get(r.author) ?? [];
    list.push({ t: Math.floor(Date.parse(r.createdAt) / 1000), id: r.id });
    writes.set(r.author, list);
  }
  for (const [author, list] of writes) {
    const states = s.accreditation.get(author) ?? [];
    for (const w of list) {
      // The contract's own rules, from the one definition every decision path uses.
      const ok = accreditedAt(states, w.t);
      if (!ok) c.fail("author-not-accredited", `record ${w.id}: author ${author} was not accredited at its createdAt`);
    }
  }
  for (const p of s.profiles) {
    if (p.documentHash === null) c.fail("profile-invalid", `public profile of ${p.counselor}: the stored document is not a profile of this counselor`);
    else if (p.documentHash !== p.storedHash || p.documentHash !== p.chainHash) {
      c.fail("profile-mismatch", `public profile of ${p.counselor}: document hash ${p.documentHash}, stored ${p.storedHash}, on chain ${p.chainHash}`);
    }
  }
  return c.done();
}
