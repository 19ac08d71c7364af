import { expect } from "chai";
import canonicalize from "canonicalize";
import fc from "fast-check";
import { canonicalBytes, canonicalJson, NonJsonValue } from "../../../src/crypto/index.js";

function f64(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt("0x" + hex));
  return view.getFloat64(0);
}

describe("canonical JSON (RFC 8785)", () => {
  it("agrees with an independent RFC 8785 implementation (canonicalize) on arbitrary JSON, unicode keys included", () => {
    const json = fc.jsonValue({ maxDepth: 4, stringUnit: "binary" });
    fc.assert(fc.property(json, (v) => {
      expect(canonicalJson(v)).to.equal(canonicalize(v));
    }), { numRuns: 2000 });
    // Doubles at the edges of the shortest-round-trip rules, and -0.
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => {
      expect(canonicalJson({ d })).to.equal(canonicalize({ d }));
    }), { numRuns: 2000 });
  });

  it("reproduces the RFC 8785 §3.2.2 example", () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        '"string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        '"literals": [null, true, false]}',
    );
    expect(canonicalJson(input)).to.equal(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it("sorts keys by UTF-16 code units (RFC 8785 §3.2.3), not by code point", () => {
    const input = {
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis",
    };
    expect(canonicalJson(input)).to.equal(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it("formats IEEE-754 numbers as RFC 8785 Appendix B", () => {
    const vectors: [string, string][] = [
      ["0000000000000000", "0"],
      ["8000000000000000", "0"],
      ["0000000000000001", "5e-324"],
      ["8000000000000001", "-5e-324"],
      ["7fefffffffffffff", "1.7976931348623157e+308"],
      ["4340000000000000", "9007199254740992"],
      ["c340000000000000", "-9007199254740992"],
      ["4430000000000000", "295147905179352830000"],
      ["44b52d02c7e14af6", "1e+23"],
      ["444b1ae4d6e2ef4e", "999999999999999700000"],
      ["444b1ae4d6e2ef4f", "999999999999999900000"],
      ["444b1ae4d6e2ef50", "1e+21"],
      ["44b52d02c7e14af5", "9.999999999999997e+22"],
      ["3eb0c6f7a0b5ed8c", "9.999999999999997e-7"],
      ["41b3de4355555554", "333333333.33333325"],
      ["becbf647612f3696", "-0.0000033333333333333333"],
      ["3eb0c6f7a0b5ed8d", "0.000001"],
      ["41b3de4355555555", "333333333.3333333"],
      ["43143ff3c1cb0959", "1424953923781206.2"],
    ];
    for (const [bits, text] of vectors) expect(canonicalJson(f64(bits)), bits).to.equal(text);
  });

  it("emits UTF-8 bytes with no whitespace", () => {
    expect(Buffer.from(canonicalBytes({ b: [1, { d: "安心" }], a: null })).toString("hex")).to.equal(
      Buffer.from('{"a":null,"b":[1,{"d":"安心"}]}', "utf8").toString("hex"),
    );
  });

  it("refuses values outside the JSON data model instead of dropping them", () => {
    const bad: unknown[] = [
      undefined,
      NaN,
      Infinity,
      10n,
      { a: undefined },
      { a: 1n },
      [1, NaN],
      { f: () => 1 },
      new Date(0),
      { s: Symbol("x") },
      "\ud800",
      { ["\udc00"]: 1 },
      [1, , 3], // sparse
      new Map(),
    ];
    for (const v of bad) expect(() => canonicalJson(v), String(typeof v)).to.throw(NonJsonValue);
  });

  it("names the offending path without echoing values", () => {
    expect(() => canonicalJson({ body: { score: NaN } })).to.throw(NonJsonValue, /\$\.body\.score/);
  });
});
