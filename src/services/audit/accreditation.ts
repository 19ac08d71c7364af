// 5 accreditation: every counselor-written record's author was accredited (on chain) at its createdAt.
import { accreditedAt } from "../accreditation.js";
import { recordLeafOf } from "./leaves.js";
import { Findings, type AuditCheck } from "./report.js";
import type { AuditSnapshot } from "./snapshot.js";

export function checkAccreditation(s: AuditSnapshot): AuditCheck {
  const c = new Findings("accreditation", "every counselor-written record's author was accredited when it was written");
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
  return c.done();
}
