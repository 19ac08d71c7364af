import { expect } from "chai";
import { Wallet, encryptKeystoreJson } from "ethers";
import { scrypt } from "@noble/hashes/scrypt.js";
import { ready } from "../../../src/crypto/sodium.js";
import { toBase64 } from "../../../src/crypto/encoding.js";
import {
  InvalidEncoding,
  InvalidKeyInput,
  WrongPassphrase,
  decryptSeed,
  decryptWalletJson,
  encryptSeed,
  encryptWalletJson,
  generateSeed,
  isLegacySeedStore,
  passphraseFromFileText,
  type SeedStore,
} from "../../../src/crypto/index.js";

describe("seed store anxin.seedstore.v1", () => {
  it("round-trips with the default scrypt cost (N = 2^15) and JSON text", async () => {
    const seed = await generateSeed();
    const store = await encryptSeed(seed, "社区 passphrase 1");
    expect(store).to.include({ v: "anxin.seedstore.v1", kdf: "scrypt" });
    expect(store.kdfParams).to.deep.equal({ N: 32768, r: 8, p: 1 });
    expect(Buffer.from(store.ciphertext, "base64")).to.have.length(48);
    const back = await decryptSeed(JSON.stringify(store), "社区 passphrase 1");
    expect(Buffer.from(back).equals(Buffer.from(seed))).to.equal(true);
  });

  it("refuses a wrong passphrase clearly", async () => {
    const store = await encryptSeed(await generateSeed(), "right horse", { scryptN: 1 << 10 });
    await expectReject(decryptSeed(store, "wrong horse"), WrongPassphrase);
  });

  it("treats NFC and NFD spellings of a passphrase as the same", async () => {
    const seed = await generateSeed();
    const store = await encryptSeed(seed, "caf\u00e9", { scryptN: 1 << 10 });
    expect(Buffer.from(await decryptSeed(store, "cafe\u0301")).equals(Buffer.from(seed))).to.equal(true);
  });

  it("refuses an altered store", async () => {
    const store = await encryptSeed(await generateSeed(), "pw", { scryptN: 1 << 10 });
    const ct = Buffer.from(store.ciphertext, "base64");
    ct[3] ^= 1;
    await expectReject(decryptSeed({ ...store, ciphertext: ct.toString("base64") }, "pw"), WrongPassphrase);
    await expectReject(decryptSeed({ ...store, kdfParams: { N: 1 << 11, r: 8, p: 1 } }, "pw"), WrongPassphrase);
    await expectReject(decryptSeed({ ...store, kdfParams: { N: 1 << 30, r: 8, p: 1 } }, "pw"), InvalidKeyInput);
    await expectReject(decryptSeed({ ...store, v: "other" } as unknown as SeedStore, "pw"), InvalidKeyInput);
    await expectReject(decryptSeed({ ...store, salt: "not base64!" }, "pw"), InvalidEncoding);
    await expectReject(decryptSeed("{", "pw"), InvalidKeyInput);
  });

  it("refuses an empty passphrase and a seed of the wrong size", async () => {
    await expectReject(encryptSeed(await generateSeed(), ""), InvalidKeyInput);
    await expectReject(encryptSeed(new Uint8Array(31), "pw"), InvalidKeyInput);
  });
});

