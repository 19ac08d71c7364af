// Consent use cases: accept a resident's signed grant or revoke into the relay queue, describe a grant's state for
// every party, build receipts and FHIR exports, and answer "does an active, on-chain grant cover this access?"
// (the only question a key release may ask). The index (consent_grants) is the truth for "on chain".
import { getAddress } from "ethers";
import {
  Purpose,
  buildReceipt,
  canonicalCategories,
  consentDomain,
  emergencyGrant,
  grantId as computeGrantId,
  purposeName,
  revokeHash,
  scopeHash,
  toFhirConsent,
  verifyGrantSignature,
  verifyRevokeSignature,
  wireGrant,
  type ConsentDomain,
  type ConsentReceipt,
  type Grant,
  type GrantRecord,
  type Lang,
  type PiiController,
  type Revoke,
} from "../consent/index.js";
import { activeGrants, emergencyGrants, getGrant, grantCovers, indexedGrantIds, type GrantRow } from "../store/consent-repo.js";
import {
  getRequest,
  grantRequestIds,
  insertEmergencyOpening,
  insertGrantRequest,
  noticesFor,
  openingRequest,
  recentGrantRequests,
  relayHistory,
  revocationRequested,
  upsertRevokeRequest,
  type RequestRow,
  type RequestStatus,
} from "../store/relay-queue-repo.js";
import type { Queryable } from "../store/db.js";
import type { AppContext } from "./context.js";
import type { Decision } from "./records/policy.js";
import { isIndexedAccredited, isIndexedMatcher } from "./registry-view.js";
import { emergencyReleases } from "../store/access-log-repo.js";
import { Refusal, notFound, tooMany, unprocessable, type RefusalKind } from "./errors.js";

/** Consent refusals carry a stable code (e.g. "bad_signature") that clients and tests read. */
const refusal = (kind: RefusalKind, code: string, detail: string) => new Refusal(kind, detail, { code });

/** Longest grant a resident may sign through the service (5 years) and furthest future start (1 year). */
export const MAX_GRANT_SECONDS = 5 * 366 * 86400;
export const MAX_START_AHEAD_SECONDS = 366 * 86400;

export type GrantState = "pending" | "not_yet_valid" | "active" | "expired" | "revoked" | "failed";
export type { RequestRow, RequestStatus };

/** A refusal with a reason code (no personal data) that routes turn into 403/409/422. */
export function domainOf(ctx: AppContext): ConsentDomain {
  return consentDomain(ctx.chain.deployment.chainId, ctx.chain.deployment.consentLedger);
}

/** The address research grants go to: the operator computes the differentially private statistics. */
export function researchGrantee(ctx: AppContext): string {
  return ctx.chain.operatorAddress.toLowerCase();
}

/** TREATMENT/MONITORING → an accredited counselor; MATCHING → a registered matcher; RESEARCH → the operator or a matcher. */
export async function checkGrantee(ctx: AppContext, purpose: Purpose, grantee: string): Promise<void> {
  // The same registry index and rules as sign-in, record writes and key releases (accreditation.ts), brought up to
  // the chain's head first so that a registry change just mined counts; with the chain unreachable, the index's word.
  await ctx.indexer.sync().catch(() => {});
  const counselor = () => isIndexedAccredited(ctx.db, grantee, Math.floor(Date.now() / 1000));
  const matcher = () => isIndexedMatcher(ctx.db, grantee);
  const ok =
    purpose === Purpose.TREATMENT || purpose === Purpose.MONITORING
      ? await counselor()
      : purpose === Purpose.MATCHING
        ? await matcher()
        : purpose === Purpose.RESEARCH_AGGREGATE
          ? grantee.toLowerCase() === researchGrantee(ctx) || (await matcher())
          : false;
  if (!ok) {
    const need = { 0: "an accredited counselor", 1: "a registered matching service", 2: "the operator or a registered matching service", 3: "an accredited counselor" }[purpose as 0 | 1 | 2 | 3];
    throw refusal("unprocessable", "unsuitable_grantee", `the grantee is not ${need ?? "allowed"} for this purpose`);
  }
}

export interface GrantSubmission {
  grant: Grant;
  signature: string;
  categories: string[];
  scopeSalt: string;
  lang?: Lang;
}

