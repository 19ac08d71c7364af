// The auditor against a real server: a clean log passes; each tampering of the store is detected and named; a
// forked checkpoint is refused by the contract; offline bundles verify and a tampered one is refused.
import { expect } from "chai";
import { type Contract, Wallet } from "ethers";
import { generateSeed, relationshipKeys, canonicalJson, type RelationshipKeys } from "../../../src/crypto/index.js";
import { MerkleTree, fromHex, leafHash, toHex, verifyConsistency, verifyInclusion } from "../../../src/log/index.js";
import { anchorerFor, chainLatest } from "../../../src/services/anchoring.js";
import { buildBundle, checkBundle, type Bundle } from "../../../src/services/bundle.js";
import { checkpointIface } from "../../../src/services/checkpoints.js";
import { DEV_OPERATOR_KEY } from "../../../src/chain/index.js";
import type { ApiClient } from "../../../src/client/index.js";
import { accreditCounselor, appointAuditor, startTestServer, type TestServer } from "../../helpers/server.js";
import { counselorWrites, eraseAs, fetchForReader, grant, publishKey } from "../vault/helpers.js";
import { audit, codes, logKeyEntries, writeAt } from "./helpers.js";

describe("audit: verify, tamper detection, bundles", function () {
  let srv: TestServer;
  let counselor: Wallet;
  let cApi: ApiClient;
  let rel: RelationshipKeys;
  let consentId: string;
  const notes: Array<{ recordId: string; contentHash: string; leafIndex: number; version: number }> = [];

  before(async () => {
    srv = await startTestServer({ config: { anchorIntervalSeconds: 3600 } }); // anchors only when the test says
    counselor = (await accreditCounselor(srv)).wallet;
    cApi = await srv.api().login(counselor);
    rel = await relationshipKeys(await generateSeed(), counselor.address);
    const rApi = await srv.api().login(rel.wallet);
    await publishKey(rApi, rel);
    consentId = await grant(srv, rel, counselor.address);
    for (let i = 0; i < 3; i++) notes.push((await counselorWrites(cApi, counselor, rel.address, consentId, { minutes: 10 + i })).reply);
    await fetchForReader(cApi, notes[0].recordId, notes[0].contentHash); // release: author
    await fetchForReader(rApi, notes[1].recordId, notes[1].contentHash); // release: subject
    // A second resident erases their record: tombstone, data gone, leaves kept.
    const rel2 = await relationshipKeys(await generateSeed(), counselor.address);
    const r2Api = await srv.api().login(rel2.wallet);
    await publishKey(r2Api, rel2);
    const c2 = await grant(srv, rel2, counselor.address);
    await counselorWrites(cApi, counselor, rel2.address, c2, { minutes: 5 });
    await eraseAs(r2Api, rel2.wallet);
    // Erasure revoked the grant on chain: its revoke leaf is in the log before the anchor below.
    for (let i = 0; !(await srv.ctx.db.query("SELECT 1 FROM consent_grants WHERE grant_id = $1 AND revoked_at IS NOT NULL", [c2])).length; i++) {
      if (i > 300) throw new Error("the erasure's revocation never reached the index");
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await logKeyEntries(srv)).to.equal(0); // the vault committed every sealed key it stored
    await anchorerFor(srv.ctx).anchorNow();
  });
  after(async () => srv?.stop());

  const q = (sql: string, p: unknown[] = []) => srv.ctx.db.query<any>(sql, p);

  it("passes on an untouched log, over the API for an auditor too, and lists nothing for emergency review", async () => {
    const r = await audit(srv);
    expect(codes(r), JSON.stringify(r.checks)).to.deep.equal([]);
    expect(r.ok).to.equal(true);
    expect(r.checks.map((c) => c.id)).to.deep.equal(["leaves", "anchors", "timing", "access", "accreditation", "erasure", "keys"]);
    expect(r.stats.records).to.equal(4);
    expect(r.stats.tombstones).to.equal(1);
    expect(r.stats.releases).to.equal(2);
    expect(r.stats.unanchoredLeaves).to.equal(0);
    expect(r.stats.maxAnchorDelaySeconds).to.be.a("number").and.below(120);
    expect(r.stats.emergencyReview).to.deep.equal([]);
    const auditor = await appointAuditor(srv);
    const aApi = await srv.api().login(auditor);
    const viaApi = await aApi.post("/v1/audit/verify", {});
    expect(viaApi.ok).to.equal(true);
    expect(viaApi.log.size).to.be.at.least(r.log.size); // (+ the AuditorAppointed leaf once the indexer logs it)
    // Residents and counselors are not auditors.
    await cApi.post("/v1/audit/verify", {}).then(() => expect.fail("counselor ran the audit"), (e) => expect(e.status).to.equal(403));
    // Public proof endpoints agree with the anchored checkpoint.
    await srv.ctx.indexer.sync();
    await anchorerFor(srv.ctx).anchorNow();
    const cp = await srv.api().get("/v1/log/checkpoint");
    expect(cp.anchored.size).to.equal(cp.local.size);
    expect(cp.anchored.root).to.equal(cp.local.root);
    const inc = await srv.api().get(`/v1/log/proof/inclusion?index=${notes[0].leafIndex}&size=${cp.local.size}`);
    expect(inc.root).to.equal(cp.local.root);
    expect(verifyInclusion(inc.index, inc.size, fromHex(inc.leafHash), inc.proof.map(fromHex), fromHex(inc.root))).to.equal(true);
    const con = await srv.api().get(`/v1/log/proof/consistency?from=3&to=${cp.local.size}`);
    expect(verifyConsistency(3, cp.local.size, fromHex(con.fromRoot), fromHex(con.toRoot), con.proof.map(fromHex))).to.equal(true);
  });

  it("detects a changed ciphertext byte (content-hash-mismatch)", async () => {
    const [row] = await q("SELECT envelope FROM records WHERE content_hash = $1", [notes[0].contentHash]);
    const env = JSON.parse(row.envelope);
    env.ciphertext = (env.ciphertext[0] === "A" ? "B" : "A") + env.ciphertext.slice(1);
    await q("UPDATE records SET envelope = $2 WHERE content_hash = $1", [notes[0].contentHash, canonicalJson(env)]);
    try {
      expect(codes(await audit(srv))).to.deep.equal(["leaves/content-hash-mismatch"]);
    } finally {
      await q("UPDATE records SET envelope = $2 WHERE content_hash = $1", [notes[0].contentHash, row.envelope]);
    }
  });

  it("detects a deleted record row (record-row-missing)", async () => {
    const rec = await q("SELECT * FROM records WHERE content_hash = $1", [notes[2].contentHash]);
    const keys = await q("SELECT * FROM record_keys WHERE content_hash = $1", [notes[2].contentHash]);
    await q("DELETE FROM records WHERE content_hash = $1", [notes[2].contentHash]);
    try {
      expect(codes(await audit(srv))).to.include("leaves/record-row-missing");
    } finally {
      await restore("records", rec);
      await restore("record_keys", keys);
    }
  });

  it("detects a deleted log row (leaf-missing, anchored-root-mismatch)", async () => {
    const [leaf] = await q("SELECT * FROM log_leaves WHERE idx = $1", [notes[1].leafIndex]);
    await q("DELETE FROM log_leaves WHERE idx = $1", [notes[1].leafIndex]);
    try {
      const c = codes(await audit(srv));
      expect(c).to.include("leaves/leaf-missing");
      expect(c).to.include("anchors/anchored-root-mismatch");
    } finally {
      await restore("log_leaves", [leaf]);
    }
  });

  it("detects two reordered leaves (anchored-root-mismatch, record-leaf-mismatch)", async () => {
    const [a, b] = [notes[0].leafIndex, notes[1].leafIndex];
    const swap = (x: number, y: number) =>
      q(
        `UPDATE log_leaves l SET leaf_hash = o.leaf_hash, input = o.input, type = o.type, ref_id = o.ref_id, at = o.at
         FROM (SELECT * FROM log_leaves WHERE idx IN ($1, $2)) o WHERE l.idx IN ($1, $2) AND o.idx <> l.idx`,
        [x, y],
      );
    await swap(a, b);
    try {
      const c = codes(await audit(srv));
      expect(c).to.include("anchors/anchored-root-mismatch");
      expect(c).to.include("leaves/record-leaf-mismatch");
    } finally {
      await swap(a, b);
    }
  });

  it("detects a swapped sealed key (key-entry-not-in-log)", async () => {
    const keys = await q("SELECT recipient, sealed FROM record_keys WHERE content_hash = $1 ORDER BY recipient", [notes[0].contentHash]);
    const set = (r: string, s: string) => q("UPDATE record_keys SET sealed = $3 WHERE content_hash = $1 AND recipient = $2", [notes[0].contentHash, r, s]);
    await set(keys[0].recipient, keys[1].sealed);
    await set(keys[1].recipient, keys[0].sealed);
    try {
      const r = await audit(srv);
      expect(codes(r)).to.deep.equal(["leaves/key-entry-not-in-log"]);
      expect(r.checks[0].failures).to.have.length(2);
    } finally {
      await set(keys[0].recipient, keys[0].sealed);
      await set(keys[1].recipient, keys[1].sealed);
    }
  });

  it("detects a key release with no grant written straight into the database (access-not-in-log, release-without-basis)", async () => {
    const stranger = Wallet.createRandom().address.toLowerCase();
    const [row] = await q(
      `INSERT INTO access_log (requester, content_hash, record_id, decision, basis, grant_id, leaf_index)
       VALUES ($1, $2, $3, 'released', 'grant', $4, $5) RETURNING id`,
      [stranger, notes[0].contentHash, notes[0].recordId, "0x" + "ab".repeat(32), notes[0].leafIndex],
    );
    try {
      const r = await audit(srv);
      expect(codes(r)).to.deep.equal(["access/access-not-in-log", "access/release-without-basis"]);
      expect(JSON.stringify(r)).to.not.include(stranger.slice(0, 2) + "zz"); // (ids only; nothing else to leak here)
    } finally {
      await q("DELETE FROM access_log WHERE id = $1", [row.id]);
    }
  });

  it("refuses a checkpoint from a forked log on chain (the contract), and the chain stays as it was", async () => {
    const before = await chainLatest(srv.ctx.chain.checkpointLog);
    const hashes = (await q("SELECT leaf_hash FROM log_leaves ORDER BY idx")).map((r: any) => new Uint8Array(r.leaf_hash));
    hashes[notes[0].leafIndex] = leafHash(new TextEncoder().encode("forged"));
    hashes.push(leafHash(new TextEncoder().encode("extra")));
    const forked = MerkleTree.from(hashes);
    // Sent from the writer's own address (eth_call: a refused transaction must not burn the server's nonces).
    const cpl = (srv.ctx.chain.checkpointLog as Contract).connect(new Wallet(DEV_OPERATOR_KEY, srv.ctx.chain.provider)) as Contract;
    const errorName = (e: any) => checkpointIface.parseError(e.data)?.name;
    const proof = forked.consistencyProof(before.size, forked.size).map((p) => "0x" + toHex(p));
    await cpl.submitCheckpoint.staticCall(forked.size, "0x" + toHex(forked.root()), proof).then(
      () => expect.fail("the forked checkpoint was accepted"),
      (e: any) => expect(errorName(e)).to.equal("InvalidConsistencyProof"),
    );
    await cpl.submitCheckpoint.staticCall(before.size, "0x" + toHex(forked.rootAt(before.size)), []).then(
      () => expect.fail("a same-size fork was accepted"),
      (e: any) => expect(errorName(e)).to.equal("CheckpointForked"),
    );
    // The honest extension from the same state is accepted (the refusals are about the fork, not the caller).
    const honest = MerkleTree.from((await q("SELECT leaf_hash FROM log_leaves ORDER BY idx")).map((r: any) => new Uint8Array(r.leaf_hash)));
    if (honest.size > before.size) {
      await cpl.submitCheckpoint.staticCall(honest.size, "0x" + toHex(honest.root()), honest.consistencyProof(before.size, honest.size).map((p) => "0x" + toHex(p)));
    }
    expect(await chainLatest(cpl)).to.deep.equal(before);
    expect((await audit(srv)).ok).to.equal(true);
  });

  it("writes a bundle that verifies with only a chain endpoint, and refuses a tampered one", async () => {
    const auditor = await appointAuditor(srv);
    const aApi = await srv.api().login(auditor);
    const bundle: Bundle = await aApi.get(`/v1/audit/bundle/${notes[0].recordId}`);
    // The record leaf, which also commits the version's two initial sealed keys.
    const recordLeaf = JSON.parse(bundle.entries.find((e) => JSON.parse(e.input).type === "record")!.input) as { keys: string[] };
    expect(recordLeaf.keys).to.have.length(2);
    expect(bundle.unanchored).to.deep.equal([]);
    const anvilUrl = srv.ctx.chain.anvil!.url;
    const ok = await checkBundle(JSON.parse(JSON.stringify(bundle)), anvilUrl);
    expect(ok.ok, JSON.stringify(ok)).to.equal(true);
    expect(ok.entries.find((e) => e.type === "record")).to.exist;
    const offline = await buildBundle({ db: srv.ctx.db, provider: srv.ctx.chain.provider, deployment: srv.ctx.chain.deployment, tree: anchorerFor(srv.ctx).tree }, notes[0].recordId);
    expect(offline.entries.map((e) => e.leafHash)).to.deep.equal(bundle.entries.map((e) => e.leafHash));

    const bad1 = structuredClone(bundle);
    bad1.entries[0].input = bad1.entries[0].input.replace(/"at":"(\d{4})/, (_m, y) => `"at":"${Number(y) - 1}`);
    const r1 = await checkBundle(bad1, anvilUrl);
    expect(r1.ok).to.equal(false);
    expect(r1.entries[0].problems.join()).to.match(/does not hash/);
    const bad2 = structuredClone(bundle);
    const e2 = bad2.entries[0];
    e2.leafHash = toHex(leafHash(new TextEncoder().encode("x")));
    e2.input = "x";
    expect((await checkBundle(bad2, anvilUrl)).ok).to.equal(false);
    const bad3 = structuredClone(bundle);
    bad3.entries[0].checkpoint.root = "00".repeat(32);
    const r3 = await checkBundle(bad3, anvilUrl);
    expect(r3.entries[0].problems.join()).to.match(/inclusion proof|did not emit/);
    const bad4 = structuredClone(bundle);
    if (bad4.entries[0].proof.length > 0) bad4.entries[0].proof[0] = toHex(fromHex("11".repeat(32)));
    else bad4.entries[0].index += 1;
    expect((await checkBundle(bad4, anvilUrl)).ok).to.equal(false);
  });

  // Last: a back-dated record stays in the append-only log for good.
  it("detects a back-dated record (timing/backdated) even when the server accepted and logged it", async () => {
    const yesterday = new Date(Date.now() - 86_400_000);
    const reply = await writeAt(cApi, counselor, rel.address, consentId, yesterday);
    await logKeyEntries(srv);
    await anchorerFor(srv.ctx).anchorNow();
    const r = await audit(srv);
    // Back-dated before the counselor's accreditation, so the accreditation check names it too.
    expect(codes(r)).to.deep.equal(["accreditation/author-not-accredited", "timing/backdated"]);
    expect(r.checks[2].failures[0].detail).to.include(`record leaf ${reply.leafIndex}`);
    expect(r.stats.maxAnchorDelaySeconds).to.be.at.least(86_000);
  });

  async function restore(table: string, rows: Record<string, unknown>[]) {
    for (const row of rows) {
      const cols = Object.keys(row);
      await q(`INSERT INTO ${table} (${cols.join(", ")}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(", ")})`, cols.map((c) => row[c]));
    }
  }
});
