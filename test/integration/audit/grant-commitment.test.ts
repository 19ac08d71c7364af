// Issue 17 part 4: the audit takes a release's grantee and purpose from the chain's events, not the server's index,
// and the access leaf (version 2) commits the grant id. Rewriting the index's grantee/purpose changes no verdict;
// rewriting access_log.grant_id to another real grant is flagged (the leaf names the original). A version 1 leaf
// (no `v`, no `grant`) still verifies.
import { expect } from "chai";
import { Wallet } from "ethers";
import { counselorKeys, generateSeed, relationshipKeys, rewrapKey, type RelationshipKeys } from "../../../src/crypto/index.js";
import { Purpose } from "../../../src/consent/index.js";
import { accreditCounselor, startTestServer, type TestServer } from "../../helpers/server.js";
import { counselorWrites, fetchForReader, grant, publishKey } from "../vault/helpers.js";
import { audit, codes } from "./helpers.js";

describe("audit: grants from the chain, grant ids committed by the access leaf", function () {
  this.timeout(300_000);
  let srv: TestServer;
  let rel: RelationshipKeys;
  let reader: Wallet;
  let readerGrant: string;
  let otherGrant: string;
  let accessId: number;
  let leafIndex: number;

  before(async () => {
    srv = await startTestServer({ config: { anchorIntervalSeconds: 3600 } });
    const author = (await accreditCounselor(srv)).wallet;
    reader = (await accreditCounselor(srv)).wallet;
    rel = await relationshipKeys(await generateSeed(), author.address);
    const rApi = await srv.api().login(rel.wallet);
    await publishKey(rApi, rel);
    const consentId = await grant(srv, rel, author.address);
    const note = (await counselorWrites(await srv.api().login(author), author, rel.address, consentId, { minutes: 30 })).reply;
    readerGrant = await grant(srv, rel, reader.address);
    otherGrant = await grant(srv, rel, reader.address, { notAfter: Math.floor(Date.now() / 1000) + 10 * 86400 }); // also valid: only the leaf tells them apart
    const rk = await counselorKeys(reader.privateKey);
    const served = await fetchForReader(rApi, note.recordId, note.contentHash);
    await rApi.post(`/v1/records/${note.contentHash}/keys`, { keys: [await rewrapKey(served.envelope, rel.x25519, rel.address, { address: rk.address, x25519PublicKey: rk.x25519.publicKey })] });
    const got = await fetchForReader(await srv.api().login(reader), note.recordId, note.contentHash);
    expect(got.key.basis).to.equal("grant");
    expect(got.key.grantId).to.equal(readerGrant);
    accessId = got.key.accessId;
    const [row] = await q("SELECT leaf_index FROM access_log WHERE id = $1", [accessId]);
    leafIndex = Number(row.leaf_index);
  });
  after(async () => srv?.stop());

  const q = (sql: string, p: unknown[] = []) => srv.ctx.db.query<any>(sql, p);
  const leafOf = async (i: number) => JSON.parse((await q("SELECT input FROM log_leaves WHERE idx = $1", [i]))[0].input);

  it("the release's leaf is version 2 and names its grant; the audit passes", async () => {
    const leaf = await leafOf(leafIndex);
    expect(leaf).to.deep.include({ type: "access", id: `acc:${accessId}`, decision: "released", basis: "grant", v: 2, grant: readerGrant });
    expect(codes(await audit(srv))).to.deep.equal([]);
  });

  it("a rewritten index (grantee, purpose) changes nothing: grantee and purpose come from the chain's events", async () => {
    const [before] = await q("SELECT grantee, purpose FROM consent_grants WHERE grant_id = $1", [readerGrant]);
    // Pretend the grant was a MATCHING grant to someone else: an index-reading audit would call the release uncovered.
    await q("UPDATE consent_grants SET grantee = $2, purpose = $3 WHERE grant_id = $1", [readerGrant, Wallet.createRandom().address.toLowerCase(), Purpose.MATCHING]);
    try {
      expect(codes(await audit(srv))).to.deep.equal([]);
    } finally {
      await q("UPDATE consent_grants SET grantee = $2, purpose = $3 WHERE grant_id = $1", [readerGrant, before.grantee, before.purpose]);
    }
  });

  it("access_log.grant_id rewritten to another real grant of the same pair is flagged: the leaf commits the original", async () => {
    await q("UPDATE access_log SET grant_id = $2 WHERE id = $1", [accessId, otherGrant]);
    try {
      const r = await audit(srv);
      expect(codes(r)).to.include("access/access-leaf-mismatch");
      expect(JSON.stringify(r.checks)).to.contain("commits another grant");
    } finally {
      await q("UPDATE access_log SET grant_id = $2 WHERE id = $1", [accessId, readerGrant]);
    }
    expect(codes(await audit(srv))).to.deep.equal([]);
  });
});
