import { expect } from "chai";
import type { Wallet } from "ethers";
import { generateSeed, relationshipKeys, type RelationshipKeys } from "../../../src/crypto/index.js";
import { accreditCounselor, startTestServer, type TestServer } from "../../helpers/server.js";
import { counselorWrites, grant, problem, publishKey } from "./helpers.js";
import type { ApiClient } from "../../../src/client/index.js";

// A consent opens only the data categories the resident chose (the grant's salted scope commitment).
describe("record vault: the consent's scope limits what it opens", function () {
  this.timeout(120_000);
  let srv: TestServer;
  let counselor: Wallet;
  let cApi: ApiClient;
  let rel: RelationshipKeys;
  let rApi: ApiClient;

  before(async () => {
    srv = await startTestServer();
    counselor = (await accreditCounselor(srv)).wallet;
    cApi = await srv.api().login(counselor);
    rel = await relationshipKeys(await generateSeed(), counselor.address);
    rApi = await srv.api().login(rel.wallet);
    await publishKey(rApi, rel);
  });
  after(async () => srv?.stop());

  it("refuses a counselor's record of a kind the consent does not cover, and accepts one it covers", async () => {
    const onlyNotes = await grant(srv, rel, counselor.address, { categories: ["consultation_note"] });
    const e = await problem(counselorWrites(cApi, counselor, rel.address, onlyNotes, { plan: "x" }, { kind: "care_plan", schema: "anxin.careplan.v1" }));
    expect(e.status).to.equal(403);
    expect(e.problem.detail).to.match(/does not cover records of this kind/);
    const ok = await counselorWrites(cApi, counselor, rel.address, onlyNotes, { minutes: 50 });
    expect(ok.reply.version).to.equal(1);
  });

  it("releases the resident's own assessment only under a consent that covers assessments; the refusal says out_of_scope", async () => {
    const other = (await accreditCounselor(srv)).wallet;
    const relOther = await relationshipKeys(await generateSeed(), other.address);
    const rOther = await srv.api().login(relOther.wallet);
    await publishKey(rOther, relOther);
    // The resident grants `other` consultation notes only, then writes their own assessment and shares its key.
    await grant(srv, relOther, other.address, { categories: ["consultation_note"] });
    const { sealJson, walletSigner, counselorKeys } = await import("../../../src/crypto/index.js");
    const ck = await counselorKeys(other.privateKey);
    const env = await sealJson({
      kind: "assessment", schema: "anxin.assessment.phq9.v1", subjectRef: relOther.address, consentId: null, body: { total: 7 } as never,
      recipients: [{ address: relOther.address, x25519PublicKey: relOther.x25519.publicKey }, { address: other.address, x25519PublicKey: ck.x25519.publicKey }],
      signer: walletSigner(relOther.wallet),
    });
    const written = await rOther.post("/v1/records", env);
    const oApi = await srv.api().login(other);
    const refused = await problem(oApi.get(`/v1/records/${written.recordId}/versions/${written.contentHash}/key`));
    expect(refused.status).to.equal(403);
    const [row] = await srv.ctx.db.query("SELECT decision, reason FROM access_log WHERE requester = $1 ORDER BY id DESC LIMIT 1", [other.address.toLowerCase()]);
    expect(row).to.deep.equal({ decision: "refused", reason: "out_of_scope" });
    // A second consent that does cover assessments opens it.
    await grant(srv, relOther, other.address, { categories: ["assessment"] });
    const key = await oApi.get(`/v1/records/${written.recordId}/versions/${written.contentHash}/key`);
    expect(key.sealed).to.be.a("string");
  });
});
