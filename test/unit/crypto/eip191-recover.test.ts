import { expect } from "chai";
import fc from "fast-check";
import { Signature, Wallet, getBytes, hashMessage, verifyMessage } from "ethers";
import { nativeRecovery, recoverEip191Signer } from "../../../src/native/secp256k1.js";
import { SignatureVerifier } from "../../../src/services/records/signature.js";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const hex32 = (n: bigint) => n.toString(16).padStart(64, "0");

/** What ethers recovers, restricted to the form envelopes admit (v 27/28, low s); null when refused. */
function reference(hash: Uint8Array, sig: string): string | null {
  const b = getBytes(sig);
  const s = BigInt("0x" + Buffer.from(b.subarray(32, 64)).toString("hex"));
  if ((b[64] !== 27 && b[64] !== 28) || s === 0n || s > N >> 1n) return null;
  try {
    return verifyMessage(hash, sig).toLowerCase();
  } catch {
    return null;
  }
}

describe("crypto: EIP-191 signer recovery with libsecp256k1", function () {
  this.timeout(120_000);
  const wallets = Array.from({ length: 3 }, () => Wallet.createRandom());

  it("loads the native binding on linux-x64 (otherwise record writes fall back to a check ~7× slower)", function () {
    if (process.platform !== "linux" || process.arch !== "x64") this.skip();
    expect(nativeRecovery).to.equal(true);
  });

  it("recovers exactly the signer ethers recovers, for genuine and bit-flipped signatures", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat({ max: 2 }), fc.nat({ max: 65 * 8 }), (hash, who, flip) => {
        const sig = getBytes(wallets[who].signingKey.sign(hashMessage(hash)).serialized);
        expect(recoverEip191Signer(hash, sig)).to.equal(wallets[who].address.toLowerCase());
        const bad = new Uint8Array(sig);
        if (flip < 65 * 8) bad[flip >> 3] ^= 1 << (flip & 7);
        const badHex = "0x" + Buffer.from(bad).toString("hex");
        expect(recoverEip191Signer(hash, bad)).to.equal(reference(hash, badHex));
      }),
      { numRuns: 150 },
    );
  });

  it("refuses the high-s twin, r or s of 0 or n, v other than 27/28 and wrong lengths", () => {
    const hash = new Uint8Array(32).fill(9);
    const sig = Signature.from(wallets[0].signingKey.sign(hashMessage(hash)));
    const bytes = (h: string) => getBytes(h);
    expect(recoverEip191Signer(hash, bytes(sig.serialized))).to.equal(wallets[0].address.toLowerCase());
    const highS = "0x" + sig.r.slice(2) + hex32(N - BigInt(sig.s)) + (sig.v === 27 ? "1c" : "1b");
    expect(recoverEip191Signer(hash, bytes(highS))).to.equal(null);
    for (const [r, s] of [[hex32(0n), sig.s.slice(2)], [hex32(N), sig.s.slice(2)], [sig.r.slice(2), hex32(0n)]]) {
      expect(recoverEip191Signer(hash, bytes("0x" + r + s + sig.v.toString(16)))).to.equal(null);
    }
    for (const v of ["00", "01", "1d", "ff"]) expect(recoverEip191Signer(hash, bytes(sig.serialized.slice(0, -2) + v))).to.equal(null);
    expect(recoverEip191Signer(hash, bytes(sig.serialized).subarray(0, 64))).to.equal(null);
    expect(recoverEip191Signer(hash.subarray(0, 31), bytes(sig.serialized))).to.equal(null);
  });

  it("gives the same verdicts through SignatureVerifier with and without the native binding", () => {
    const native = new SignatureVerifier(10, true);
    const tables = new SignatureVerifier(10, false);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat({ max: 2 }), fc.nat({ max: 2 }), fc.boolean(), (hash, signer, author, tamper) => {
        let sig = wallets[signer].signingKey.sign(hashMessage(hash)).serialized;
        if (tamper) sig = sig.slice(0, 10) + (sig[10] === "0" ? "1" : "0") + sig.slice(11);
        const who = wallets[author].address.toLowerCase();
        const expected = reference(hash, sig) === who;
        expect(native.verify(hash, sig, who)).to.equal(expected);
        expect(tables.verify(hash, sig, who)).to.equal(expected);
      }),
      { numRuns: 60 },
    );
    expect(native.verify(new Uint8Array(32), "0x12", wallets[0].address.toLowerCase())).to.equal(false);
  });
});

describe("record writes: one canonical serialisation for the stored envelope and the content hash", function () {
  this.timeout(60_000);
  it("SignatureVerifier.checkParsed gives contentHash() and canonicalJson(envelope without keys), for any envelope", async () => {
    const { Wallet } = await import("ethers");
    const { canonicalJson, contentHashHex, counselorKeys, sealJson, walletSigner } = await import("../../../src/crypto/index.js");
    const w = Wallet.createRandom();
    const ck = await counselorKeys(w.privateKey);
    const verifier = new SignatureVerifier();
    const texts = ['"sig":"0x', ',"sig":"', '\\"', "朝阳区 \u2028", "x".repeat(3000)];
    for (let i = 0; i < 12; i++) {
      const env = await sealJson({
        kind: i % 2 ? "consultation_note" : "assessment",
        schema: "anxin.note.v1",
        subjectRef: "0x" + String(i).padStart(40, "a"),
        consentId: i % 3 ? "0x" + "1".repeat(64) : null,
        body: { n: i, text: texts[i % texts.length] },
        recipients: [{ address: ck.address, x25519PublicKey: ck.x25519.publicKey }],
        signer: walletSigner(w),
      });
      const r = verifier.checkParsed(env);
      expect(r.ok).to.equal(true);
      const { keys: _k, ...withoutKeys } = env;
      expect(r.ok && r.contentHash).to.equal(contentHashHex(env));
      expect(r.stored).to.equal(canonicalJson(withoutKeys));
      expect(verifier.checkParsed({ ...env, ciphertext: env.ciphertext.slice(4) + "AAAA" }).ok).to.equal(false);
    }
  });
});
