import { expect } from "chai";
import { Wallet } from "ethers";
import {
  MalformedEnvelope,
  NoKeyForRecipient,
  addKeyEntry,
  contentHashHex,
  counselorKeys,
  generateSeed,
  openIdentity,
  openOwnIdentity,
  relationshipKeys,
  rewrapKey,
  sealIdentity,
  vaultKeys,
  sealJson,
  verifyEnvelope,
  walletSigner,
} from "../../../src/crypto/index.js";

describe("identity vault", () => {
  const identity = { name: "王秀英", idNumber: "110101195001011234", phone: "13800138000" };

  it("seals identity under the vault address; resident and TREATMENT counselors can read it", async () => {
    const seed = await generateSeed();
    const counselor = await counselorKeys(Wallet.createRandom());
    const vault = await vaultKeys(seed);
    const e = await sealIdentity({ seed, identity, counselors: [{ address: counselor.address, x25519PublicKey: counselor.x25519.publicKey }] });
    expect(e).to.include({ kind: "identity", schema: "anxin.identity.v1", author: vault.address, subjectRef: vault.address, consentId: null });
    expect(verifyEnvelope(e).ok).to.equal(true);
    expect(await openOwnIdentity(e, seed)).to.deep.equal(identity);
    expect(await openIdentity(e, counselor.address, counselor.x25519)).to.deep.equal(identity);
    // nothing identifying in clear
    const text = JSON.stringify(e);
    for (const v of Object.values(identity)) expect(text).to.not.include(v);
    // the vault address is not any relationship address the counselor sees
    expect((await relationshipKeys(seed, counselor.address)).address).to.not.equal(vault.address);
  });

  it("writes v1 when the entry fits it (a name), v2 for a display name; a v1 entry without a name is refused on read", async () => {
    const seed = await generateSeed();
    const vault = await vaultKeys(seed);
    const named = await sealIdentity({ seed, identity: { name: "王秀英" } });
    expect(named.schema).to.equal("anxin.identity.v1");
    const called = await sealIdentity({ seed, identity: { displayName: "王阿姨" } });
    expect(called.schema).to.equal("anxin.identity.v2");
    expect(await openOwnIdentity(called, seed)).to.deep.equal({ displayName: "王阿姨" });
    // A display-name-only body under the v1 label breaks v1 (name required): refused, never read as v1.
    const mislabelled = await sealJson({
      kind: "identity", schema: "anxin.identity.v1", subjectRef: vault.address, consentId: null, body: { displayName: "王阿姨" },
      recipients: [{ address: vault.address, x25519PublicKey: vault.x25519.publicKey }], signer: walletSigner(vault.wallet),
    });
    await openOwnIdentity(mislabelled, seed).then(
      () => expect.fail("a v1 entry without a name was read"),
      (e) => expect(String(e)).to.match(/anxin\.identity\.v1/),
    );
  });

  it("a later TREATMENT grant is served by re-wrapping, not re-encrypting", async () => {
    const seed = await generateSeed();
    const vault = await vaultKeys(seed);
    const e = await sealIdentity({ seed, identity: { name: "李明" } });
    const late = await counselorKeys(Wallet.createRandom());
    await expectReject(openIdentity(e, late.address, late.x25519), NoKeyForRecipient);
    const entry = await rewrapKey(e, vault.x25519, vault.address, { address: late.address, x25519PublicKey: late.x25519.publicKey });
    const widened = addKeyEntry(e, entry);
    expect(contentHashHex(widened)).to.equal(contentHashHex(e));
    expect(await openIdentity(widened, late.address, late.x25519)).to.deep.equal({ name: "李明" });
  });

  it("holds a chosen display name alone (what the counsellor calls her), and refuses an entry naming nobody", async () => {
    const seed = await generateSeed();
    const e = await sealIdentity({ seed, identity: { displayName: "王阿姨" } });
    expect(await openOwnIdentity(e, seed)).to.deep.equal({ displayName: "王阿姨" });
    const err = await sealIdentity({ seed, identity: {} as never }).catch((x: unknown) => x);
    expect(err).to.be.instanceOf(Error);
    expect(String((err as Error).message)).to.not.include("王阿姨");
  });

  it("refuses malformed identities without echoing them, and non-identity envelopes", async () => {
    const seed = await generateSeed();
    try {
      await sealIdentity({ seed, identity: { name: "赵六", ssn: "123" } as never });
      expect.fail("should refuse");
    } catch (err) {
      expect(err).to.be.instanceOf(MalformedEnvelope);
      expect((err as Error).message).to.not.include("赵六");
    }
    const e = await sealIdentity({ seed, identity: { name: "赵六" } });
    await expectReject(openOwnIdentity({ ...e, kind: "assessment" }, seed), MalformedEnvelope);
    await expectReject(openOwnIdentity(e, await generateSeed()), MalformedEnvelope);
  });
});

async function expectReject(p: Promise<unknown>, type: new (...args: never[]) => Error) {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(type);
    return;
  }
  expect.fail(`expected ${type.name}`);
}
