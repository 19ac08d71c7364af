import { expect } from "chai";
import { createHash } from "node:crypto";
import { EMPTY_ROOT, fromHex, isHash32Hex, leafHash, nodeHash, toHex } from "../../../src/log/index.js";
import { InvalidEncoding } from "../../../src/crypto/errors.js";

const sha = (...parts: Uint8Array[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return toHex(h.digest());
};

describe("log hashing", () => {
  it("empty root is SHA-256 of the empty string", () => {
    expect(toHex(EMPTY_ROOT)).to.equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("leaf hash prefixes 0x00 (RFC 6962 value for the empty leaf)", () => {
    expect(toHex(leafHash(new Uint8Array(0)))).to.equal(
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    );
    const big = new Uint8Array(5000).map((_, i) => i);
    expect(toHex(leafHash(big))).to.equal(sha(new Uint8Array([0]), big));
    // and again after the scratch buffer grew
    expect(toHex(leafHash(new Uint8Array([1, 2])))).to.equal(sha(new Uint8Array([0, 1, 2])));
  });

  it("node hash prefixes 0x01 and keeps child order", () => {
    const a = leafHash(new Uint8Array([1]));
    const b = leafHash(new Uint8Array([2]));
    expect(toHex(nodeHash(a, b))).to.equal(sha(new Uint8Array([1]), a, b));
    expect(nodeHash(a, b)).to.not.deep.equal(nodeHash(b, a));
    expect(() => nodeHash(a, b.subarray(1))).to.throw(RangeError);
  });

  it("returns plain Uint8Arrays that do not alias each other", () => {
    const x = leafHash(new Uint8Array([9]));
    const y = leafHash(new Uint8Array([9]));
    expect(Object.getPrototypeOf(x)).to.equal(Uint8Array.prototype);
    x[0] ^= 1;
    expect(x).to.not.deep.equal(y);
  });

  it("hex helpers round-trip and reject malformed input", () => {
    const h = leafHash(new Uint8Array([3]));
    expect(fromHex(toHex(h))).to.deep.equal(h);
    expect(fromHex("0x" + toHex(h).toUpperCase())).to.deep.equal(h);
    // One hex codec (the crypto core's): malformed hex is InvalidEncoding everywhere.
    expect(() => fromHex("abc")).to.throw(InvalidEncoding);
    expect(() => fromHex("zz")).to.throw(InvalidEncoding);
    expect(isHash32Hex(toHex(h))).to.equal(true);
    expect(isHash32Hex(toHex(h).toUpperCase())).to.equal(false);
    expect(isHash32Hex("0x" + toHex(h))).to.equal(false);
  });
});
