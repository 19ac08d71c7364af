// The hostile-server suite, key directory (issue 17 §5 (a), (b), (d)): a tampering proxy between real clients (the
// client library, the `anxin` binary) and the real server swaps a counselor's key, swaps a resident's key, and
// serves an old or a forked checkpoint. Each client refuses with a named error, reading the chain itself (past the
// proxy); where a careless client sealed anyway, the auditor's `keys` check names the entry, and `anxin audit
// checkpoint` names the stale or forked view.
import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Wallet } from "ethers";
import { ApiClient, ChainReader, KeyDirectoryError, counselorKey, residentKey } from "../../../src/client/index.js";
import {
  counselorKeys,
  encryptSeed,
  ready,
  encryptWalletJson,
  fromBase64,
  generateSeed,
  relationshipKeys,
  sealJson,
  signKeyPublication,
  toBase64,
  walletSigner,
  x25519ToBytes32,
  type RelationshipKeys,
  type X25519KeyPair,
} from "../../../src/crypto/index.js";
import { anchorerFor } from "../../../src/services/anchoring.js";
import { accreditCounselor, startTestServer, trustedChainOf, type TestServer } from "../../helpers/server.js";
import { grant, publishKey } from "../vault/helpers.js";
import { audit } from "../audit/helpers.js";
import { startTamperingProxy, type TamperingProxy } from "./proxy.js";
import { anxin as runAnxin } from "../../helpers/cli.js";

// The CLI reads the chain only where a test names it (no CHAIN_RPC_URL from the environment).
const anxin = (args: string[]) => runAnxin(args, { CHAIN_RPC_URL: "" });

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(KeyDirectoryError);
    return (e as KeyDirectoryError).code;
  }
  throw new Error("the client accepted a tampered answer");
}

