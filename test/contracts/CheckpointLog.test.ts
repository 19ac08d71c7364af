import { expect } from "chai";
import { network } from "hardhat";
import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MerkleTree, demoLeafHash, hashLeaf, hex } from "./helpers/merkle.js";

const { ethers } = await network.create();

const VECTORS = new URL("../vectors/rfc6962/", import.meta.url).pathname;

/** What a client does with a leaf hash: it must be exactly 32 bytes or it is refused before any call. */
function strictBytes32(b64: string): string {
  const raw = Buffer.from(b64, "base64");
  if (raw.length !== 32) throw new Error(`hash must be 32 bytes, got ${raw.length}`);
  return "0x" + raw.toString("hex");
}

/** JSON.parse keeping integers beyond 2^53 exact (vectors use 2^64 - 1). */
function parseVector(file: string) {
  const reviver = (_k: string, v: unknown, ctx?: { source?: string }) =>
    typeof v === "number" && !Number.isSafeInteger(v) && ctx?.source ? BigInt(ctx.source) : v;
  return JSON.parse(readFileSync(file, "utf8"), reviver as (k: string, v: unknown) => unknown);
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith(".json") ? [join(dir, e.name)] : [],
  );
}

/**
 * Vectors carry base64 hashes; some negative cases use roots or proof nodes that are not 32 bytes ("", "WrongRoot").
 * A bytes32 parameter cannot carry those, so they are zero-padded on the right: a value no honest tree produces,
 * so the contract must still reject the case. (One happy case compares two equal 12-byte roots at equal sizes:
 * padded, they stay equal.)
 */
function b32(b64: string): string {
  const raw = Buffer.from(b64, "base64");
  const out = Buffer.alloc(32);
  raw.copy(out, 0, 0, Math.min(32, raw.length));
  return "0x" + out.toString("hex");
}

async function deploy() {
  const [admin, writer, other] = await ethers.getSigners();
  const log = await ethers.deployContract("CheckpointLog", [admin.address, writer.address]);
  return { log, admin, writer, other };
}

