// Matching use cases: the publication gate in front of each matching service's pool, proposals and the accept
// flow, and DP community statistics. The matcher only ever gets what NeedPool.published() returns (generalized
// needs) plus counselor profiles; which pseudonymous subject stands behind a needId stays in match_needs and is
// read only by the resident's own routes. Every state change commits with a log leaf (type "access").
import { createHash, randomBytes } from "node:crypto";
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
import { slotCounts } from "../store/booking-repo.js";
import * as matchStore from "../store/match-repo.js";
import { budgetOf, insertRelease, lockBudget, releasesOf, setSpent } from "../store/stats-repo.js";
import { conflict, forbidden, notFound, unprocessable } from "./errors.js";
import type { AppContext } from "./context.js";
import { isIndexedAccredited, isIndexedMatcher } from "./registry-view.js";
import { raiseAlert, type RaisedAlert } from "./alerts.js";
import { checkNeedToken, spendNeedToken } from "./enrollment.js";
import { asShown, currentEntries, publishPool, riskOf, type Publication, type PublishedEntry } from "./pool-publication.js";
import { freshPublicationId, latestPublication, publishedMatchers, putPublication } from "../store/publication-repo.js";

/** The advisory lock under which one instance at a time publishes the pools ("anxp"). */
const POOL_PUBLISH_LOCK = 0x616e7870;
import type { NeedToken } from "../client/blind-token.js";

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
  /** The pool per matcher and the ids of the pooled needs it was built from (kept in step with local changes). */
  readonly #pools = new Map<string, { pool: NeedPool; ids: Set<string> }>();
  /** The latest scheduled publication of each matcher's pool as stored (pool_publications), cached by its id. */
  readonly #publications = new Map<string, Publication>();
  #lock: Promise<unknown> = Promise.resolve();

  constructor(private readonly ctx: AppContext) {}

  /** Serializes every pool mutation of this instance (the pool is in memory; the table is its durable copy). */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn, fn);
    this.#lock = run.catch(() => undefined);
    return run;
  }

  /**
   * The matcher's pool, rebuilt from the store by re-offering its pooled needs in arrival order — on first use, and
   * whenever the store's pooled set is not the one it was built from: other instances on the same database
   * (`serve --workers`, a second server) add and close needs too.
   */
  async #pool(matcher: string): Promise<NeedPool> {
    const cached = this.#pools.get(matcher);
    if (cached) {
      const mine = cached.ids.size ? createHash("md5").update([...cached.ids].sort().join(",")).digest("hex") : "";
      if (mine === (await matchStore.pooledNeedsDigest(this.ctx.db, matcher))) return cached.pool;
    }
    const p = new NeedPool({ k: POOL_K, l: POOL_L, places: this.ctx.places });
    const ids = new Set<string>();
    let foreign = 0;
    for (const need of await matchStore.pooledNeeds<Need>(this.ctx.db, matcher)) {
      ids.add(need.needId);
      // A need from before a change of ANXIN_CITY names a place this deployment no longer serves: it stays stored
      // (the resident can withdraw it) but is not offered to the matcher.
      if (this.ctx.places.isArea(need.district)) p.submit(need);
      else foreign++;
    }
    if (foreign) this.ctx.log.warn({ matcher, needs: foreign }, "pooled needs outside the configured city were not offered");
    this.#pools.set(matcher, { pool: p, ids });
    return p;
  }

  // ---------- resident: submit a need ----------

  async submitNeed(subject: string, input: { need: Need; matcher?: string; lang?: "zh" | "en"; token?: NeedToken }) {
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
      if (await matchStore.hasPooledNeed(this.ctx.db, subject)) throw conflict("this address already has an open need: withdraw it first");
      if (await matchStore.needExists(this.ctx.db, need.needId)) throw conflict("needId already used: derive a fresh need");
      const urgent = isUrgent(need.urgency);
      const status = urgent ? "emergency" : "pooled";
      const at = new Date();
      // Only a need that spends a token of the community office enters the gate: the office checked a real resident
      // in person, once per month. An urgent or crisis need never waits for one (it is never pooled).
      const token = urgent ? undefined : await checkNeedToken(this.ctx, input.token, at);
      const pool = await this.#pool(matcher); // loaded before the insert, so the new need is offered exactly once
      await this.ctx.writer.submit(async ({ q, append }) => {
        if (token) await spendNeedToken(q, token);
        await matchStore.insertNeed(q, { needId: need.needId, subject, matcher, need, status, period: monthOf(at), at: at.toISOString(), tokenBacked: token !== undefined });
        append({ type: "access", id: `need:${need.needId}`, hash: hashOf(need), at: at.toISOString(), action: "need.submit", decision: urgent ? "emergency" : "pool" });
      });
      if (urgent) {
        // Never pooled (k-anonymity cannot wait): the crisis path instead, alerting existing counselors of this address.
        const alert = await raiseAlert(this.ctx, { kind: "crisis", level: need.urgency === "crisis" ? "high" : "elevated", subject, raisedBy: subject, lang: input.lang ?? "zh", area: need.district });
        return { needId: need.needId, route: "emergency" as const, alert };
      }
      pool.submit(need);
      this.#pools.get(matcher)?.ids.add(need.needId);
      const published = pool.published().some((n) => n.needId === need.needId);
      return { needId: need.needId, route: "pool" as const, status: published ? ("published" as const) : ("held" as const) };
    });
  }

  /** Resident withdraws their open need. */
  async withdrawNeed(subject: string, needId: string) {
    return this.#serial(async () => {
      const row = await matchStore.needOf(this.ctx.db, subject, needId);
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
        await matchStore.closeNeed(q, id, status, at);
        append({ type: "access", id: `need:${id}`, hash: hashOf({ needId: id, status }), at, action: "need.close", decision: status });
      }
    });
    const pool = await this.#pool(matcher);
    for (const id of needIds) {
      pool.withdraw(id);
      this.#pools.get(matcher)?.ids.delete(id);
    }
  }

  /** Drops needs whose MATCHING consent is no longer active (revoked, expired, matcher deregistered). */
  async refresh(matcher: string): Promise<number> {
    return this.#serial(() => this.#refresh(matcher));
  }

  /** refresh() for every matcher with a pooled need (the periodic sweep). */
  async refreshAll(): Promise<void> {
    for (const m of await matchStore.poolMatchers(this.ctx.db)) await this.refresh(m);
  }

  async #refresh(matcher: string): Promise<number> {
    const rows = await matchStore.pooledSubjects(this.ctx.db, matcher);
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

  /** The matcher's view: its latest publication, less what left the pool since (see pool-publication.ts). */
  async poolView(matcher: string): Promise<{ k: number; l: number; needs: Need[]; heldCount: number; risk: RiskReport; publishedAt: string | null }> {
    return this.#serial(async () => {
      await this.#refresh(matcher);
      const pool = await this.#pool(matcher);
      const pub = await this.#publication(matcher);
      const needs = currentEntries(pub, pool).map(asShown);
      return { k: pool.k, l: pool.l, needs, heldCount: pub?.heldCount ?? 0, risk: riskOf(needs), publishedAt: pub?.publishedAt ?? null };
    });
  }

  /**
   * The publication every instance serves: the stored one (made by whichever instance published last), so all
   * workers of `serve --workers` show a matcher the same references, and proposals made on one resolve on another.
   */
  async #publication(matcher: string): Promise<Publication | undefined> {
    const row = await latestPublication<PublishedEntry>(this.ctx.db, matcher);
    if (!row) return undefined;
    const cached = this.#publications.get(matcher);
    if (cached?.publicationId === row.publicationId) return cached;
    const pub: Publication = { publicationId: row.publicationId, publishedAt: row.publishedAt, entries: row.entries, heldCount: row.heldCount };
    this.#publications.set(matcher, pub);
    return pub;
  }

  /** A new publication of every pool now (fresh references, random order), stored for every instance. */
  async publishAll(): Promise<void> {
    await this.#publishWhere(async () => true);
  }

  /**
   * The scheduled batch: publishes each pool whose stored publication is older than `ms`. Run under a database lock,
   * so however many instances tick, each batch is made once, by one of them (the others find it fresh and skip).
   */
  async publishDue(ms: number): Promise<void> {
    await this.#publishWhere(async (m) => (await freshPublicationId(this.ctx.db, m, ms)) === undefined);
  }

  async #publishWhere(due: (matcher: string) => Promise<boolean>): Promise<void> {
    await this.ctx.db.withTryLock(POOL_PUBLISH_LOCK, () =>
      this.#serial(async () => {
        const matchers = new Set([...(await matchStore.poolMatchers(this.ctx.db)), ...(await publishedMatchers(this.ctx.db))]);
        for (const m of matchers) {
          if (!(await due(m))) continue;
          await this.#refresh(m);
          const pub = publishPool(await this.#pool(m));
          await putPublication(this.ctx.db, m, pub);
          this.#publications.set(m, pub);
        }
      }),
    );
  }

  async counselorProfiles(): Promise<Array<Counselor & { slots: { free: number; taken: number } }>> {
    const rows = await matchStore.profiles<ProfileInput>(this.ctx.db);
    const out = [];
    for (const r of rows) {
      const held = await matchStore.heldCapacity(this.ctx.db, r.counselor, r.updated_at);
      const slots = await slotCounts(this.ctx.db, r.counselor);
      out.push({
        ...r.profile,
        counselorId: r.counselor,
        capacity: Math.max(0, r.profile.capacity - held),
        accredited: await isIndexedAccredited(this.ctx.db, r.counselor, nowS()),
        slots,
      });
    }
    return out;
  }

  /** A place code this deployment serves (a district, zone, its city or province), or 422. */
  #servedArea(code: string, what: string) {
    if (!this.ctx.places.isArea(code))
      throw unprocessable(`${what}: ${code} is not a district, zone or city of ${this.ctx.places.label(this.ctx.places.city).zh} (${this.ctx.places.city}); GET /v1/places lists them`);
  }

  /** The counselor's own published profile (the form starts from it, so saving never drops districts). */
  async myProfile(counselor: string) {
    return { profile: (await matchStore.profileOf<ProfileInput>(this.ctx.db, counselor)) ?? null };
  }

  async putProfile(counselor: string, profile: ProfileInput) {
    for (const d of profile.districts) this.#servedArea(d, "districts");
    const at = new Date().toISOString();
    await this.ctx.writer.submit(async ({ q, append }) => {
      await matchStore.putProfile(q, counselor, profile, at);
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
      const busy = await matchStore.needsWithOpenProposal(this.ctx.db, matcher);
      const entries = currentEntries(await this.#publication(matcher), pool).filter((e) => !busy.has(e.needId));
      const refOf = new Map(entries.map((e) => [e.needId, e.ref]));
      const open = entries.map((e) => e.shown);
      const places = this.ctx.places;
      const counselors: Counselor[] = (await this.counselorProfiles())
        .map(({ slots: _s, ...c }) => ({ ...c, districts: c.districts.filter((d) => places.isArea(d)) }))
        .filter((c) => c.accredited && c.capacity > 0);
      const result = solve(open, counselors, DEFAULT_WEIGHTS, { places });
      const created = new Date();
      const expiresAt = new Date(created.getTime() + ttlSeconds * 1000);
      const proposals = result.assignments.map((a) => ({ proposalId: randomId(), needId: a.needId, needRef: refOf.get(a.needId)!, counselorId: a.counselorId.toLowerCase(), cost: a.cost, reasons: a.reasons, status: "proposed" as const, expiresAt: expiresAt.toISOString() }));
      if (proposals.length) {
        await this.ctx.writer.submit(async ({ q, append }) => {
          for (const p of proposals) {
            await matchStore.insertProposal(q, matcher, p, created.toISOString());
            append({ type: "access", id: `proposal:${p.proposalId}`, hash: hashOf({ proposalId: p.proposalId, needId: p.needId, counselorId: p.counselorId, cost: p.cost }), at: created.toISOString(), action: "match.propose", decision: "proposed" });
          }
        });
      }
      // The matcher knows needs by their publication references only.
      return { proposals: proposals.map(({ needId: _n, needRef, ...p }) => ({ ...p, needId: needRef })), unassigned: result.unassigned.map((id) => refOf.get(id)!), totalCost: result.totalCost, served: result.served, urgentServed: result.urgentServed, considered: open.length, counselors: counselors.length };
    });
  }

  async matcherProposals(matcher: string) {
    await this.sweep();
    const rows = await matchStore.proposalsOfMatcher(this.ctx.db, matcher);
    return rows.map((r) => ({
      proposalId: r.proposal_id, needId: r.need_ref ?? r.need_id, counselorId: r.counselor, cost: Number(r.cost),
      // "accepting" is an internal step (a TREATMENT grant is on its way): the matcher sees it as still proposed.
      status: r.status === "accepting" ? "proposed" : r.status,
      createdAt: iso(r.created_at), expiresAt: iso(r.expires_at), decidedAt: r.decided_at ? iso(r.decided_at) : null,
    }));
  }

  // ---------- resident: proposals ----------

  async residentProposals(subject: string) {
    await this.sweep();
    const rows = await matchStore.proposalsOfSubject(this.ctx.db, subject);
    return rows.map((r) => ({
      proposalId: r.proposal_id, needId: r.need_id, counselorId: r.counselor, reasons: r.reasons, status: r.status,
      createdAt: iso(r.created_at), expiresAt: iso(r.expires_at), treatmentAddress: r.treatment_subject ?? null,
    }));
  }

  async #ownProposal(subject: string, proposalId: string) {
    const r = await matchStore.proposalOfSubject(this.ctx.db, subject, proposalId);
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
      const p = await this.#ownProposal(subject, proposalId);
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
        await matchStore.markAccepting(q, proposalId, treatment);
        append({ type: "access", id: `proposal:${proposalId}`, hash: hashOf({ proposalId, status: "accepting" }), at, action: "match.accept", decision: "accepting" });
      });
      return { proposalId, counselorId: p.counselor };
    });
    await this.sweep();
    const status = await matchStore.proposalStatus(this.ctx.db, proposalId);
    return {
      proposalId,
      status: status!,
      grant: { purpose: "TREATMENT", subject: treatment, grantee: result.counselorId },
    };
  }

  async decline(subject: string, proposalId: string) {
    return this.#serial(async () => {
      const p = await this.#ownProposal(subject, proposalId);
      if (p.status !== "proposed" && p.status !== "accepting") throw conflict(`proposal is ${p.status}`);
      const at = new Date().toISOString();
      await this.ctx.writer.submit(async ({ q, append }) => {
        await matchStore.decideProposal(q, proposalId, "declined", at);
        append({ type: "access", id: `proposal:${proposalId}`, hash: hashOf({ proposalId, status: "declined" }), at, action: "match.decline", decision: "declined" });
      });
      return { proposalId, status: "declined" };
    });
  }

  /** Counselor: clients who accepted and granted TREATMENT (their TREATMENT relationship address only). */
  async clients(counselor: string) {
    await this.sweep();
    const rows = await matchStore.acceptedOfCounselor(this.ctx.db, counselor);
    return rows.map((r) => ({ proposalId: r.proposal_id, subjectRef: r.treatment_subject, acceptedAt: iso(r.decided_at) }));
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
    const rows = await matchStore.acceptingProposals(this.ctx.db);
    let n = 0;
    for (const r of rows) {
      const g = await activeGrants(this.ctx.db, { subject: r.treatment_subject!, grantee: r.counselor, purposes: [Purpose.TREATMENT], atSeconds: nowS() });
      if (!g.length) continue;
      const at = new Date().toISOString();
      await this.ctx.writer.submit(async ({ q, append }) => {
        await matchStore.decideProposal(q, r.proposal_id, "accepted", at);
        append({ type: "access", id: `proposal:${r.proposal_id}`, hash: hashOf({ proposalId: r.proposal_id, status: "accepted", grantId: g[0].grant_id }), at, action: "match.accepted", decision: "accepted", grant: g[0].grant_id });
      });
      await this.#close(r.matcher, [r.need_id], "matched");
      n++;
    }
    return n;
  }

  async #expireDue(): Promise<number> {
    const at = new Date();
    const due = await matchStore.dueProposalIds(this.ctx.db, at.toISOString());
    if (!due.length) return 0;
    await this.ctx.writer.submit(async ({ q, append }) => {
      for (const id of due) {
        await matchStore.decideProposal(q, id, "expired", at.toISOString());
        append({ type: "access", id: `proposal:${id}`, hash: hashOf({ proposalId: id, status: "expired" }), at: at.toISOString(), action: "match.expire", decision: "expired" });
      }
    });
    return due.length;
  }

  // ---------- community statistics ----------

  /**
   * One DP release for a month: counts by place and category over that month's needs (one per subject) whose
   * subject holds an active RESEARCH_AGGREGATE grant to the need's matching service. The budget is charged in the
   * same transaction as the release is stored; past the budget nothing is stored and 409 is answered.
   */
  async releaseStats(period: string, epsilon: number, level: GeoLevel = "district") {
    const rows = await matchStore.latestNeedsOfPeriod<Need>(this.ctx.db, period);
    const research = await activeGrants(this.ctx.db, { purposes: [Purpose.RESEARCH_AGGREGATE], atSeconds: nowS() });
    const ok = new Set(research.map((g) => `${g.subject}|${g.grantee}`));
    const places = this.ctx.places;
    // Only needs in this city and no coarser than the release's level can be counted in one of its cells.
    const fits = (code: string) => places.isArea(code) && GEO_LEVELS.indexOf(places.level(code)) <= GEO_LEVELS.indexOf(level);
    const counted = rows.filter((r) => ok.has(`${r.subject}|${r.matcher}`) && fits(r.need.district)).map((r) => r.need);
    const releaseId = randomId();
    try {
      return await this.ctx.writer.submit(async ({ q, append }) => {
        const b = await lockBudget(q, period, this.ctx.cfg.dpMonthlyEpsilon);
        const { release, budget } = releaseCommunityStats({ periodId: period, total: b.total, spent: b.spent }, counted, epsilon, { level, places });
        await setSpent(q, period, budget.spent);
        const at = new Date().toISOString();
        await insertRelease(q, { releaseId, period, epsilon, level, counts: release.counts, at });
        append({ type: "access", id: `stats:${releaseId}`, hash: hashOf(release), at, action: "stats.release", decision: "released", period, epsilon: String(epsilon) });
        return { releaseId, ...release, createdAt: at, budget: { total: budget.total, spent: budget.spent, remaining: Math.max(0, budget.total - budget.spent) } };
      });
    } catch (e) {
      if (e instanceof PrivacyBudgetExceededError) throw conflict(`privacy budget for ${period} exhausted: remaining ε=${Math.max(0, e.remaining).toFixed(6)}`, { type: "https://anxin.example/problems/privacy-budget-exceeded", code: "privacy_budget_exceeded" });
      throw e;
    }
  }

  async statsReleases(period: string) {
    const rows = await releasesOf(this.ctx.db, period);
    const b = await budgetOf(this.ctx.db, period);
    const total = b ? b.total : this.ctx.cfg.dpMonthlyEpsilon;
    const spent = b ? b.spent : 0;
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
