// Matching use cases: the publication gate in front of each matching service's pool, proposals and the accept
// flow, and DP community statistics. The matcher only ever gets what NeedPool.published() returns (generalized
// needs) plus counselor profiles; which pseudonymous subject stands behind a needId stays in match_needs and is
// read only by the resident's own routes. Every state change commits with a log leaf (type "access").
import { randomBytes } from "node:crypto";
import { verifyMessage } from "ethers";
import { sha256 } from "@noble/hashes/sha2.js";
import { canonicalBytes } from "../crypto/index.js";
import {
  GEO_LEVELS,
  isUrgent,
  NeedPool,
  NeedSchema,
  PrivacyBudgetExceededError,
  releaseCommunityStats,
  type GeoLevel,
  type Need,
  type RiskReport,
} from "../deid/index.js";
import { acceptMessage, DEFAULT_WEIGHTS, solve, type Counselor } from "../matching/index.js";
import { Purpose } from "../consent/types.js";
import { activeGrants } from "../store/consent-repo.js";
import type { Queryable } from "../store/db.js";
import { conflict, forbidden, notFound, unprocessable } from "./errors.js";
import type { AppContext } from "./context.js";
import { isIndexedAccredited, isIndexedMatcher } from "./registry-view.js";
import { raiseAlert, type RaisedAlert } from "./alerts.js";

export const POOL_K = 5;
export const POOL_L = 2;
export const DEFAULT_PROPOSAL_TTL_SECONDS = 48 * 3600;

const nowS = () => Math.floor(Date.now() / 1000);
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const randomId = () => randomBytes(16).toString("hex");
const hashOf = (v: unknown) => hex(sha256(canonicalBytes(v)));
const monthOf = (d: Date) => d.toISOString().slice(0, 7);

export type ProfileInput = Omit<Counselor, "counselorId" | "accredited">;

export class MatchingService {
  readonly #pools = new Map<string, NeedPool>();
  #lock: Promise<unknown> = Promise.resolve();

  constructor(private readonly ctx: AppContext) {}