/**
 * Checks a resident's signed grant and queues it for the relayer. Idempotent: the same signed grant again returns
 * the existing request. Nothing is released on it until the index has it from the chain.
 */
export async function submitGrant(ctx: AppContext, sessionAddress: string, s: GrantSubmission, nowSeconds = Math.floor(Date.now() / 1000)) {
  const g = s.grant;
  if (g.subject.toLowerCase() !== sessionAddress.toLowerCase())
    throw refusal("forbidden", "not_subject", "sign in with the key that signs the grant (the grant's subject)");
  if (!verifyGrantSignature(domainOf(ctx), g, s.signature))
    throw refusal("unprocessable", "bad_signature", "the signature is not the subject's signature over this grant on this ledger");
  let categories: string[];
  try {
    categories = canonicalCategories(s.categories);
  } catch {
    throw refusal("unprocessable", "bad_categories", "unknown or empty data categories");
  }
  if (scopeHash(categories, s.scopeSalt) !== g.scope)
    throw refusal("unprocessable", "scope_mismatch", "scope does not open to these categories and scope salt");
  if (g.purpose === Purpose.EMERGENCY) throw refusal("unprocessable", "emergency_not_signable", "EMERGENCY is opened on chain by a counselor, never signed");
  if (g.notAfter <= nowSeconds) throw refusal("unprocessable", "expired", "the grant has already ended (notAfter is in the past)");
  if (g.notAfter - g.notBefore > MAX_GRANT_SECONDS) throw refusal("unprocessable", "too_long", "a grant may last at most 5 years");
  if (g.notBefore > nowSeconds + MAX_START_AHEAD_SECONDS) throw refusal("unprocessable", "starts_too_late", "a grant may start at most one year ahead");
  await checkGrantee(ctx, g.purpose, g.grantee);
  const id = computeGrantId(g);
  const payload = JSON.stringify({ grant: wireGrant(g), signature: s.signature });
  const existing = await getRequest(ctx.db, id, "grant");
  if (existing) return { grantId: id, request: existing, created: false };
  const onChain = await getGrant(ctx.db, id);
  const row = await ctx.writer.submit(async ({ q }) => {
    // Counted in the writer's transaction (which holds the log head's lock): concurrent submissions cannot both
    // take the last place, and a refused one leaves nothing behind.
    await checkGrantQuotas(q, ctx.cfg, g.subject);
    return insertGrantRequest(q, {
      grantId: id, subject: g.subject, grantee: g.grantee, purpose: g.purpose, categories, scopeSalt: s.scopeSalt, payload, lang: s.lang ?? null,
      onChain: onChain ? { txHash: onChain.tx_hash, blockNumber: onChain.block_number } : undefined,
    });
  });
  return { grantId: id, request: row ?? (await getRequest(ctx.db, id, "grant"))!, created: !!row };
}

/**
 * New grant requests are limited per pseudonym (an hour) and for everyone together (a minute): every grant costs
 * the operator a share of a transaction, and a flood of them must not grow the relay queue without bound.
 */
async function checkGrantQuotas(q: Queryable, cfg: AppContext["cfg"], subject: string): Promise<void> {
  const quotas = [
    { seconds: 3600, limit: cfg.grantQuotaPerSubjectPerHour, subject, what: "this pseudonym has submitted too many grants in the last hour" },
    { seconds: 60, limit: cfg.grantQuotaPerMinute, subject: undefined, what: "the service is accepting no more grants this minute" },
  ];
  for (const quota of quotas) {
    const recent = await recentGrantRequests(q, quota);
    if (recent.count >= quota.limit) throw tooMany(`${quota.what}; retry later`, { code: "grant_quota", retryAfter: recent.retryAfterSeconds });
  }
}