describe("wallet JSON keystores", () => {
  it("round-trips through an ethers keystore and refuses a wrong password", async () => {
    const w = Wallet.createRandom();
    const json = await encryptWalletJson(new Wallet(w.privateKey), "s3cret", { scryptN: 1 << 10 });
    expect(JSON.parse(json).Crypto ?? JSON.parse(json).crypto).to.be.an("object");
    const back = await decryptWalletJson(json, "s3cret");
    expect(back.address).to.equal(w.address);
    expect(back.privateKey).to.equal(w.privateKey);
    await expectReject(decryptWalletJson(json, "S3cret"), WrongPassphrase);
    await expectReject(decryptWalletJson("{}", "s3cret"), InvalidKeyInput);
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

describe("key file rules (docs/FORMATS.md §5)", () => {
  it("reads a passphrase file as its first line without the line ending or a BOM, nothing else trimmed", () => {
    expect(passphraseFromFileText("a long passphrase\n")).to.equal("a long passphrase");
    expect(passphraseFromFileText("a long passphrase\r\nsecond line\n")).to.equal("a long passphrase");
    expect(passphraseFromFileText("\uFEFFwith bom")).to.equal("with bom");
    expect(passphraseFromFileText("  spaces kept  \n")).to.equal("  spaces kept  ");
    expect(passphraseFromFileText("no newline")).to.equal("no newline");
    expect(() => passphraseFromFileText("\nsecond")).to.throw(InvalidKeyInput);
    expect(() => passphraseFromFileText("")).to.throw(InvalidKeyInput);
  });

  it("normalises seed-store passphrases with NFKC, like wallet keystores: full-width and half-width open the same file", async () => {
    const seed = await generateSeed();
    const store = await encryptSeed(seed, "社区１２３ＡＢＣ", { scryptN: 1 << 10 });
    expect(store.passphraseNorm).to.equal("NFKC");
    expect(Buffer.from(await decryptSeed(store, "社区123ABC")).equals(Buffer.from(seed))).to.equal(true);
    const w = Wallet.createRandom();
    const json = await encryptWalletJson(new Wallet(w.privateKey), "社区１２３ＡＢＣ", { scryptN: 1 << 10 });
    expect((await decryptWalletJson(json, "社区123ABC")).address).to.equal(w.address);
  });

  it("still opens a legacy seed store (no passphraseNorm: keyed with NFC), and only with its NFC passphrase", async () => {
    // Written the way stores were before the NFKC rule, with libsodium and scrypt directly.
    const sodium = await ready();
    const seed = await generateSeed();
    const salt = sodium.randombytes_buf(16);
    const nonce = sodium.randombytes_buf(24);
    const key = scrypt(new TextEncoder().encode("社区１２３".normalize("NFC")), salt, { N: 1 << 10, r: 8, p: 1, dkLen: 32 });
    const legacy = { v: "anxin.seedstore.v1", kdf: "scrypt", kdfParams: { N: 1 << 10, r: 8, p: 1 }, salt: toBase64(salt), nonce: toBase64(nonce), ciphertext: toBase64(sodium.crypto_secretbox_easy(seed, nonce, key)) } as SeedStore;
    expect(isLegacySeedStore(legacy)).to.equal(true);
    expect(Buffer.from(await decryptSeed(legacy, "社区１２３")).equals(Buffer.from(seed))).to.equal(true);
    await expectReject(decryptSeed(legacy, "社区123"), WrongPassphrase); // NFKC form: not what the legacy file was keyed with
    await expectReject(decryptSeed({ ...legacy, passphraseNorm: "NFD" } as unknown as SeedStore, "社区１２３"), InvalidKeyInput);
    // Rewrapped (what `anxin keys rewrap` does), it follows the rule.
    const now = await encryptSeed(await decryptSeed(legacy, "社区１２３"), "社区１２３", { scryptN: 1 << 10 });
    expect(isLegacySeedStore(now)).to.equal(false);
    expect(Buffer.from(await decryptSeed(now, "社区123")).equals(Buffer.from(seed))).to.equal(true);
  });

  it("writes the keystore's cipher member as `crypto` and reads `crypto` or `Crypto`, exactly one of them", async () => {
    const w = Wallet.createRandom();
    const json = await encryptWalletJson(new Wallet(w.privateKey), "s3cret", { scryptN: 1 << 10 });
    const parsed = JSON.parse(json);
    expect(Object.keys(parsed)).to.include("crypto").and.not.include("Crypto");
    expect(parsed.version).to.equal(3);
    const { crypto, ...rest } = parsed;
    expect((await decryptWalletJson(JSON.stringify({ ...rest, Crypto: crypto }), "s3cret")).address).to.equal(w.address);
    // What ethers itself writes opens too.
    const ethersJson = await encryptKeystoreJson({ address: w.address, privateKey: w.privateKey }, "s3cret", { scrypt: { N: 1 << 10 } });
    expect(JSON.parse(ethersJson)).to.have.property("Crypto");
    expect((await decryptWalletJson(ethersJson, "s3cret")).address).to.equal(w.address);
    await expectReject(decryptWalletJson(JSON.stringify({ ...rest, CRYPTO: crypto }), "s3cret"), InvalidKeyInput);
    await expectReject(decryptWalletJson(JSON.stringify({ ...rest, crypto, Crypto: crypto }), "s3cret"), InvalidKeyInput);
  });
});