  /** Serializes every pool mutation of this instance (the pool is in memory; the table is its durable copy). */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn, fn);
    this.#lock = run.catch(() => undefined);
    return run;
  }

  /** The matcher's pool, rebuilt from the store on first use by re-offering its pooled needs in arrival order. */
  async #pool(matcher: string): Promise<NeedPool> {
    let p = this.#pools.get(matcher);
    if (p) return p;
    p = new NeedPool({ k: POOL_K, l: POOL_L, places: this.ctx.places });
    const rows = await this.ctx.db.query<{ need: Need }>("SELECT need FROM match_needs WHERE matcher = $1 AND status = 'pooled' ORDER BY seq", [matcher]);
    let foreign = 0;
    for (const r of rows) {
      // A need from before a change of ANXIN_CITY names a place this deployment no longer serves: it stays stored
      // (the resident can withdraw it) but is not offered to the matcher.
      if (this.ctx.places.isArea(r.need.district)) p.submit(r.need);
      else foreign++;
    }
    if (foreign) this.ctx.log.warn({ matcher, needs: foreign }, "pooled needs outside the configured city were not offered");
    this.#pools.set(matcher, p);
    return p;
  }

  // ---------- resident: submit a need ----------

  async submitNeed(subject: string, input: { need: Need; matcher?: string; lang?: "zh" | "en" }) {
    return this.#serial(async () => {
      const need = NeedSchema.parse(input.need);
      this.#servedArea(need.district, "need.district");
      const grants = await activeGrants(this.ctx.db, { subject, purposes: [Purpose.MATCHING], atSeconds: nowS() });
      const matchers: string[] = [];
      for (const g of grants) if (!matchers.includes(g.grantee) && (await isIndexedMatcher(this.ctx.db, g.grantee))) matchers.push(g.grantee);
      const wanted = input.matcher?.toLowerCase();
      const matcher = wanted ? matchers.find((m) => m === wanted) : matchers[0];
      if (!matcher) throw forbidden("no active MATCHING consent from this address to a registered matching service");
      if (matchers.length > 1 && !wanted) throw unprocessable("several matching services hold your consent: name one in `matcher`");
      const open = await this.ctx.db.query("SELECT 1 FROM match_needs WHERE subject = $1 AND status = 'pooled'", [subject]);
      if (open.length) throw conflict("this address already has an open need: withdraw it first");
      const dup = await this.ctx.db.query("SELECT 1 FROM match_needs WHERE need_id = $1", [need.needId]);
      if (dup.length) throw conflict("needId already used: derive a fresh need");
      const urgent = isUrgent(need.urgency);
      const status = urgent ? "emergency" : "pooled";
      const pool = await this.#pool(matcher); // loaded before the insert, so the new need is offered exactly once
      const at = new Date();
      await this.ctx.writer.submit(async ({ q, append }) => {
        await q.query("INSERT INTO match_needs (need_id, subject, matcher, need, status, period, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7)", [
          need.needId, subject, matcher, JSON.stringify(need), status, monthOf(at), at.toISOString(),
        ]);
        append({ type: "access", id: `need:${need.needId}`, hash: hashOf(need), at: at.toISOString(), action: "need.submit", decision: urgent ? "emergency" : "pool" });
      });
      if (urgent) {
        // Never pooled (k-anonymity cannot wait): the crisis path instead, alerting existing counselors of this address.
        const alert = await raiseAlert(this.ctx, { kind: "crisis", level: need.urgency === "crisis" ? "high" : "elevated", subject, raisedBy: subject, lang: input.lang ?? "zh" });
        return { needId: need.needId, route: "emergency" as const, alert };
      }
      pool.submit(need);
      const published = pool.published().some((n) => n.needId === need.needId);
      return { needId: need.needId, route: "pool" as const, status: published ? ("published" as const) : ("held" as const) };
    });
  }

  /** Resident withdraws their open need. */
  async withdrawNeed(subject: string, needId: string) {
    return this.#serial(async () => {
      const [row] = await this.ctx.db.query<{ matcher: string; status: string }>("SELECT matcher, status FROM match_needs WHERE need_id = $1 AND subject = $2", [needId, subject]);
      if (!row) throw notFound("no such need");
      if (row.status !== "pooled") throw conflict(`need is ${row.status}`);
      await this.#close(row.matcher, [needId], "withdrawn");
      return { needId, status: "withdrawn" };
    });
  }

  /** Marks needs closed in the store (with leaves) and takes them out of the pool (which keeps k/l by itself). */
  async #close(matcher: string, needIds: string[], status: "withdrawn" | "matched") {
    if (!needIds.length) return;
    const at = new Date().toISOString();
    await this.ctx.writer.submit(async ({ q, append }) => {
      for (const id of needIds) {
        await q.query("UPDATE match_needs SET status = $2, closed_at = $3 WHERE need_id = $1 AND status = 'pooled'", [id, status, at]);
        await q.query("UPDATE match_proposals SET status = 'withdrawn', decided_at = $2 WHERE need_id = $1 AND status IN ('proposed', 'accepting')", [id, at]);
        append({ type: "access", id: `need:${id}`, hash: hashOf({ needId: id, status }), at, action: "need.close", decision: status });
      }
    });
    const pool = await this.#pool(matcher);
    for (const id of needIds) pool.withdraw(id);
  }

  /** Drops needs whose MATCHING consent is no longer active (revoked, expired, matcher deregistered). */
  async refresh(matcher: string): Promise<number> {
    return this.#serial(() => this.#refresh(matcher));
  }

  async #refresh(matcher: string): Promise<number> {
    const rows = await this.ctx.db.query<{ need_id: string; subject: string }>("SELECT need_id, subject FROM match_needs WHERE matcher = $1 AND status = 'pooled'", [matcher]);
    if (!rows.length) return 0;
    const stillMatcher = await isIndexedMatcher(this.ctx.db, matcher);
    const live = new Set(
      stillMatcher
        ? (await activeGrants(this.ctx.db, { grantee: matcher, purposes: [Purpose.MATCHING], atSeconds: nowS() })).map((g) => g.subject)
        : [],
    );
    const gone = rows.filter((r) => !live.has(r.subject)).map((r) => r.need_id);
    await this.#close(matcher, gone, "withdrawn");
    return gone.length;
  }

  // ---------- matcher ----------

  async poolView(matcher: string): Promise<{ k: number; l: number; needs: Need[]; heldCount: number; risk: RiskReport }> {
    return this.#serial(async () => {
      await this.#refresh(matcher);
      const pool = await this.#pool(matcher);
      return { k: pool.k, l: pool.l, needs: pool.published(), heldCount: pool.held().length, risk: pool.risk() };
    });
  }

  async counselorProfiles(): Promise<Array<Counselor & { slots: { free: number; taken: number } }>> {
    const rows = await this.ctx.db.query<{ counselor: string; profile: ProfileInput; updated_at: Date }>("SELECT counselor, profile, updated_at FROM match_profiles ORDER BY counselor");
    const out = [];
    for (const r of rows) {
      const [{ n }] = await this.ctx.db.query<{ n: string }>(
        `SELECT count(*) AS n FROM match_proposals WHERE counselor = $1
           AND (status IN ('proposed', 'accepting') OR (status = 'accepted' AND decided_at > $2))`,
        [r.counselor, r.updated_at],
      );
      const slots = await this.ctx.db.query<{ taken: boolean; n: string }>("SELECT taken, count(*) AS n FROM booking_slots WHERE counselor = $1 AND ends_at > now() GROUP BY taken", [r.counselor]);
      out.push({
        ...r.profile,
        counselorId: r.counselor,
        capacity: Math.max(0, r.profile.capacity - Number(n)),
        accredited: await isIndexedAccredited(this.ctx.db, r.counselor, nowS()),
        slots: { free: Number(slots.find((s) => !s.taken)?.n ?? 0), taken: Number(slots.find((s) => s.taken)?.n ?? 0) },
      });
    }
    return out;
  }

  /** A place code this deployment serves (a district, zone, its city or province), or 422. */
  #servedArea(code: string, what: string) {
    if (!this.ctx.places.isArea(code))
      throw unprocessable(`${what}: ${code} is not a district, zone or city of ${this.ctx.places.label(this.ctx.places.city).zh} (${this.ctx.places.city}); GET /v1/places lists them`);
  }

  async putProfile(counselor: string, profile: ProfileInput) {
    for (const d of profile.districts) this.#servedArea(d, "districts");
    const at = new Date().toISOString();
    await this.ctx.writer.submit(async ({ q, append }) => {
      await q.query(
        `INSERT INTO match_profiles (counselor, profile, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (counselor) DO UPDATE SET profile = EXCLUDED.profile, updated_at = EXCLUDED.updated_at`,
        [counselor, JSON.stringify(profile), at],
      );
      append({ type: "access", id: `profile:${counselor}`, hash: hashOf(profile), at, action: "profile.put" });
    });
    return { ...profile, counselorId: counselor };
  }

  /** Solves over the published needs without an open proposal and stores one proposal per assignment. */
  async run(matcher: string, ttlSeconds = DEFAULT_PROPOSAL_TTL_SECONDS) {
    return this.#serial(async () => {
      await this.#expireDue();
      await this.#refresh(matcher);
      const pool = await this.#pool(matcher);
      const busy = new Set(
        (await this.ctx.db.query<{ need_id: string }>("SELECT need_id FROM match_proposals WHERE matcher = $1 AND status IN ('proposed', 'accepting')", [matcher])).map((r) => r.need_id),
      );
      const needs = pool.published().filter((n) => !busy.has(n.needId));
      const places = this.ctx.places;
      const counselors: Counselor[] = (await this.counselorProfiles())
        .map(({ slots: _s, ...c }) => ({ ...c, districts: c.districts.filter((d) => places.isArea(d)) }))
        .filter((c) => c.accredited && c.capacity > 0);
      const result = solve(needs, counselors, DEFAULT_WEIGHTS, { places });
      const created = new Date();
      const expiresAt = new Date(created.getTime() + ttlSeconds * 1000);
      const proposals = result.assignments.map((a) => ({ proposalId: randomId(), needId: a.needId, counselorId: a.counselorId.toLowerCase(), cost: a.cost, reasons: a.reasons, status: "proposed" as const, expiresAt: expiresAt.toISOString() }));
      if (proposals.length) {
        await this.ctx.writer.submit(async ({ q, append }) => {
          for (const p of proposals) {
            await q.query(
              "INSERT INTO match_proposals (proposal_id, need_id, matcher, counselor, cost, reasons, status, created_at, expires_at) VALUES ($1,$2,$3,$4,$5,$6,'proposed',$7,$8)",
              [p.proposalId, p.needId, matcher, p.counselorId, p.cost, JSON.stringify(p.reasons), created.toISOString(), p.expiresAt],
            );
            append({ type: "access", id: `proposal:${p.proposalId}`, hash: hashOf({ proposalId: p.proposalId, needId: p.needId, counselorId: p.counselorId, cost: p.cost }), at: created.toISOString(), action: "match.propose", decision: "proposed" });
          }
        });
      }
      return { proposals, unassigned: result.unassigned, totalCost: result.totalCost, served: result.served, urgentServed: result.urgentServed, considered: needs.length, counselors: counselors.length };
    });
  }

  async matcherProposals(matcher: string) {
    await this.sweep();
    const rows = await this.ctx.db.query("SELECT proposal_id, need_id, counselor, cost, status, created_at, expires_at, decided_at FROM match_proposals WHERE matcher = $1 ORDER BY created_at, proposal_id", [matcher]);
    return rows.map((r: any) => ({
      proposalId: r.proposal_id, needId: r.need_id, counselorId: r.counselor, cost: Number(r.cost),
      // "accepting" is an internal step (a TREATMENT grant is on its way): the matcher sees it as still proposed.
      status: r.status === "accepting" ? "proposed" : r.status,
      createdAt: iso(r.created_at), expiresAt: iso(r.expires_at), decidedAt: r.decided_at ? iso(r.decided_at) : null,
    }));
  }

  // ---------- resident: proposals ----------

  async residentProposals(subject: string) {
    await this.sweep();
    const rows = await this.ctx.db.query(
      `SELECT p.proposal_id, p.need_id, p.counselor, p.reasons, p.status, p.expires_at, p.created_at, p.treatment_subject
         FROM match_proposals p JOIN match_needs n ON n.need_id = p.need_id WHERE n.subject = $1 ORDER BY p.created_at, p.proposal_id`,
      [subject],
    );
    return rows.map((r: any) => ({
      proposalId: r.proposal_id, needId: r.need_id, counselorId: r.counselor, reasons: r.reasons, status: r.status,
      createdAt: iso(r.created_at), expiresAt: iso(r.expires_at), treatmentAddress: r.treatment_subject ?? null,
    }));
  }

  async #ownProposal(q: Queryable, subject: string, proposalId: string) {
    const [r] = await q.query<any>(
      `SELECT p.proposal_id, p.need_id, p.counselor, p.status, p.expires_at, p.matcher FROM match_proposals p JOIN match_needs n ON n.need_id = p.need_id
        WHERE p.proposal_id = $1 AND n.subject = $2`,
      [proposalId, subject],
    );
    if (!r) throw notFound("no such proposal");
    return r;
  }

  /**
   * The resident (signed in with the MATCHING address) accepts and names the new TREATMENT relationship address,
   * proving it holds that key. The link is stored privately; the proposal becomes "accepted" once a TREATMENT
   * grant from that address to the counselor is in the consent index.
   */
  async accept(subject: string, proposalId: string, treatmentAddress: string, signature: string) {
    const treatment = treatmentAddress.toLowerCase();
    const result = await this.#serial(async () => {
      const p = await this.#ownProposal(this.ctx.db, subject, proposalId);
      if (p.status !== "proposed") throw conflict(`proposal is ${p.status}`);
      if (new Date(p.expires_at).getTime() <= Date.now()) throw conflict("proposal has expired");
      if (treatment === subject) throw unprocessable("use a separate relationship address for the counselor, not the matching one");
      let signer = "";
      try {
        signer = verifyMessage(acceptMessage(proposalId, p.counselor), signature).toLowerCase();
      } catch {
        /* falls through to the refusal below */
      }
      if (signer !== treatment) throw unprocessable("treatmentSignature is not by treatmentAddress over the accept message");
      const at = new Date().toISOString();
      await this.ctx.writer.submit(async ({ q, append }) => {
        await q.query("UPDATE match_proposals SET status = 'accepting', treatment_subject = $2 WHERE proposal_id = $1", [proposalId, treatment]);
        append({ type: "access", id: `proposal:${proposalId}`, hash: hashOf({ proposalId, status: "accepting" }), at, action: "match.accept", decision: "accepting" });
      });
      return { proposalId, counselorId: p.counselor as string };
    });
    await this.sweep();
    const [row] = await this.ctx.db.query<{ status: string }>("SELECT status FROM match_proposals WHERE proposal_id = $1", [proposalId]);
    return {
      proposalId,
      status: row.status,
      grant: { purpose: "TREATMENT", subject: treatment, grantee: result.counselorId },
    };
  }

  async decline(subject: string, proposalId: string) {
    return this.#serial(async () => {
      const p = await this.#ownProposal(this.ctx.db, subject, proposalId);
      if (p.status !== "proposed" && p.status !== "accepting") throw conflict(`proposal is ${p.status}`);
      const at = new Date().toISOString();
      await this.ctx.writer.submit(async ({ q, append }) => {
        await q.query("UPDATE match_proposals SET status = 'declined', decided_at = $2 WHERE proposal_id = $1", [proposalId, at]);
        append({ type: "access", id: `proposal:${proposalId}`, hash: hashOf({ proposalId, status: "declined" }), at, action: "match.decline", decision: "declined" });
      });
      return { proposalId, status: "declined" };
    });
  }

  /** Counselor: clients who accepted and granted TREATMENT (their TREATMENT relationship address only). */
  async clients(counselor: string) {
    await this.sweep();
    const rows = await this.ctx.db.query("SELECT proposal_id, treatment_subject, decided_at FROM match_proposals WHERE counselor = $1 AND status = 'accepted' ORDER BY decided_at", [counselor]);
    return rows.map((r: any) => ({ proposalId: r.proposal_id, subjectRef: r.treatment_subject, acceptedAt: iso(r.decided_at) }));
  }

  /** Periodic step: finish accepts whose TREATMENT grant is indexed, expire the rest after their deadline. */
  async sweep(): Promise<{ accepted: number; expired: number }> {
    return this.#serial(async () => {
      const accepted = await this.#finishAccepts();
      const expired = await this.#expireDue();
      return { accepted, expired };
    });
  }

  async #finishAccepts(): Promise<number> {
    const rows = await this.ctx.db.query<any>("SELECT p.proposal_id, p.need_id, p.counselor, p.treatment_subject, p.matcher FROM match_proposals p WHERE status = 'accepting'");
    let n = 0;
    for (const r of rows) {
      const g = await activeGrants(this.ctx.db, { subject: r.treatment_subject, grantee: r.counselor, purposes: [Purpose.TREATMENT], atSeconds: nowS() });
      if (!g.length) continue;
      const at = new Date().toISOString();
      await this.ctx.writer.submit(async ({ q, append }) => {
        await q.query("UPDATE match_proposals SET status = 'accepted', decided_at = $2 WHERE proposal_id = $1", [r.proposal_id, at]);
        append({ type: "access", id: `proposal:${r.proposal_id}`, hash: hashOf({ proposalId: r.proposal_id, status: "accepted", grantId: g[0].grant_id }), at, action: "match.accepted", decision: "accepted", grant: g[0].grant_id });
      });
      await this.#close(r.matcher, [r.need_id], "matched");
      n++;
    }
    return n;
  }

  async #expireDue(): Promise<number> {
    const at = new Date();
    const rows = await this.ctx.db.query<{ proposal_id: string }>("SELECT proposal_id FROM match_proposals WHERE status IN ('proposed', 'accepting') AND expires_at <= $1", [at.toISOString()]);
    if (!rows.length) return 0;
    await this.ctx.writer.submit(async ({ q, append }) => {
      for (const r of rows) {
        await q.query("UPDATE match_proposals SET status = 'expired', decided_at = $2 WHERE proposal_id = $1", [r.proposal_id, at.toISOString()]);
        append({ type: "access", id: `proposal:${r.proposal_id}`, hash: hashOf({ proposalId: r.proposal_id, status: "expired" }), at: at.toISOString(), action: "match.expire", decision: "expired" });
      }
    });
    return rows.length;
  }

  // ---------- community statistics ----------

  /**
   * One DP release for a month: counts by place and category over that month's needs (one per subject) whose
   * subject holds an active RESEARCH_AGGREGATE grant to the need's matching service. The budget is charged in the
   * same transaction as the release is stored; past the budget nothing is stored and 409 is answered.
   */
  async releaseStats(period: string, epsilon: number, level: GeoLevel = "district") {
    const rows = await this.ctx.db.query<{ need: Need; subject: string; matcher: string }>(
      "SELECT DISTINCT ON (subject) need, subject, matcher FROM match_needs WHERE period = $1 ORDER BY subject, seq DESC",
      [period],
    );
    const research = await activeGrants(this.ctx.db, { purposes: [Purpose.RESEARCH_AGGREGATE], atSeconds: nowS() });
    const ok = new Set(research.map((g) => `${g.subject}|${g.grantee}`));
    const places = this.ctx.places;
    // Only needs in this city and no coarser than the release's level can be counted in one of its cells.
    const fits = (code: string) => places.isArea(code) && GEO_LEVELS.indexOf(places.level(code)) <= GEO_LEVELS.indexOf(level);
    const needs = rows.filter((r) => ok.has(`${r.subject}|${r.matcher}`) && fits(r.need.district)).map((r) => r.need);
    const releaseId = randomId();
    try {
      return await this.ctx.writer.submit(async ({ q, append }) => {
        await q.query("INSERT INTO dp_budgets (period, total) VALUES ($1, $2) ON CONFLICT (period) DO NOTHING", [period, this.ctx.cfg.dpMonthlyEpsilon]);
        const [b] = await q.query<{ total: number; spent: number }>("SELECT total, spent FROM dp_budgets WHERE period = $1 FOR UPDATE", [period]);
        const { release, budget } = releaseCommunityStats({ periodId: period, total: Number(b.total), spent: Number(b.spent) }, needs, epsilon, { level, places });
        await q.query("UPDATE dp_budgets SET spent = $2 WHERE period = $1", [period, budget.spent]);
        const at = new Date().toISOString();
        await q.query("INSERT INTO dp_releases (release_id, period, epsilon, level, counts, created_at) VALUES ($1,$2,$3,$4,$5,$6)", [releaseId, period, epsilon, level, JSON.stringify(release.counts), at]);
        append({ type: "access", id: `stats:${releaseId}`, hash: hashOf(release), at, action: "stats.release", decision: "released", period, epsilon: String(epsilon) });
        return { releaseId, ...release, createdAt: at, budget: { total: budget.total, spent: budget.spent, remaining: Math.max(0, budget.total - budget.spent) } };
      });
    } catch (e) {
      if (e instanceof PrivacyBudgetExceededError) throw conflict(`privacy budget for ${period} exhausted: remaining ε=${Math.max(0, e.remaining).toFixed(6)}`, { type: "https://anxin.example/problems/privacy-budget-exceeded", code: "privacy_budget_exceeded" });
      throw e;
    }
  }

  async statsReleases(period: string) {
    const rows = await this.ctx.db.query<any>("SELECT release_id, period, epsilon, level, counts, created_at FROM dp_releases WHERE period = $1 ORDER BY created_at", [period]);
    const [b] = await this.ctx.db.query<{ total: number; spent: number }>("SELECT total, spent FROM dp_budgets WHERE period = $1", [period]);
    const total = b ? Number(b.total) : this.ctx.cfg.dpMonthlyEpsilon;
    const spent = b ? Number(b.spent) : 0;
    return {
      period,
      budget: { total, spent, remaining: Math.max(0, total - spent) },
      releases: rows.map((r) => ({ releaseId: r.release_id, periodId: r.period, epsilon: Number(r.epsilon), level: r.level, counts: r.counts, createdAt: iso(r.created_at) })),
    };
  }
}

function iso(v: unknown): string {
  return (v instanceof Date ? v : new Date(String(v))).toISOString();
}

const services = new WeakMap<AppContext, MatchingService>();
/** One service per running context (routes and the sweep worker share it). */
export function matchingService(ctx: AppContext): MatchingService {
  let s = services.get(ctx);
  if (!s) services.set(ctx, (s = new MatchingService(ctx)));
  return s;
}

export type { RaisedAlert };
