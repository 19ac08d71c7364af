// Generated proofs verify; any single bit flip in proof, root or leaf is rejected (fast-check properties).
import { expect } from "chai";
import fc from "fast-check";
import {
  EMPTY_ROOT,
  LogProofError,
  MerkleTree,
  assertConsistency,
  assertInclusion,
  consistencyProof,
  inclusionProof,
  leafHash,
  rootFromInclusionProof,
  rootOf,
  rootsFromConsistencyProof,
  verifyConsistency,
  verifyInclusion,
} from "../../../src/log/index.js";

const MAX = 300;
const leaves = Array.from({ length: MAX }, (_, i) => leafHash(new TextEncoder().encode(`leaf-${i}`)));
const tree = MerkleTree.from(leaves);
const roots = Array.from({ length: MAX + 1 }, (_, n) => tree.rootAt(n));

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[Math.floor(bit / 8) % out.length] ^= 1 << bit % 8;
  return out;
}

function reasonOf(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (e instanceof LogProofError) return e.reason;
    throw e;
  }
}

const sizeAndIndex = fc.integer({ min: 1, max: MAX }).chain((n) => fc.tuple(fc.constant(n), fc.nat(n - 1)));
const sizePair = fc.integer({ min: 0, max: MAX }).chain((n) => fc.tuple(fc.nat(n), fc.constant(n)));

