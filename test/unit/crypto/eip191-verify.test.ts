import { expect } from "chai";
import fc from "fast-check";
import { Signature, SigningKey, Wallet, getBytes, hashMessage, verifyMessage } from "ethers";
import { eip191Digest32, precomputePublicKey, verifyEip191 } from "../../../src/crypto/eip191-verify.js";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const hex32 = (n: bigint) => n.toString(16).padStart(64, "0");

/** The reference: what ethers accepts, restricted to the canonical form the envelope format admits (v 27/28, low s). */
function reference(hash: Uint8Array, sig: string, address: string): boolean {
  const b = getBytes(sig);
  const s = BigInt("0x" + Buffer.from(b.subarray(32, 64)).toString("hex"));
  if ((b[64] !== 27 && b[64] !== 28) || s === 0n || s > N >> 1n) return false;
  try {
    return verifyMessage(hash, sig) === address;
  } catch {
    return false;
  }
}

describe("crypto: fast EIP-191 signature check against a precomputed public key", function () {
  this.timeout(120_000);
  const wallets = Array.from({ length: 3 }, () => Wallet.createRandom());
  const tables = wallets.map((w) => precomputePublicKey(getBytes(w.signingKey.publicKey)));

  it("computes the same EIP-191 digest as ethers.hashMessage", () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (h) => eip191Digest32(h).every((b, i) => b === getBytes(hashMessage(h))[i])), { numRuns: 50 });
  });

  it("accepts every genuine signature and agrees with ethers.verifyMessage on other keys", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat({ max: 2 }), fc.nat({ max: 2 }), (hash, signer, checker) => {
        const sig = wallets[signer].signingKey.sign(hashMessage(hash)).serialized;
        const ok = verifyEip191(tables[checker], hash, sig);
        expect(ok).to.equal(signer === checker);
        expect(ok).to.equal(reference(hash, sig, wallets[checker].address));
      }),
      { numRuns: 60 },
    );
  });

  it("agrees with ethers on tampered signatures, hashes and v", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.nat({ max: 64 }),
        fc.nat({ max: 7 }),
        (hash, byteIndex, bit) => {
          const sig = getBytes(wallets[0].signingKey.sign(hashMessage(hash)).serialized);
          const bad = new Uint8Array(sig);
          bad[byteIndex] ^= 1 << bit;
          const badHex = "0x" + Buffer.from(bad).toString("hex");
          expect(verifyEip191(tables[0], hash, badHex)).to.equal(reference(hash, badHex, wallets[0].address));
          const otherHash = new Uint8Array(hash);
          otherHash[byteIndex % 32] ^= 1 << bit;
          const good = "0x" + Buffer.from(sig).toString("hex");
          expect(verifyEip191(tables[0], otherHash, good)).to.equal(false);
        },
      ),
      { numRuns: 80 },
    );
  });

  it("refuses high-s, r or s out of range, wrong v and malformed hex, like the envelope rules", () => {
    const hash = new Uint8Array(32).fill(7);
    const sig = Signature.from(wallets[1].signingKey.sign(hashMessage(hash)));
    const key = tables[1];
    expect(verifyEip191(key, hash, sig.serialized)).to.equal(true);
    // The same signature with s → n − s (and v flipped) recovers the same key in ethers but is not canonical.
    const highS = "0x" + sig.r.slice(2) + hex32(N - BigInt(sig.s)) + (sig.v === 27 ? "1c" : "1b");
    expect(verifyEip191(key, hash, highS)).to.equal(false);
    expect(verifyEip191(key, hash, "0x" + hex32(0n) + sig.s.slice(2) + sig.v.toString(16))).to.equal(false);
    expect(verifyEip191(key, hash, "0x" + hex32(N) + sig.s.slice(2) + sig.v.toString(16))).to.equal(false);
    expect(verifyEip191(key, hash, "0x" + sig.r.slice(2) + hex32(0n) + sig.v.toString(16))).to.equal(false);
    expect(verifyEip191(key, hash, sig.serialized.slice(0, -2) + "00")).to.equal(false);
    expect(verifyEip191(key, hash, sig.serialized.slice(0, -2) + "01")).to.equal(false);
    expect(verifyEip191(key, hash, sig.serialized.slice(0, -2))).to.equal(false);
    expect(verifyEip191(key, hash, sig.serialized.slice(2))).to.equal(false);
    expect(verifyEip191(key, hash, sig.serialized.slice(0, -1) + "z")).to.equal(false);
  });

  it("builds tables only for points on the curve", () => {
    const pub = getBytes(new SigningKey("0x" + "01".repeat(32)).publicKey);
    expect(() => precomputePublicKey(pub)).not.to.throw();
    const off = new Uint8Array(pub);
    off[64] ^= 1;
    expect(() => precomputePublicKey(off)).to.throw(/not a point/);
    expect(() => precomputePublicKey(pub.subarray(1))).to.throw(/65-byte/);
  });
});
