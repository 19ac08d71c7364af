import { expect } from "chai";
import { Wallet } from "ethers";
import {
  InvalidEncoding,
  InvalidKeyInput,
  WrongPassphrase,
  decryptSeed,
  decryptWalletJson,
  encryptSeed,
  encryptWalletJson,
  generateSeed,
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