/** Queues a subject-signed revoke. A revoke signed by anyone else (the grantee, the operator) is refused. */
export async function submitRevoke(ctx: AppContext, sessionAddress: string, grantIdParam: string, r: { revoke: Revoke; signature: string }) {
  const id = grantIdParam.toLowerCase();
  if (r.revoke.grantId !== id) throw refusal("unprocessable", "grant_mismatch", "the signed revoke names another grant");
  const indexed = await getGrant(ctx.db, id);
  const req = await openingRequest(ctx.db, id);
  const subject = indexed?.subject ?? req?.subject;
  if (!subject || (req?.kind === "grant" && req.status === "failed" && !indexed)) throw refusal("not_found", "unknown_grant", "no such grant");
  if (subject !== sessionAddress.toLowerCase()) throw refusal("forbidden", "not_subject", "only the resident who gave the consent can withdraw it");
  if (!verifyRevokeSignature(domainOf(ctx), r.revoke, r.signature, subject))
    throw refusal("unprocessable", "bad_signature", "the revoke is not signed by the grant's subject");
  if (indexed?.revoked_at) throw refusal("conflict", "already_revoked", "this consent is already withdrawn");
  const existing = await getRequest(ctx.db, id, "revoke");
  if (existing && existing.status !== "failed") return { grantId: id, request: existing, created: false };
  const payload = JSON.stringify({ revoke: r.revoke, signature: r.signature });
  const row = await ctx.writer.submit(({ q }) =>
    upsertRevokeRequest(q, { grantId: id, subject, grantee: indexed?.grantee ?? req!.grantee, purpose: indexed?.purpose ?? req!.purpose, payload }),
  );
  return { grantId: id, request: row, created: true, revokeHash: revokeHash(r.revoke) };
}


export function grantFromPayload(payload: string): { grant: Grant; signature: string } {
  const p = JSON.parse(payload) as { grant: Record<string, string | number>; signature: string };
  const g = p.grant;
  return {
    grant: { subject: getAddress(String(g.subject)), grantee: getAddress(String(g.grantee)), purpose: Number(g.purpose), scope: String(g.scope), notBefore: Number(g.notBefore), notAfter: Number(g.notAfter), salt: String(g.salt) },
    signature: p.signature,
  };
}

export interface ConsentView {
  grantId: string;
  subject: string;
  grantee: string;
  purpose: number;
  purposeName: string;
  categories: string[] | null;
  emergency: boolean;
  /** Relay status of the grant request (emergency openings and grants sent by others: "on_chain"). */
  status: RequestStatus;
  /** True iff the event index has the grant from the chain: the only thing access may rely on. */
  onChain: boolean;
  state: GrantState;
  active: boolean;
  notBefore: number | null;
  notAfter: number | null;
  revokedAt: number | null;
  blockNumber: number | null;
  blockTime: number | null;
  txHash: string | null;
  error: string | null;
  attempts: number;
  revoke: { status: RequestStatus; txHash: string | null; blockNumber: number | null; error: string | null } | null;
}

function stateOf(idx: GrantRow | undefined, req: RequestRow | undefined, at: number): GrantState {
  if (!idx) return req?.status === "failed" ? "failed" : "pending";
  if (idx.revoked_at !== null && idx.revoked_at <= at) return "revoked";
  if (at < idx.not_before) return "not_yet_valid";
  if (at >= idx.not_after) return "expired";
  return "active";
}

export function viewOf(idx: GrantRow | undefined, req: RequestRow | undefined, rev: RequestRow | undefined, at = Math.floor(Date.now() / 1000)): ConsentView {
  const base = idx ?? req!;
  const g = req?.kind === "grant" ? grantFromPayload(req.payload).grant : undefined;
  const state = stateOf(idx, req, at);
  return {
    grantId: (idx?.grant_id ?? req!.grant_id).toLowerCase(),
    subject: base.subject,
    grantee: base.grantee,
    purpose: Number(base.purpose),
    purposeName: purposeName(Number(base.purpose)),
    categories: req?.categories ? (JSON.parse(req.categories) as string[]) : null,
    emergency: idx?.emergency ?? req?.kind === "emergency",
    status: idx ? "on_chain" : (req?.status === "on_chain" ? "submitted" : req?.status) ?? "queued",
    onChain: !!idx,
    state,
    active: state === "active",
    notBefore: idx?.not_before ?? g?.notBefore ?? null,
    notAfter: idx?.not_after ?? g?.notAfter ?? null,
    revokedAt: idx?.revoked_at ?? null,
    blockNumber: idx?.block_number ?? null,
    blockTime: idx?.block_time ?? null,
    txHash: idx?.tx_hash ?? req?.tx_hash ?? null,
    error: idx ? null : (req?.error ?? null),
    attempts: req?.attempts ?? 0,
    // Like the grant: the withdrawal is on chain once the index has it, whatever the relayer has written so far.
    revoke: rev
      ? { status: idx?.revoked_at != null ? "on_chain" : rev.status === "on_chain" ? "submitted" : rev.status, txHash: rev.tx_hash, blockNumber: rev.block_number, error: idx?.revoked_at != null ? null : rev.error }
      : null,
  };
}

