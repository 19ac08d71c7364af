import { expect } from "chai";
import { Wallet, computeAddress } from "ethers";
import { createHmac } from "node:crypto";
import {
  InvalidKeyInput,
  counselorKeys,
  fromHex0x,
  generateSeed,
  ready,
  relationshipKeys,
  vaultKeys,
  x25519PublicKeyFromBytes32,
  x25519PublicKeyToBytes32,
} from "../../../src/crypto/index.js";

// Independent HKDF-SHA256 (RFC 5869) on node:crypto HMAC, to check the derivation documented in crypto.md §3.
function hkdf32(ikm: Uint8Array, salt: string, info: string): Buffer {
  const prk = createHmac("sha256", salt).update(ikm).digest();
  return createHmac("sha256", prk).update(Buffer.concat([Buffer.from(info, "utf8"), Buffer.from([1])])).digest();
}

describe("key derivation (format 6)", () => {
  const a = "0x" + "a1".repeat(20);
  const b = "0x" + "b2".repeat(20);

  it("gives deterministic, distinct, unlinkable addresses per counterparty", async () => {
    const seed = await generateSeed();
    const ka1 = await relationshipKeys(seed, a);
    const ka2 = await relationshipKeys(seed, a.toUpperCase().replace("0X", "0x"));
    const kb = await relationshipKeys(seed, b);
    expect(ka1.address).to.equal(ka2.address);
    expect(ka1.privateKey).to.equal(ka2.privateKey);
    expect(Buffer.from(ka1.x25519.publicKey).equals(Buffer.from(ka2.x25519.publicKey))).to.equal(true);
    expect(kb.address).to.not.equal(ka1.address);
    expect(Buffer.from(kb.x25519.publicKey).equals(Buffer.from(ka1.x25519.publicKey))).to.equal(false);
    expect(ka1.address).to.match(/^0x[0-9a-f]{40}$/);
    expect(ka1.wallet.address.toLowerCase()).to.equal(ka1.address);
    const other = await relationshipKeys(await generateSeed(), a);
    expect(other.address).to.not.equal(ka1.address);
  });

  it("matches the documented HKDF derivation (salt anxin.rel.v1, info sign|… / x25519|…)", async () => {
    const sodium = await ready();
    const seed = Uint8Array.from({ length: 32 }, (_, i) => i);
    const k = await relationshipKeys(seed, a);
    const sk = hkdf32(seed, "anxin.rel.v1", `sign|${a}`);
    expect(k.privateKey).to.equal("0x" + sk.toString("hex"));
    expect(k.address).to.equal(computeAddress("0x" + sk.toString("hex")).toLowerCase());
    const xs = hkdf32(seed, "anxin.rel.v1", `x25519|${a}`);
    const kp = sodium.crypto_box_seed_keypair(xs);
    expect(Buffer.from(k.x25519.publicKey).equals(Buffer.from(kp.publicKey))).to.equal(true);
    expect(Buffer.from(sodium.crypto_scalarmult_base(k.x25519.privateKey)).equals(Buffer.from(k.x25519.publicKey))).to.equal(true);
  });

  it("pins a fixed vector so the derivation cannot drift silently", async () => {
    const seed = new Uint8Array(32).fill(7);
    const k = await relationshipKeys(seed, "0x" + "00".repeat(19) + "01");
    const again = await relationshipKeys(new Uint8Array(32).fill(7), "0x0000000000000000000000000000000000000001");
    expect(again.address).to.equal(k.address);
    expect(k.privateKey).to.equal("0x" + hkdf32(seed, "anxin.rel.v1", "sign|0x0000000000000000000000000000000000000001").toString("hex"));
  });

  it("vault keys are the relationship with the fixed counterparty \"vault\"", async () => {
    const seed = await generateSeed();
    const v = await vaultKeys(seed);
    expect(v.counterparty).to.equal("vault");
    expect(v.privateKey).to.equal("0x" + hkdf32(seed, "anxin.rel.v1", "sign|vault").toString("hex"));
    expect(v.address).to.not.equal((await relationshipKeys(seed, a)).address);
  });

  it("accepts only a random 32-byte seed and an address or \"vault\" (no real-world identifiers)", async () => {
    const seed = await generateSeed();
    for (const cp of ["13800138000", "张三", "110101199003071234", "", "0x1234", "Vault"]) {
      await expectReject(relationshipKeys(seed, cp), InvalidKeyInput);
    }
    await expectReject(relationshipKeys(new Uint8Array(16), a), InvalidKeyInput);
  });

  it("counselor X25519 key comes from the wallet key via info x25519|self, as bytes32 for the registry", async () => {
    const sodium = await ready();
    const w = Wallet.createRandom();
    const c1 = await counselorKeys(w);
    const c2 = await counselorKeys(w.privateKey);
    expect(c1.encryptionKey).to.equal(c2.encryptionKey).and.to.match(/^0x[0-9a-f]{64}$/);
    expect(c1.address).to.equal(w.address.toLowerCase());
    const xs = hkdf32(fromHex0x(w.privateKey), "anxin.rel.v1", "x25519|self");
    expect("0x" + Buffer.from(sodium.crypto_box_seed_keypair(xs).publicKey).toString("hex")).to.equal(c1.encryptionKey);
    expect(x25519PublicKeyToBytes32(x25519PublicKeyFromBytes32(c1.encryptionKey.toUpperCase().replace("0X", "0x")))).to.equal(c1.encryptionKey);
    expect(() => x25519PublicKeyFromBytes32("0x" + "00".repeat(32))).to.throw(InvalidKeyInput, /unset/);
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
