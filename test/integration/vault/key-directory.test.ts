// The key directory and key rotation against a real server and chain: signed publications (versioned, logged,
// refused when unsigned, mis-signed or out of order), keys published before signatures (legacy: served, refused by
// verifying clients, counted by the audit), rotation of a resident's and a counselor's key with the content keys
// re-wrapped by their owner, and the audit's keys check passing on all of it.
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Wallet, type Contract } from "ethers";
import { ApiClient, ChainReader, KeyDirectoryError, publishSignedKey, residentKey, rewrapOwnKeys } from "../../../src/client/index.js";
import {
  counselorKeys,
  encryptSeed,
  generateSeed,
  openJson,
  relationshipKeys,
  relationshipX25519,
  toBase64,
  walletX25519,
  x25519PublicKeyToBytes32,
  type RelationshipKeys,
} from "../../../src/crypto/index.js";
import { accreditCounselor, startTestServer, trustedChainOf, type TestServer } from "../../helpers/server.js";
import { signedKeyBody } from "../../helpers/keys.js";
import { audit } from "../audit/helpers.js";
import { counselorWrites, fetchForReader, grant, publishKey } from "./helpers.js";

const run = promisify(execFile);
const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../bin/anxin.js");

describe("key directory: signed, versioned, logged publications; rotation with re-wrapped keys", function () {
  this.timeout(600_000);
  let srv: TestServer;
  let chain: ChainReader;
  let counselor: Wallet;
  let cApi: ApiClient;
  let seed: Uint8Array;
  let rel: RelationshipKeys;
  let rApi: ApiClient;
  let consentId: string;
  const notes: Array<{ recordId: string; contentHash: string }> = [];

  before(async () => {
    srv = await startTestServer();
    chain = new ChainReader(trustedChainOf(srv));
    counselor = (await accreditCounselor(srv)).wallet;
    cApi = await srv.api().login(counselor);
    seed = await generateSeed();
    rel = await relationshipKeys(seed, counselor.address);
    rApi = await srv.api().login(rel.wallet);
    consentId = await grant(srv, rel, counselor.address);
  });
  after(async () => {
    chain?.destroy();
    await srv?.stop();
  });

  it("publishes version 1 signed and logged; refuses an unsigned, mis-signed, skewed or out-of-order publication (nothing changes)", async () => {
    const before = (await srv.ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM key_publications"))[0].n;
    const noSig = await rApi.raw("POST", "/v1/vault/recipients", { x25519PublicKey: toBase64(rel.x25519.publicKey) });
    expect(noSig.status).to.equal(400);
    const stranger = await signedKeyBody(Wallet.createRandom(), rel.x25519.publicKey);
    const bad = await rApi.raw("POST", "/v1/vault/recipients", stranger);
    expect(bad.status).to.equal(422);
    expect((await bad.json()).code).to.equal("bad_key_signature");
    const skip = await rApi.raw("POST", "/v1/vault/recipients", await signedKeyBody(rel.wallet, rel.x25519.publicKey, 2));
    expect(skip.status).to.equal(409);
    const altered = await signedKeyBody(rel.wallet, rel.x25519.publicKey);
    const tampered = await rApi.raw("POST", "/v1/vault/recipients", { ...altered, issuedAt: altered.issuedAt - 1 });
    expect((await tampered.json()).code).to.equal("bad_key_signature");
    const skewed = await rApi.raw("POST", "/v1/vault/recipients", await signedKeyBody(rel.wallet, rel.x25519.publicKey, 1, Math.floor(Date.now() / 1000) - 3600));
    expect(skewed.status).to.equal(422);
    expect((await skewed.json()).code).to.equal("key_time_skew");
    expect((await srv.ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM key_publications"))[0].n).to.equal(before);

    const r = await publishKey(rApi, rel);
    expect(r.publication.version).to.equal(1);
    const [leaf] = await srv.ctx.db.query<{ input: string }>("SELECT input FROM log_leaves WHERE idx = $1", [r.publication.leafIndex]);
    expect(JSON.parse(leaf.input)).to.include({ type: "key", id: `key:${rel.address}:1` });
    expect(toBase64(await residentKey(cApi, chain, rel.address))).to.equal(toBase64(rel.x25519.publicKey));
    for (let i = 0; i < 2; i++) notes.push((await counselorWrites(cApi, counselor, rel.address, consentId, { minutes: 20 + i })).reply);
  });

  it("a resident rotates: version 2 is published, the resident re-wraps its keys and opens every note with the new key only", async () => {
    const v2 = await relationshipX25519(seed, counselor.address, 2);
    expect(toBase64(v2.publicKey)).to.not.equal(toBase64(rel.x25519.publicKey));
    // Re-wrapping before the new key is published is refused: entries must be sealed to the current key.
    const early = await rApi.raw("POST", "/v1/vault/rewrap", { keys: [{ contentHash: notes[0].contentHash, sealed: toBase64(new Uint8Array(80)), pk: toBase64(v2.publicKey) }] });
    expect(early.status).to.equal(422);
    const pub = await publishSignedKey(rApi, rel.wallet, v2.publicKey);
    expect(pub.publication.version).to.equal(2);
    const r = await rewrapOwnKeys(rApi, rel.address, rel.x25519, v2.publicKey, "subject");
    expect(r).to.deep.equal({ rewrapped: 2, skipped: 0 });
    for (const n of notes) {
      const { envelope } = await fetchForReader(rApi, n.recordId, n.contentHash);
      expect(await openJson(envelope, rel.address, v2)).to.have.property("minutes");
      let failed = false;
      await openJson(envelope, rel.address, rel.x25519).catch(() => (failed = true));
      expect(failed, "the old key no longer opens the served key").to.equal(true);
    }
    // The counselor's next note is sealed to version 2 (the verified current key).
    expect(toBase64(await residentKey(cApi, chain, rel.address))).to.equal(toBase64(v2.publicKey));
    const later = (await counselorWrites(cApi, counselor, rel.address, consentId, { minutes: 40 })).reply;
    expect(await openJson((await fetchForReader(rApi, later.recordId, later.contentHash)).envelope, rel.address, v2)).to.deep.equal({ minutes: 40 });
    // Only one's own keys: another resident cannot replace this resident's entries.
    const other = await relationshipKeys(await generateSeed(), counselor.address);
    const oApi = await srv.api().login(other.wallet);
    await publishKey(oApi, other);
    const theft = await oApi.raw("POST", "/v1/vault/rewrap", { keys: [{ contentHash: notes[0].contentHash, sealed: toBase64(new Uint8Array(80)), pk: toBase64(other.x25519.publicKey) }] });
    expect(theft.status).to.equal(403);
  });

  it("a counselor rotates: the authority accredits the next key on chain, the counselor re-wraps what it wrote", async () => {
    const v2 = await walletX25519(counselor.privateKey, 2);
    const now = Math.floor(Date.now() / 1000);
    await (await (srv.ctx.chain.registry as Contract).accredit(counselor.address, "0x" + "11".repeat(32), x25519PublicKeyToBytes32(v2.publicKey), now - 60, now + 365 * 86400)).wait();
    await srv.ctx.indexer.sync();
    srv.ctx.roles.invalidate();
    const v1 = (await counselorKeys(counselor.privateKey)).x25519;
    const r = await rewrapOwnKeys(cApi, counselor.address, v1, v2.publicKey, "author");
    expect(r.rewrapped).to.equal(3);
    const { envelope } = await fetchForReader(cApi, notes[0].recordId, notes[0].contentHash);
    expect(await openJson(envelope, counselor.address.toLowerCase(), v2)).to.deep.equal({ minutes: 20 });
  });

  it("the CLI rotates a resident (anxin keys rotate --json) and reads with the new key", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "anxin-rotate-"));
    try {
      const pass = path.join(dir, "pass");
      writeFileSync(pass, "rotate-pass\n");
      writeFileSync(path.join(dir, "seed.json"), JSON.stringify(await encryptSeed(seed, "rotate-pass", { scryptN: 1 << 12 })));
      const common = ["--seed", path.join(dir, "seed.json"), "--counterparty", counselor.address, "--passphrase-file", pass, "--url", srv.url, "--json"];
      const out = JSON.parse((await run(process.execPath, [bin, "keys", "rotate", ...common])).stdout);
      expect(out).to.include({ address: rel.address, version: 3, rewrapped: 3, skipped: 0 });
      const read = JSON.parse((await run(process.execPath, [bin, "record", "read", notes[1].recordId, ...common])).stdout);
      expect(read.versions[0].body).to.deep.equal({ minutes: 21 });
      const help = (await run(process.execPath, [bin, "keys", "rotate", "--help"])).stdout;
      expect(help).to.match(/--seed/).and.match(/--print-key/).and.match(/--json/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a key published before signatures (legacy row) is served without a publication, refused by clients until republished; the audit passes on all of it", async () => {
    const legacy = await relationshipKeys(await generateSeed(), counselor.address);
    await srv.ctx.db.query("INSERT INTO vault_recipients (address, x25519_public_key) VALUES ($1, $2)", [legacy.address, toBase64(legacy.x25519.publicKey)]);
    const lApi = await srv.api().login(legacy.wallet);
    const served = await lApi.get(`/v1/vault/recipients/${legacy.address}`);
    expect(served.publication).to.equal(null);
    let code = "";
    await residentKey(lApi, chain, legacy.address).catch((e) => (code = (e as KeyDirectoryError).code));
    expect(code).to.equal("unsigned_recipient_key");
    // The owner republishes: version 1, signed; clients accept it.
    expect((await publishKey(lApi, legacy)).publication.version).to.equal(1);
    expect(toBase64(await residentKey(lApi, chain, legacy.address))).to.equal(toBase64(legacy.x25519.publicKey));

    const r = await audit(srv);
    expect(r.checks.find((c) => c.id === "keys"), JSON.stringify(r.checks)).to.include({ ok: true });
    expect(r.ok, JSON.stringify(r.checks.filter((c) => !c.ok))).to.equal(true);
    expect(r.stats.keyPublications).to.equal(5);
  });
});