describe("hostile server: the key directory (tampering proxy; clients read the chain themselves)", function () {
  this.timeout(600_000);
  let srv: TestServer;
  let proxy: TamperingProxy;
  let chain: ChainReader;
  let dir: string;
  let counselor: Wallet;
  let rel: RelationshipKeys;
  let consentId: string;
  let attacker: X25519KeyPair;
  let cViaProxy: ApiClient;
  let rViaProxy: ApiClient;
  let cli: { chain: string[]; counselor: string[]; resident: string[]; body: string };

  before(async () => {
    srv = await startTestServer({ config: { anchorIntervalSeconds: 3600 } }); // anchors when the test says
    proxy = await startTamperingProxy(srv.url);
    // To its clients the proxy is the server (as a reverse proxy at PUBLIC_ORIGIN would be): sign-ins name its host.
    srv.ctx.siweDomains.add(new URL(proxy.url).host);
    chain = new ChainReader(trustedChainOf(srv));
    counselor = (await accreditCounselor(srv)).wallet;
    const seed = await generateSeed();
    rel = await relationshipKeys(seed, counselor.address);
    await publishKey(await srv.api().login(rel.wallet), rel);
    consentId = await grant(srv, rel, counselor.address);
    await anchorerFor(srv.ctx).anchorNow();
    attacker = (await ready()).crypto_box_keypair() as X25519KeyPair;
    cViaProxy = await new ApiClient(proxy.url).login(counselor);
    rViaProxy = await new ApiClient(proxy.url).login(rel.wallet);

    dir = mkdtempSync(path.join(tmpdir(), "anxin-hostile-"));
    const pass = path.join(dir, "pass");
    writeFileSync(pass, "hostile-test-pass\n");
    writeFileSync(path.join(dir, "counselor.json"), await encryptWalletJson(counselor, "hostile-test-pass", { scryptN: 1 << 12 }));
    writeFileSync(path.join(dir, "seed.json"), JSON.stringify(await encryptSeed(seed, "hostile-test-pass", { scryptN: 1 << 12 })));
    const t = trustedChainOf(srv);
    writeFileSync(path.join(dir, "deployment.json"), JSON.stringify({ registry: t.registry, checkpointLog: t.checkpointLog }));
    writeFileSync(path.join(dir, "body.json"), JSON.stringify({ minutes: 50 }));
    const chainArgs = ["--url", proxy.url, "--rpc", t.rpcUrl, "--deployment", path.join(dir, "deployment.json")];
    cli = {
      chain: chainArgs,
      counselor: ["record", "write", ...chainArgs, "--passphrase-file", pass, "--key", path.join(dir, "counselor.json"), "--subject", rel.address, "--consent", consentId, "--kind", "consultation_note", "--body", path.join(dir, "body.json"), "--json"],
      resident: ["assess", "take", ...chainArgs, "--passphrase-file", pass, "--instrument", "phq9", "--answers", "0,0,1,0,0,0,0,0,0", "--seed", path.join(dir, "seed.json"), "--counselor", counselor.address, "--json"],
      body: path.join(dir, "body.json"),
    };
  });
  after(async () => {
    chain?.destroy();
    await proxy?.close();
    await srv?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    proxy.tamper = undefined;
  });

  it("control: through a faithful proxy the CLI and the client library verify and seal", async () => {
    expect(toBase64(await residentKey(cViaProxy, chain, rel.address))).to.equal(toBase64(rel.x25519.publicKey));
    const w = await anxin(cli.counselor);
    expect(w.code, w.stderr).to.equal(0);
    const a = await anxin(cli.resident);
    expect(a.code, a.stderr).to.equal(0);
    const c = await anxin(["audit", "checkpoint", ...cli.chain, "--json"]);
    expect(c.code, c.stderr).to.equal(0);
    expect(JSON.parse(c.stdout).ok).to.equal(true);
    expect(proxy.rewritten).to.deep.equal([]);
    const r = await audit(srv);
    expect(r.checks.find((x) => x.id === "keys")!.ok, JSON.stringify(r.checks)).to.equal(true);
  });

  it("(b) a swapped resident key: refused by signature (CLI and library, every variant); a careless client's entry is flagged by the audit", async () => {
    const residentPath = `/v1/vault/recipients/${rel.address}`;
    const swap = (body: any) => ({ ...body, x25519PublicKey: toBase64(attacker.publicKey), publication: { ...body.publication, x25519PublicKey: x25519ToBytes32(attacker.publicKey) } });
    proxy.tamper = (p, body) => (p === residentPath ? swap(body) : undefined);
    expect(await refusal(residentKey(cViaProxy, chain, rel.address))).to.equal("bad_key_signature");
    const w = await anxin(cli.counselor);
    expect(w.code).to.not.equal(0);
    expect(w.stderr).to.match(/refusing to seal: .*\(bad_key_signature\)/);

    // Stripped of its signature (as a key published before signatures looks): unsigned_recipient_key.
    proxy.tamper = (p, body) => (p === residentPath ? { ...body, x25519PublicKey: toBase64(attacker.publicKey), publication: null } : undefined);
    expect(await refusal(residentKey(cViaProxy, chain, rel.address))).to.equal("unsigned_recipient_key");
    // Signed, but by the attacker's own address: key_owner_mismatch; claiming the resident as owner: bad_key_signature.
    const mallory = Wallet.createRandom();
    const own = await signKeyPublication(mallory, { owner: mallory.address, x25519PublicKey: x25519ToBytes32(attacker.publicKey), version: 1, issuedAt: Math.floor(Date.now() / 1000) });
    proxy.tamper = (p, body) => (p === residentPath ? { ...body, x25519PublicKey: toBase64(attacker.publicKey), publication: { ...body.publication, ...own } } : undefined);
    expect(await refusal(residentKey(cViaProxy, chain, rel.address))).to.equal("key_owner_mismatch");
    proxy.tamper = (p, body) => (p === residentPath ? { ...body, x25519PublicKey: toBase64(attacker.publicKey), publication: { ...body.publication, ...own, owner: rel.address } } : undefined);
    expect(await refusal(residentKey(cViaProxy, chain, rel.address))).to.equal("bad_key_signature");

    // A careless client seals to whatever the server says: the server accepts it, the audit names the entry.
    proxy.tamper = (p, body) => (p === residentPath ? swap(body) : undefined);
    const served = await cViaProxy.get<{ x25519PublicKey: string }>(residentPath);
    const ck = await counselorKeys(counselor.privateKey);
    const envelope = await sealJson({
      kind: "consultation_note", schema: "anxin.note.v1", subjectRef: rel.address, consentId, body: { minutes: 5 },
      recipients: [{ address: ck.address, x25519PublicKey: ck.x25519.publicKey }, { address: rel.address, x25519PublicKey: fromBase64(served.x25519PublicKey, 32) }],
      signer: walletSigner(counselor),
    });
    const stored = await cViaProxy.post<{ recordId: string }>("/v1/records", envelope);
    const r = await audit(srv);
    const keysCheck = r.checks.find((x) => x.id === "keys")!;
    expect(keysCheck.ok).to.equal(false);
    expect(keysCheck.failures.map((f) => f.code)).to.deep.equal(["key-not-published"]);
    expect(keysCheck.failures[0].detail).to.include(stored.recordId).and.include(rel.address);
    expect(proxy.rewritten.length).to.be.greaterThan(0);
    await removeRecord(stored.recordId);
  });

  it("(a) a swapped counselor key: the registry on chain disagrees (CLI and library); a careless client's entry is flagged by the audit", async () => {
    const counselorPath = `/v1/vault/recipients/${counselor.address.toLowerCase()}`;
    proxy.tamper = (p, body) => (p === counselorPath ? { ...body, x25519PublicKey: toBase64(attacker.publicKey) } : undefined);
    const served = await rViaProxy.get<{ x25519PublicKey: string }>(counselorPath);
    expect(served.x25519PublicKey).to.equal(toBase64(attacker.publicKey));
    expect(await refusal(counselorKey(chain, counselor.address, served.x25519PublicKey))).to.equal("counselor_key_mismatch");
    const a = await anxin(cli.resident);
    expect(a.code).to.not.equal(0);
    expect(a.stderr).to.match(/refusing to seal: .*\(counselor_key_mismatch\)/);

    // The resident's careless client seals the assessment to the server's key anyway: the audit names the entry.
    const envelope = await sealJson({
      kind: "assessment", schema: "anxin.assessment.phq9.v1", subjectRef: rel.address, body: { total: 1 },
      recipients: [{ address: rel.address, x25519PublicKey: rel.x25519.publicKey }, { address: counselor.address, x25519PublicKey: fromBase64(served.x25519PublicKey, 32) }],
      signer: walletSigner(rel.wallet),
    });
    const stored = await rViaProxy.post<{ recordId: string }>("/v1/records", envelope);
    const keysCheck = (await audit(srv)).checks.find((x) => x.id === "keys")!;
    expect(keysCheck.failures.map((f) => f.code)).to.deep.equal(["key-not-published"]);
    expect(keysCheck.failures[0].detail).to.include(stored.recordId).and.include(counselor.address.toLowerCase());
    await removeRecord(stored.recordId);
  });

  it("(d) an old or a forked checkpoint: stale_checkpoint / forked_checkpoint from the CLI, the library and anxin audit checkpoint", async () => {
    const old = (await srv.api().get<{ local: { size: number; root: string } }>("/v1/log/checkpoint")).local;
    // More of the log, anchored on chain: the old checkpoint is now behind the chain's.
    expect((await anxin(cli.counselor)).code).to.equal(0);
    await anchorerFor(srv.ctx).anchorNow();
    const anchored = await chain.anchored();
    expect(anchored.size).to.be.greaterThan(old.size);

    proxy.tamper = (p, body) => (p === "/v1/log/checkpoint" ? { ...body, local: old } : undefined);
    expect(await refusal(residentKey(cViaProxy, chain, rel.address))).to.equal("stale_checkpoint");
    const w = await anxin(cli.counselor);
    expect(w.code).to.not.equal(0);
    expect(w.stderr).to.match(/\(stale_checkpoint\)/);
    const c = await anxin(["audit", "checkpoint", ...cli.chain]);
    expect(c.code).to.not.equal(0);
    expect(c.stderr).to.match(/checkpoint REFUSED: .*\(stale_checkpoint\)/);

    // A fork: a log of the same or greater size whose root does not extend the anchored one.
    proxy.tamper = (p, body) => (p === "/v1/log/checkpoint" ? { ...body, local: { size: body.local.size, root: "ab".repeat(32) } } : undefined);
    expect(await refusal(residentKey(cViaProxy, chain, rel.address))).to.equal("forked_checkpoint");
    const w2 = await anxin(cli.counselor);
    expect(w2.stderr).to.match(/\(forked_checkpoint\)/);
    const c2 = await anxin(["audit", "checkpoint", ...cli.chain]);
    expect(c2.code).to.not.equal(0);
    expect(c2.stderr).to.match(/checkpoint REFUSED: .*\(forked_checkpoint\)/);
  });

  /** Takes a careless write out of the store again (rows only; its leaves stay) so each case's finding is its own. */
  async function removeRecord(recordId: string) {
    await srv.ctx.db.query("DELETE FROM record_keys WHERE content_hash IN (SELECT content_hash FROM records WHERE record_id = $1)", [recordId]);
    const after = await audit(srv);
    expect(after.checks.find((x) => x.id === "keys")!.ok).to.equal(true);
  }
});