describe("CheckpointLog", () => {
  describe("shared RFC 6962 vectors", () => {
    let log: Awaited<ReturnType<typeof deploy>>["log"];
    before(async () => ({ log } = await deploy()));
    const inclusion = walk(join(VECTORS, "inclusion"));
    const consistency = walk(join(VECTORS, "consistency"));

    it("has vectors to run", () => {
      expect(inclusion.length).to.be.greaterThan(50);
      expect(consistency.length).to.be.greaterThan(50);
    });

    for (const file of inclusion) {
      const v = parseVector(file);
      it(`inclusion ${file.slice(VECTORS.length)}: ${v.wantErr ? "rejects" : "accepts"}`, async () => {
        if (Buffer.from(v.leafHash, "base64").length !== 32) {
          // Unrepresentable as bytes32 (the reference verifier rejects leaf hashes of the wrong size too).
          expect(v.wantErr).to.equal(true);
          expect(() => strictBytes32(v.leafHash)).to.throw(/32 bytes/);
          return;
        }
        const ok = await log.verifyInclusion(v.leafIdx, v.treeSize, b32(v.leafHash), (v.proof ?? []).map(b32), b32(v.root));
        expect(ok).to.equal(!v.wantErr);
      });
    }
    for (const file of consistency) {
      const v = parseVector(file);
      it(`consistency ${file.slice(VECTORS.length)}: ${v.wantErr ? "rejects" : "accepts"}`, async () => {
        const ok = await log.verifyConsistency(v.size1, v.size2, b32(v.root1), b32(v.root2), (v.proof ?? []).map(b32));
        expect(ok).to.equal(!v.wantErr);
      });
    }

    it("reference roots match the TS tree and verify inclusion of every leaf", async () => {
      const ref = JSON.parse(readFileSync(join(VECTORS, "reference.json"), "utf8"));
      const leaves = (ref.leafInputsHex as string[]).map((h) => hashLeaf(Buffer.from(h, "hex")));
      const tree = new MerkleTree(leaves);
      for (let size = 0; size <= leaves.length; size++) {
        expect(hex(tree.root(size))).to.equal("0x" + ref.rootHashesHexBySize[size]);
        for (let i = 0; i < size; i++) {
          const proof = tree.inclusionProof(i, size).map(hex);
          expect(await log.verifyInclusion(i, size, hex(leaves[i]), proof, hex(tree.root(size)))).to.equal(true);
        }
      }
    });
  });

  describe("property: generated proofs verify, mutated ones do not", () => {
    let log: Awaited<ReturnType<typeof deploy>>["log"];
    before(async () => ({ log } = await deploy()));
    const tree = new MerkleTree(demoLeafHash, 300);

    it("consistency between any two sizes", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 300 }),
          fc.integer({ min: 1, max: 300 }),
          fc.nat(),
          async (a, b, pick) => {
            const [m, n] = a <= b ? [a, b] : [b, a];
            const proof = tree.consistencyProof(m, n);
            const r1 = hex(tree.root(m));
            const r2 = hex(tree.root(n));
            expect(await log.verifyConsistency(m, n, r1, r2, proof.map(hex))).to.equal(true);
            if (proof.length > 0) {
              const bad = proof.map((p) => Uint8Array.from(p));
              bad[pick % bad.length][pick % 32] ^= 1 << pick % 8;
              expect(await log.verifyConsistency(m, n, r1, r2, bad.map(hex))).to.equal(false);
              expect(await log.verifyConsistency(m, n, r1, r2, proof.slice(1).map(hex))).to.equal(false);
              expect(await log.verifyConsistency(m, n, r1, r2, [...proof, proof[0]].map(hex))).to.equal(false);
            }
            if (m < n) {
              expect(await log.verifyConsistency(m, n, r1, hex(tree.root(n - 1)), proof.map(hex))).to.equal(false);
              expect(await log.verifyConsistency(m, n, hex(tree.root(m + 1)), r2, proof.map(hex))).to.equal(false);
            }
          },
        ),
        { numRuns: 60 },
      );
    });

    it("inclusion of any leaf in any size", async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 300 }), fc.nat(), fc.nat(), async (n, idx, pick) => {
          const i = idx % n;
          const proof = tree.inclusionProof(i, n);
          const root = hex(tree.root(n));
          const leaf = hex(tree.leaf(i));
          expect(await log.verifyInclusion(i, n, leaf, proof.map(hex), root)).to.equal(true);
          if (n > 1) expect(await log.verifyInclusion((i + 1) % n, n, leaf, proof.map(hex), root)).to.equal(false);
          if (proof.length > 0) {
            const bad = proof.map((p) => Uint8Array.from(p));
            bad[pick % bad.length][pick % 32] ^= 1 << pick % 8;
            expect(await log.verifyInclusion(i, n, leaf, bad.map(hex), root)).to.equal(false);
          }
          expect(await log.verifyInclusion(n, n, leaf, proof.map(hex), root)).to.equal(false);
        }),
        { numRuns: 60 },
      );
    });
  });

  describe("submitCheckpoint", () => {
    const tree = new MerkleTree(demoLeafHash, 40);
    const root = (n: number) => hex(tree.root(n));
    const proof = (m: number, n: number) => tree.consistencyProof(m, n).map(hex);

    it("starts empty and emits the writer at construction", async () => {
      const { log, admin, writer } = await deploy();
      expect(await log.latest()).to.deep.equal([0n, ethers.ZeroHash]);
      expect(await log.writer()).to.equal(writer.address);
      expect(await log.owner()).to.equal(admin.address);
      await expect(log.deploymentTransaction())
        .to.emit(log, "WriterChanged")
        .withArgs(ethers.ZeroAddress, writer.address);
    });

    it("accepts a first checkpoint without proof, then proven extensions, each with an event", async () => {
      const { log, writer } = await deploy();
      await expect(log.connect(writer).submitCheckpoint(5, root(5), []))
        .to.emit(log, "CheckpointSubmitted")
        .withArgs(5, root(5), 0, ethers.ZeroHash);
      await expect(log.connect(writer).submitCheckpoint(13, root(13), proof(5, 13)))
        .to.emit(log, "CheckpointSubmitted")
        .withArgs(13, root(13), 5, root(5));
      await expect(log.connect(writer).submitCheckpoint(16, root(16), proof(13, 16)))
        .to.emit(log, "CheckpointSubmitted")
        .withArgs(16, root(16), 13, root(13));
      expect(await log.latest()).to.deep.equal([16n, root(16)]);
    });

    it("rejects a proof on the first checkpoint", async () => {
      const { log, writer } = await deploy();
      await expect(log.connect(writer).submitCheckpoint(5, root(5), [root(1)]))
        .to.be.revertedWithCustomError(log, "InvalidConsistencyProof")
        .withArgs(0, 5);
    });

    it("rejects a shrinking checkpoint", async () => {
      const { log, writer } = await deploy();
      await log.connect(writer).submitCheckpoint(8, root(8), []);
      await expect(log.connect(writer).submitCheckpoint(7, root(7), []))
        .to.be.revertedWithCustomError(log, "CheckpointShrinks")
        .withArgs(7, 8);
    });

    it("rejects an unchanged checkpoint and a same-size fork", async () => {
      const { log, writer } = await deploy();
      await log.connect(writer).submitCheckpoint(8, root(8), []);
      await expect(log.connect(writer).submitCheckpoint(8, root(8), []))
        .to.be.revertedWithCustomError(log, "CheckpointUnchanged")
        .withArgs(8, root(8));
      await expect(log.connect(writer).submitCheckpoint(8, root(7), []))
        .to.be.revertedWithCustomError(log, "CheckpointForked")
        .withArgs(8, root(7), root(8));
    });

    it("rejects a forked history (another root at a larger size) and an unproven one", async () => {
      const { log, writer } = await deploy();
      await log.connect(writer).submitCheckpoint(8, root(8), []);
      // A rewritten log: leaf 3 replaced. Its proof is internally consistent but not with our root(8).
      const forged = new MerkleTree((i) => (i === 3 ? demoLeafHash(1000) : demoLeafHash(i)), 20);
      await expect(
        log.connect(writer).submitCheckpoint(20, hex(forged.root(20)), forged.consistencyProof(8, 20).map(hex)),
      )
        .to.be.revertedWithCustomError(log, "InvalidConsistencyProof")
        .withArgs(8, 20);
      await expect(log.connect(writer).submitCheckpoint(20, root(20), []))
        .to.be.revertedWithCustomError(log, "InvalidConsistencyProof")
        .withArgs(8, 20);
      await expect(log.connect(writer).submitCheckpoint(20, root(20), proof(7, 20)))
        .to.be.revertedWithCustomError(log, "InvalidConsistencyProof")
        .withArgs(8, 20);
      expect(await log.latest()).to.deep.equal([8n, root(8)]);
    });

    it("only the writer submits", async () => {
      const { log, admin, other } = await deploy();
      for (const who of [admin, other]) {
        await expect(log.connect(who).submitCheckpoint(1, root(1), []))
          .to.be.revertedWithCustomError(log, "NotWriter")
          .withArgs(who.address);
      }
    });

    it("the owner replaces the writer; nobody else can; zero is refused", async () => {
      const { log, admin, writer, other } = await deploy();
      await expect(log.connect(other).setWriter(other.address))
        .to.be.revertedWithCustomError(log, "OwnableUnauthorizedAccount")
        .withArgs(other.address);
      await expect(log.connect(admin).setWriter(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        log,
        "InvalidWriter",
      );
      await expect(log.connect(admin).setWriter(other.address))
        .to.emit(log, "WriterChanged")
        .withArgs(writer.address, other.address);
      await expect(log.connect(writer).submitCheckpoint(1, root(1), [])).to.be.revertedWithCustomError(
        log,
        "NotWriter",
      );
      await expect(log.connect(other).submitCheckpoint(1, root(1), [])).to.emit(log, "CheckpointSubmitted");
    });

    it("refuses a zero writer at construction", async () => {
      const [admin] = await ethers.getSigners();
      const factory = await ethers.getContractFactory("CheckpointLog");
      await expect(factory.deploy(admin.address, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        factory,
        "InvalidWriter",
      );
    });

    it("ownership transfer is two-step", async () => {
      const { log, admin, other } = await deploy();
      await log.connect(admin).transferOwnership(other.address);
      expect(await log.owner()).to.equal(admin.address);
      expect(await log.pendingOwner()).to.equal(other.address);
      await log.connect(other).acceptOwnership();
      expect(await log.owner()).to.equal(other.address);
    });
  });
});
