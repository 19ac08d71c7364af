import { expect } from "chai";
import fc from "fast-check";
import { isLowS, isLowSBytes, SECP256K1_HALF_N, SECP256K1_N } from "../../../src/crypto/secp256k1.js";

const bytes32 = (n: bigint) => Uint8Array.from(n.toString(16).padStart(64, "0").match(/../g)!, (h) => parseInt(h, 16));

describe("crypto: the one low-s rule", () => {
  it("accepts exactly 0 < s ≤ n/2, as the ledger's ConsentAssembly.MAX_LOW_S does", () => {
    expect(SECP256K1_HALF_N).to.equal(0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n);
    for (const [s, ok] of [[0n, false], [1n, true], [SECP256K1_HALF_N, true], [SECP256K1_HALF_N + 1n, false], [SECP256K1_N - 1n, false]] as const) {
      expect(isLowS(s), String(s)).to.equal(ok);
      expect(isLowSBytes(bytes32(s), 0), String(s)).to.equal(ok);
    }
  });

  it("the byte form agrees with the BigInt form on any s, at the offset of r‖s‖v", () => {
    const near = fc.bigInt({ min: SECP256K1_HALF_N - 300n, max: SECP256K1_HALF_N + 300n });
    fc.assert(
      fc.property(fc.oneof(fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }), near), fc.uint8Array({ minLength: 32, maxLength: 32 }), (s, r) => {
        const sig = new Uint8Array(65);
        sig.set(r);
        sig.set(bytes32(s), 32);
        sig[64] = 27;
        return isLowSBytes(sig) === isLowS(s);
      }),
      { numRuns: 2000 },
    );
  });
});
