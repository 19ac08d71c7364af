// C2SP tlog-tiles (c2sp.org/tlog-tiles): tile paths, tile widths and hash-tile contents, and entry bundles.
// Height 8: a level-L tile holds up to 256 consecutive hashes of tree level 8·L (level 0: the leaf hashes).
// Pure math; reading the leaves is the store's job.
import { HASH_SIZE, nodeHash } from "./hash.js";

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 256;
/** An entry in an entry bundle carries a uint16 length, so 64 KiB - 1 bytes at most. */
export const MAX_ENTRY_BYTES = 0xffff;
/** Levels tlog-tiles paths allow (0-63). */
export const MAX_TILE_LEVEL = 63;

export interface TileRef {
  /** A hash level 0-63, or "entries" for an entry bundle. */
  level: number | "entries";
  index: number;
  /** Width of a partial tile (1-255); undefined for a full tile. */
  partial?: number;
}

/** The path encoding of a tile index: 3-digit groups, all but the last prefixed "x" (1234067 → x001/x234/067). */
export function encodeTileIndex(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError("tile index must be a non-negative integer");
  let s = String(n % 1000).padStart(3, "0");
  for (let rest = Math.floor(n / 1000); rest > 0; rest = Math.floor(rest / 1000)) s = `x${String(rest % 1000).padStart(3, "0")}/${s}`;
  return s;
}

export function tilePath(t: TileRef): string {
  return `tile/${t.level}/${encodeTileIndex(t.index)}${t.partial ? `.p/${t.partial}` : ""}`;
}

/** Parses "<L>/<N>[.p/<W>]" (the part after "tile/"). Undefined when it is not a canonical tile path. */
export function parseTilePath(p: string): TileRef | undefined {
  const m = /^(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*)([0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/.exec(p);
  if (!m) return undefined;
  const level = m[1] === "entries" ? "entries" : Number(m[1]);
  if (level !== "entries" && level > MAX_TILE_LEVEL) return undefined;
  const groups = [...m[2].split("/").filter(Boolean).map((g) => g.slice(1)), m[3]];
  if (groups.length > 1 && groups[0] === "000") return undefined; // not canonical: leading zero group
  let index = 0;
  for (const g of groups) index = index * 1000 + Number(g);
  if (!Number.isSafeInteger(index)) return undefined;
  const partial = m[4] === undefined ? undefined : Number(m[4]);
  if (partial !== undefined && partial >= TILE_WIDTH) return undefined;
  return { level, index, partial };
}

/** Number of leaves one hash of a level-L tile covers: 256^L. */
export function leavesPerHash(level: number): number {
  return TILE_WIDTH ** level;
}

/** How many hashes tile (level, index) has in a tree of `size` leaves (0 when it does not exist yet, 256 when full). */
export function tileWidthAt(level: number, index: number, size: number): number {
  const hashes = Math.floor(size / leavesPerHash(level)); // complete level-8L subtrees
  return Math.max(0, Math.min(TILE_WIDTH, hashes - index * TILE_WIDTH));
}

/** Root of a perfect subtree whose leaves (here: lower-level hashes) number a power of two. */
export function perfectRoot(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 0 || (hashes.length & (hashes.length - 1)) !== 0) throw new RangeError("a perfect subtree has 2^k nodes");
  let row = hashes.slice();
  while (row.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < row.length; i += 2) next.push(nodeHash(row[i], row[i + 1]));
    row = next;
  }
  return row[0];
}

/** Tile bytes: the hashes concatenated. */
export function concatHashes(hashes: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(hashes.length * HASH_SIZE);
  hashes.forEach((h, i) => out.set(h, i * HASH_SIZE));
  return out;
}

export function splitHashes(tile: Uint8Array): Uint8Array[] {
  if (tile.length % HASH_SIZE !== 0) throw new RangeError("a hash tile is a multiple of 32 bytes");
  const out: Uint8Array[] = [];
  for (let i = 0; i < tile.length; i += HASH_SIZE) out.push(tile.slice(i, i + HASH_SIZE));
  return out;
}

/** An entry bundle: each entry as a big-endian uint16 length and its bytes. */
export function encodeEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const e of entries) {
    if (e.length > MAX_ENTRY_BYTES) throw new RangeError("an entry exceeds the 64 KiB entry-bundle limit");
    n += 2 + e.length;
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const e of entries) {
    out[at] = e.length >> 8;
    out[at + 1] = e.length & 0xff;
    out.set(e, at + 2);
    at += 2 + e.length;
  }
  return out;
}

export function decodeEntryBundle(bundle: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bundle.length; ) {
    if (at + 2 > bundle.length) throw new RangeError("truncated entry length");
    const n = (bundle[at] << 8) | bundle[at + 1];
    if (at + 2 + n > bundle.length) throw new RangeError("truncated entry");
    out.push(bundle.slice(at + 2, at + 2 + n));
    at += 2 + n;
  }
  return out;
}
