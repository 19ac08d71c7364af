import { expect } from "chai";
import fc from "fast-check";
import { BASE64_PATTERN, isCanonicalBase64 } from "../../../src/crypto/encoding.js";
import { fromBase64, fromHex, fromHex0x, fromUtf8, InvalidEncoding, toBase64, toHex, toHex0x } from "../../../src/crypto/index.js";

const enc = (s: string) => new TextEncoder().encode(s);

describe("encoding", () => {
  it("base64 matches the RFC 4648 §10 test vectors both ways", () => {
    const vectors: [string, string][] = [
      ["", ""], ["f", "Zg=="], ["fo", "Zm8="], ["foo", "Zm9v"], ["foob", "Zm9vYg=="], ["fooba", "Zm9vYmE="], ["foobar", "Zm9vYmFy"],
    ];
    for (const [plain, b64] of vectors) {
      expect(toBase64(enc(plain))).to.equal(b64);
      expect(new TextDecoder().decode(fromBase64(b64))).to.equal(plain);
    }
  });

  it("base64 agrees with Node's Buffer on random data of every length up to 64", () => {
    for (let n = 0; n <= 64; n++) {
      const bytes = new Uint8Array(n).map(() => Math.floor(Math.random() * 256));
      const b64 = Buffer.from(bytes).toString("base64");
      expect(toBase64(bytes)).to.equal(b64);
      expect(Buffer.from(fromBase64(b64)).equals(Buffer.from(bytes))).to.equal(true);
    }
  });

  it("strict base64 decoding rejects every non-canonical spelling", () => {
    const bad = ["Zg", "Zg=", "Zh==", "Zm9=", "Zm9v\n", " Zm9v", "Zm-_", "Zm9vYg", "Z===", "====", "Zm=v", "Zm9vYmFy=", "Zg==Zg==", "Zé=="];
    for (const s of bad) expect(() => fromBase64(s), JSON.stringify(s)).to.throw(InvalidEncoding);
  });

  it("the fast canonical-base64 check says exactly what BASE64_PATTERN says", () => {
    const bad = ["Zg", "Zg=", "Zh==", "Zm9=", "Zm9v\n", " Zm9v", "Zm-_", "Zm9vYg", "Z===", "====", "Zm=v", "Zm9vYmFy=", "Zg==Zg==", "Zé==", "=", "A==="];
    for (const s of [...bad, "", "Zg==", "Zm8=", "Zm9v", "Zm9vYmFy"]) expect(isCanonicalBase64(s), JSON.stringify(s)).to.equal(BASE64_PATTERN.test(s));
    const chars = fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ é\u0100".split(""));
    fc.assert(fc.property(fc.array(chars, { maxLength: 14 }).map((a) => a.join("")), (s) => {
      expect(isCanonicalBase64(s)).to.equal(BASE64_PATTERN.test(s));
    }), { numRuns: 20_000 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
      expect(isCanonicalBase64(Buffer.from(b).toString("base64"))).to.equal(true);
    }));
  });

  it("base64 decoding can require an exact length", () => {
    expect(fromBase64("Zm9v", 3)).to.have.length(3);
    expect(() => fromBase64("Zm9v", 4)).to.throw(InvalidEncoding, /expected 4 bytes/);
  });

  it("hex round-trips and is strict", () => {
    const bytes = Uint8Array.from([0, 1, 0xab, 0xff]);
    expect(toHex(bytes)).to.equal("0001abff");
    expect(toHex0x(bytes)).to.equal("0x0001abff");
    expect(fromHex("0001ABff")).to.deep.equal(bytes);
    expect(fromHex0x("0x0001abff", 4)).to.deep.equal(bytes);
    for (const s of ["abc", "0x00", "zz", "00 "]) expect(() => fromHex(s)).to.throw(InvalidEncoding);
    expect(() => fromHex0x("0001")).to.throw(InvalidEncoding, /0x/);
    expect(() => fromHex0x("0x0001", 3)).to.throw(InvalidEncoding);
  });

  it("UTF-8 decoding is fatal on malformed bytes", () => {
    expect(fromUtf8(enc("安心"))).to.equal("安心");
    expect(() => fromUtf8(Uint8Array.from([0xc3, 0x28]))).to.throw(InvalidEncoding);
  });
});
