// Proof generation (RFC 6962 2.1.1 PATH and 2.1.2 SUBPROOF), over any source of subtree roots.
// Plain functions work on an array of leaf hashes (O(n) hashes per call); MerkleTree keeps a level cache so that
// any past root or proof costs O(log n) cache lookups and at most O(log n) node hashes.
import { CompactRange } from "./compact.js";
import { EMPTY_ROOT, HASH_SIZE, leafHashRaw, nodeHash, nodeHashAt } from "./hash.js";
import { type TreeSize, requireSize, splitPoint } from "./size.js";

/** Leaf hashes indexed from 0 (an array, or any array-like such as a lazy accessor object). */
export type LeafHashes = ArrayLike<Uint8Array>;

/** MTH of leaves [start, end), start < end. */
type RangeRoot = (start: number, end: number) => Uint8Array;

function pathFor(rangeRoot: RangeRoot, index: number, size: number): Uint8Array[] {
  const path: Uint8Array[] = [];
  let start = 0;
  let n = size;
  let m = index;
  while (n > 1) {
    const k = splitPoint(n);
    if (m < k) {
      path.push(rangeRoot(start + k, start + n));
      n = k;
    } else {
      path.push(rangeRoot(start, start + k));
      start += k;
      m -= k;
      n -= k;
    }
  }
  return path.reverse(); // collected top-down; proofs list the leaf's sibling first
}

function subproofFor(rangeRoot: RangeRoot, size1: number, size2: number): Uint8Array[] {
  const path: Uint8Array[] = [];
  let start = 0;
  let n = size2;
  let m = size1;
  let wholeOldTree = true; // SUBPROOF's b: the old tree's root is omitted while it is still a whole subtree
  while (m !== n) {
    const k = splitPoint(n);
    if (m <= k) {
      path.push(rangeRoot(start + k, start + n));
      n = k;
    } else {
      path.push(rangeRoot(start, start + k));
      start += k;
      m -= k;
      n -= k;
      wholeOldTree = false;
    }
  }
  if (!wholeOldTree) path.push(rangeRoot(start, start + n));
  return path.reverse();
}

function checkIndex(index: TreeSize, size: TreeSize, available: number): [number, number] {
  const n = requireSize(size, "size");
  const m = requireSize(index, "index");
  if (n > available) throw new RangeError("size exceeds the number of leaves");
  if (m >= n) throw new RangeError("index must be below size");
  return [m, n];
}

function checkSizes(size1: TreeSize, size2: TreeSize, available: number): [number, number] {
  const m = requireSize(size1, "size1");
  const n = requireSize(size2, "size2");
  if (n > available) throw new RangeError("size2 exceeds the number of leaves");
  if (m > n) throw new RangeError("size1 must not exceed size2");
  return [m, n];
}

function arrayRangeRoot(leaves: LeafHashes): RangeRoot {
  return (start, end) => {
    const cr = new CompactRange();
    for (let i = start; i < end; i++) cr.append(leaves[i]);
    return cr.root();
  };
}

/** RFC 6962 root of the first `size` leaf hashes (SHA-256("") for size 0). O(size). */
export function rootOf(leaves: LeafHashes, size: TreeSize = leaves.length): Uint8Array {
  const n = requireSize(size, "size");
  if (n > leaves.length) throw new RangeError("size exceeds the number of leaves");
  return n === 0 ? EMPTY_ROOT.slice() : arrayRangeRoot(leaves)(0, n);
}

/** Audit path for leaf `index` in the tree of the first `size` leaves. O(size). */
export function inclusionProof(leaves: LeafHashes, index: TreeSize, size: TreeSize = leaves.length): Uint8Array[] {
  const [m, n] = checkIndex(index, size, leaves.length);
  return pathFor(arrayRangeRoot(leaves), m, n);
}

/** Consistency proof from the tree of size1 leaves to the tree of size2 leaves. Empty when size1 is 0 or size2. */
export function consistencyProof(
  leaves: LeafHashes,
  size1: TreeSize,
  size2: TreeSize = leaves.length,
): Uint8Array[] {
  const [m, n] = checkSizes(size1, size2, leaves.length);
  return m === 0 || m === n ? [] : subproofFor(arrayRangeRoot(leaves), m, n);
}

/** exact log2 of n when n is a power of two, else -1. */
function log2Exact(n: number): number {
  let k = 0;
  let p = 1;
  while (p < n) {
    p *= 2;
    k++;
  }
  return p === n ? k : -1;
}

