import { expect } from "chai";
import { Wallet, type Contract } from "ethers";
import { Purpose, grantId as computeGrantId, scopeHash, newScopeSalt, emergencyGrant, grantId } from "../../../src/consent/index.js";
import { activeGrants } from "../../../src/store/consent-repo.js";
import { consentCovers } from "../../../src/services/consents.js";
import { draftGrant } from "../../../src/client/index.js";
import { accreditCounselor, appointAuditor, registerMatcher, startTestServer, type TestServer } from "../../helpers/server.js";
import { withNonceRetry, Resident, onChain, problem, signedGrant, signedRevoke, waitFor } from "./helpers.js";
import { hexlify, randomBytes } from "ethers";

describe("consent API: grant, status, receipt, FHIR, revoke — and the refusals", function () {
  this.timeout(120_000);
  let srv: TestServer;
  let counselor: Wallet;
  let auditor: Wallet;
  const now = () => Math.floor(Date.now() / 1000);
  const requestRows = async (id: string) => srv.ctx.db.query("SELECT kind, status FROM consent_requests WHERE grant_id = $1 ORDER BY kind", [id]);

  before(async () => {
    srv = await startTestServer();
    counselor = (await withNonceRetry(srv, () => accreditCounselor(srv))).wallet;
    auditor = await withNonceRetry(srv, () => appointAuditor(srv));
  });
  after(async () => srv?.stop());

  it("relays a signed grant: queued (202), then on chain at block N, active; receipt and FHIR; subject, grantee and auditor see it", async () => {
    const r = await Resident.create();
    const key = await r.keyFor(counselor.address);
    const api = await r.api(srv, counselor.address);
    const { built, body } = await signedGrant(srv, key, counselor.address);
    const id = computeGrantId(built.grant);
    const covered = () => consentCovers(srv.ctx, { subject: key.address, grantee: counselor.address, purposes: [Purpose.TREATMENT], category: "assessment" });

    const res = await api.raw("POST", "/v1/consents", body);
    expect(res.status).to.equal(202);
    expect(await res.json()).to.deep.include({ grantId: id, created: true });
    const v = await onChain(api, id);
    expect(v).to.deep.include({ state: "active", active: true, purposeName: "TREATMENT", subject: key.address.toLowerCase(), grantee: counselor.address.toLowerCase() });
    expect(v.blockNumber).to.be.a("number");
    expect(v.txHash).to.match(/^0x[0-9a-f]{64}$/);
    // The status comes from the index at once; the relayer writes its own "on_chain" history entry just after.
    const h = await waitFor(() => api.get(`/v1/consents/${id}`), (x: any) => x.history.some((e: any) => e.event === "on_chain"));
    expect(h.history.map((e: any) => e.event)).to.include.members(["queued", "on_chain"]);
    expect(await (srv.ctx.chain.consentLedger as Contract).isActive(id, now())).to.equal(true);
    expect(await covered()).to.deep.equal({ grantId: id });
    expect(await consentCovers(srv.ctx, { subject: key.address, grantee: counselor.address, purposes: [Purpose.TREATMENT], category: "identity" })).to.equal(undefined);

    const receipt = await api.get(`/v1/consents/${id}/receipt?lang=en`);
    expect(receipt.version).to.equal("KI-CR-v1.1.0");
    expect(receipt.language).to.equal("en");
    expect(receipt.anxin).to.deep.include({ grantId: id, transactionHash: v.txHash, blockNumber: v.blockNumber, scopeSalt: built.scopeSalt });
    expect(scopeHash(receipt.anxin.categories, receipt.anxin.scopeSalt)).to.equal(built.grant.scope);
    const text = await (await api.raw("GET", `/v1/consents/${id}/receipt?lang=zh&format=text`)).text();
    expect(text).to.match(/^同意回执/);
    expect(text).to.contain(v.txHash);

    const fhir = await api.get(`/v1/consents/${id}/fhir`);
    expect(fhir).to.deep.include({ resourceType: "Consent", status: "active", id: id.slice(2) });

    const asCounselor = await srv.api().login(counselor);
    expect((await asCounselor.get(`/v1/consents/${id}`)).grantId).to.equal(id);
    expect((await asCounselor.get("/v1/consents")).items.map((i: any) => i.grantId)).to.include(id);
    const asAuditor = await srv.api().login(auditor);
    expect((await asAuditor.get(`/v1/consents?subject=${key.address}`)).items.map((i: any) => i.grantId)).to.deep.equal([id]);
    // A stranger learns nothing, not even that the grant exists.
    const stranger = await srv.api().login(Wallet.createRandom());
    expect((await problem(stranger.get(`/v1/consents/${id}`))).status).to.equal(404);
    expect((await problem(stranger.get(`/v1/consents?subject=${key.address}`))).status).to.equal(403);

    // Revoke, signed by the subject: on chain, no longer active, nothing covered any more.
    const rv = await signedRevoke(srv, key, id);
    expect((await api.raw("POST", `/v1/consents/${id}/revoke`, rv)).status).to.equal(202);
    const after = await waitFor(() => api.get(`/v1/consents/${id}`), (x: any) => x.state === "revoked");
    expect(after.revoke.status).to.equal("on_chain");
    expect(after.revokedAt).to.be.a("number");
    expect(await covered()).to.equal(undefined);
    expect((await api.get(`/v1/consents/${id}/fhir`)).status).to.equal("inactive");
  });

  it("refuses a grant signed by a wrong key, or submitted from another address than its subject: nothing is queued", async () => {
    const r = await Resident.create();
    const key = await r.keyFor(counselor.address);
    const api = await r.api(srv, counselor.address);
    const forged = await signedGrant(srv, key, counselor.address, { signer: Wallet.createRandom() as unknown as Wallet });
    const e = await problem(api.post("/v1/consents", forged.body));
    expect(e.status).to.equal(422);
    expect(e.problem.detail).to.match(/signature/);
    expect(await requestRows(computeGrantId(forged.built.grant))).to.deep.equal([]);
    // The counselor's own grant for the resident: signed correctly by the subject but sent by someone else.
    const good = await signedGrant(srv, key, counselor.address);
    const other = await srv.api().login(Wallet.createRandom());
    expect((await problem(other.post("/v1/consents", good.body))).status).to.equal(403);
    // A tampered scope opening (categories widened after signing).
    const widened = { ...good.body, categories: ["assessment", "consultation_note", "identity"] };
    expect((await problem(api.post("/v1/consents", widened))).status).to.equal(422);
    expect(await requestRows(computeGrantId(good.built.grant))).to.deep.equal([]);
  });

  it("a replayed grant is the same grant: one request, one ledger entry; a replay after revocation does not bring it back", async () => {
    const r = await Resident.create();
    const key = await r.keyFor(counselor.address);
    const api = await r.api(srv, counselor.address);
    const { built, body } = await signedGrant(srv, key, counselor.address);
    const id = computeGrantId(built.grant);
    await api.post("/v1/consents", body);
    await onChain(api, id);
    const again = await api.raw("POST", "/v1/consents", body);
    expect(again.status).to.equal(200);
    expect(await again.json()).to.deep.include({ grantId: id, status: "on_chain", created: false });
    const ledger = srv.ctx.chain.consentLedger as Contract;
    // Anyone replaying the signed payload on chain directly is refused by the ledger.
    let reason = "";
    try {
      await ledger.grantBySig.staticCall(built.grant, body.signature);
    } catch (e) {
      reason = (e as { revert?: { name: string } }).revert?.name ?? "";
    }
    expect(reason).to.equal("GrantAlreadyExists");
    await api.post(`/v1/consents/${id}/revoke`, await signedRevoke(srv, key, id));
    await waitFor(() => api.get(`/v1/consents/${id}`), (x: any) => x.state === "revoked");
    await api.raw("POST", "/v1/consents", body);
    await srv.ctx.indexer.sync();
    expect((await api.get(`/v1/consents/${id}`)).state).to.equal("revoked");
    const events = await ledger.queryFilter(ledger.filters.ConsentGranted(id));
    expect(events).to.have.length(1);
    expect(await ledger.isActive(id, now())).to.equal(false);
  });

  it("a revoke by the grantee is refused (403 as the grantee; 422 when signed by the grantee) and never relayed", async () => {
    const r = await Resident.create();
    const key = await r.keyFor(counselor.address);
    const api = await r.api(srv, counselor.address);
    const { built, body } = await signedGrant(srv, key, counselor.address);
    const id = computeGrantId(built.grant);
    await api.post("/v1/consents", body);
    await onChain(api, id);
    const byGrantee = await signedRevoke(srv, counselor, id);
    const asCounselor = await srv.api().login(counselor);
    expect((await problem(asCounselor.post(`/v1/consents/${id}/revoke`, byGrantee))).status).to.equal(403);
    const e = await problem(api.post(`/v1/consents/${id}/revoke`, byGrantee));
    expect(e.status).to.equal(422);
    expect(await requestRows(id)).to.deep.equal([{ kind: "grant", status: "on_chain" }]);
    let reason = "";
    try {
      await (srv.ctx.chain.consentLedger as Contract).revokeBySig.staticCall(byGrantee.revoke, byGrantee.signature);
    } catch (err) {
      reason = (err as { revert?: { name: string } }).revert?.name ?? "";
    }
    expect(reason).to.equal("BadSignature");
    expect((await api.get(`/v1/consents/${id}`)).state).to.equal("active");
  });

  it("refuses an expired grant; a not-yet-valid grant goes on chain but counts only from its start", async () => {
    const r = await Resident.create();
    const key = await r.keyFor(counselor.address);
    const api = await r.api(srv, counselor.address);
    const t = now();
    const expired = draftGrant({ subject: key.address, grantee: counselor.address, purpose: Purpose.TREATMENT, categories: ["assessment"], days: 1, now: t - 3 * 86400 });
    const e = await problem(api.post("/v1/consents", (await signedGrant(srv, key, counselor.address, { built: expired })).body));
    expect(e.status).to.equal(422);
    expect(e.problem.detail).to.match(/ended/);
    expect(await requestRows(computeGrantId(expired.grant))).to.deep.equal([]);

    const future = draftGrant({ subject: key.address, grantee: counselor.address, purpose: Purpose.TREATMENT, categories: ["assessment"], days: 7, startInSeconds: 7200 });
    const id = computeGrantId(future.grant);
    await api.post("/v1/consents", (await signedGrant(srv, key, counselor.address, { built: future })).body);
    const v = await onChain(api, id);
    expect(v).to.deep.include({ state: "not_yet_valid", active: false });
    expect(await activeGrants(srv.ctx.db, { grantee: counselor.address, subject: key.address, purposes: [0], atSeconds: now() })).to.deep.equal([]);
    expect(await consentCovers(srv.ctx, { subject: key.address, grantee: counselor.address, purposes: [0], category: "assessment" })).to.equal(undefined);
    expect(await consentCovers(srv.ctx, { subject: key.address, grantee: counselor.address, purposes: [0], category: "assessment", atSeconds: future.grant.notBefore })).to.deep.equal({ grantId: id });
    expect(await (srv.ctx.chain.consentLedger as Contract).isActive(id, future.grant.notBefore)).to.equal(true);
  });

  it("refuses unsuitable grantees: treatment to a non-counselor, matching to a non-matcher; research goes to the operator", async () => {
    const r = await Resident.create();
    const nobody = Wallet.createRandom().address;
    const k1 = await r.keyFor(nobody);
    const e = await problem((await r.api(srv, nobody)).post("/v1/consents", (await signedGrant(srv, k1, nobody)).body));
    expect(e.status).to.equal(422);
    expect(e.problem.detail).to.match(/counselor/);
    const e2 = await problem((await r.api(srv, counselor.address)).post("/v1/consents", (await signedGrant(srv, await r.keyFor(counselor.address), counselor.address, { purpose: Purpose.MATCHING, categories: ["need"] })).body));
    expect(e2.status).to.equal(422);
    const matcher = await withNonceRetry(srv, () => registerMatcher(srv));
    const km = await r.keyFor(matcher.address);
    const m = await signedGrant(srv, km, matcher.address, { purpose: Purpose.MATCHING, categories: ["need"] });
    await (await r.api(srv, matcher.address)).post("/v1/consents", m.body);
    const domain = await srv.api().get("/v1/consents/domain");
    const kr = await r.keyFor(domain.researchGrantee);
    const rs = await signedGrant(srv, kr, domain.researchGrantee, { purpose: Purpose.RESEARCH_AGGREGATE, categories: ["assessment"] });
    const apiR = await r.api(srv, domain.researchGrantee);
    await apiR.post("/v1/consents", rs.body);
    expect((await onChain(apiR, computeGrantId(rs.built.grant))).purposeName).to.equal("RESEARCH_AGGREGATE");
  });

  it("shows the plain-language screen for a draft in zh-CN and en", async () => {
    const t = now();
    const zh = await srv.api().post("/v1/consents/preview", { purpose: 0, categories: ["assessment"], notBefore: t, notAfter: t + 30 * 86400 });
    const en = await srv.api().post("/v1/consents/preview", { purpose: 0, categories: ["assessment"], notBefore: t, notAfter: t + 30 * 86400, lang: "en" });
    expect(zh.what).to.contain("评估结果");
    expect(en.what).to.contain("assessment results");
    expect(en.howToWithdraw).to.be.a("string").and.not.equal("");
  });

  it("break-glass: a counselor opens it on chain with its own key; the resident is told; auditors see it on their review list", async () => {
    const r = await Resident.create();
    const key = await r.keyFor(counselor.address);
    const scopeSalt = newScopeSalt();
    const scope = scopeHash(["assessment"], scopeSalt);
    const salt = hexlify(randomBytes(32));
    const ledger = (srv.ctx.chain.consentLedger as Contract).connect(counselor.connect(srv.ctx.chain.provider)) as Contract;
    await (await srv.ctx.chain.operator.sendTransaction({ to: counselor.address, value: 10n ** 17n })).wait();
    const rc = await (await ledger.openEmergency(key.address, scope, 3600, salt)).wait();
    const block = await srv.ctx.chain.provider.getBlock(rc.blockNumber);
    const id = grantId(emergencyGrant({ subject: key.address, counselor: counselor.address, scope, openedAt: block!.timestamp, durationSeconds: 3600, salt }));
    const asCounselor = await srv.api().login(counselor);
    const v = await asCounselor.post("/v1/consents/emergency", { grantId: id, categories: ["assessment"], scopeSalt, salt });
    expect(v).to.deep.include({ emergency: true, active: true, purposeName: "EMERGENCY" });
    const api = await r.api(srv, counselor.address);
    const notes = await waitFor(() => api.get("/v1/notifications"), (n: any) => n.items.length > 0);
    expect(notes.items[0]).to.deep.include({ grantId: id, kind: "emergency_opened", counselor: counselor.address.toLowerCase() });
    const review = await (await srv.api().login(auditor)).get("/v1/consents?emergency=true");
    expect(review.items.map((i: any) => i.grantId)).to.include(id);
    expect((await problem(api.get(`/v1/consents/${id}/receipt`))).status).to.equal(409);
    const fhir = await api.get(`/v1/consents/${id}/fhir`);
    expect(JSON.stringify(fhir.policyRule)).to.contain("EMRGONLY");
  });

  it("writes no grant field values other than ids into the server log", () => {
    for (const line of srv.logLines) expect(line).not.to.match(/"(categories|scopeSalt|signature)"/);
  });
});
