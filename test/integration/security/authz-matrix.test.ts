// Authorization matrix: every route of the live route table × nine callers, each with the status the product must
// answer. The table is keyed by "METHOD /path" exactly as allRoutes() declares it: a route added without a row (or a
// row left for a route that was removed) fails the first test. Requests carry concrete fixture ids and a valid body,
// so what is tested is the authorization decision and the real outcome behind it, not input validation.
import { expect } from "chai";
import { signedKeyBody } from "../../helpers/keys.js";
import { publishSignedKey } from "../../../src/client/index.js";
import { randomBytes } from "node:crypto";
import { Interface, Wallet } from "ethers";
import { startTestServer, accreditCounselor, appointAuditor, registerMatcher, type TestServer } from "../../helpers/server.js";
import { startTestOffice, type TestOffice } from "../../helpers/office.js";
import { allRoutes } from "../../../src/http/routes/index.js";
import { DEV_OPERATOR_KEY } from "../../../src/chain/index.js";
import { loadArtifact } from "../../../src/chain/artifacts.js";
import { ApiClient, draftGrant } from "../../../src/client/index.js";
import { Purpose, revokeMessage, scopeHash, signGrant, signRevoke, consentDomain } from "../../../src/consent/index.js";
import { wireGrant } from "../../../src/consent/index.js";
import { acceptMessage } from "../../../src/matching/index.js";
import { counselorKeys, generateSeed, relationshipKeys, sealJson, toBase64, walletSigner, type RelationshipKeys } from "../../../src/crypto/index.js";
import { deriveNeed, makePublicProfile, publicProfileHash, type PublicProfile } from "../../../src/deid/index.js";
import { storePublicProfile } from "../../../src/services/public-profiles.js";
import { grant as grantOnChain, intake, withNonceRetry } from "../matching/helpers.js";
import { counselorWrites, eraseAs, loginAs } from "../vault/helpers.js";

const ROLES = ["none", "resident", "otherResident", "counselorWithGrant", "counselorNoGrant", "suspendedCounselor", "matcher", "auditor", "admin"] as const;
type Role9 = (typeof ROLES)[number];
type Expect = number | number[];
type Row = Record<Role9, Expect>;

/** Every caller gets `status` (public routes). */
const all = (status: number): Row => Object.fromEntries(ROLES.map((r) => [r, status])) as Row;
/** Signed-in route: anonymous 401, everyone not named 403, the named roles their real outcome. */
const only = (admitted: Partial<Row>): Row => ({ ...all(403), none: 401, ...admitted });
/** Every signed-in role that holds a role (the suspended counselor holds none). */
const anyRole = (status: number, over: Partial<Row> = {}): Row =>
  only({ resident: status, otherResident: status, counselorWithGrant: status, counselorNoGrant: status, matcher: status, auditor: status, admin: status, ...over });

interface Req {
  path: string;
  body?: unknown;
}
/** `caller`: who sends the request, when it must not be the role's shared session (sign-out would end it). */
type Spec = { expect: Row; req: (role: Role9) => Req | Promise<Req>; caller?: (role: Role9) => Promise<ApiClient> };

