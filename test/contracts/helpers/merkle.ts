// A small RFC 6962 proof generator for contract tests and the gas bench (independent of src/log on purpose:
// the contracts are checked against a second implementation, not against the one they will be used with).
import { createHash } from "node:crypto";

export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

const LEAF = Uint8Array.of(0x00);
const NODE = Uint8Array.of(0x01);

export function hashLeaf(data: Uint8Array): Uint8Array {
  return sha256(LEAF, data);
}

export function hashNode(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(NODE, left, right);
}

/** Largest power of two strictly smaller than n (n >= 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * A tree over `leafHashes` with every complete aligned subtree hash precomputed level by level, so any
 * MTH(D[lo:hi]) used by RFC 6962 proofs costs O(log n). Building a 1,000,448-leaf tree takes about 2M hashes.
 */
export class MerkleTree {
  /** levels[k] holds the hashes of the complete subtrees of 2^k leaves, 32 bytes each, concatenated. */
  private readonly levels: Uint8Array[] = [];

  constructor(
    leafHashes: Uint8Array[] | ((i: number) => Uint8Array),
    readonly size: number = Array.isArray(leafHashes) ? leafHashes.length : 0,
  ) {
    const leafAt = Array.isArray(leafHashes) ? (i: number) => leafHashes[i] : leafHashes;
    const level0 = new Uint8Array(size * 32);
    for (let i = 0; i < size; i++) level0.set(leafAt(i), i * 32);
    this.levels.push(level0);
    for (let prev = level0; prev.length >= 64; ) {
      const count = Math.floor(prev.length / 64);
      const next = new Uint8Array(count * 32);
      for (let i = 0; i < count; i++) {
        next.set(hashNode(prev.subarray(i * 64, i * 64 + 32), prev.subarray(i * 64 + 32, i * 64 + 64)), i * 32);
      }
      this.levels.push(next);
      prev = next;
    }
  }

  leaf(i: number): Uint8Array {
    return this.levels[0].slice(i * 32, i * 32 + 32);
  }

  /** MTH(D[lo:hi]) per RFC 6962 §2.1. */
  rangeHash(lo: number, hi: number): Uint8Array {
    const n = hi - lo;
    if (n === 0) return sha256();
    if ((n & (n - 1)) === 0 && lo % n === 0) {
      const k = Math.log2(n);
      const i = lo / n;
      return this.levels[k].slice(i * 32, i * 32 + 32);
    }
    const k = splitPoint(n);
    return hashNode(this.rangeHash(lo, lo + k), this.rangeHash(lo + k, hi));
  }

  root(size = this.size): Uint8Array {
    return this.rangeHash(0, size);
  }

  /** PATH(m, D[0:size]) per RFC 6962 §2.1.1, leaf-to-root order. */
  inclusionProof(index: number, size = this.size): Uint8Array[] {
    const path = (m: number, lo: number, hi: number): Uint8Array[] => {
      const n = hi - lo;
      if (n <= 1) return [];
      const k = splitPoint(n);
      return m < k
        ? [...path(m, lo, lo + k), this.rangeHash(lo + k, hi)]
        : [...path(m - k, lo + k, hi), this.rangeHash(lo, lo + k)];
    };
    return path(index, 0, size);
  }

  /** PROOF(m, D[0:n]) per RFC 6962 §2.1.2. */
  consistencyProof(m: number, n = this.size): Uint8Array[] {
    const sub = (m: number, lo: number, hi: number, whole: boolean): Uint8Array[] => {
      const size = hi - lo;
      if (m === size) return whole ? [] : [this.rangeHash(lo, hi)];
      const k = splitPoint(size);
      return m <= k
        ? [...sub(m, lo, lo + k, whole), this.rangeHash(lo + k, hi)]
        : [...sub(m - k, lo + k, hi, false), this.rangeHash(lo, lo + k)];
    };
    if (m === 0 || m === n) return [];
    return sub(m, 0, n, true);
  }
}

/** Deterministic leaf data for benches and tests: "anxin-leaf-<i>". */
export function demoLeafHash(i: number): Uint8Array {
  return hashLeaf(new TextEncoder().encode(`anxin-leaf-${i}`));
}

export function hex(b: Uint8Array): string {
  return "0x" + Buffer.from(b).toString("hex");
}