/**
 * Append-only Merkle tree with a level cache: level k holds the root of every complete, aligned subtree of 2^k
 * leaves (packed 32-byte hashes, ~2 x 32 bytes per leaf in all). Serves roots and proofs for any past size.
 */
export class MerkleTree {
  readonly #levels: Uint8Array[] = [];
  #size = 0;

  /** `capacityHint`: expected number of leaves, to avoid regrowing the packed arrays. */
  constructor(capacityHint = 1024) {
    let cap = Math.max(1, requireSize(capacityHint, "capacityHint"));
    for (; cap >= 1; cap = Math.floor(cap / 2)) this.#levels.push(new Uint8Array(cap * HASH_SIZE));
  }

  static from(leafHashes: Iterable<Uint8Array>, capacityHint?: number): MerkleTree {
    const t = new MerkleTree(capacityHint ?? (Array.isArray(leafHashes) ? leafHashes.length : undefined));
    for (const h of leafHashes) t.append(h);
    return t;
  }

  get size(): number {
    return this.#size;
  }

  /** Appends a 32-byte leaf hash and returns its index. O(1) node hashes amortised. */
  append(leafHash: Uint8Array): number {
    if (leafHash.length !== HASH_SIZE) throw new RangeError("leaf hash must be 32 bytes");
    const index = this.#size;
    this.#write(0, index, leafHash);
    let i = index;
    let k = 0;
    // Each completed pair of level-k subtrees yields a level-(k+1) subtree.
    while (i % 2 === 1) {
      const row = this.#levels[k];
      const parent = nodeHashAt(row, (i - 1) * HASH_SIZE, row, i * HASH_SIZE);
      i = (i - 1) / 2;
      k++;
      this.#write(k, i, parent);
    }
    this.#size = index + 1;
    return index;
  }

  /**
   * Hashes a leaf input (RFC 6962 leaf hash) and appends it; returns its index. Same as append(leafHash(input))
   * without the intermediate copy: the auditor rebuilds a million leaves this way.
   */
  appendLeafInput(input: Uint8Array): number {
    return this.append(leafHashRaw(input));
  }

  /** Leaf hash at `index` (a copy). */
  leafHash(index: number): Uint8Array {
    const [m] = checkIndex(index, this.#size, this.#size);
    return this.#read(0, m);
  }

  /** Root of the current tree. */
  root(): Uint8Array {
    return this.rootAt(this.#size);
  }

  /** Root of the tree as it was at `size` leaves. */
  rootAt(size: TreeSize): Uint8Array {
    const n = requireSize(size, "size");
    if (n > this.#size) throw new RangeError("size exceeds the number of leaves");
    return n === 0 ? EMPTY_ROOT.slice() : this.#rangeRoot(0, n);
  }

  inclusionProof(index: TreeSize, size: TreeSize = this.#size): Uint8Array[] {
    const [m, n] = checkIndex(index, size, this.#size);
    return pathFor((s, e) => this.#rangeRoot(s, e), m, n);
  }

  consistencyProof(size1: TreeSize, size2: TreeSize = this.#size): Uint8Array[] {
    const [m, n] = checkSizes(size1, size2, this.#size);
    return m === 0 || m === n ? [] : subproofFor((s, e) => this.#rangeRoot(s, e), m, n);
  }

  #rangeRoot(start: number, end: number): Uint8Array {
    const n = end - start;
    const k = log2Exact(n);
    if (k >= 0 && start % n === 0) return this.#read(k, start / n);
    const split = splitPoint(n);
    return nodeHash(this.#rangeRoot(start, start + split), this.#rangeRoot(start + split, end));
  }

  #read(level: number, i: number): Uint8Array {
    return this.#levels[level].slice(i * HASH_SIZE, (i + 1) * HASH_SIZE);
  }

  #write(level: number, i: number, h: Uint8Array): void {
    if (level === this.#levels.length) this.#levels.push(new Uint8Array(HASH_SIZE));
    let row = this.#levels[level];
    const end = (i + 1) * HASH_SIZE;
    if (end > row.length) {
      const grown = new Uint8Array(Math.max(end, row.length * 2));
      grown.set(row);
      this.#levels[level] = row = grown;
    }
    row.set(h, i * HASH_SIZE);
  }
}