describe("security: authorization matrix (every route × every role)", function () {
  this.timeout(240_000);
  let srv: TestServer;
  const api = {} as Record<Role9, ApiClient>;
  const wallets = {} as Record<Exclude<Role9, "none">, Wallet>;
  let rel: RelationshipKeys; // the resident's TREATMENT relationship with counselor A
  let relOther: RelationshipKeys;
  /** Signed next versions of each resident's key; other roles send one signed by a stranger (refused by role). */
  const keyBodies: Record<string, unknown> = {};
  let office: TestOffice;
  const f = {} as {
    grantId: string;
    revocableGrantId: string;
    revokeBody: unknown;
    newGrantBody: unknown;
    emergency: { grantId: string; categories: string[]; scopeSalt: string; salt: string };
    recordId: string;
    contentHash: string;
    alertId: string;
    bookingId: string;
    liveBookingId: string;
    slots: { s1: string; s2: string };
    need: ReturnType<typeof deriveNeed>;
    counselorD: string;
    throwaway: { counselor: string; auditor: string; matcher: string };
    profile: PublicProfile;
  };
  const ledger = new Interface(loadArtifact("ConsentLedger").abi);
  const month = new Date().toISOString().slice(0, 7);
  const nowS = () => Math.floor(Date.now() / 1000);
  const hex = (n: number) => randomBytes(n).toString("hex");

  before(async function () {
    srv = await startTestServer({ config: { rateLimitPerMinute: 1_000_000, authRateLimitPerMinute: 1_000_000 } });
    office = await startTestOffice(srv.dataDir);
    const domain = consentDomain(srv.ctx.chain.deployment.chainId, srv.ctx.chain.deployment.consentLedger);
    const operator = srv.ctx.chain.operatorAddress.toLowerCase();
    const retry = <T>(fn: () => Promise<T>) => withNonceRetry(srv, fn);
    const A = (await retry(() => accreditCounselor(srv))).wallet;
    const B = (await retry(() => accreditCounselor(srv))).wallet;
    const C = (await retry(() => accreditCounselor(srv))).wallet;
    const D = (await retry(() => accreditCounselor(srv))).wallet;
    const E = (await retry(() => accreditCounselor(srv))).wallet;
    const matcher = await retry(() => registerMatcher(srv));
    const auditor = await retry(() => appointAuditor(srv));
    const admin = new Wallet(DEV_OPERATOR_KEY);
    rel = await relationshipKeys(await generateSeed(), A.address);
    relOther = await relationshipKeys(await generateSeed(), A.address);
    Object.assign(wallets, { resident: rel.wallet, otherResident: relOther.wallet, counselorWithGrant: A, counselorNoGrant: B, suspendedCounselor: C, matcher, auditor, admin });
    api.none = srv.api();
    api.admin = await loginAs(srv, admin, "admin");
    // The authority suspends counselor C through the API (the route under test elsewhere in the matrix).
    await retry(() => api.admin.post("/v1/admin/counselors/suspend", { address: C.address, reason: "misconduct" }));
    api.resident = await srv.api().login(rel.wallet);
    api.otherResident = await srv.api().login(relOther.wallet);
    api.counselorWithGrant = await loginAs(srv, A, "counselor");
    api.counselorNoGrant = await loginAs(srv, B, "counselor");
    api.suspendedCounselor = await srv.api().login(C);
    expect(api.suspendedCounselor.roles).to.deep.equal([]);
    api.matcher = await loginAs(srv, matcher, "matcher");
    api.auditor = await loginAs(srv, auditor, "auditor");
    await publishSignedKey(api.resident, rel.wallet, rel.x25519.publicKey);
    await publishSignedKey(api.otherResident, relOther.wallet, relOther.x25519.publicKey);
    keyBodies.resident = await signedKeyBody(rel.wallet, rel.x25519.publicKey, 2);
    keyBodies.otherResident = await signedKeyBody(relOther.wallet, relOther.x25519.publicKey, 2);
    keyBodies.stranger = await signedKeyBody(Wallet.createRandom(), randomBytes(32));

    // TREATMENT grant resident → A through the consent API (so receipts and FHIR have the scope opening).
    const built = draftGrant({ subject: rel.address, grantee: A.address, purpose: Purpose.TREATMENT, categories: ["assessment", "consultation_note"], days: 30 });
    const submitted = await api.resident.post("/v1/consents", {
      grant: wireGrant(built.grant), signature: await signGrant(rel.wallet, domain, built.grant), categories: built.categories, scopeSalt: built.scopeSalt,
    });
    f.grantId = submitted.grantId;
    for (let i = 0; ; i++) {
      const v = await api.resident.get(`/v1/consents/${f.grantId}`);
      if (v.onChain && v.status === "on_chain") break;
      if (i > 200) throw new Error("the TREATMENT grant never reached the chain");
      await new Promise((r) => setTimeout(r, 100));
    }
    // Second TREATMENT grant (to D, the reader the resident shares a key with), a MATCHING grant, a revocable one.
    f.counselorD = D.address.toLowerCase();
    await grantOnChain(srv, rel, D.address, Purpose.TREATMENT, ["assessment", "consultation_note"]);
    await grantOnChain(srv, rel, matcher.address, Purpose.MATCHING);
    f.revocableGrantId = await grantOnChain(srv, rel, operator, Purpose.RESEARCH_AGGREGATE);
    const rv = revokeMessage(f.revocableGrantId);
    f.revokeBody = { revoke: rv, signature: await signRevoke(rel.wallet, domain, rv) };
    const fresh = draftGrant({ subject: rel.address, grantee: operator, purpose: Purpose.RESEARCH_AGGREGATE, categories: ["assessment"], days: 30 });
    f.newGrantBody = { grant: wireGrant(fresh.grant), signature: await signGrant(rel.wallet, domain, fresh.grant), categories: fresh.categories, scopeSalt: fresh.scopeSalt };

    // A writes a record about the resident.
    const written = await counselorWrites(api.counselorWithGrant, A, rel.address, f.grantId, { minutes: 50 });
    f.recordId = written.reply.recordId;
    f.contentHash = written.reply.contentHash;

    // A opens break-glass access (its own signed transaction) on a third address; the scope opening is registered in the matrix.
    await api.counselorWithGrant.post("/v1/chain/fund", {});
    const scopeSalt = "0x" + hex(32);
    const salt = "0x" + hex(32);
    const categories = ["assessment"];
    await signedTx(A, "openEmergency", [Wallet.createRandom().address, scopeHash(categories, scopeSalt), 3600, salt]);
    const [em] = await srv.ctx.db.query<{ grant_id: string }>("SELECT grant_id FROM consent_grants WHERE emergency AND grantee = $1", [A.address.toLowerCase()]);
    f.emergency = { grantId: em.grant_id, categories, scopeSalt, salt };

    // Slots of A, one booked by the resident; a crisis alert the resident raised (A and D are told).
    const at = (h: number) => new Date(Date.now() + (24 + h) * 3600_000).toISOString();
    const s0 = hex(12);
    f.slots = { s1: hex(12), s2: hex(12) };
    await api.counselorWithGrant.put("/v1/counselors/me/slots", { slots: [{ slotId: s0, start: at(0), end: at(1) }] });
    f.bookingId = (await api.resident.post("/v1/bookings", { slotId: s0, sealedDetails: await bookingEnvelope(A) })).bookingId;
    // A video session starting now (its consultation window is open), booked on a slot of its own.
    const live = hex(12);
    await api.counselorWithGrant.put("/v1/counselors/me/slots", { slots: [{ slotId: live, start: new Date(Date.now() + 60_000).toISOString(), end: at(0) }] });
    f.liveBookingId = (await api.resident.post("/v1/bookings", { slotId: live, sealedDetails: await bookingEnvelope(A) })).bookingId;
    f.alertId = (await api.resident.post("/v1/alerts", { kind: "crisis", level: "elevated", subjectRef: rel.address })).alertId;
    await api.resident.post(`/v1/alerts/${f.alertId}/callback`, { sealed: { [A.address.toLowerCase()]: "Q".repeat(80) } });
    f.need = deriveNeed(intake(["grief"]));
    f.throwaway = { counselor: E.address, auditor: Wallet.createRandom().address, matcher: Wallet.createRandom().address };
    // Counselor A's public profile, published by the authority (the dev operator) and stored.
    f.profile = makePublicProfile(A.address, { displayName: "测试咨询师", title: "二级心理咨询师", organisation: "测试中心", districts: ["310104"], languages: ["mandarin"] });
    await retry(async () => (await srv.ctx.chain.registry.publishProfile(A.address, publicProfileHash(f.profile))).wait());
    await storePublicProfile(srv.ctx, f.profile);
  });
  after(async () => srv?.stop());

  async function signedTx(w: Wallet, fn: string, args: unknown[]): Promise<unknown> {
    const c = await srv.api().login(w);
    const acct = await c.get("/v1/chain/account");
    const raw = await w.signTransaction({
      to: acct.consentLedger, data: ledger.encodeFunctionData(fn, args), nonce: acct.nonce, chainId: acct.chainId, gasLimit: 300_000,
      maxFeePerGas: BigInt(acct.maxFeePerGas) * 2n, maxPriorityFeePerGas: BigInt(acct.maxPriorityFeePerGas), type: 2,
    });
    return c.post("/v1/chain/transactions", { rawTransaction: raw });
  }

  async function rawOpenEmergency(w: Wallet): Promise<string> {
    const acct = await srv.api().login(w).then((c) => c.get("/v1/chain/account"));
    return w.signTransaction({
      to: acct.consentLedger, data: ledger.encodeFunctionData("openEmergency", [Wallet.createRandom().address, "0x" + hex(32), 3600, "0x" + hex(32)]),
      nonce: acct.nonce, chainId: acct.chainId, gasLimit: 300_000, maxFeePerGas: BigInt(acct.maxFeePerGas) * 2n, maxPriorityFeePerGas: BigInt(acct.maxPriorityFeePerGas), type: 2,
    });
  }

  async function bookingEnvelope(counselor: Wallet) {
    const ck = await counselorKeys(counselor.privateKey);
    return sealJson({
      kind: "care_plan", schema: "anxin.booking.v1", subjectRef: rel.address, body: { note: "first visit" } as never,
      recipients: [{ address: rel.address, x25519PublicKey: rel.x25519.publicKey }, { address: ck.address, x25519PublicKey: ck.x25519.publicKey }],
      signer: walletSigner(rel.wallet),
    });
  }

  /** A record envelope signed by the caller's own key: the resident's self-assessment, otherwise a note about the resident. */
  async function recordEnvelope(role: Role9) {
    if (role === "resident") {
      return sealJson({ kind: "assessment", schema: "anxin.assessment.phq9.v1", subjectRef: rel.address, consentId: null, body: { score: 7 } as never,
        recipients: [{ address: rel.address, x25519PublicKey: rel.x25519.publicKey }], signer: walletSigner(rel.wallet) });
    }
    const w = role === "none" ? Wallet.createRandom() : wallets[role];
    const ck = await counselorKeys(w.privateKey);
    return sealJson({ kind: "consultation_note", schema: "anxin.note.v1", subjectRef: rel.address, consentId: f.grantId, body: { minutes: 30 } as never,
      recipients: [{ address: ck.address, x25519PublicKey: ck.x25519.publicKey }, { address: rel.address, x25519PublicKey: rel.x25519.publicKey }],
      signer: walletSigner(w as never) });
  }

  const walletOf = (role: Role9) => (role === "none" ? Wallet.createRandom() : wallets[role]);
  const newKey = () => toBase64(randomBytes(32));

  function table(): Record<string, Spec> {
    const g = () => f.grantId;
    const fixed = (path: string, body?: unknown) => () => ({ path, body });
    return {
      "get /healthz": { expect: all(200), req: fixed("/healthz") },
      "get /metrics": { expect: all(401), req: fixed("/metrics") }, // the operator's metrics token, never a session
      "post /v1/auth/nonce": { expect: all(201), req: fixed("/v1/auth/nonce", {}) },
      "post /v1/auth/login": {
        expect: all(200),
        req: async (role) => {
          const { message, signature } = await srv.api().siwe(walletOf(role));
          return { path: "/v1/auth/login", body: { message, signature } };
        },
      },
      "get /v1/auth/session": { expect: anyRole(200), req: fixed("/v1/auth/session") },
      // Any session signs out, even one that holds no role any more (the suspended counselor): a fresh one per role.
      "post /v1/auth/logout": {
        expect: { ...all(200), none: 401 },
        req: fixed("/v1/auth/logout", {}),
        caller: async (role) => (role === "none" ? api.none : srv.api().login(wallets[role])),
      },

      "get /v1/consents/domain": { expect: all(200), req: fixed("/v1/consents/domain") },
      "post /v1/consents/preview": {
        expect: all(200),
        req: () => ({ path: "/v1/consents/preview", body: { purpose: 0, categories: ["assessment"], notBefore: nowS(), notAfter: nowS() + 86400 } }),
      },
      // The resident's own signed grant: anyone else presenting it is refused (403), whatever their role.
      "post /v1/consents": { expect: only({ resident: 202, otherResident: 403 }), req: () => ({ path: "/v1/consents", body: f.newGrantBody }) },
      "get /v1/consents": { expect: anyRole(200), req: fixed("/v1/consents") },
      "post /v1/consents/emergency": {
        expect: only({ counselorWithGrant: 200, counselorNoGrant: 404 }),
        req: () => ({ path: "/v1/consents/emergency", body: f.emergency }),
      },
      // Subject, grantee and auditors see a consent; to anyone else it does not exist.
      "get /v1/consents/:grantId": {
        expect: anyRole(404, { resident: 200, counselorWithGrant: 200, auditor: 200 }),
        req: () => ({ path: `/v1/consents/${g()}` }),
      },
      "post /v1/consents/:grantId/revoke": {
        expect: only({ resident: 202, otherResident: 403 }),
        req: () => ({ path: `/v1/consents/${f.revocableGrantId}/revoke`, body: f.revokeBody }),
      },
      "get /v1/consents/:grantId/receipt": {
        expect: anyRole(404, { resident: 200, counselorWithGrant: 200, auditor: 200 }),
        req: () => ({ path: `/v1/consents/${g()}/receipt` }),
      },
      "get /v1/consents/:grantId/fhir": {
        expect: anyRole(404, { resident: 200, counselorWithGrant: 200, auditor: 200 }),
        req: () => ({ path: `/v1/consents/${g()}/fhir` }),
      },
      "get /v1/notifications": { expect: only({ resident: 200, otherResident: 200 }), req: fixed("/v1/notifications") },

      "post /v1/records": {
        expect: only({ resident: 201, otherResident: 403, counselorWithGrant: 201, counselorNoGrant: 403 }),
        req: async (role) => ({ path: "/v1/records", body: await recordEnvelope(role) }),
      },
      // Batch sync answers 200 with one result per item: the item's own status is the authorization decision.
      "post /v1/records\\:batch": {
        expect: only({ resident: 200, otherResident: 200, counselorWithGrant: 200, counselorNoGrant: 200 }),
        req: async (role) => ({ path: "/v1/records:batch", body: { records: [await recordEnvelope(role)] } }),
      },
      "get /v1/records": {
        expect: only({ resident: 200, otherResident: 403, counselorWithGrant: 200, counselorNoGrant: 403 }),
        req: () => ({ path: `/v1/records?subject=${rel.address}` }),
      },
      // Record contents and key release: only the subject and the author under consent; auditors and matchers never.
      "get /v1/records/:recordId": { expect: only({ resident: 200, counselorWithGrant: 200 }), req: () => ({ path: `/v1/records/${f.recordId}` }) },
      "get /v1/records/:recordId/versions/:contentHash/key": {
        expect: only({ resident: 200, counselorWithGrant: 200 }),
        req: () => ({ path: `/v1/records/${f.recordId}/versions/${f.contentHash}/key` }),
      },
      "post /v1/records/:contentHash/keys": {
        expect: only({ resident: 201, otherResident: 403 }),
        req: () => ({ path: `/v1/records/${f.contentHash}/keys`, body: { keys: [{ to: f.counselorD, sealed: toBase64(randomBytes(80)) }] } }),
      },

      "post /v1/vault/recipients": {
        expect: only({ resident: 201, otherResident: 201 }),
        req: (role) => ({
          path: "/v1/vault/recipients",
          body: keyBodies[role] ?? keyBodies.stranger,
        }),
      },
      // Sealed to a key that is nobody's current one: every role allowed to rotate gets 422, the others their 403/401.
      "post /v1/vault/rewrap": {
        expect: only({ resident: 422, otherResident: 422, counselorWithGrant: 422, counselorNoGrant: 422 }),
        req: () => ({ path: "/v1/vault/rewrap", body: { keys: [{ contentHash: f.contentHash, sealed: toBase64(randomBytes(80)), pk: newKey() }] } }),
      },
      "get /v1/vault/recipients/:address": {
        expect: only({ resident: 200, otherResident: 404, counselorWithGrant: 200, counselorNoGrant: 404 }),
        req: () => ({ path: `/v1/vault/recipients/${rel.address}` }),
      },
      // The sealed relationship list: each resident reads and writes only their own (nothing stored before the PUT).
      "get /v1/vault/relationships": { expect: only({ resident: 404, otherResident: 404 }), req: fixed("/v1/vault/relationships") },
      "put /v1/vault/relationships": { expect: only({ resident: 200, otherResident: 200 }), req: fixed("/v1/vault/relationships", { version: 1, sealed: toBase64(randomBytes(64)) }) },
      // Erasure runs last (see ORDER_LAST): it is the resident's own, always allowed.
      "get /v1/vault/erasure-plan": { expect: only({ resident: 200, otherResident: 200 }), req: fixed("/v1/vault/erasure-plan") },
      // The resident holds active grants and signs no revocation here: refused (422), nothing erased. The other
      // resident holds none: erased by the first row, and answered 410 from then on.
      "delete /v1/vault": { expect: only({ resident: 422, otherResident: 200 }), req: fixed("/v1/vault") },
      "post /v1/vault/erase": { expect: only({ resident: 422, otherResident: 410 }), req: fixed("/v1/vault/erase", {}) },

      "post /v1/needs": {
        expect: only({ resident: 201, otherResident: 403 }),
        req: async (role) => ({ path: "/v1/needs", body: { need: role === "resident" ? f.need : deriveNeed(intake(["grief"])), matcher: wallets.matcher.address, token: await office.token() } }),
      },
      "delete /v1/needs/:needId": { expect: only({ resident: 200, otherResident: 404 }), req: () => ({ path: `/v1/needs/${f.need.needId}` }) },
      "get /v1/match/pool": { expect: only({ matcher: 200 }), req: fixed("/v1/match/pool") },
      "get /v1/match/counselors": { expect: only({ matcher: 200, admin: 200 }), req: fixed("/v1/match/counselors") },
      "post /v1/match/run": { expect: only({ matcher: 200 }), req: fixed("/v1/match/run", {}) },
      "get /v1/match/proposals": { expect: only({ resident: 200, otherResident: 200, matcher: 200 }), req: fixed("/v1/match/proposals") },
      "post /v1/match/proposals/:id/accept": {
        expect: only({ resident: 404, otherResident: 404 }),
        req: async () => {
          const id = hex(16);
          const t = Wallet.createRandom();
          return { path: `/v1/match/proposals/${id}/accept`, body: { treatmentAddress: t.address, treatmentSignature: await t.signMessage(acceptMessage(id, wallets.counselorWithGrant.address)) } };
        },
      },
      "post /v1/match/proposals/:id/decline": { expect: only({ resident: 404, otherResident: 404 }), req: () => ({ path: `/v1/match/proposals/${hex(16)}/decline`, body: {} }) },
      "get /v1/match/clients": { expect: only({ counselorWithGrant: 200, counselorNoGrant: 200 }), req: fixed("/v1/match/clients") },
      "get /v1/counselors/me/profile": { expect: only({ counselorWithGrant: 200, counselorNoGrant: 200 }), req: fixed("/v1/counselors/me/profile") },
      "put /v1/counselors/me/profile": {
        expect: only({ counselorWithGrant: 200, counselorNoGrant: 200 }),
        req: fixed("/v1/counselors/me/profile", { specialties: ["depression"], languages: ["mandarin"], modalities: ["video"], districts: [], capacity: 2, availability: ["mon_am"], gender: "female" }),
      },
      "post /v1/stats/community": { expect: only({ admin: 201, auditor: 201 }), req: fixed("/v1/stats/community", { month, epsilon: 0.01 }) },
      "get /v1/stats/community": { expect: all(200), req: fixed(`/v1/stats/community?month=${month}`) },

      "post /v1/alerts": {
        expect: only({ resident: 201, otherResident: 403, counselorWithGrant: 201, counselorNoGrant: 403 }),
        req: (role) => ({
          path: "/v1/alerts",
          body: role === "resident" || role === "otherResident" ? { kind: "crisis", level: "elevated", subjectRef: rel.address } : { kind: "counselor_mark", level: "high", subjectRef: rel.address },
        }),
      },
      "get /v1/alerts": { expect: only({ resident: 200, otherResident: 200, counselorWithGrant: 200, counselorNoGrant: 200 }), req: fixed("/v1/alerts") },
      "get /v1/counselors/me/identities": { expect: only({ counselorWithGrant: 200, counselorNoGrant: 200 }), req: fixed("/v1/counselors/me/identities") },
      "get /v1/counselors/me/on-call": { expect: only({ counselorWithGrant: 200, counselorNoGrant: 200 }), req: fixed("/v1/counselors/me/on-call") },
      "put /v1/counselors/me/on-call": { expect: only({ counselorWithGrant: 200, counselorNoGrant: 200 }), req: fixed("/v1/counselors/me/on-call", { hours: [] }) },
      // A callback number is shared only into one's own alert, and read only by a counselor it was sealed to.
      "post /v1/alerts/:id/callback": {
        expect: only({ resident: 201, otherResident: 404 }),
        req: () => ({ path: `/v1/alerts/${f.alertId}/callback`, body: { sealed: { [wallets.counselorWithGrant.address.toLowerCase()]: "Q".repeat(80) } } }),
      },
      "get /v1/alerts/:id/callback": { expect: only({ counselorWithGrant: 200, counselorNoGrant: 404 }), req: () => ({ path: `/v1/alerts/${f.alertId}/callback` }) },
      "post /v1/alerts/:id/ack": { expect: only({ counselorWithGrant: 200, counselorNoGrant: 404 }), req: () => ({ path: `/v1/alerts/${f.alertId}/ack`, body: {} }) },
      "post /v1/wearable/index": {
        expect: only({ resident: 201, otherResident: 403 }),
        req: () => ({ path: "/v1/wearable/index", body: { subjectRef: rel.address, days: [{ date: "2025-01-01", index: 20, status: "ok" }] } }),
      },
      // Only MONITORING grantees read the stress index: A holds TREATMENT only.
      "get /v1/wearable/index": {
        expect: only({ resident: 200, otherResident: 403, counselorWithGrant: 403, counselorNoGrant: 403 }),
        req: () => ({ path: `/v1/wearable/index?subject=${rel.address}` }),
      },
      "put /v1/counselors/me/slots": {
        expect: only({ counselorWithGrant: 200, counselorNoGrant: 200 }),
        req: (role) => {
          const at = (h: number) => new Date(Date.now() + (48 + h) * 3600_000).toISOString();
          const ids = role === "counselorWithGrant" ? [f.slots.s1, f.slots.s2] : [hex(12), hex(12)];
          return { path: "/v1/counselors/me/slots", body: { slots: ids.map((slotId, i) => ({ slotId, start: at(2 * i), end: at(2 * i + 1) })) } };
        },
      },
      "get /v1/counselors/:id/slots": {
        expect: only({ resident: 200, otherResident: 403, counselorWithGrant: 200, counselorNoGrant: 403 }),
        req: () => ({ path: `/v1/counselors/${wallets.counselorWithGrant.address.toLowerCase()}/slots` }),
      },
      "post /v1/bookings": {
        expect: only({ resident: 201, otherResident: 403 }),
        req: async () => ({ path: "/v1/bookings", body: { slotId: f.slots.s1, sealedDetails: await bookingEnvelope(wallets.counselorWithGrant) } }),
      },
      "put /v1/bookings/:id": {
        expect: only({ resident: 200, otherResident: 403 }),
        req: async () => ({ path: `/v1/bookings/${f.bookingId}`, body: { slotId: f.slots.s2, sealedDetails: await bookingEnvelope(wallets.counselorWithGrant) } }),
      },
      "delete /v1/bookings/:id": { expect: only({ resident: 200, otherResident: 404 }), req: () => ({ path: `/v1/bookings/${f.bookingId}` }) },
      "get /v1/bookings": { expect: only({ resident: 200, otherResident: 200, counselorWithGrant: 200, counselorNoGrant: 200 }), req: fixed("/v1/bookings") },

      "get /v1/consultations/:id": { expect: only({ resident: 200, otherResident: 404, counselorWithGrant: 200, counselorNoGrant: 404 }), req: () => ({ path: `/v1/consultations/${f.liveBookingId}` }) },
      "post /v1/consultations/:id/signals": { expect: only({ resident: 202, otherResident: 404, counselorWithGrant: 202, counselorNoGrant: 404 }), req: () => ({ path: `/v1/consultations/${f.liveBookingId}/signals`, body: { kind: "hello" } }) },
      "get /v1/consultations/:id/signals": { expect: only({ resident: 200, otherResident: 404, counselorWithGrant: 200, counselorNoGrant: 404 }), req: () => ({ path: `/v1/consultations/${f.liveBookingId}/signals?wait=0` }) },

      "post /v1/audit/verify": { expect: only({ auditor: 200 }), req: fixed("/v1/audit/verify", {}) },
      "get /v1/audit/bundle/:recordId": { expect: only({ auditor: 200 }), req: () => ({ path: `/v1/audit/bundle/${f.recordId}` }) },
      "get /v1/audit/emergency": { expect: only({ auditor: 200 }), req: fixed("/v1/audit/emergency") },
      "get /v1/log/checkpoint": { expect: all(200), req: fixed("/v1/log/checkpoint") },
      "get /v1/log/proof/inclusion": { expect: all(200), req: fixed("/v1/log/proof/inclusion?index=0&size=1") },
      "get /v1/log/proof/consistency": { expect: all(200), req: fixed("/v1/log/proof/consistency?from=1&to=2") },
      "post /v1/log/anchor": { expect: only({ admin: 200 }), req: fixed("/v1/log/anchor", {}) },

      "post /v1/admin/counselors": {
        expect: only({ admin: 200 }),
        req: () => ({ path: "/v1/admin/counselors", body: { address: Wallet.createRandom().address, encryptionKey: "0x" + hex(32) } }),
      },
      "post /v1/admin/counselors/suspend": { expect: only({ admin: 200 }), req: () => ({ path: "/v1/admin/counselors/suspend", body: { address: f.throwaway.counselor, reason: "requested" } }) },
      "post /v1/admin/counselors/reinstate": { expect: only({ admin: 200 }), req: () => ({ path: "/v1/admin/counselors/reinstate", body: { address: f.throwaway.counselor } }) },
      "post /v1/admin/auditors": { expect: only({ admin: 200 }), req: () => ({ path: "/v1/admin/auditors", body: { address: f.throwaway.auditor } }) },
      "post /v1/admin/auditors/dismiss": { expect: only({ admin: 200 }), req: () => ({ path: "/v1/admin/auditors/dismiss", body: { address: f.throwaway.auditor } }) },
      "post /v1/admin/matchers": { expect: only({ admin: 200 }), req: () => ({ path: "/v1/admin/matchers", body: { address: f.throwaway.matcher } }) },
      "post /v1/admin/matchers/deregister": { expect: only({ admin: 200 }), req: () => ({ path: "/v1/admin/matchers/deregister", body: { address: f.throwaway.matcher } }) },
      "get /v1/admin/registry": { expect: only({ admin: 200, auditor: 200 }), req: fixed("/v1/admin/registry") },
      "put /v1/counselor-profiles": { expect: only({ admin: 200 }), req: () => ({ path: "/v1/counselor-profiles", body: f.profile }) },
      "get /v1/counselor-profiles": { expect: all(200), req: fixed("/v1/counselor-profiles") },
      "get /v1/counselor-profiles/:address": { expect: all(200), req: () => ({ path: `/v1/counselor-profiles/${f.profile.counselor}` }) },

      "get /v1/chain/account": { expect: only({ counselorWithGrant: 200, counselorNoGrant: 200, admin: 200 }), req: fixed("/v1/chain/account") },
      "post /v1/chain/fund": { expect: only({ counselorWithGrant: 200, counselorNoGrant: 200, admin: 200 }), req: fixed("/v1/chain/fund", {}) },
      // Staff relay their own signed transactions; the admin presenting A's signed transaction is refused.
      "post /v1/chain/transactions": {
        expect: only({ counselorWithGrant: 200, counselorNoGrant: 200, admin: 403 }),
        req: async (role) => {
          const signer = role === "counselorNoGrant" ? wallets.counselorNoGrant : wallets.counselorWithGrant;
          return { path: "/v1/chain/transactions", body: { rawTransaction: await rawOpenEmergency(signer) } };
        },
      },
      "get /v1/matchers": { expect: all(200), req: fixed("/v1/matchers") },
      "get /v1/places": { expect: all(200), req: fixed("/v1/places") },
      "get /v1/office/keys": { expect: all(200), req: fixed("/v1/office/keys") },
      "get /v1/client/timing": { expect: all(200), req: fixed("/v1/client/timing") },
      "get /v1/log/access": { expect: only({ resident: 200, otherResident: 200 }), req: fixed("/v1/log/access") },
      "get /openapi.json": { expect: all(200), req: fixed("/openapi.json") },
      "get /checkpoint": { expect: all(200), req: fixed("/checkpoint") },
      "get /v1/log/key": { expect: all(200), req: fixed("/v1/log/key") },
      "get /tile/*path": { expect: all(200), req: fixed("/tile/0/000.p/1") },
      "get /v1/log/tlog-proof/:index": { expect: all(200), req: fixed("/v1/log/tlog-proof/0") },
    };
  }

  /** State-changing rows whose effect would change later rows: run after everything else. */
  const ORDER_LAST = ["delete /v1/vault", "post /v1/vault/erase"];
  /** Refused callers first, then the admitted ones, the resident (whose success consumes fixtures) last. */
  const ROLE_ORDER: Role9[] = ["none", "otherResident", "counselorNoGrant", "suspendedCounselor", "matcher", "auditor", "admin", "counselorWithGrant", "resident"];
  const keyOf = (r: { method: string; path: string }) => `${r.method} ${r.path}`;

  it("has exactly one row per route of the live route table", () => {
    const live = allRoutes(srv.ctx).map(keyOf);
    const rows = Object.keys(table());
    expect(live.filter((k) => !rows.includes(k)), "routes without a row in the authorization matrix").to.deep.equal([]);
    expect(rows.filter((k) => !live.includes(k)), "rows naming a route that does not exist").to.deep.equal([]);
    expect(new Set(live).size).to.equal(live.length);
  });

  it("answers every route × role with the expected status", async () => {
    const t = table();
    const live = allRoutes(srv.ctx).map(keyOf).filter((k) => t[k]);
    const ordered = [...live.filter((k) => !ORDER_LAST.includes(k)), ...ORDER_LAST];
    const failures: string[] = [];
    let n = 0;
    for (const key of ordered) {
      const method = key.split(" ")[0].toUpperCase();
      for (const role of ROLE_ORDER) {
        const { path, body } = await t[key].req(role);
        const res = await (t[key].caller ? await t[key].caller(role) : api[role]).raw(method, path, body);
        const text = await res.text();
        n++;
        const want = ([] as number[]).concat(t[key].expect[role]);
        if (!want.includes(res.status)) failures.push(`${key} as ${role}: expected ${want.join("|")}, got ${res.status} ${text.slice(0, 200)}`);
        if (res.status >= 400) expect(res.headers.get("content-type"), `${key} as ${role}`).to.match(/application\/problem\+json/);
      }
    }
    expect(failures, failures.join("\n")).to.deep.equal([]);
    expect(n).to.equal(ordered.length * ROLES.length);
  });

  it("left the erased resident's record gone for everyone, and logged the refused reads", async () => {
    // The matrix refused her erasure (her grants were not revoked); her app erases as it does, signing the revocations.
    const erased = await eraseAs(api.resident, rel.wallet);
    expect(erased.revocationsQueued).to.be.greaterThan(0);
    // After erasure her own record is 410 and the counselor's key release too.
    expect((await api.resident.raw("GET", `/v1/records/${f.recordId}`)).status).to.equal(410);
    expect((await api.counselorWithGrant.raw("GET", `/v1/records/${f.recordId}/versions/${f.contentHash}/key`)).status).to.equal(410);
    const refused = await srv.ctx.db.query<{ requester: string; reason: string }>("SELECT requester, reason FROM access_log WHERE decision = 'refused' AND record_id = $1", [f.recordId]);
    const reasons = new Map(refused.map((r) => [r.requester, r.reason]));
    expect(reasons.get(wallets.auditor.address.toLowerCase())).to.equal("role_auditor");
    expect(reasons.get(wallets.matcher.address.toLowerCase())).to.equal("role_matcher");
    expect(reasons.get(wallets.suspendedCounselor.address.toLowerCase())).to.equal("counselor_suspended");
    expect(reasons.get(wallets.counselorNoGrant.address.toLowerCase())).to.equal("no_grant");
  });
});
