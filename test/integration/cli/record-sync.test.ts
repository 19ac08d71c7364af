// `anxin record write --outbox` and `anxin record sync`: a signed version is on disk before the server is asked,
// survives the server going away, and leaves the outbox only once stored; refused versions are kept with the
// server's reason; a repeated sync stores nothing twice.
import { expect } from "chai";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { encryptSeed, generateSeed, relationshipKeys, sealJson, walletSigner, type RelationshipKeys } from "../../../src/crypto/index.js";
import { enqueue, pending } from "../../../src/cli/outbox.js";
import { storeOrQueue } from "../../../src/cli/commands/record-sync.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { anxin } from "../../helpers/cli.js";

describe("anxin record sync: the outbox of offline-written versions", function () {
  this.timeout(300_000);
  let srv: TestServer;
  let dir: string;
  let pass: string;
  let seedFile: string;
  let me: RelationshipKeys;
  const entry = (n: number, who = me) =>
    sealJson({ kind: "assessment", schema: "anxin.assessment.phq9.v1", subjectRef: who.address, consentId: null, body: { score: n } as never,
      recipients: [{ address: who.address, x25519PublicKey: who.x25519.publicKey }], signer: walletSigner(who.wallet) });

  before(async () => {
    srv = await startTestServer();
    dir = mkdtempSync(path.join(tmpdir(), "anxin-sync-"));
    pass = path.join(dir, "pass");
    writeFileSync(pass, "a long enough passphrase\n");
    const seed = await generateSeed();
    seedFile = path.join(dir, "seed.json");
    writeFileSync(seedFile, JSON.stringify(await encryptSeed(seed, "a long enough passphrase", { scryptN: 1024 })));
    me = await relationshipKeys(seed, "vault");
  });
  after(async () => srv?.stop());

  it("sends 300 queued versions in batches, keeps the refused one with its reason, and a second sync stores nothing twice", async () => {
    const outbox = path.join(dir, "outbox");
    const stranger = await relationshipKeys(await generateSeed(), "vault");
    const envs = await Promise.all(Array.from({ length: 300 }, (_, i) => entry(i)));
    for (const e of envs) enqueue(outbox, e);
    enqueue(outbox, await entry(1, stranger)); // signed by someone else: the server refuses it
    const common = ["--url", srv.url, "--seed", seedFile, "--passphrase-file", pass, "--outbox", outbox, "--json"];
    const first = await anxin(["record", "sync", ...common]);
    expect(first.code, first.stderr).to.equal(1); // one refused: the writer must look
    expect(JSON.parse(first.stdout)).to.deep.equal({ queued: 301, stored: 300, alreadyStored: 0, refused: 1, retryLater: 0 });
    expect(pending(outbox).queued).to.have.length(0);
    const refused = readdirSync(path.join(outbox, "refused"));
    expect(refused.filter((f) => f.endsWith(".problem.json"))).to.have.length(1);
    const why = JSON.parse(readFileSync(path.join(outbox, "refused", refused.find((f) => f.endsWith(".problem.json"))!), "utf8"));
    expect(why.status).to.equal(403);
    const list = await (await srv.api().login(me.wallet)).get<{ records: Array<{ contentHash: string }> }>(`/v1/records?subject=${me.address}&limit=1000`);
    expect(list.records).to.have.length(300);

    const empty = await anxin(["record", "sync", ...common]);
    expect(empty.code, empty.stderr).to.equal(0);
    expect(JSON.parse(empty.stdout).queued).to.equal(0);
    // The same versions queued again (a copy of the outbox restored from a backup): answered as stored, not duplicated.
    for (const e of envs.slice(0, 5)) enqueue(outbox, e);
    const again = JSON.parse((await anxin(["record", "sync", ...common])).stdout);
    expect(again).to.include({ stored: 0, alreadyStored: 5, refused: 0 });
  });

  it("a version whose server went away stays on disk and is stored by the next sync", async () => {
    const outbox = path.join(dir, "outbox-2");
    const gone = await startTestServer();
    const api = await gone.api().login(me.wallet);
    await gone.stop(); // after sign-in, before the store: the connection is refused
    const env = await entry(42);
    expect(await storeOrQueue(api, env, outbox)).to.equal(null);
    const left = pending(outbox).queued;
    expect(left.map((q) => q.envelope.id)).to.deep.equal([env.id]);
    expect(existsSync(left[0].file)).to.equal(true);
    const r = await anxin(["record", "sync", "--url", srv.url, "--seed", seedFile, "--passphrase-file", pass, "--outbox", outbox, "--json"]);
    expect(r.code, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout)).to.include({ stored: 1, refused: 0 });
    expect(pending(outbox).queued).to.have.length(0);
  });

  it("answers --help and refuses a missing --outbox with a clear message", async () => {
    const h = await anxin(["record", "sync", "--help"]);
    expect(h.code).to.equal(0);
    expect(h.stdout).to.match(/--outbox <dir>/);
    const bad = await anxin(["record", "sync", "--url", srv.url]);
    expect(bad.code).to.not.equal(0);
    expect(bad.stderr).to.match(/--outbox/);
  });
});
