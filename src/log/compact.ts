// Compact range ("frontier"): the roots of the perfect subtrees that make up a tree of `size` leaves, largest
// first, one per set bit of `size`. Enough to append and to compute the root without the leaves.
import { EMPTY_ROOT, HASH_SIZE, nodeHashAt } from "./hash.js";
import { fromHex, isHash32Hex, toHex } from "./hex.js";
import { type TreeSize, requireSize } from "./size.js";

/** Persisted form of a CompactRange: `hashes` are lowercase hex, largest subtree first. */
export interface CompactRangeState {
  size: number;
  hashes: string[];
}

function copy32(h: Uint8Array): Uint8Array {
  const out = new Uint8Array(HASH_SIZE);
  out.set(h);
  return out;
}

function popcount(n: number): number {
  let c = 0;
  for (let x = n; x > 0; x = Math.floor(x / 2)) c += x % 2;
  return c;
}

export class CompactRange {
  #size = 0;
  readonly #hashes: Uint8Array[] = [];

  /** Number of leaves appended so far. */
  get size(): number {
    return this.#size;
  }

  /** Appends one 32-byte leaf hash. O(log n) worst case, O(1) node hashes amortised. */
  append(leafHash: Uint8Array): void {
    if (leafHash.length !== HASH_SIZE) throw new RangeError("leaf hash must be 32 bytes");
    let h = copy32(leafHash);
    // Like incrementing a binary counter: each trailing 1 bit of size merges two equal subtrees.
    for (let s = this.#size; s % 2 === 1; s = (s - 1) / 2) {
      const left = this.#hashes.pop()!;
      h = copy32(nodeHashAt(left, 0, h, 0));
    }
    this.#hashes.push(h);
    this.#size++;
  }

  /** RFC 6962 root of the leaves appended so far (SHA-256("") when empty). */
  root(): Uint8Array {
    const hs = this.#hashes;
    if (hs.length === 0) return copy32(EMPTY_ROOT);
    let r = hs[hs.length - 1];
    for (let i = hs.length - 2; i >= 0; i--) r = nodeHashAt(hs[i], 0, r, 0);
    return copy32(r);
  }

  /** The frontier hashes, largest subtree first (copies). */
  hashes(): Uint8Array[] {
    return this.#hashes.map(copy32);
  }

  toState(): CompactRangeState {
    return { size: this.#size, hashes: this.#hashes.map(toHex) };
  }

  toJSON(): CompactRangeState {
    return this.toState();
  }

  clone(): CompactRange {
    return CompactRange.fromState(this.toState());
  }

  /** Restores a persisted range; throws RangeError when the hash count does not match the size. */
  static fromState(state: CompactRangeState): CompactRange {
    const size = requireSize(state.size, "size");
    if (!Array.isArray(state.hashes) || state.hashes.length !== popcount(size)) {
      throw new RangeError("compact range needs one hash per set bit of size");
    }
    if (!state.hashes.every(isHash32Hex)) throw new RangeError("compact range hashes must be 64 lowercase hex digits");
    const cr = new CompactRange();
    cr.#size = size;
    for (const h of state.hashes) cr.#hashes.push(fromHex(h));
    return cr;
  }
}

function sortedTargets(sizes: readonly TreeSize[]): { order: number[]; values: number[] } {
  const values = sizes.map((s) => requireSize(s, "checkpoint size"));
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  return { order, values };
}

function exhausted(): never {
  throw new RangeError("leaf stream ended before the largest requested size");
}

/**
 * Roots of the tree at each of `sizes` (any order, duplicates allowed), in one pass over `leafHashes`.
 * Reads only as many leaves as the largest size. Result i is the root at sizes[i].
 */
export function rootsAt(leafHashes: Iterable<Uint8Array>, sizes: readonly TreeSize[]): Uint8Array[] {
  const { order, values } = sortedTargets(sizes);
  const out: Uint8Array[] = new Array(values.length);
  const cr = new CompactRange();
  const it = leafHashes[Symbol.iterator]();
  for (const i of order) {
    while (cr.size < values[i]) {
      const next = it.next();
      if (next.done) exhausted();
      cr.append(next.value);
    }
    out[i] = cr.root();
  }
  return out;
}

/** rootsAt over an async stream (e.g. leaf hashes paged from a database by an adapter). */
export async function rootsAtAsync(
  leafHashes: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  sizes: readonly TreeSize[],
): Promise<Uint8Array[]> {
  const { order, values } = sortedTargets(sizes);
  const out: Uint8Array[] = new Array(values.length);
  const cr = new CompactRange();
  const it =
    Symbol.asyncIterator in leafHashes
      ? (leafHashes as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
      : (leafHashes as Iterable<Uint8Array>)[Symbol.iterator]();
  for (const i of order) {
    while (cr.size < values[i]) {
      const next = await it.next();
      if (next.done) exhausted();
      cr.append(next.value);
    }
    out[i] = cr.root();
  }
  return out;
}
