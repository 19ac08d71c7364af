// Matching in the store: needs behind the publication gate (which subject stands behind a needId stays here),
// proposals with the private accept link (treatment_subject), and counselor profiles.
import type { Queryable } from "./db.js";

/** How long past its deadline an accepting proposal waits for the TREATMENT grant (the clients' window + 1 h). */
export const ACCEPT_GRANT_GRACE_SECONDS = 25 * 3600;

// ---------- needs ----------

export type NeedStatus = "pooled" | "emergency" | "matched" | "withdrawn";

/** A matcher's pooled token-backed needs in arrival order (the need JSON as submitted): only these enter the gate. */
export async function pooledNeeds<N>(q: Queryable, matcher: string): Promise<N[]> {
  const rows = await q.query<{ need: N }>("SELECT need FROM match_needs WHERE matcher = $1 AND status = 'pooled' AND token_backed ORDER BY seq", [matcher]);
  return rows.map((r) => r.need);
}

/** A digest of the set of a matcher's pooled need ids (md5 of the sorted ids joined by ","; "" when none): lets an
 *  instance tell whether its in-memory pool still holds exactly what the shared store holds. */
export async function pooledNeedsDigest(q: Queryable, matcher: string): Promise<string> {
  const [r] = await q.query<{ h: string | null }>(
    "SELECT md5(string_agg(need_id, ',' ORDER BY need_id)) AS h FROM match_needs WHERE matcher = $1 AND status = 'pooled' AND token_backed",
    [matcher],
  );
  return r?.h ?? "";
}

/** Who stands behind each of a matcher's pooled needs (for the consent refresh; never shown to the matcher). */
export async function pooledSubjects(q: Queryable, matcher: string): Promise<Array<{ need_id: string; subject: string }>> {
  return q.query("SELECT need_id, subject FROM match_needs WHERE matcher = $1 AND status = 'pooled'", [matcher]);
}

/** Matchers with at least one pooled need. */
export async function poolMatchers(q: Queryable): Promise<string[]> {
  const rows = await q.query<{ matcher: string }>("SELECT DISTINCT matcher FROM match_needs WHERE status = 'pooled'");
  return rows.map((r) => r.matcher);
}

export async function hasPooledNeed(q: Queryable, subject: string): Promise<boolean> {
  return (await q.query("SELECT 1 FROM match_needs WHERE subject = $1 AND status = 'pooled'", [subject])).length > 0;
}

export async function needExists(q: Queryable, needId: string): Promise<boolean> {
  return (await q.query("SELECT 1 FROM match_needs WHERE need_id = $1", [needId])).length > 0;
}

export async function insertNeed(q: Queryable, n: { needId: string; subject: string; matcher: string; need: unknown; status: NeedStatus; period: string; at: string; tokenBacked: boolean }): Promise<void> {
  await q.query("INSERT INTO match_needs (need_id, subject, matcher, need, status, period, created_at, token_backed) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)", [
    n.needId, n.subject, n.matcher, JSON.stringify(n.need), n.status, n.period, n.at, n.tokenBacked,
  ]);
}

/** A subject's need: its matcher and status. */
export async function needOf(q: Queryable, subject: string, needId: string): Promise<{ matcher: string; status: string } | undefined> {
  const [r] = await q.query<{ matcher: string; status: string }>("SELECT matcher, status FROM match_needs WHERE need_id = $1 AND subject = $2", [needId, subject]);
  return r;
}

/** Closes a pooled need and withdraws its open proposals. */
export async function closeNeed(q: Queryable, needId: string, status: "withdrawn" | "matched", at: string): Promise<void> {
  await q.query("UPDATE match_needs SET status = $2, closed_at = $3 WHERE need_id = $1 AND status = 'pooled'", [needId, status, at]);
  await q.query("UPDATE match_proposals SET status = 'withdrawn', decided_at = $2 WHERE need_id = $1 AND status IN ('proposed', 'accepting')", [needId, at]);
}

/** The latest need of each subject in a month, with its matcher (for community statistics). */
export async function latestNeedsOfPeriod<N>(q: Queryable, period: string): Promise<Array<{ need: N; subject: string; matcher: string }>> {
  return q.query("SELECT DISTINCT ON (subject) need, subject, matcher FROM match_needs WHERE period = $1 ORDER BY subject, seq DESC", [period]);
}

// ---------- proposals ----------

export interface NewProposal {
  proposalId: string;
  needId: string;
  counselorId: string;
  cost: number;
  reasons: unknown;
  expiresAt: string;
  /** The need's reference in the publication the proposal came from (what the matcher knows it by). */
  needRef: string;
}

export interface ProposalRow {
  proposal_id: string;
  need_id: string;
  counselor: string;
  matcher: string;
  cost: number | string;
  reasons: { zh: string; en: string };
  status: string;
  treatment_subject: string | null;
  need_ref?: string | null;
  created_at: Date | string;
  expires_at: Date | string;
  decided_at: Date | string | null;
}

/** Proposals holding a counselor's capacity: open ones, and ones accepted since `since` (the profile's update). */
export async function heldCapacity(q: Queryable, counselor: string, since: Date | string): Promise<number> {
  const [{ n }] = await q.query<{ n: string }>(
    `SELECT count(*) AS n FROM match_proposals WHERE counselor = $1
       AND (status IN ('proposed', 'accepting') OR (status = 'accepted' AND decided_at > $2))`,
    [counselor, since],
  );
  return Number(n);
}