export async function consentView(ctx: AppContext, grantId: string): Promise<ConsentView | undefined> {
  const id = grantId.toLowerCase();
  const [idx, req, rev] = await Promise.all([getGrant(ctx.db, id), openingRequest(ctx.db, id), getRequest(ctx.db, id, "revoke")]);
  if (!idx && !req) return undefined;
  return viewOf(idx, req, rev);
}

/** Index rows and not-yet-indexed requests, filtered; newest last. */
export async function listConsents(ctx: AppContext, f: { subject?: string; grantee?: string; emergency?: boolean }): Promise<ConsentView[]> {
  const [idx, reqs] = await Promise.all([
    indexedGrantIds(ctx.db, f),
    f.emergency ? Promise.resolve([]) : grantRequestIds(ctx.db, f),
  ]);
  const ids = [...new Set([...idx, ...reqs])];
  const out: ConsentView[] = [];
  for (const id of ids) {
    const v = await consentView(ctx, id);
    if (v) out.push(v);
  }
  return out;
}

/** The service's grant record for core exports (receipt, FHIR); undefined while the grant is not on chain. */
export async function grantRecord(ctx: AppContext, grantId: string): Promise<{ record: GrantRecord; row: GrantRow } | undefined> {
  const id = grantId.toLowerCase();
  const [idx, req] = await Promise.all([getGrant(ctx.db, id), openingRequest(ctx.db, id)]);
  if (!idx || !req?.categories || !req.scope_salt) return undefined;
  const grant: Grant =
    req.kind === "grant"
      ? grantFromPayload(req.payload).grant
      : (JSON.parse(req.payload) as { grant: Grant }).grant;
  return {
    row: idx,
    record: {
      grant,
      categories: JSON.parse(req.categories) as string[],
      scopeSalt: req.scope_salt,
      chainId: ctx.chain.deployment.chainId,
      ledger: ctx.chain.deployment.consentLedger,
      recordedAt: idx.block_time,
      revokedAt: idx.revoked_at,
      onChain: true,
      transactionHash: idx.tx_hash,
      blockNumber: idx.block_number,
      signature: req.kind === "grant" ? grantFromPayload(req.payload).signature : undefined,
    },
  };
}

/** The operator as Kantara PII controller. Contact details are the operator's, never a resident's. */
export function controllers(ctx: AppContext): { controllers: PiiController[]; policyUrl: string } {
  const origin = ctx.cfg.publicOrigin ?? "http://127.0.0.1:7300";
  return {
    policyUrl: `${origin.replace(/\/$/, "")}/privacy.html`,
    controllers: [
      {
        piiController: "Anxin community mental-health service operator",
        contact: "Data protection officer",
        address: { addressCountry: "CN" },
        email: "privacy@anxin.invalid",
        phone: "+86-000-0000-0000",
        piiControllerUrl: origin,
      },
    ],
  };
}

export function receiptFor(ctx: AppContext, record: GrantRecord, lang: Lang): ConsentReceipt {
  const c = controllers(ctx);
  return buildReceipt({ record, controllers: c.controllers, policyUrl: c.policyUrl, lang });
}

export function fhirFor(ctx: AppContext, record: GrantRecord, lang: Lang, at = Math.floor(Date.now() / 1000)) {
  return toFhirConsent(record, { at, lang, policyUrl: controllers(ctx).policyUrl });
}

/**
 * Does an on-chain, active grant from `subject` to `grantee` for one of `purposes` cover data `category` at `at`?
 * What a key release must ask (and ask again at the moment of release). Reads the index for the grant: a grant
 * that is queued, submitted, failed or lost by the chain covers nothing; and the queue for its withdrawal: a grant
 * the subject has asked to revoke covers nothing from that moment, before the chain has the revocation.
 */
