import { expect } from "chai";
import { Wallet } from "ethers";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import {
  generateSeed,
  openIdentity,
  openJson,
  openOwnIdentity,
  rewrapKey,
  relationshipKeys,
  sealIdentity,
  sealJson,
  vaultKeys,
  walletSigner,
  counselorKeys,
  type RelationshipKeys,
} from "../../../src/crypto/index.js";
import { Purpose } from "../../../src/consent/index.js";
import { keyEntryHash } from "../../../src/crypto/index.js";
import { accreditCounselor, appointAuditor, registerMatcher, startTestServer, type TestServer } from "../../helpers/server.js";
import { counselorWrites, eraseAs, fetchForReader, grant, loginAs, problem, publishKey, revoke, suspend } from "./helpers.js";
import type { ApiClient } from "../../../src/client/index.js";

const NOTE_MARKER = "MARKER-note-7f3a9c 失眠三周";
const AMEND_MARKER = "MARKER-amend-51be02 情绪好转";
const IDENTITY = { name: "张秀英MARKER", idNumber: "110105194901011234", phone: "13912345678", address: "北京市朝阳区MARKER路8号" };

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe("record vault: write, read, amend, consent-gated key release, tamper, erasure, privacy", function () {
  this.timeout(120_000);
  let srv: TestServer;
  let counselor: Wallet;
  let cApi: ApiClient;
  let seed: Uint8Array;
  let rel: RelationshipKeys;
  let rApi: ApiClient;
  let consentId: string;
  let note: { recordId: string; contentHash: string; leafIndex: number; version: number };
  let v2: { recordId: string; contentHash: string; leafIndex: number; version: number };

  before(async () => {
    srv = await startTestServer();
    counselor = (await accreditCounselor(srv)).wallet;
    cApi = await srv.api().login(counselor);
    seed = await generateSeed();
    rel = await relationshipKeys(seed, counselor.address);
    rApi = await srv.api().login(rel.wallet);
    await publishKey(rApi, rel);
    consentId = await grant(srv, rel, counselor.address);
  });
  after(async () => srv?.stop());

  const accessRows = (requester: string) =>
    srv.ctx.db.query<{ decision: string; basis: string | null; reason: string | null; leaf_index: string; content_hash: string }>(
      "SELECT decision, basis, reason, leaf_index, content_hash FROM access_log WHERE requester = $1 ORDER BY id",
      [requester.toLowerCase()],
    );
  const leaf = async (idx: number | string) =>
    JSON.parse((await srv.ctx.db.query<{ input: string }>("SELECT input FROM log_leaves WHERE idx = $1", [idx]))[0].input);

  it("a counselor writes under an active TREATMENT grant; counselor and resident both open it; the leaf hashes the envelope", async () => {
    const { envelope, reply } = await counselorWrites(cApi, counselor, rel.address, consentId, { text: NOTE_MARKER, minutes: 50 });
    note = reply;
    expect(reply.version).to.equal(1);
    expect(reply.contentHash).to.match(/^0x[0-9a-f]{64}$/);
    const l = await leaf(reply.leafIndex);
    // The initial sealed keys are committed in the record leaf (their keyEntryHashes, sorted): one leaf per write.
    const keys = envelope.keys.map((k) => keyEntryHash(reply.contentHash, k.to, k.sealed, k.pk)).sort();
    expect(keys).to.have.length(2);
    expect(l).to.deep.equal({ type: "record", id: `${envelope.id}:1`, hash: reply.contentHash.slice(2), at: envelope.createdAt, kind: "consultation_note", keys });
    const keyLeaves = await srv.ctx.db.query("SELECT idx FROM log_leaves WHERE input LIKE $1", [`%"decision":"key-added"%"id":"${envelope.id}:1"%`]);
    expect(keyLeaves).to.deep.equal([]);

    const c = await fetchForReader(cApi, reply.recordId, reply.contentHash);
    expect(c.key.basis).to.equal("author");
    const ck = await counselorKeys(counselor.privateKey);
    expect(await openJson(c.envelope, ck.address, ck.x25519)).to.deep.equal({ text: NOTE_MARKER, minutes: 50 });

    const r = await fetchForReader(rApi, reply.recordId, reply.contentHash);
    expect(r.key.basis).to.equal("subject");
    expect(await openJson(r.envelope, rel.address, rel.x25519)).to.deep.equal({ text: NOTE_MARKER, minutes: 50 });
    expect((await accessRows(rel.address)).map((a) => [a.decision, a.basis])).to.deep.equal([["released", "subject"]]);

    const listed = await rApi.get(`/v1/records?subject=${rel.address}`);
    expect(listed.records.map((x: { contentHash: string }) => x.contentHash)).to.deep.equal([reply.contentHash]);
    const mine = await cApi.get(`/v1/records?author=${counselor.address}`);
    expect(mine.records).to.have.length(1);
  });

  it("amends by a new version linked with prev; the chain returns both; a stale prev is refused", async () => {
    const { reply } = await counselorWrites(cApi, counselor, rel.address, consentId, { text: AMEND_MARKER }, { prev: note.contentHash, id: note.recordId });
    v2 = reply;
    expect(reply.version).to.equal(2);
    const chain = await rApi.get(`/v1/records/${note.recordId}`);
    expect(chain.versions.map((v: { version: number; prev: string | null }) => [v.version, v.prev])).to.deep.equal([[1, null], [2, note.contentHash]]);
    expect(chain.versions[1].envelope).to.not.have.property("keys");
    const stale = await problem(counselorWrites(cApi, counselor, rel.address, consentId, { text: "x" }, { prev: note.contentHash, id: note.recordId }));
    expect(stale.status).to.equal(409);
    const r = await fetchForReader(rApi, reply.recordId, reply.contentHash);
    expect(await openJson(r.envelope, rel.address, rel.x25519)).to.deep.equal({ text: AMEND_MARKER });
  });

  it("refuses writes without consent, by someone else than the author, or with a bad signature", async () => {
    const { wallet: other } = await accreditCounselor(srv);
    const oApi = await srv.api().login(other);
    const noGrant = await problem(counselorWrites(oApi, other, rel.address, consentId, { text: "x" }).catch(async (e) => {
      // the other counselor may not even fetch the resident's key: seal with the resident's key directly
      if (e.status !== 404) throw e;
      const ok = await counselorKeys(other.privateKey);
      const env = await sealJson({
        kind: "consultation_note", schema: "anxin.note.v1", subjectRef: rel.address, consentId, body: { t: 1 },
        recipients: [{ address: ok.address, x25519PublicKey: ok.x25519.publicKey }, { address: rel.address, x25519PublicKey: rel.x25519.publicKey }],
        signer: walletSigner(other),
      });
      return oApi.post("/v1/records", env);
    }));
    expect(noGrant.status).to.equal(403);
    const ck = await counselorKeys(counselor.privateKey);
    const env = await sealJson({
      kind: "consultation_note", schema: "anxin.note.v1", subjectRef: rel.address, consentId, body: { t: 2 },
      recipients: [{ address: ck.address, x25519PublicKey: ck.x25519.publicKey }, { address: rel.address, x25519PublicKey: rel.x25519.publicKey }],
      signer: walletSigner(counselor),
    });
    expect((await problem(oApi.post("/v1/records", env))).status).to.equal(403); // not the author
    const forged = { ...env, sig: env.sig.slice(0, 10) + (env.sig[10] === "a" ? "b" : "a") + env.sig.slice(11) };
    expect([422, 400]).to.include((await problem(cApi.post("/v1/records", forged))).status);
    const noResidentKey = await sealJson({
      kind: "consultation_note", schema: "anxin.note.v1", subjectRef: rel.address, consentId, body: { t: 3 },
      recipients: [{ address: ck.address, x25519PublicKey: ck.x25519.publicKey }], signer: walletSigner(counselor),
    });
    expect((await problem(cApi.post("/v1/records", noResidentKey))).status).to.equal(422);
    const count = await srv.ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM records");
    expect(Number(count[0].n)).to.equal(2); // nothing persisted for the refused writes
  });

  it("refuses contents (403, access-logged with a leaf) to: no consent, matcher, auditor, revoked, expired, suspended", async () => {
    const cases: Array<{ who: Wallet; reason: string }> = [];
    const { wallet: stranger } = await accreditCounselor(srv);
    cases.push({ who: stranger, reason: "no_grant" });
    cases.push({ who: await registerMatcher(srv), reason: "role_matcher" });
    cases.push({ who: await appointAuditor(srv), reason: "role_auditor" });

    const { wallet: revoked } = await accreditCounselor(srv);
    const revokedRel = rel; // same resident relationship: subject of the record
    const g = await grant(srv, revokedRel, revoked.address);
    const rv = await srv.api().login(revoked);
    expect((await rv.get(`/v1/records/${note.recordId}`)).versions).to.have.length(2); // active: may see the chain
    await revoke(srv, revokedRel, g);
    cases.push({ who: revoked, reason: "grant_revoked" });

    const { wallet: expiring } = await accreditCounselor(srv);
    await grant(srv, rel, expiring.address, { notAfter: Math.floor(Date.now() / 1000) + 3 });
    const { wallet: suspended } = await accreditCounselor(srv);
    await grant(srv, rel, suspended.address);
    await suspend(srv, suspended.address);
    cases.push({ who: suspended, reason: "counselor_suspended" });
    await new Promise((r) => setTimeout(r, 4000));
    cases.push({ who: expiring, reason: "grant_expired" });

    const roleOf: Record<string, string> = { role_matcher: "matcher", role_auditor: "auditor" };
    for (const c of cases) {
      const api = roleOf[c.reason] ? await loginAs(srv, c.who, roleOf[c.reason]) : await srv.api().login(c.who);
      const e = await problem(api.get(`/v1/records/${note.recordId}/versions/${note.contentHash}/key`));
      expect(e.status, c.reason).to.equal(403);
      expect(JSON.stringify(e.problem)).to.not.include(NOTE_MARKER);
      const rows = await accessRows(c.who.address);
      expect(rows.at(-1), c.reason).to.deep.include({ decision: "refused", reason: c.reason, basis: null, content_hash: note.contentHash });
      expect(await leaf(rows.at(-1)!.leaf_index)).to.deep.include({ type: "access", decision: "refused", hash: note.contentHash.slice(2) });
      expect((await problem(api.get(`/v1/records/${note.recordId}`))).status, c.reason).to.equal(403);
    }
    const matcherList = await problem((await srv.api().login(cases[1].who)).get(`/v1/records?subject=${rel.address}`));
    expect(matcherList.status).to.equal(403);
  });

  it("re-wraps keys for a newly consented counselor: 409 before the grant is indexed, then the counselor opens the record", async () => {
    const { wallet: next } = await accreditCounselor(srv);
    const nk = await counselorKeys(next.privateKey);
    const served = await fetchForReader(rApi, note.recordId, note.contentHash);
    const entry = await rewrapKey(served.envelope, rel.x25519, rel.address, { address: nk.address, x25519PublicKey: nk.x25519.publicKey });
    expect((await problem(rApi.post(`/v1/records/${note.contentHash}/keys`, { keys: [entry] }))).status).to.equal(409);
    await grant(srv, rel, next.address);
    await rApi.post(`/v1/records/${note.contentHash}/keys`, { keys: [entry] });
    const nApi = await srv.api().login(next);
    const got = await fetchForReader(nApi, note.recordId, note.contentHash);
    expect(got.key.basis).to.equal("grant");
    expect(await openJson(got.envelope, nk.address, nk.x25519)).to.deep.equal({ text: NOTE_MARKER, minutes: 50 });
    // version 2 was not shared: the grant allows it but no key is sealed for this counselor yet
    expect((await problem(nApi.get(`/v1/records/${v2.recordId}/versions/${v2.contentHash}/key`))).status).to.equal(404);
  });

  it("identity vault: written by the resident, its key released to a counselor only under an active TREATMENT grant", async () => {
    const vault = await vaultKeys(seed);
    const vApi = await srv.api().login(vault.wallet);
    const env = await sealIdentity({ seed, identity: IDENTITY });
    const reply = await vApi.post("/v1/records", env);
    const own = await fetchForReader(vApi, reply.recordId, reply.contentHash);
    expect(await openOwnIdentity(own.envelope, seed)).to.deep.equal(IDENTITY);
    const ck = await counselorKeys(counselor.privateKey);
    const entry = await rewrapKey(own.envelope, vault.x25519, vault.address, { address: ck.address, x25519PublicKey: ck.x25519.publicKey });
    expect((await problem(vApi.post(`/v1/records/${reply.contentHash}/keys`, { keys: [entry] }))).status).to.equal(422); // no grantId
    await vApi.post(`/v1/records/${reply.contentHash}/keys`, { keys: [{ ...entry, grantId: consentId }] });
    const c = await fetchForReader(cApi, reply.recordId, reply.contentHash);
    expect(c.key.basis).to.equal("grant");
    expect(await openIdentity(c.envelope, ck.address, ck.x25519)).to.deep.equal(IDENTITY);
    // The counselor finds the entry shared with them (ids and the grant's subject only: the caseload's name).
    expect((await cApi.get("/v1/counselors/me/identities")).identities).to.deep.equal([{ subject: rel.address, grantId: consentId, recordId: reply.recordId, version: 1, contentHash: reply.contentHash }]);
    // A counselor does not see the identity entry in the resident's relationship listing, and cannot list the vault.
    const listed = await cApi.get(`/v1/records?subject=${rel.address}`);
    expect(listed.records.every((r: { kind: string }) => r.kind !== "identity")).to.equal(true);
    expect((await problem(cApi.get(`/v1/records?subject=${vault.address}`))).status).to.equal(403);
    // A counselor with another grant but none named for this key is refused.
    const { wallet: other } = await accreditCounselor(srv);
    await grant(srv, rel, other.address);
    const oApi = await srv.api().login(other);
    const e = await problem(oApi.get(`/v1/records/${reply.recordId}/versions/${reply.contentHash}/key`));
    expect(e.status).to.equal(403);
    expect((await oApi.get("/v1/counselors/me/identities")).identities, "not listed to a counselor it was not shared with").to.deep.equal([]);
  });

  it("refuses to serve a tampered ciphertext or header (integrity problem); a tampered sealed key fails to open on the client", async () => {
    const before = await fetchForReader(rApi, note.recordId, note.contentHash);
    const [row] = await srv.ctx.db.query<{ envelope: string }>("SELECT envelope FROM records WHERE content_hash = $1", [note.contentHash]);
    const stored = JSON.parse(row.envelope);
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === "A" ? "B" : "A") + s.slice(i + 1);

    for (const altered of [{ ...stored, ciphertext: flip(stored.ciphertext, 20) }, { ...stored, schema: "anxin.note.v2" }]) {
      await srv.ctx.db.query("UPDATE records SET envelope = $2 WHERE content_hash = $1", [note.contentHash, JSON.stringify(altered)]);
      const e = await problem(rApi.get(`/v1/records/${note.recordId}`));
      expect(e.status).to.equal(500);
      expect(e.problem.type).to.equal("urn:anxin:problem:integrity");
      expect(e.problem.detail).to.match(/no longer matches the hash in the log/);
      const k = await problem(rApi.get(`/v1/records/${note.recordId}/versions/${note.contentHash}/key`));
      expect(k.problem.type).to.equal("urn:anxin:problem:integrity");
      // A client that got the altered bytes anyway refuses them: AEAD fails (ciphertext, or header as associated data).
      const err = (await openJson({ ...altered, keys: before.envelope.keys }, rel.address, rel.x25519).catch((x: unknown) => x)) as { code: string };
      expect(err.code).to.equal("TAMPERED_CIPHERTEXT");
    }
    await srv.ctx.db.query("UPDATE records SET envelope = $2 WHERE content_hash = $1", [note.contentHash, row.envelope]);
    expect((await rApi.get(`/v1/records/${note.recordId}`)).versions).to.have.length(2);

    const [k] = await srv.ctx.db.query<{ sealed: string }>("SELECT sealed FROM record_keys WHERE content_hash = $1 AND recipient = $2", [note.contentHash, rel.address]);
    await srv.ctx.db.query("UPDATE record_keys SET sealed = $3 WHERE content_hash = $1 AND recipient = $2", [note.contentHash, rel.address, flip(k.sealed, 60)]);
    const tampered = await fetchForReader(rApi, note.recordId, note.contentHash);
    const err = (await openJson(tampered.envelope, rel.address, rel.x25519).catch((x: unknown) => x)) as { code: string; message: string };
    expect(err.code).to.equal("TAMPERED_KEY");
    expect(err.message).to.match(/sealed content key does not open/);
    await srv.ctx.db.query("UPDATE record_keys SET sealed = $3 WHERE content_hash = $1 AND recipient = $2", [note.contentHash, rel.address, k.sealed]);
  });

  it("erasure destroys ciphertexts and sealed keys of the subject, logs tombstones, and answers 410 afterwards", async () => {
    const res = await eraseAs(rApi, rel.wallet);
    expect(res.erased).to.equal(2);
    for (const t of res.tombstones) expect(await leaf(t.leafIndex)).to.deep.include({ type: "tombstone", hash: t.contentHash.slice(2) });
    const rows = await srv.ctx.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM records WHERE subject_ref = $1 AND (envelope IS NOT NULL OR erased_at IS NULL)",
      [rel.address],
    );
    expect(Number(rows[0].n)).to.equal(0);
    const keys = await srv.ctx.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM record_keys k JOIN records r USING (content_hash) WHERE r.subject_ref = $1 AND k.sealed IS NOT NULL",
      [rel.address],
    );
    expect(Number(keys[0].n)).to.equal(0);
    expect((await problem(rApi.get(`/v1/records/${note.recordId}`))).status).to.equal(410);
    expect((await problem(cApi.get(`/v1/records/${note.recordId}/versions/${note.contentHash}/key`))).status).to.equal(410);
    expect((await problem(counselorWrites(cApi, counselor, rel.address, consentId, { t: 1 }, { prev: v2.contentHash, id: v2.recordId }))).status).to.be.oneOf([404, 410]);
    // the vault entry (another subject address) is erased by signing in as the vault address
    const vault = await vaultKeys(seed);
    const vRes = await eraseAs(await srv.api().login(vault.wallet), vault.wallet);
    expect(vRes.erased).to.equal(1);
  });

  it("privacy scan: no plaintext marker or identity field in the database files, the server log or the chain state", async () => {
    await new Promise((r) => setTimeout(r, 1500)); // anvil dumps its state every second
    const needles = [NOTE_MARKER, AMEND_MARKER, "MARKER", ...Object.values(IDENTITY), "失眠", "张秀英"];
    const hits: string[] = [];
    const files = filesUnder(srv.dataDir);
    expect(files.some((f) => f.endsWith("chain-state.json"))).to.equal(true);
    expect(files.length).to.be.greaterThan(10);
    for (const f of files) {
      const bytes = readFileSync(f);
      for (const n of needles) if (bytes.includes(Buffer.from(n, "utf8"))) hits.push(`${path.relative(srv.dataDir, f)}: ${n}`);
    }
    const log = srv.logLines.join("\n");
    for (const n of needles) if (log.includes(n)) hits.push(`server log: ${n}`);
    expect(hits).to.deep.equal([]);
    expect(srv.logLines.length).to.be.greaterThan(20);
  });

  it("group-commits concurrent writes: every acknowledged one is stored with its leaf; a duplicate id and a competing amendment get 409", async () => {
    // The first resident erased her address above (answered 410 since): a second one consents to the counselor.
    const rel = await relationshipKeys(await generateSeed(), counselor.address);
    await publishKey(await srv.api().login(rel.wallet), rel);
    const consentId = await grant(srv, rel, counselor.address);
    const ck = await counselorKeys(counselor.privateKey);
    const seal = (body: Record<string, number>, o: { id?: string; prev?: string } = {}) =>
      sealJson({
        kind: "consultation_note", schema: "anxin.note.v1", subjectRef: rel.address, consentId, prev: o.prev ?? null, id: o.id, body,
        recipients: [{ address: ck.address, x25519PublicKey: ck.x25519.publicKey }, { address: rel.address, x25519PublicKey: rel.x25519.publicKey }],
        signer: walletSigner(counselor),
      });
    const base = await seal({ n: 0 });
    const first = await cApi.post("/v1/records", base);
    const fresh = await Promise.all(Array.from({ length: 12 }, (_, i) => seal({ n: i + 1 })));
    const dupe = await seal({ n: 99 }, { id: fresh[0].id });
    const amends = await Promise.all([seal({ a: 1 }, { id: base.id, prev: first.contentHash }), seal({ a: 2 }, { id: base.id, prev: first.contentHash })]);
    const all = [...fresh, dupe, ...amends];
    const settled = await Promise.allSettled(all.map((e) => cApi.post("/v1/records", e)));
    const ok = settled.map((s) => (s.status === "fulfilled" ? s.value : undefined));
    const status = settled.map((s) => (s.status === "rejected" ? (s.reason as { status?: number }).status : 201));
    // Twelve distinct new records succeed, except that fresh[0] and dupe share an id: exactly one of them wins.
    for (let i = 1; i < 12; i++) expect(status[i]).to.equal(201);
    expect([status[0], status[12]].sort()).to.deep.equal([201, 409]);
    expect([status[13], status[14]].sort()).to.deep.equal([201, 409]);
    const amended = ok[13] ?? ok[14];
    expect(amended.version).to.equal(2);
    for (const [i, reply] of ok.entries()) {
      if (!reply) continue;
      const l = await leaf(reply.leafIndex);
      const keys = all[i].keys.map((k) => keyEntryHash(reply.contentHash, k.to, k.sealed, k.pk)).sort();
      expect(l).to.deep.equal({ type: "record", id: `${all[i].id}:${reply.version}`, hash: reply.contentHash.slice(2), at: all[i].createdAt, kind: "consultation_note", keys });
      const [row] = await srv.ctx.db.query<{ leaf_index: string; n: number }>(
        "SELECT r.leaf_index, (SELECT count(*)::int FROM record_keys k WHERE k.content_hash = r.content_hash) AS n FROM records r WHERE r.content_hash = $1",
        [reply.contentHash],
      );
      expect([Number(row.leaf_index), Number(row.n)]).to.deep.equal([reply.leafIndex, 2]);
    }
    const leafIdx = ok.filter(Boolean).map((r) => r.leafIndex);
    expect(new Set(leafIdx).size).to.equal(leafIdx.length);
    const [{ size }] = await srv.ctx.db.query<{ size: string }>("SELECT size FROM log_head WHERE id = 1");
    const [{ n }] = await srv.ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM log_leaves");
    expect(Number(size)).to.equal(Number(n));
  });
  it("decides in one hop on a grant read before the transaction, and refuses exactly once that grant is revoked (the guard redoes the commit with reads)", async () => {
    const rel = await relationshipKeys(await generateSeed(), counselor.address);
    await publishKey(await srv.api().login(rel.wallet), rel);
    const consentId = await grant(srv, rel, counselor.address);
    const stats = srv.ctx.writer.stats;
    await counselorWrites(cApi, counselor, rel.address, consentId, { text: "first" }); // reads and keeps the grant
    const oneHop = stats.cached;
    const redone = stats.redone;
    const second = await counselorWrites(cApi, counselor, rel.address, consentId, { text: "second" });
    expect(second.reply.version).to.equal(1);
    expect(stats.cached, "the second write did not go in one hop").to.be.greaterThan(oneHop);
    expect(stats.redone).to.equal(redone);
    const count = async () => Number((await srv.ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM records WHERE subject_ref = $1", [rel.address.toLowerCase()]))[0].n);
    expect(await count()).to.equal(2);
    await revoke(srv, rel, consentId);
    // Sealed with the resident's key directly: the key directory no longer serves it to this counselor.
    const ck = await counselorKeys(counselor.privateKey);
    const write = async (body: Record<string, string>) =>
      cApi.post("/v1/records", await sealJson({
        kind: "consultation_note", schema: "anxin.note.v1", subjectRef: rel.address, consentId, body,
        recipients: [{ address: ck.address, x25519PublicKey: ck.x25519.publicKey }, { address: rel.address, x25519PublicKey: rel.x25519.publicKey }],
        signer: walletSigner(counselor),
      }));
    // The kept copy still says active: the grant guard fails the one-hop commit, the redo reads the revocation.
    const refused = await problem(write({ text: "after revocation" }));
    expect(refused.status).to.equal(403);
    expect(stats.redone).to.be.greaterThan(redone);
    expect(await count()).to.equal(2);
    // The stale copy was dropped: the next refusal is decided without a redo.
    const redoneAfter = stats.redone;
    expect((await problem(write({ text: "again" }))).status).to.equal(403);
    expect(stats.redone).to.equal(redoneAfter);
    expect(await count()).to.equal(2);
  });
});
