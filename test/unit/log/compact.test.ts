// Compact range and one-pass checkpoint roots agree with the reference tree definition.
import { expect } from "chai";
import fc from "fast-check";
import {
  CompactRange,
  EMPTY_ROOT,
  MerkleTree,
  leafHash,
  nodeHash,
  rootOf,
  rootsAt,
  rootsAtAsync,
  toHex,
} from "../../../src/log/index.js";

const MAX = 260;
const leaves = Array.from({ length: MAX }, (_, i) => leafHash(new Uint8Array([i & 255, i >> 8])));

// Independent, deliberately naive MTH straight from RFC 6962 2.1, to check the optimised code against.
function naiveRoot(ls: Uint8Array[]): Uint8Array {
  if (ls.length === 0) return EMPTY_ROOT;
  if (ls.length === 1) return ls[0];
  let k = 1;
  while (k * 2 < ls.length) k *= 2;
  return nodeHash(naiveRoot(ls.slice(0, k)), naiveRoot(ls.slice(k)));
}

describe("compact range", () => {
  it("root after each append equals the RFC 6962 root of the prefix", () => {
    const cr = new CompactRange();
    expect(cr.root()).to.deep.equal(EMPTY_ROOT);
    for (let n = 1; n <= MAX; n++) {
      cr.append(leaves[n - 1]);
      expect(cr.size).to.equal(n);
      const want = naiveRoot(leaves.slice(0, n));
      expect(toHex(cr.root()), `size ${n}`).to.equal(toHex(want));
      expect(toHex(rootOf(leaves, n))).to.equal(toHex(want));
    }
  });

  it("keeps one hash per set bit of the size", () => {
    const cr = new CompactRange();
    for (let n = 1; n <= 70; n++) {
      cr.append(leaves[n - 1]);
      expect(cr.hashes()).to.have.length(n.toString(2).replace(/0/g, "").length);
    }
  });

  it("survives a save / restore and keeps appending to the same roots", () => {
    fc.assert(
      fc.property(fc.nat(MAX - 1), (cut) => {
        const a = new CompactRange();
        for (let i = 0; i < cut; i++) a.append(leaves[i]);
        const state = JSON.parse(JSON.stringify(a));
        const b = CompactRange.fromState(state);
        expect(b.size).to.equal(cut);
        for (let i = cut; i < MAX; i++) b.append(leaves[i]);
        expect(b.root()).to.deep.equal(rootOf(leaves, MAX));
      }),
      { numRuns: 40 },
    );
  });

  it("rejects a corrupt persisted state", () => {
    const cr = new CompactRange();
    for (let i = 0; i < 5; i++) cr.append(leaves[i]);
    const s = cr.toState();
    expect(() => CompactRange.fromState({ size: 7, hashes: s.hashes })).to.throw(RangeError);
    expect(() => CompactRange.fromState({ size: 5, hashes: [s.hashes[0]] })).to.throw(RangeError);
    expect(() => CompactRange.fromState({ size: 5, hashes: [s.hashes[0], s.hashes[1].toUpperCase()] })).to.throw(
      RangeError,
    );
    expect(() => CompactRange.fromState({ size: -1, hashes: [] })).to.throw(RangeError);
  });

  it("rejects leaf hashes that are not 32 bytes", () => {
    expect(() => new CompactRange().append(new Uint8Array(31))).to.throw(RangeError);
    expect(() => new MerkleTree().append(new Uint8Array(33))).to.throw(RangeError);
  });

  it("clones are independent", () => {
    const a = new CompactRange();
    a.append(leaves[0]);
    const b = a.clone();
    b.append(leaves[1]);
    expect(a.size).to.equal(1);
    expect(a.root()).to.deep.equal(leaves[0]);
  });
});

describe("rootsAt", () => {
  const sizesArb = fc.array(fc.nat(MAX), { maxLength: 20 });

  it("equals rootOf at each requested size, in the caller's order", () => {
    fc.assert(
      fc.property(sizesArb, (sizes) => {
        const got = rootsAt(leaves, sizes);
        expect(got.map(toHex)).to.deep.equal(sizes.map((n) => toHex(rootOf(leaves, n))));
      }),
      { numRuns: 60 },
    );
  });

  it("reads only as many leaves as the largest size, from a one-shot iterator", () => {
    let read = 0;
    function* stream() {
      for (const l of leaves) {
        read++;
        yield l;
      }
    }
    const [r] = rootsAt(stream(), [17]);
    expect(r).to.deep.equal(rootOf(leaves, 17));
    expect(read).to.equal(17);
  });

  it("async variant gives the same roots", async () => {
    async function* stream() {
      for (const l of leaves) yield l;
    }
    const sizes = [0, 1, 64, 65, 3, MAX];
    expect(await rootsAtAsync(stream(), sizes)).to.deep.equal(sizes.map((n) => rootOf(leaves, n)));
  });

  it("fails when the stream is shorter than the largest size", async () => {
    expect(() => rootsAt(leaves.slice(0, 10), [5, 11])).to.throw(RangeError);
    let err: unknown;
    await rootsAtAsync(leaves.slice(0, 10), [11]).catch((e) => (err = e));
    expect(err).to.be.instanceOf(RangeError);
  });
});

describe("MerkleTree level cache", () => {
  it("rootAt equals rootOf for every past size, with regrowth from a tiny capacity", () => {
    const t = new MerkleTree(1);
    for (const l of leaves) t.append(l);
    expect(t.size).to.equal(MAX);
    for (let n = 0; n <= MAX; n++) expect(toHex(t.rootAt(n)), `size ${n}`).to.equal(toHex(rootOf(leaves, n)));
    expect(t.root()).to.deep.equal(rootOf(leaves));
    expect(t.leafHash(7)).to.deep.equal(leaves[7]);
  });

  it("appendLeafInput hashes the input as a leaf: same tree as append(leafHash(input))", () => {
    const inputs = Array.from({ length: 37 }, (_, i) => new TextEncoder().encode(`{"i":${i}}`.repeat(i % 9)));
    const a = new MerkleTree(1);
    const b = new MerkleTree(1);
    inputs.forEach((x, i) => {
      expect(a.appendLeafInput(x)).to.equal(i);
      b.append(leafHash(x));
    });
    for (let n = 0; n <= inputs.length; n++) expect(toHex(a.rootAt(n)), `size ${n}`).to.equal(toHex(b.rootAt(n)));
    expect(a.leafHash(5)).to.deep.equal(leafHash(inputs[5]));
    // A different input gives a different root (the input is really hashed, not ignored).
    const c = new MerkleTree(1);
    inputs.forEach((x, i) => c.appendLeafInput(i === 20 ? new Uint8Array([...x, 0x20]) : x));
    expect(toHex(c.root())).to.not.equal(toHex(a.root()));
  });

  it("returns copies, not views into its cache", () => {
    const t = MerkleTree.from(leaves.slice(0, 4));
    const r = t.rootAt(4);
    r[0] ^= 1;
    expect(t.rootAt(4)).to.deep.equal(rootOf(leaves, 4));
  });
});
