// Verification of RFC 9162 inclusion (2.1.3.2) and consistency (2.1.4.2) proofs.
// Arithmetic replaces bit operators because JavaScript bitwise ops truncate to 32 bits and sizes may not.
import { EMPTY_ROOT, HASH_SIZE, bytesEqual, nodeHash } from "./hash.js";
import { type TreeSize, isPowerOfTwo, toSafeSize } from "./size.js";

export type ProofFailure =
  | "size-out-of-range" // a size or index is not a non-negative integer below 2^53
  | "index-out-of-range" // leaf index >= tree size
  | "size1-greater-than-size2"
  | "bad-hash-length" // leaf hash or a proof node is not 32 bytes
  | "proof-too-short"
  | "proof-too-long"
  | "proof-not-empty" // equal sizes, or size1 = 0, take an empty proof
  | "proof-empty" // 0 < size1 < size2 needs at least one node
  | "empty-tree-root" // the root given for size 0 is not SHA-256("")
  | "root-mismatch"
  | "root1-mismatch"
  | "root2-mismatch";

/** A proof that does not verify. `reason` is a stable code; messages hold no data from the proof. */
export class LogProofError extends Error {
  readonly reason: ProofFailure;
  constructor(reason: ProofFailure) {
    super(`Merkle proof rejected: ${reason}`);
    this.name = "LogProofError";
    this.reason = reason;
  }
}

function fail(reason: ProofFailure): never {
  throw new LogProofError(reason);
}

function isOdd(n: number): boolean {
  return n % 2 === 1;
}

function half(n: number): number {
  return Math.floor(n / 2);
}

function requireHashes(proof: readonly Uint8Array[]): void {
  for (const p of proof) if (p.length !== HASH_SIZE) fail("bad-hash-length");
}

/**
 * Root implied by an inclusion proof for `leafHash` at `index` in a tree of `size` leaves.
 * Throws LogProofError when the proof has the wrong shape for (index, size).
 */
export function rootFromInclusionProof(
  index: TreeSize,
  size: TreeSize,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
): Uint8Array {
  const m = toSafeSize(index);
  const n = toSafeSize(size);
  if (n === undefined) fail("size-out-of-range");
  if (m === undefined || m >= n) fail("index-out-of-range");
  if (leafHash.length !== HASH_SIZE) fail("bad-hash-length");
  requireHashes(proof);

  let fn = m;
  let sn = n - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) fail("proof-too-long");
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      // Skip levels where this node is the last, unpaired one of its row (the tree is not perfect there).
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) fail("proof-too-short");
  return r;
}

/** Throws LogProofError unless `proof` shows `leafHash` at `index` in the tree of `size` with root `root`. */
export function assertInclusion(
  index: TreeSize,
  size: TreeSize,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  const computed = rootFromInclusionProof(index, size, leafHash, proof);
  if (!bytesEqual(computed, root)) fail("root-mismatch");
}

/** True iff `proof` shows `leafHash` at `index` in the tree of `size` leaves with root `root`. */
export function verifyInclusion(
  index: TreeSize,
  size: TreeSize,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  return succeeds(() => assertInclusion(index, size, leafHash, proof, root));
}

/**
 * The two roots implied by a consistency proof between trees of 0 < size1 <= size2. When size1 is a power
 * of two the old tree is a subtree of the new one, the proof omits it, and `root1` is used as its first node.
 * Throws LogProofError when the proof has the wrong shape.
 */
export function rootsFromConsistencyProof(
  size1: TreeSize,
  size2: TreeSize,
  root1: Uint8Array,
  proof: readonly Uint8Array[],
): { root1: Uint8Array; root2: Uint8Array } {
  const m = toSafeSize(size1);
  const n = toSafeSize(size2);
  if (m === undefined || n === undefined) fail("size-out-of-range");
  if (m > n) fail("size1-greater-than-size2");
  if (m === n) {
    if (proof.length !== 0) fail("proof-not-empty");
    return { root1, root2: root1 };
  }
  if (m === 0) throw new RangeError("size1 must be > 0: a proof from the empty tree has no nodes to derive a root from");
  if (proof.length === 0) fail("proof-empty");
  requireHashes(proof);

  const nodes = isPowerOfTwo(m) ? [root1, ...proof] : proof;
  if (nodes[0].length !== HASH_SIZE) fail("bad-hash-length");
  let fn = m - 1;
  let sn = n - 1;
  // Climb past the levels where the old tree's last node is a right child: the proof starts above them.
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = nodes[0];
  let sr = nodes[0];
  for (let i = 1; i < nodes.length; i++) {
    const c = nodes[i];
    if (sn === 0) fail("proof-too-long");
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) fail("proof-too-short");
  return { root1: fr, root2: sr };
}

/**
 * Throws LogProofError unless `proof` shows the tree (size2, root2) extends the tree (size1, root1).
 * Edge cases: equal sizes need an empty proof and equal roots; size 0 needs root SHA-256(""); a tree extends
 * the empty tree with an empty proof.
 */
export function assertConsistency(
  size1: TreeSize,
  size2: TreeSize,
  root1: Uint8Array,
  root2: Uint8Array,
  proof: readonly Uint8Array[],
): void {
  const m = toSafeSize(size1);
  const n = toSafeSize(size2);
  if (m === undefined || n === undefined) fail("size-out-of-range");
  if (m > n) fail("size1-greater-than-size2");
  if (m === 0 || m === n) {
    if (proof.length !== 0) fail("proof-not-empty");
    if (m === 0 && !bytesEqual(root1, EMPTY_ROOT)) fail("empty-tree-root");
    if (m === n) {
      if (!bytesEqual(root1, root2)) fail("root-mismatch");
    } else if (root2.length !== HASH_SIZE) {
      fail("bad-hash-length");
    }
    return;
  }
  const roots = rootsFromConsistencyProof(m, n, root1, proof);
  if (!bytesEqual(roots.root1, root1)) fail("root1-mismatch");
  if (!bytesEqual(roots.root2, root2)) fail("root2-mismatch");
}

/** True iff `proof` shows the tree (size2, root2) is an append-only extension of (size1, root1). */
export function verifyConsistency(
  size1: TreeSize,
  size2: TreeSize,
  root1: Uint8Array,
  root2: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  return succeeds(() => assertConsistency(size1, size2, root1, root2, proof));
}

function succeeds(check: () => void): boolean {
  try {
    check();
    return true;
  } catch (e) {
    if (e instanceof LogProofError) return false;
    throw e;
  }
}
