// Who may read a record version's content key, decided from the consent index at the moment of the request
// (DESIGN: "a key release re-checks the grant's expiry and revocation at the time of release").
// Order: author → subject → TREATMENT grant (MONITORING also for wearable summaries) → EMERGENCY grant → refuse.
import type { Session } from "../session.js";
import type { Queryable } from "../../store/db.js";
import { activeGrants, getGrant, grantCovers, grantsWhere, isActiveAt } from "../../store/consent-repo.js";
import { unlessWithdrawn } from "../consents.js";
import { Purpose } from "../../consent/types.js";

export type Basis = "author" | "subject" | "grant" | "emergency";
/** Short reason codes written to access_log.reason: never personal, stable for auditors. */
export type RefusalReason =
  | "no_grant"
  | "out_of_scope"
  | "grant_revoked"
  | "grant_expired"
  | "role_auditor"
  | "role_matcher"
  | "counselor_suspended"
  | "no_role"
  | "no_sealed_key"
  | "erased"
  | "integrity";

export type Decision = { ok: true; basis: Basis; grantId: string | null } | { ok: false; reason: RefusalReason };

export interface RecordFacts {
  kind: string;
  author: string;
  subject_ref: string;
}

/** Purposes that let a grantee read records of `kind` (besides EMERGENCY). */
export function readingPurposes(kind: string): Purpose[] {
  return kind === "wearable_summary" ? [Purpose.TREATMENT, Purpose.MONITORING] : [Purpose.TREATMENT];
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Only residents and accredited counselors ever read contents; everyone else is refused with a role code. */
function roleRefusal(session: Session): RefusalReason | null {
  if (session.roles.has("counselor") || session.roles.has("resident")) return null;
  if (session.formerCounselor) return "counselor_suspended";
  if (session.roles.has("auditor")) return "role_auditor";
  if (session.roles.has("matcher")) return "role_matcher";
  return "no_role";
}

/**
 * Basis for `session` to read a version of `rec`. `keyGrantId` is the grant a re-wrapped key row names (identity
 * entries, whose subjectRef is the vault address and not the subject of any grant).
 */
export async function decide(q: Queryable, session: Session, rec: RecordFacts, keyGrantId: string | null, at = nowSeconds()): Promise<Decision> {
  return unlessWithdrawn(q, await decideFromIndex(q, session, rec, keyGrantId, at));
}

async function decideFromIndex(q: Queryable, session: Session, rec: RecordFacts, keyGrantId: string | null, at: number): Promise<Decision> {
  const me = session.address;
  const role = roleRefusal(session);
  if (role) return { ok: false, reason: role };
  if (rec.author === me) return { ok: true, basis: "author", grantId: null };
  if (rec.subject_ref === me) return { ok: true, basis: "subject", grantId: null };
  if (!session.roles.has("counselor")) return { ok: false, reason: "no_grant" };

  if (rec.kind === "identity") {
    // The identity key goes to a counselor only under the active TREATMENT grant its re-wrap named.
    const g = keyGrantId ? await getGrant(q, keyGrantId) : undefined;
    if (!g || g.grantee !== me || g.purpose !== Purpose.TREATMENT) return { ok: false, reason: "no_grant" };
    if (!grantCovers(g, "identity")) return { ok: false, reason: "out_of_scope" };
    if (isActiveAt(g, at)) return { ok: true, basis: "grant", grantId: g.grant_id };
    return { ok: false, reason: g.revoked_at !== null && g.revoked_at <= at ? "grant_revoked" : "grant_expired" };
  }

  // The grant must be active now AND its scope must open to this kind of record (the categories the resident chose).
  const active = await activeGrants(q, { grantee: me, subject: rec.subject_ref, purposes: readingPurposes(rec.kind), atSeconds: at });
  const grant = active.find((g) => grantCovers(g, rec.kind));
  if (grant) return { ok: true, basis: "grant", grantId: grant.grant_id };
  const emergency = (await activeGrants(q, { grantee: me, subject: rec.subject_ref, purposes: [Purpose.EMERGENCY], atSeconds: at })).find((g) => grantCovers(g, rec.kind));
  if (emergency) return { ok: true, basis: "emergency", grantId: emergency.grant_id };
  if (active.length > 0) return { ok: false, reason: "out_of_scope" };
  return { ok: false, reason: await whyNoGrant(q, me, rec, at) };
}

/** Distinguishes "never consented" from "consent ended" for the auditor's benefit. */
async function whyNoGrant(q: Queryable, me: string, rec: RecordFacts, at: number): Promise<RefusalReason> {
  const purposes = new Set([...readingPurposes(rec.kind), Purpose.EMERGENCY]);
  const past = (await grantsWhere(q, { subject: rec.subject_ref, grantee: me })).filter((g) => purposes.has(g.purpose));
  if (past.some((g) => g.revoked_at !== null && g.revoked_at <= at)) return "grant_revoked";
  if (past.some((g) => g.not_after <= at)) return "grant_expired";
  return "no_grant";
}

/** Whether `counselor` may see the record list / envelopes of `subject` now (any reading purpose or emergency). */
export async function counselorMayList(q: Queryable, counselor: string, subject: string, at = nowSeconds()): Promise<boolean> {
  const g = await activeGrants(q, { grantee: counselor, subject, purposes: [Purpose.TREATMENT, Purpose.MONITORING, Purpose.EMERGENCY], atSeconds: at });
  return g.length > 0;
}