/** Needs of a matcher that have an open proposal. */
export async function needsWithOpenProposal(q: Queryable, matcher: string): Promise<Set<string>> {
  const rows = await q.query<{ need_id: string }>("SELECT need_id FROM match_proposals WHERE matcher = $1 AND status IN ('proposed', 'accepting')", [matcher]);
  return new Set(rows.map((r) => r.need_id));
}

export async function insertProposal(q: Queryable, matcher: string, p: NewProposal, createdAt: string): Promise<void> {
  await q.query(
    "INSERT INTO match_proposals (proposal_id, need_id, matcher, counselor, cost, reasons, status, created_at, expires_at, need_ref) VALUES ($1,$2,$3,$4,$5,$6,'proposed',$7,$8,$9)",
    [p.proposalId, p.needId, matcher, p.counselorId, p.cost, JSON.stringify(p.reasons), createdAt, p.expiresAt, p.needRef],
  );
}

export async function proposalsOfMatcher(q: Queryable, matcher: string): Promise<ProposalRow[]> {
  return q.query<ProposalRow>(
    "SELECT proposal_id, need_id, need_ref, counselor, cost, status, created_at, expires_at, decided_at FROM match_proposals WHERE matcher = $1 ORDER BY created_at, proposal_id",
    [matcher],
  );
}

/** Proposals for the needs of a subject (the resident's own view). */
export async function proposalsOfSubject(q: Queryable, subject: string): Promise<ProposalRow[]> {
  return q.query<ProposalRow>(
    `SELECT p.proposal_id, p.need_id, p.counselor, p.reasons, p.status, p.expires_at, p.created_at, p.treatment_subject
       FROM match_proposals p JOIN match_needs n ON n.need_id = p.need_id WHERE n.subject = $1 ORDER BY p.created_at, p.proposal_id`,
    [subject],
  );
}

/** A proposal for a need of `subject`. */
export async function proposalOfSubject(q: Queryable, subject: string, proposalId: string): Promise<ProposalRow | undefined> {
  const [r] = await q.query<ProposalRow>(
    `SELECT p.proposal_id, p.need_id, p.counselor, p.status, p.expires_at, p.matcher FROM match_proposals p JOIN match_needs n ON n.need_id = p.need_id
      WHERE p.proposal_id = $1 AND n.subject = $2`,
    [proposalId, subject],
  );
  return r;
}

export async function proposalStatus(q: Queryable, proposalId: string): Promise<string | undefined> {
  const [r] = await q.query<{ status: string }>("SELECT status FROM match_proposals WHERE proposal_id = $1", [proposalId]);
  return r?.status;
}

/** The resident accepted: the TREATMENT relationship address is stored, the grant is awaited. */
export async function markAccepting(q: Queryable, proposalId: string, treatmentSubject: string): Promise<void> {
  await q.query("UPDATE match_proposals SET status = 'accepting', treatment_subject = $2 WHERE proposal_id = $1", [proposalId, treatmentSubject]);
}

export async function decideProposal(q: Queryable, proposalId: string, status: "accepted" | "declined" | "expired", at: string): Promise<void> {
  await q.query("UPDATE match_proposals SET status = $3, decided_at = $2 WHERE proposal_id = $1", [proposalId, at, status]);
}

/** Accepts waiting for their TREATMENT grant to reach the index. */
export async function acceptingProposals(q: Queryable): Promise<ProposalRow[]> {
  return q.query<ProposalRow>("SELECT p.proposal_id, p.need_id, p.counselor, p.treatment_subject, p.matcher FROM match_proposals p WHERE status = 'accepting'");
}

/** Open proposals whose deadline has passed at `at`. */
export async function dueProposalIds(q: Queryable, at: string): Promise<string[]> {
  // An accepted proposal waits for its TREATMENT grant past the deadline: clients send it at a random moment of the
  // day after (src/client/dispatch.ts), so that the grant's time says nothing about the accept's.
  const rows = await q.query<{ proposal_id: string }>(
    "SELECT proposal_id FROM match_proposals WHERE (status = 'proposed' AND expires_at <= $1) OR (status = 'accepting' AND expires_at + make_interval(secs => $2) <= $1)",
    [at, ACCEPT_GRANT_GRACE_SECONDS],
  );
  return rows.map((r) => r.proposal_id);
}

/** A counselor's accepted clients, by TREATMENT relationship address, oldest first. */
export async function acceptedOfCounselor(q: Queryable, counselor: string): Promise<Array<{ proposal_id: string; treatment_subject: string; decided_at: Date | string }>> {
  return q.query("SELECT proposal_id, treatment_subject, decided_at FROM match_proposals WHERE counselor = $1 AND status = 'accepted' ORDER BY decided_at", [counselor]);
}

// ---------- counselor profiles ----------

export async function profiles<P>(q: Queryable): Promise<Array<{ counselor: string; profile: P; updated_at: Date }>> {
  return q.query("SELECT counselor, profile, updated_at FROM match_profiles ORDER BY counselor");
}

/** One counselor's published profile, if any. */
export async function profileOf<P>(q: Queryable, counselor: string): Promise<P | undefined> {
  const [r] = await q.query<{ profile: P }>("SELECT profile FROM match_profiles WHERE counselor = $1", [counselor]);
  return r?.profile;
}

export async function putProfile(q: Queryable, counselor: string, profile: unknown, at: string): Promise<void> {
  await q.query(
    `INSERT INTO match_profiles (counselor, profile, updated_at) VALUES ($1, $2, $3)
     ON CONFLICT (counselor) DO UPDATE SET profile = EXCLUDED.profile, updated_at = EXCLUDED.updated_at`,
    [counselor, JSON.stringify(profile), at],
  );
}
