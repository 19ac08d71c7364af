// The transparency-dev vectors (test/vectors/rfc6962): every happy path must verify, every wantErr case must be rejected.
import { expect } from "chai";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import {
  MerkleTree,
  consistencyProof,
  fromHex,
  inclusionProof,
  leafHash,
  rootOf,
  toHex,
  verifyConsistency,
  verifyInclusion,
} from "../../../src/log/index.js";

const VECTORS = new URL("../../vectors/rfc6962/", import.meta.url).pathname;

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? jsonFiles(p) : name.endsWith(".json") ? [p] : [];
  });
}

// Sizes such as 2^64 - 1 lose precision as JS numbers: quote them before parsing and read them as bigint.
function readVector(path: string): Record<string, unknown> {
  const text = readFileSync(path, "utf8").replace(/"(leafIdx|treeSize|size1|size2)"\s*:\s*(\d+)/g, '"$1":"$2"');
  return JSON.parse(text);
}

const b64 = (s: unknown): Uint8Array => new Uint8Array(Buffer.from(s as string, "base64"));
const proofOf = (p: unknown): Uint8Array[] => ((p as string[] | null) ?? []).map(b64);

const reference = JSON.parse(readFileSync(join(VECTORS, "reference.json"), "utf8")) as {
  leafInputsHex: string[];
  rootHashesHexBySize: string[];
};
const refLeaves = reference.leafInputsHex.map((h) => leafHash(fromHex(h)));

describe("RFC 6962 transparency-dev vectors", () => {
  describe("reference.json", () => {
    it("reproduces the root of every tree size 0..8 (array, level cache)", () => {
      expect(reference.rootHashesHexBySize).to.have.length(9);
      const tree = MerkleTree.from(refLeaves);
      reference.rootHashesHexBySize.forEach((want, n) => {
        expect(toHex(rootOf(refLeaves, n)), `size ${n}`).to.equal(want);
        expect(toHex(tree.rootAt(n)), `size ${n}`).to.equal(want);
      });
    });
  });

  describe("inclusion", () => {
    const files = jsonFiles(join(VECTORS, "inclusion"));
    it("finds the vector files", () => {
      expect(files.length).to.be.greaterThan(80);
    });
    for (const file of files) {
      const v = readVector(file);
      const name = relative(VECTORS, file);
      it(`${v.wantErr ? "rejects" : "accepts"} ${name}`, () => {
        const ok = verifyInclusion(
          BigInt(v.leafIdx as string),
          BigInt(v.treeSize as string),
          b64(v.leafHash),
          proofOf(v.proof),
          b64(v.root),
        );
        expect(ok).to.equal(!v.wantErr);
      });
    }

    it("generates the same proofs as the happy-path vectors over the reference leaves", () => {
      let compared = 0;
      for (const file of files) {
        const v = readVector(file);
        const size = Number(v.treeSize);
        if (v.wantErr || size > refLeaves.length) continue;
        if (toHex(b64(v.root)) !== reference.rootHashesHexBySize[size]) continue;
        const index = Number(v.leafIdx);
        expect(inclusionProof(refLeaves, index, size).map(toHex)).to.deep.equal(proofOf(v.proof).map(toHex));
        compared++;
      }
      expect(compared).to.be.greaterThan(0);
    });
  });

  describe("consistency", () => {
    const files = jsonFiles(join(VECTORS, "consistency"));
    it("finds the vector files", () => {
      expect(files.length).to.be.greaterThan(80);
    });
    for (const file of files) {
      const v = readVector(file);
      const name = relative(VECTORS, file);
      it(`${v.wantErr ? "rejects" : "accepts"} ${name}`, () => {
        const ok = verifyConsistency(
          BigInt(v.size1 as string),
          BigInt(v.size2 as string),
          b64(v.root1),
          b64(v.root2),
          proofOf(v.proof),
        );
        expect(ok).to.equal(!v.wantErr);
      });
    }

    it("generates the same proofs as the happy-path vectors over the reference leaves", () => {
      let compared = 0;
      for (const file of files) {
        const v = readVector(file);
        const size1 = Number(v.size1);
        const size2 = Number(v.size2);
        if (v.wantErr || size2 > refLeaves.length) continue;
        if (toHex(b64(v.root2)) !== reference.rootHashesHexBySize[size2]) continue;
        expect(consistencyProof(refLeaves, size1, size2).map(toHex)).to.deep.equal(proofOf(v.proof).map(toHex));
        compared++;
      }
      expect(compared).to.be.greaterThan(0);
    });
  });
});
