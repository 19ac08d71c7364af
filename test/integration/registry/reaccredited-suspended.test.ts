// Issue 17.2 reproduced: accredit → suspend → accredit again leaves the counselor suspended on chain (only
// reinstate lifts a suspension). Every decision path says so together: no counselor role at sign-in, 403 on a
// record write and on a key release (logged as counselor_suspended), 422 for a new grant to them, not accredited
// in the matching directory — and all of them flip back together once the authority reinstates.
import { expect } from "chai";
import { Wallet, type Contract } from "ethers";
import { counselorKeys, generateSeed, relationshipKeys, sealJson, walletSigner, type RelationshipKeys } from "../../../src/crypto/index.js";
import { accreditCounselor, startTestServer, type TestServer } from "../../helpers/server.js";
import { counselorWrites, grant, publishKey, suspend } from "../vault/helpers.js";
import { signedGrant } from "../consent/helpers.js";
import { isIndexedAccredited } from "../../../src/services/registry-view.js";
import type { ApiClient } from "../../../src/client/index.js";

describe("registry: a suspended counselor stays out after re-accreditation", function () {
  this.timeout(180_000);
  let srv: TestServer;
  let counselor: Wallet;
  let rel: RelationshipKeys;
  let rApi: ApiClient;
  let consentId: string;
  let note: { recordId: string; contentHash: string };

  before(async () => {
    srv = await startTestServer();
    counselor = (await accreditCounselor(srv)).wallet;
    rel = await relationshipKeys(await generateSeed(), counselor.address);
    rApi = await srv.api().login(rel.wallet);
    await publishKey(rApi, rel);
    consentId = await grant(srv, rel, counselor.address);
    const cApi = await srv.api().login(counselor);
    expect(cApi.roles).to.deep.equal(["counselor"]);
    note = (await counselorWrites(cApi, counselor, rel.address, consentId, { text: "before the suspension" })).reply;
  });
  after(async () => srv?.stop());

  const registry = () => srv.ctx.chain.registry as Contract;
  const chainNow = async () => BigInt((await srv.ctx.chain.provider.send("eth_getBlockByNumber", ["latest", false])).timestamp);
  const keyOf = (api: ApiClient) => api.raw("GET", `/v1/records/${note.recordId}/versions/${note.contentHash}/key`);
  const newGrant = async () => {
    // Another relationship of the same resident population: a fresh resident asks to consent to this counselor.
    const other = await relationshipKeys(await generateSeed(), counselor.address);
    const api = await srv.api().login(other.wallet);
    return api.raw("POST", "/v1/consents", (await signedGrant(srv, other.wallet, counselor.address)).body);
  };

  it("accredit → suspend → accredit: the chain says not accredited, and so does every path of the server", async () => {
    await suspend(srv, counselor.address);
    await accreditCounselor(srv, counselor); // re-accreditation: new period, same suspension
    expect(await registry().isAccredited(counselor.address, await chainNow())).to.equal(false);
    expect(await isIndexedAccredited(srv.ctx.db, counselor.address, Math.floor(Date.now() / 1000))).to.equal(false);

    // Sign-in: no counselor role (a former counselor holds no role at all, not even resident).
    const api = await srv.api().login(counselor);
    expect(api.roles).to.deep.equal([]);
    expect((await api.raw("GET", "/v1/auth/session")).status).to.equal(403);
    // Record write: 403, nothing stored.
    const before = Number((await srv.ctx.db.query("SELECT count(*)::int AS n FROM records"))[0].n);
    const ck = await counselorKeys(counselor.privateKey);
    const envelope = await sealJson({
      kind: "consultation_note", schema: "anxin.note.v1", subjectRef: rel.address, consentId, body: { text: "after the suspension" },
      recipients: [{ address: ck.address, x25519PublicKey: ck.x25519.publicKey }, { address: rel.address, x25519PublicKey: rel.x25519.publicKey }],
      signer: walletSigner(counselor),
    });
    expect((await api.raw("POST", "/v1/records", envelope)).status).to.equal(403);
    expect(Number((await srv.ctx.db.query("SELECT count(*)::int AS n FROM records"))[0].n)).to.equal(before);
    // Key release: 403, in the access log with the suspension as its reason.
    const key = await keyOf(api);
    expect(key.status).to.equal(403);
    const [last] = await srv.ctx.db.query<{ decision: string; reason: string }>("SELECT decision, reason FROM access_log WHERE requester = $1 ORDER BY id DESC LIMIT 1", [counselor.address.toLowerCase()]);
    expect(last).to.deep.equal({ decision: "refused", reason: "counselor_suspended" });
    // A new grant to them: 422, the same answer as the chain's.
    const g = await newGrant();
    expect(g.status).to.equal(422);
    expect((await g.json()).detail).to.match(/accredited counselor/);
  });

  it("reinstate lifts it on every path at once", async () => {
    const receipt = await (await registry().reinstate(counselor.address)).wait();
    await srv.ctx.indexer.syncTo(receipt.blockNumber);
    expect(await registry().isAccredited(counselor.address, await chainNow())).to.equal(true);
    const api = await srv.api().login(counselor);
    expect(api.roles).to.deep.equal(["counselor"]);
    expect((await keyOf(api)).status).to.equal(200);
    const { reply } = await counselorWrites(api, counselor, rel.address, consentId, { text: "after reinstatement" });
    expect(reply.version).to.equal(1);
    expect((await newGrant()).status).to.be.oneOf([200, 201, 202]);
  });
});
