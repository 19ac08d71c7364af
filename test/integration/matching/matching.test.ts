// Matching service end to end on a real server and chain: the privacy of the matcher API, the k/l gate at every
// step, consent-driven removal, proposal → accept → TREATMENT grant → counselor learns the relationship address,
// decline and timeout returning needs, the emergency route, and the DP budget.
import { expect } from "chai";
import { expectClose } from "../../helpers/close.js";
import { Wallet } from "ethers";
import { SHANGHAI_ZONES } from "../../helpers/places.js";
import { startTestServer, accreditCounselor, registerMatcher, appointAuditor, type TestServer } from "../../helpers/server.js";
import { Purpose } from "../../../src/consent/index.js";
import { deriveNeed, isKAnonymousLDiverse, NeedSchema, type Need } from "../../../src/deid/index.js";
import { acceptMessage } from "../../../src/matching/index.js";
import type { ApiClient } from "../../../src/client/index.js";
import { matchingService } from "../../../src/services/matching.js";
import { startTestOffice, type TestOffice } from "../../helpers/office.js";
import { grant, intake, newResident, problem, revoke, withNonceRetry, type Resident } from "./helpers.js";

const NEED_KEYS = Object.keys(NeedSchema.shape).sort();

describe("matching service (real server, real grants)", function () {
  this.timeout(120_000);
  let srv: TestServer;
  let matcher: Wallet;
  let matcherApi: ApiClient;
  let office: TestOffice;
  /** The matcher's pool after the next scheduled publication (the batch the publisher would make). */
  const publishedPool = async () => {
    await matchingService(srv.ctx).publishAll();
    return matcherApi.get("/v1/match/pool");
  };
  const counselors: Wallet[] = [];
  const residents: Array<{ r: Resident; matchingAddr: string; matchingGrant: string; api: ApiClient; need: Need }> = [];

  before(async () => {
    srv = await startTestServer({ config: { zones: SHANGHAI_ZONES } });
    office = await startTestOffice(srv.dataDir);
    matcher = await withNonceRetry(srv, () => registerMatcher(srv));
    await srv.ctx.indexer.sync();
    matcherApi = await srv.api().login(matcher);
    for (const gender of ["female", "male"] as const) {
      const { wallet } = await withNonceRetry(srv, () => accreditCounselor(srv));
      counselors.push(wallet);
      const api = await srv.api().login(wallet);
      await api.put("/v1/counselors/me/profile", profile(gender, 3));
    }
  });
  const profile = (gender: "female" | "male", capacity: number) => ({
    specialties: ["elderly_loneliness", "depression", "grief"],
    languages: ["mandarin"],
    modalities: ["in_person", "phone", "video"],
    districts: ["310000.z.west"],
    capacity,
    availability: ["mon_am", "wed_pm"],
    gender,
  });
  after(async () => srv?.stop());

  async function submit(categories: string[], over: Record<string, unknown> = {}) {
    const r = await newResident();
    const { keys, api } = await r.as(srv, matcher.address);
    const matchingGrant = await grant(srv, keys, matcher.address, Purpose.MATCHING);
    const need = deriveNeed(intake(categories, over));
    const reply = await api.post("/v1/needs", { need, token: await office.token() });
    const entry = { r, matchingAddr: keys.address, matchingGrant, api, need };
    residents.push(entry);
    return { reply, entry };
  }

  function assertPrivate(body: unknown) {
    const text = JSON.stringify(body).toLowerCase();
    for (const x of residents) expect(text, "a resident address leaked to the matcher").to.not.include(x.matchingAddr.slice(2));
  }

  it("refuses a need without an active MATCHING grant to a registered matching service", async () => {
    const r = await newResident();
    const { keys, api } = await r.as(srv, matcher.address);
    const need = deriveNeed(intake(["grief"]));
    expect((await problem(api.post("/v1/needs", { need }))).status).to.equal(403);
    // A MATCHING grant to someone who is not a registered matching service does not count either.
    await grant(srv, keys, Wallet.createRandom().address, Purpose.MATCHING, ["need"], false);
    expect((await problem(api.post("/v1/needs", { need }))).status).to.equal(403);
    // Free text or an unknown field never gets in.
    const e = await problem(api.post("/v1/needs", { need: { ...need, note: "my name is ..." } }));
    expect(e.status).to.equal(400);
  });

  it("keeps the published pool 5-anonymous and 2-diverse after every submission, and reports the risk", async () => {
    const cats = [["elderly_loneliness"], ["depression"], ["elderly_loneliness"], ["grief"], ["depression"], ["elderly_loneliness", "depression"]];
    const sizes: number[] = [];
    for (const c of cats) {
      const { reply } = await submit(c);
      expect(reply.route).to.equal("pool");
      const pool = await publishedPool();
      expect(isKAnonymousLDiverse(pool.needs, 5, 2), "k/l invariant broken").to.equal(true);
      sizes.push(pool.needs.length);
      if (pool.needs.length) expect(pool.risk.maxRisk).to.be.at.most(1 / 5);
    }
    expect(sizes).to.deep.equal([0, 0, 0, 0, 5, 6]);
    const pool = await matcherApi.get("/v1/match/pool");
    expect(pool.risk).to.deep.include({ publishedCount: 6, maxRisk: 1 / 6 });
    expect(pool.risk.classes).to.have.length(1);
    expect(pool.risk.classes[0]).to.deep.include({ district: "310104", size: 6, distinctCategorySets: 4 });
  });

  it("gives the matcher nothing but anonymized Need fields: no subject address, no extra key", async () => {
    const pool = await matcherApi.get("/v1/match/pool");
    expect(Object.keys(pool).sort()).to.deep.equal(["heldCount", "k", "l", "needs", "publishedAt", "risk"]);
    // The matcher knows needs by their publication references only, never by the needId the resident holds.
    const ids = new Set(residents.map((x) => x.need.needId));
    for (const n of pool.needs) expect(ids.has(n.needId), "a resident's needId reached the matcher").to.equal(false);
    for (const n of pool.needs) {
      for (const k of Object.keys(n)) expect(NEED_KEYS).to.include(k);
      expect(() => NeedSchema.parse(n)).to.not.throw();
    }
    assertPrivate(pool);
    assertPrivate(await matcherApi.get("/v1/match/counselors"));
    // Residents and counselors cannot read the pool.
    expect((await problem(residents[0].api.get("/v1/match/pool"))).status).to.equal(403);
    expect((await problem((await srv.api().login(counselors[0])).get("/v1/match/pool"))).status).to.equal(403);
  });

  it("drops a need whose MATCHING grant is revoked, and the pool stays k-anonymous (the class of 5 left is still valid)", async () => {
    const gone = residents[residents.length - 1];
    await revoke(srv, await gone.r.rel(matcher.address), gone.matchingGrant);
    const pool = await matcherApi.get("/v1/match/pool");
    expect(pool.needs).to.have.length(5);
    expect(isKAnonymousLDiverse(pool.needs, 5, 2)).to.equal(true);
    const [row] = await srv.ctx.db.query("SELECT status FROM match_needs WHERE need_id = $1", [gone.need.needId]);
    expect(row.status).to.equal("withdrawn");
  });

  it("routes urgent and crisis needs to the emergency path, never into the pool", async () => {
    const { reply, entry } = await submit(["depression"], { requestedUrgency: "urgent" });
    expect(reply.route).to.equal("emergency");
    expect(reply.alert.hotlines.map((h: { number: string }) => h.number)).to.include.members(["110", "120", "12356"]);
    const pool = await publishedPool();
    expect(pool.needs).to.have.length(5);
    const [row] = await srv.ctx.db.query("SELECT status, token_backed FROM match_needs WHERE need_id = $1", [entry.need.needId]);
    expect(row).to.deep.equal({ status: "emergency", token_backed: false }); // never waits for a token, never pooled
  });

  it("need published → proposed → resident accepts with a new TREATMENT address → grant → counselor gets the link", async () => {
    const run = await matcherApi.post("/v1/match/run", {});
    expect(run.proposals.length).to.equal(5);
    expect(run.totalCost).to.equal(run.proposals.reduce((s: number, p: { cost: number }) => s + p.cost, 0));
    assertPrivate(run);
    assertPrivate(await matcherApi.get("/v1/match/proposals"));

    const me = residents[0];
    const mine = (await me.api.get("/v1/match/proposals")).proposals;
    expect(mine).to.have.length(1);
    const p = mine[0];
    expect(p.status).to.equal("proposed");
    expect(p.reasons.zh).to.be.a("string").and.not.empty;
    expect(p.reasons.en).to.match(/counselor/i);
    // Another resident cannot act on it.
    expect((await problem(residents[1].api.post(`/v1/match/proposals/${p.proposalId}/accept`, { treatmentAddress: Wallet.createRandom().address, treatmentSignature: "0x" + "11".repeat(65) }))).status).to.equal(404);

    const treatment = await me.r.rel(p.counselorId);
    expect(treatment.address).to.not.equal(me.matchingAddr);
    // A signature by another key is refused: the accept must prove possession of the TREATMENT key.
    const forged = await Wallet.createRandom().signMessage(acceptMessage(p.proposalId, p.counselorId));
    expect((await problem(me.api.post(`/v1/match/proposals/${p.proposalId}/accept`, { treatmentAddress: treatment.address, treatmentSignature: forged }))).status).to.equal(422);
    const acc = await me.api.post(`/v1/match/proposals/${p.proposalId}/accept`, {
      treatmentAddress: treatment.address,
      treatmentSignature: await treatment.wallet.signMessage(acceptMessage(p.proposalId, p.counselorId)),
    });
    expect(acc.status).to.equal("accepting");
    expect(acc.grant).to.deep.equal({ purpose: "TREATMENT", subject: treatment.address, grantee: p.counselorId });

    const counselor = counselors.find((c) => c.address.toLowerCase() === p.counselorId)!;
    const capi = await srv.api().login(counselor);
    expect((await capi.get("/v1/match/clients")).clients, "identity link before the TREATMENT grant").to.deep.equal([]);

    await grant(srv, treatment, p.counselorId, Purpose.TREATMENT, ["assessment", "identity"]);
    const clients = (await capi.get("/v1/match/clients")).clients;
    expect(clients.map((c: { subjectRef: string }) => c.subjectRef)).to.deep.equal([treatment.address]);
    expect(JSON.stringify(clients)).to.not.include(me.matchingAddr.slice(2)); // the counselor gets the TREATMENT address only
    expect((await me.api.get("/v1/match/proposals")).proposals[0].status).to.equal("accepted");
    const pool = await publishedPool();
    expect(pool.needs.length).to.be.below(5); // the matched need left (and its class of 4 with it)
    expect(isKAnonymousLDiverse(pool.needs, 5, 2)).to.equal(true);
    assertPrivate(await matcherApi.get("/v1/match/proposals"));
    // Another counselor does not see this client.
    const other = counselors.find((c) => c !== counselor)!;
    const otherClients = (await (await srv.api().login(other)).get("/v1/match/clients")).clients;
    expect(otherClients.map((c: { subjectRef: string }) => c.subjectRef)).to.not.include(treatment.address);
  });

  it("a declined or timed-out proposal returns the need to the pool for the next run", async () => {
    // Re-fill the pool so there is a valid class again (the accepted need left it and broke the class of 5).
    for (const c of [["grief"], ["elderly_loneliness"]]) await submit(c);
    // Room for every published need (2 × 3 slots, one held by the accepted client, would leave one of six out, and
    // which one is the solver's tie-break): the declined need must come back by the pool, not by luck.
    await (await srv.api().login(counselors[0])).put("/v1/counselors/me/profile", profile("female", 4));
    let pool = await publishedPool();
    expect(isKAnonymousLDiverse(pool.needs, 5, 2)).to.equal(true);
    expect(pool.needs).to.have.length(6);
    const open = async (x: (typeof residents)[number]) => (await x.api.get("/v1/match/proposals")).proposals.find((p: { status: string }) => p.status === "proposed");
    const rows = await srv.ctx.db.query<{ need_id: string }>("SELECT need_id FROM match_needs WHERE status = 'pooled'");
    const pooled = new Set(rows.map((r) => r.need_id));
    const decliner = residents.find((x) => x !== residents[0] && pooled.has(x.need.needId))!;
    let p = await open(decliner);
    if (!p) {
      await matcherApi.post("/v1/match/run", {});
      p = await open(decliner);
    }
    expect(p, "decliner has an open proposal").to.exist;
    const d = await decliner.api.post(`/v1/match/proposals/${p.proposalId}/decline`, {});
    expect(d.status).to.equal("declined");
    expect((await problem(decliner.api.post(`/v1/match/proposals/${p.proposalId}/decline`, {}))).status).to.equal(409);

    // Expire every open proposal quickly, then run again with a 1 s window.
    await srv.ctx.db.query("UPDATE match_proposals SET expires_at = now() WHERE status IN ('proposed', 'accepting')");
    // The matcher and the resident share only the proposalId: the resident's view names the proposals of her need.
    const mineIds = async () => new Set((await decliner.api.get("/v1/match/proposals")).proposals.map((x: { proposalId: string }) => x.proposalId));
    const run = await matcherApi.post("/v1/match/run", { ttlSeconds: 1 });
    const ids1 = await mineIds();
    expect(run.proposals.some((x: { proposalId: string }) => ids1.has(x.proposalId)), "the declined need was proposed again").to.equal(true);
    await new Promise((r) => setTimeout(r, 1300));
    const ids2 = await mineIds();
    const status = (await matcherApi.get("/v1/match/proposals")).proposals.filter((x: { proposalId: string }) => ids2.has(x.proposalId)).map((x: { status: string }) => x.status);
    expect(status).to.include.members(["declined", "expired"]);
    const again = await matcherApi.post("/v1/match/run", {});
    const ids3 = await mineIds();
    expect(again.proposals.some((x: { proposalId: string }) => ids3.has(x.proposalId))).to.equal(true);
    pool = await matcherApi.get("/v1/match/pool");
    expect(pool.needs).to.have.length(6);
  });

  it("releases DP community statistics within the monthly budget and refuses past it", async () => {
    const auditor = await withNonceRetry(srv, () => appointAuditor(srv));
    const aapi = await srv.api().login(auditor);
    // Two residents allow aggregate research.
    for (const x of residents.slice(1, 3)) await grant(srv, await x.r.rel(matcher.address), matcher.address, Purpose.RESEARCH_AGGREGATE);
    const month = new Date().toISOString().slice(0, 7);
    const first = await aapi.post("/v1/stats/community", { month, epsilon: 0.6 });
    expect(Object.keys(first.counts)).to.include("310104|depression");
    expect(Object.keys(first.counts).length).to.equal(16 * 12);
    expect(first.budget).to.deep.include({ total: 1, spent: 0.6 });
    const refused = await problem(aapi.post("/v1/stats/community", { month, epsilon: 0.6 }));
    expect(refused.status).to.equal(409);
    expect(refused.problem.detail).to.match(/budget/);
    const pub = await srv.api().get(`/v1/stats/community?month=${month}`);
    expect(pub.releases).to.have.length(1);
    expectClose(pub.budget.remaining, 0.4, 1e-9);
    expect((await problem(residents[1].api.post("/v1/stats/community", { month, epsilon: 0.1 }))).status).to.equal(403);
    assertPrivate(pub);
  });

  it("wrote no subject address or need content into the server log", () => {
    const text = srv.logLines.join("\n").toLowerCase();
    for (const x of residents) expect(text).to.not.include(x.matchingAddr.slice(2));
    expect(text).to.not.include("elderly_loneliness");
  });
});