export async function consentCovers(
  ctx: AppContext,
  f: { subject: string; grantee: string; purposes: Purpose[]; category: string; atSeconds?: number },
): Promise<{ grantId: string } | undefined> {
  const at = f.atSeconds ?? Math.floor(Date.now() / 1000);
  const rows = await activeGrants(ctx.db, { subject: f.subject, grantee: f.grantee, purposes: f.purposes, atSeconds: at });
  // Only a grant whose opening we hold can be shown to cover a category (break-glass excepted: see grantCovers).
  for (const g of rows) if (g.categories && grantCovers(g, f.category) && !(await revocationRequested(ctx.db, g.grant_id))) return { grantId: g.grant_id };
  return undefined;
}

/**
 * A release decided from the index, unless the subject has asked to withdraw its grant: a queued (or submitted)
 * revocation is in force at once, so a flood of grants ahead of it in the relay cannot buy the grantee time.
 */
export async function unlessWithdrawn(q: Queryable, d: Decision): Promise<Decision> {
  if (d.ok && d.grantId && (await revocationRequested(q, d.grantId))) return { ok: false, reason: "grant_revoked" };
  return d;
}

/** Whether an indexed grant from `subject` to `grantee` for one of `purposes` is active now (any scope). */
export async function hasActiveGrant(ctx: AppContext, f: { subject: string; grantee: string; purposes: Purpose[] }): Promise<boolean> {
  return (await activeGrants(ctx.db, { ...f, atSeconds: Math.floor(Date.now() / 1000) })).length > 0;
}

/** The indexed grant's on-chain state (undefined while it is not in the index). */
export function indexedGrant(ctx: AppContext, grantId: string): Promise<GrantRow | undefined> {
  return getGrant(ctx.db, grantId);
}

/**
 * A counselor registers the scope opening of a break-glass access it opened on chain: the index must hold it as
 * theirs, the categories and scope salt must open its scope, and the salt must reproduce its grant id.
 */
export async function registerEmergency(ctx: AppContext, counselor: string, b: { grantId: string; categories: string[]; scopeSalt: string; salt: string }): Promise<ConsentView> {
  await ctx.indexer.sync();
  const g = await getGrant(ctx.db, b.grantId);
  if (!g || !g.emergency || g.grantee !== counselor) throw notFound("no break-glass access of yours with this id is on chain");
  if (scopeHash(b.categories, b.scopeSalt) !== g.scope) throw unprocessable("scope does not open to these categories and scope salt");
  const grant = emergencyGrant({ subject: g.subject, counselor: g.grantee, scope: g.scope, openedAt: g.not_before, durationSeconds: g.not_after - g.not_before, salt: b.salt });
  if (computeGrantId(grant) !== g.grant_id) throw unprocessable("the salt does not reproduce this grant id");
  await ctx.writer.submit(({ q }) =>
    insertEmergencyOpening(q, {
      grantId: g.grant_id, subject: g.subject, grantee: g.grantee, categories: [...new Set(b.categories)].sort(), scopeSalt: b.scopeSalt,
      payload: JSON.stringify({ grant }), txHash: g.tx_hash, blockNumber: g.block_number,
    }),
  );
  return (await consentView(ctx, g.grant_id))!;
}

/** The relay history of a grant (queued, submitted, mined, failed …), oldest first: reason codes only. */
export async function relayHistoryOf(ctx: AppContext, grantId: string) {
  const rows = await relayHistory(ctx.db, grantId);
  return rows.map((h) => ({ ...h, at: new Date(h.at).toISOString() }));
}

/** Notices for a resident address: break-glass accesses opened on it. */
export function notificationsOf(ctx: AppContext, subject: string) {
  return noticesFor(ctx.db, subject);
}

/** The auditor's break-glass review: every EMERGENCY grant and every key released under one. */
export async function emergencyReview(ctx: AppContext) {
  const [grants, releases] = [await emergencyGrants(ctx.db), await emergencyReleases(ctx.db)];
  return { grants, releases };
}
