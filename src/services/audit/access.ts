// 4 access: every key release was covered by authorship, the subject, an active grant, or an EMERGENCY grant
// (listed for review); every access row has its leaf and every access leaf its row.
import { Purpose } from "../../consent/index.js";
import { Findings, type AuditCheck, type EmergencyReviewItem } from "./report.js";
import type { AccessFact, AuditSnapshot, RecordFact } from "./snapshot.js";

/** The auditor's own statement of which purposes let a grantee read a kind of record (not the server's code). */
const readingPurposes = (kind: string): Purpose[] => (kind === "wearable_summary" ? [Purpose.TREATMENT, Purpose.MONITORING] : [Purpose.TREATMENT]);

export interface AccessOutcome {
  check: AuditCheck;
  releases: number;
  refusals: number;
  emergencyReview: EmergencyReviewItem[];
}

export function checkAccess(s: AuditSnapshot): AccessOutcome {
  const c = new Findings("access", "every key release covered by authorship, the subject, a grant or a reviewed emergency grant");
  const out = { releases: 0, refusals: 0, emergencyReview: [] as EmergencyReviewItem[] };
  const matched = new Set<number>();
  for (const a of s.access) {
    const leaf = s.accessLeaves.get(a.leafIndex);
    if (!leaf) c.fail("access-not-in-log", `access ${a.id}: leaf ${a.leafIndex} is not its access leaf`);
    else {
      matched.add(a.leafIndex);
      if (leaf.hash !== a.contentHash.slice(2) || leaf.decision !== a.decision || (leaf.basis ?? null) !== a.basis || leaf.at !== a.at) {
        c.fail("access-leaf-mismatch", `access ${a.id}: leaf ${a.leafIndex} records another record, decision, basis or time`);
      } else if (leaf.v !== undefined && (leaf.v !== 2 || (leaf.grant ?? null) !== (a.grantId?.toLowerCase() ?? null))) {
        // Version 2 leaves commit the grant id; version 1 leaves (no v) did not, and the row's grant id stands.
        c.fail("access-leaf-mismatch", `access ${a.id}: leaf ${a.leafIndex} commits another grant than the access row names`);
      }
    }
    if (a.decision !== "released") {
      out.refusals++;
      continue;
    }
    out.releases++;
    const r = s.records.get(a.contentHash);
    if (!r) {
      c.fail("release-of-unknown-record", `access ${a.id}: released a key of a record that is not stored`);
      continue;
    }
    const covered = coveredRelease(s, a, r);
    if (covered && a.basis === "emergency") {
      out.emergencyReview.push({ accessId: String(a.id), leafIndex: a.leafIndex, at: a.at, counselor: a.requester, grantId: a.grantId!, contentHash: a.contentHash });
    }
    if (!covered) c.fail("release-without-basis", `access ${a.id} (leaf ${a.leafIndex}): key released to ${a.requester} with basis ${a.basis ?? "none"} not covered at that time`);
  }
  for (const [idx, leaf] of s.accessLeaves) if (!matched.has(idx)) c.fail("access-row-missing", `access leaf ${idx} (${leaf.id}) has no access row`);
  return { check: c.done(), ...out };
}

/** Whether the release's basis held at its time, by the chain's grant. */
function coveredRelease(s: AuditSnapshot, a: AccessFact, r: RecordFact): boolean {
  if (a.basis === "author") return a.requester === r.author;
  if (a.basis === "subject") return a.requester === r.subject;
  if ((a.basis !== "grant" && a.basis !== "emergency") || !a.grantId) return false;
  const g = s.grants.get(a.grantId);
  if (!g) return false;
  const t = Math.floor(Date.parse(a.at) / 1000);
  // Chain times are whole seconds and so is t: a release in the same second as the revocation's block is
  // ambiguous and counts as before it (the service refuses any release once it has seen the revocation).
  const active = g.notBefore <= t && t < g.notAfter && (g.revokedAt === null || t <= g.revokedAt);
  const party = g.grantee === a.requester && (r.kind === "identity" || g.subject === r.subject);
  const purpose = a.basis === "emergency" ? g.purpose === Purpose.EMERGENCY : readingPurposes(r.kind).includes(g.purpose);
  return active && party && purpose;
}
