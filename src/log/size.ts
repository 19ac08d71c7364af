// Tree sizes and indices are uint64 on chain; in TypeScript they are numbers limited to 2^53 - 1 (a log never
// gets near that). bigint is accepted so values read from ethers can be passed straight through.

export type TreeSize = number | bigint;

/** Returns `v` as a safe non-negative integer number, or undefined when it is not one. */
export function toSafeSize(v: TreeSize): number | undefined {
  if (typeof v === "bigint") {
    return v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
  }
  return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

/** Like toSafeSize but throws a RangeError naming `what` (used by proof generation, where bad input is a bug). */
export function requireSize(v: TreeSize, what: string): number {
  const n = toSafeSize(v);
  if (n === undefined) throw new RangeError(`${what} must be a non-negative safe integer`);
  return n;
}

/** Largest power of two strictly below n (n >= 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}
