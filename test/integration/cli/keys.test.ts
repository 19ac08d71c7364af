// Key files through the real binary: a legacy seed store (NFC) and an ethers-written keystore (`Crypto`) are
// rewrapped into the current format without changing the keys they hold; passphrase files are read by one rule.
import { expect } from "chai";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Wallet, encryptKeystoreJson } from "ethers";
import { scrypt } from "@noble/hashes/scrypt.js";
import { ready } from "../../../src/crypto/sodium.js";
import { toBase64 } from "../../../src/crypto/encoding.js";
import { generateSeed } from "../../../src/crypto/index.js";
import { anxin } from "../../helpers/cli.js";

describe("anxin keys rewrap and passphrase files", function () {
  this.timeout(300_000);
  const dir = mkdtempSync(path.join(tmpdir(), "anxin-keys-"));
  const counterparty = Wallet.createRandom().address;

  it("upgrades a legacy NFC seed store; the resident's addresses stay the same and the NFKC form opens it after", async () => {
    const sodium = await ready();
    const seed = await generateSeed();
    const salt = sodium.randombytes_buf(16);
    const nonce = sodium.randombytes_buf(24);
    const pass = "社区密码１２３４５６"; // full-width digits, as a Chinese IME may type them
    const key = scrypt(new TextEncoder().encode(pass.normalize("NFC")), salt, { N: 1 << 15, r: 8, p: 1, dkLen: 32 });
    const file = path.join(dir, "legacy-seed.json");
    writeFileSync(file, JSON.stringify({ v: "anxin.seedstore.v1", kdf: "scrypt", kdfParams: { N: 1 << 15, r: 8, p: 1 }, salt: toBase64(salt), nonce: toBase64(nonce), ciphertext: toBase64(sodium.crypto_secretbox_easy(seed, nonce, key)) }));
    const passFile = path.join(dir, "pass-crlf");
    writeFileSync(passFile, `${pass}\r\nignored second line\n`);
    const before = await anxin(["keys", "show", "--key", file, "--counterparty", counterparty, "--passphrase-file", passFile, "--json"]);
    expect(before.code, before.stderr).to.equal(0);

    const r = await anxin(["keys", "rewrap", "--key", file, "--passphrase-file", passFile, "--json"]);
    expect(r.code, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout)).to.deep.include({ kind: "seed", upgraded: true });
    expect(JSON.parse(readFileSync(file, "utf8")).passphraseNorm).to.equal("NFKC");
    const halfWidth = path.join(dir, "pass-half");
    writeFileSync(halfWidth, "社区密码123456\n");
    const after = await anxin(["keys", "show", "--key", file, "--counterparty", counterparty, "--passphrase-file", halfWidth, "--json"]);
    expect(after.code, after.stderr).to.equal(0);
    expect(JSON.parse(after.stdout).address).to.equal(JSON.parse(before.stdout).address);
  });

  it("rewrites an ethers keystore (`Crypto`) with the `crypto` member, and under a new passphrase", async () => {
    const w = Wallet.createRandom();
    const file = path.join(dir, "staff.json");
    writeFileSync(file, await encryptKeystoreJson({ address: w.address, privateKey: w.privateKey }, "old passphrase!", { scrypt: { N: 1 << 12 } }));
    expect(JSON.parse(readFileSync(file, "utf8"))).to.have.property("Crypto");
    const oldPass = path.join(dir, "old");
    const newPass = path.join(dir, "new");
    writeFileSync(oldPass, "old passphrase!\n");
    writeFileSync(newPass, "a new passphrase\n");
    const r = await anxin(["keys", "rewrap", "--key", file, "--passphrase-file", oldPass, "--new-passphrase-file", newPass, "--json"]);
    expect(r.code, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout)).to.deep.include({ kind: "keystore", upgraded: true });
    const json = JSON.parse(readFileSync(file, "utf8"));
    expect(json).to.have.property("crypto");
    expect(json).to.not.have.property("Crypto");
    const shown = await anxin(["keys", "show", "--key", file, "--passphrase-file", newPass, "--json"]);
    expect(JSON.parse(shown.stdout).address).to.equal(w.address.toLowerCase());
    const refused = await anxin(["keys", "show", "--key", file, "--passphrase-file", oldPass]);
    expect(refused.code).to.not.equal(0);
    expect(refused.stderr).to.match(/wrong passphrase/);
    const empty = path.join(dir, "empty");
    writeFileSync(empty, "\n");
    const e = await anxin(["keys", "rewrap", "--key", file, "--passphrase-file", empty]);
    expect(e.code).to.not.equal(0);
    expect(e.stderr.trim().split("\n")).to.have.length(1);
    expect(e.stderr).to.match(/is empty/);
  });
});