describe("log proofs", () => {
  describe("inclusion", () => {
    it("a generated proof verifies and yields the tree root", () => {
      fc.assert(
        fc.property(sizeAndIndex, ([n, i]) => {
          const proof = tree.inclusionProof(i, n);
          expect(verifyInclusion(i, n, leaves[i], proof, roots[n])).to.equal(true);
          expect(rootFromInclusionProof(i, n, leaves[i], proof)).to.deep.equal(roots[n]);
        }),
      );
    });

    it("rejects any bit flip in the proof, the root or the leaf hash", () => {
      fc.assert(
        fc.property(sizeAndIndex, fc.nat(), fc.nat(255), ([n, i], which, bit) => {
          const proof = tree.inclusionProof(i, n);
          const target = which % (proof.length + 2);
          if (target < proof.length) {
            const bad = proof.slice();
            bad[target] = flipBit(bad[target], bit);
            expect(verifyInclusion(i, n, leaves[i], bad, roots[n])).to.equal(false);
          } else if (target === proof.length) {
            expect(verifyInclusion(i, n, leaves[i], proof, flipBit(roots[n], bit))).to.equal(false);
          } else {
            expect(verifyInclusion(i, n, flipBit(leaves[i], bit), proof, roots[n])).to.equal(false);
          }
        }),
      );
    });

    it("rejects the proof for another index, or a truncated / extended proof", () => {
      fc.assert(
        fc.property(sizeAndIndex, ([n, i]) => {
          const proof = tree.inclusionProof(i, n);
          if (n > 1) expect(verifyInclusion((i + 1) % n, n, leaves[i], proof, roots[n])).to.equal(false);
          // (A wrong size alone is not always detectable: the path for (0, 58) is also the path for (0, 59).
          // Checkpoints bind size and root together, so callers always pair a size with its own root.)
          if (proof.length > 0) {
            expect(reasonOf(() => assertInclusion(i, n, leaves[i], proof.slice(1), roots[n]))).to.not.equal(undefined);
          }
          expect(reasonOf(() => assertInclusion(i, n, leaves[i], [...proof, leaves[0]], roots[n]))).to.equal(
            "proof-too-long",
          );
        }),
      );
    });

    it("names the reason for structural failures", () => {
      const p = tree.inclusionProof(3, 8);
      expect(reasonOf(() => assertInclusion(8, 8, leaves[8], p, roots[8]))).to.equal("index-out-of-range");
      expect(reasonOf(() => assertInclusion(0, 0, leaves[0], [], EMPTY_ROOT))).to.equal("index-out-of-range");
      expect(reasonOf(() => assertInclusion(3, 8, leaves[3], p.slice(0, 2), roots[8]))).to.equal("proof-too-short");
      expect(reasonOf(() => assertInclusion(3, 8, leaves[3].subarray(1), p, roots[8]))).to.equal("bad-hash-length");
      expect(reasonOf(() => assertInclusion(3, 8, leaves[3], [p[0], p[1], p[2].subarray(0, 31)], roots[8]))).to.equal(
        "bad-hash-length",
      );
      expect(reasonOf(() => assertInclusion(3, 8, leaves[4], p, roots[8]))).to.equal("root-mismatch");
      expect(reasonOf(() => assertInclusion(-1, 8, leaves[3], p, roots[8]))).to.equal("index-out-of-range");
      expect(reasonOf(() => assertInclusion(3, 2 ** 64, leaves[3], p, roots[8]))).to.equal("size-out-of-range");
      expect(reasonOf(() => assertInclusion(3n, 8n, leaves[3], p, roots[8]))).to.equal(undefined);
    });

    it("array-based and level-cache proofs are identical", () => {
      fc.assert(
        fc.property(sizeAndIndex, ([n, i]) => {
          expect(inclusionProof(leaves, i, n)).to.deep.equal(tree.inclusionProof(i, n));
        }),
        { numRuns: 50 },
      );
    });
  });

  describe("consistency", () => {
    it("a generated proof verifies between the two roots", () => {
      fc.assert(
        fc.property(sizePair, ([m, n]) => {
          const proof = tree.consistencyProof(m, n);
          expect(verifyConsistency(m, n, roots[m], roots[n], proof)).to.equal(true);
          if (m > 0) {
            const derived = rootsFromConsistencyProof(m, n, roots[m], proof);
            expect(derived.root1).to.deep.equal(roots[m]);
            expect(derived.root2).to.deep.equal(roots[n]);
          }
        }),
      );
    });

    it("rejects any bit flip in the proof or either root", () => {
      fc.assert(
        fc.property(sizePair, fc.nat(), fc.nat(255), ([m, n], which, bit) => {
          const proof = tree.consistencyProof(m, n);
          const target = which % (proof.length + 2);
          if (target < proof.length) {
            const bad = proof.slice();
            bad[target] = flipBit(bad[target], bit);
            expect(verifyConsistency(m, n, roots[m], roots[n], bad)).to.equal(false);
          } else if (target === proof.length) {
            expect(verifyConsistency(m, n, flipBit(roots[m], bit), roots[n], proof)).to.equal(false);
          } else if (m > 0) {
            // Every tree extends the empty tree, so root2 is only bound when size1 > 0.
            expect(verifyConsistency(m, n, roots[m], flipBit(roots[n], bit), proof)).to.equal(false);
          }
        }),
      );
    });

    it("rejects a proof between trees that do not share the prefix", () => {
      fc.assert(
        fc.property(sizePair.filter(([m, n]) => m > 0 && m < n), ([m, n]) => {
          const other = leaves.slice(0, n);
          other[m - 1] = leafHash(new Uint8Array([1, 2, 3]));
          const forkedRoot = rootOf(other, n);
          expect(verifyConsistency(m, n, roots[m], forkedRoot, consistencyProof(other, m, n))).to.equal(false);
          expect(verifyConsistency(m, n, roots[m], forkedRoot, tree.consistencyProof(m, n))).to.equal(false);
        }),
      );
    });

    it("names the reason for edge cases", () => {
      const p = tree.consistencyProof(3, 7);
      expect(reasonOf(() => assertConsistency(7, 3, roots[7], roots[3], p))).to.equal("size1-greater-than-size2");
      expect(reasonOf(() => assertConsistency(3, 7, roots[3], roots[7], []))).to.equal("proof-empty");
      expect(reasonOf(() => assertConsistency(3, 3, roots[3], roots[3], p))).to.equal("proof-not-empty");
      expect(reasonOf(() => assertConsistency(3, 3, roots[3], roots[4], []))).to.equal("root-mismatch");
      expect(reasonOf(() => assertConsistency(0, 5, roots[1], roots[5], []))).to.equal("empty-tree-root");
      expect(reasonOf(() => assertConsistency(0, 5, EMPTY_ROOT, roots[5], []))).to.equal(undefined);
      expect(reasonOf(() => assertConsistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, []))).to.equal(undefined);
      expect(reasonOf(() => assertConsistency(3, 7, roots[4], roots[7], p))).to.equal("root1-mismatch");
      expect(reasonOf(() => assertConsistency(3, 7, roots[3], roots[6], p))).to.equal("root2-mismatch");
      expect(reasonOf(() => assertConsistency(3, 7, roots[3], roots[7], [...p, p[0]]))).to.equal("proof-too-long");
      expect(reasonOf(() => assertConsistency(3, 7, roots[3], roots[7], p.slice(0, -1)))).to.equal("proof-too-short");
      expect(reasonOf(() => assertConsistency(3n, 2n ** 64n, roots[3], roots[7], p))).to.equal("size-out-of-range");
    });

    it("array-based and level-cache proofs are identical", () => {
      fc.assert(
        fc.property(sizePair, ([m, n]) => {
          expect(consistencyProof(leaves, m, n)).to.deep.equal(tree.consistencyProof(m, n));
        }),
        { numRuns: 50 },
      );
    });
  });

  describe("proof generation arguments", () => {
    it("refuses sizes beyond the leaves and indices outside the tree", () => {
      expect(() => inclusionProof(leaves, 0, MAX + 1)).to.throw(RangeError);
      expect(() => inclusionProof(leaves, 5, 5)).to.throw(RangeError);
      expect(() => consistencyProof(leaves, 6, 5)).to.throw(RangeError);
      expect(() => tree.consistencyProof(1, MAX + 1)).to.throw(RangeError);
      expect(() => tree.rootAt(MAX + 1)).to.throw(RangeError);
      expect(() => rootOf(leaves, 1.5)).to.throw(RangeError);
    });
  });
});
