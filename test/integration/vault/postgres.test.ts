import { expect } from "chai";
import { counselorKeys, generateSeed, openJson, relationshipKeys } from "../../../src/crypto/index.js";
import { accreditCounselor, registerMatcher, startTestServer, type TestServer } from "../../helpers/server.js";
import { counselorWrites, eraseAs, fetchForReader, grant, loginAs, problem, publishKey, revoke } from "./helpers.js";

const MARKER = "PGMARKER-9d1c 焦虑";

describe("record vault on PostgreSQL: write, read, refusals, erasure", function () {
  this.timeout(90_000);
  let srv: TestServer;
  before(async function () {
    srv = await startTestServer({ pg: true });
  });
  after(async () => srv?.stop());

  it("round trip, revocation stops releases at once, matcher refused, erasure → 410; nothing personal in the log", async () => {
    const { wallet: counselor } = await accreditCounselor(srv);
    const cApi = await srv.api().login(counselor);
    const rel = await relationshipKeys(await generateSeed(), counselor.address);
    const rApi = await srv.api().login(rel.wallet);
    await publishKey(rApi, rel);
    const consentId = await grant(srv, rel, counselor.address);
    const { reply } = await counselorWrites(cApi, counselor, rel.address, consentId, { text: MARKER });
    const amended = await counselorWrites(cApi, counselor, rel.address, consentId, { text: MARKER + "2" }, { prev: reply.contentHash, id: reply.recordId });
    expect(amended.reply.version).to.equal(2);

    const r = await fetchForReader(rApi, reply.recordId, reply.contentHash);
    expect(await openJson(r.envelope, rel.address, rel.x25519)).to.deep.equal({ text: MARKER });

    // A second counselor with a grant reads once the resident shared the key; revocation stops the next release.
    const { wallet: second } = await accreditCounselor(srv);
    const sk = await counselorKeys(second.privateKey);
    const g = await grant(srv, rel, second.address);
    const { rewrapKey } = await import("../../../src/crypto/index.js");
    const entry = await rewrapKey(r.envelope, rel.x25519, rel.address, { address: sk.address, x25519PublicKey: sk.x25519.publicKey });
    await rApi.post(`/v1/records/${reply.contentHash}/keys`, { keys: [entry] });
    const sApi = await srv.api().login(second);
    const got = await fetchForReader(sApi, reply.recordId, reply.contentHash);
    expect(await openJson(got.envelope, sk.address, sk.x25519)).to.deep.equal({ text: MARKER });
    await revoke(srv, rel, g);
    expect((await problem(sApi.get(`/v1/records/${reply.recordId}/versions/${reply.contentHash}/key`))).status).to.equal(403);

    const mApi = await loginAs(srv, await registerMatcher(srv), "matcher");
    expect((await problem(mApi.get(`/v1/records/${reply.recordId}/versions/${reply.contentHash}/key`))).status).to.equal(403);
    const log = await srv.ctx.db.query<{ requester: string; decision: string; reason: string | null }>(
      "SELECT requester, decision, reason FROM access_log ORDER BY id",
    );
    expect(log.filter((l) => l.decision === "refused").map((l) => l.reason)).to.deep.equal(["grant_revoked", "role_matcher"]);

    const erased = await eraseAs(rApi, rel.wallet);
    expect(erased.erased).to.equal(2);
    expect((await problem(cApi.get(`/v1/records/${reply.recordId}`))).status).to.equal(410);
    const [{ n }] = await srv.ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM tombstones");
    expect(Number(n)).to.equal(2);
    expect(srv.logLines.join("\n")).to.not.include("PGMARKER");
  });
});
