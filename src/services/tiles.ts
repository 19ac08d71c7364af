// The log served as C2SP tlog-tiles, computed from the store's leaves. Full tiles never change, so full tiles above
// level 0 are kept in memory (one 8 KiB tile per 65,536 leaves); level-0 tiles and entry bundles are one indexed
// range read each.
import { concatHashes, encodeEntryBundle, leavesPerHash, MAX_ENTRY_BYTES, perfectRoot, splitHashes, TILE_WIDTH, tileWidthAt, type TileRef } from "../log/tiles.js";
import type { Queryable } from "../store/db.js";
import { logSize } from "../store/log-repo.js";
import { tileLeafHashes, tileLeafInputs } from "../store/tiles-repo.js";
import { notFound } from "./errors.js";

export interface TileReply {
  bytes: Uint8Array;
  /** Full tiles are immutable; partial ones are replaced by wider ones as the log grows. */
  full: boolean;
}

export class TileService {
  readonly #full = new Map<string, Uint8Array>();
  constructor(private readonly db: Queryable) {}

  /** The tile `t` in the tree as it is now; 404 when the log does not yet have that many leaves. */
  async tile(t: TileRef): Promise<TileReply> {
    const size = await logSize(this.db);
    const width = t.partial ?? TILE_WIDTH;
    const available = tileWidthAt(t.level === "entries" ? 0 : t.level, t.index, size);
    if (available < width) throw notFound("the log has no such tile yet");
    const bytes = t.level === "entries" ? await this.#entries(t.index, width) : await this.#hashTile(t.level, t.index, width);
    return { bytes, full: width === TILE_WIDTH };
  }

  async #entries(index: number, width: number): Promise<Uint8Array> {
    const enc = new TextEncoder();
    const inputs = (await tileLeafInputs(this.db, index * TILE_WIDTH, index * TILE_WIDTH + width)).map((s) => enc.encode(s));
    if (inputs.some((e) => e.length > MAX_ENTRY_BYTES)) throw new Error("a leaf input exceeds the entry-bundle limit");
    return encodeEntryBundle(inputs);
  }

  /** Hashes of level 8·L, indices [index·256, index·256 + width). */
  async #hashTile(level: number, index: number, width: number): Promise<Uint8Array> {
    const key = `${level}/${index}`;
    const cached = this.#full.get(key);
    if (cached) return cached.slice(0, width * 32);
    let hashes: Uint8Array[];
    if (level === 0) hashes = await tileLeafHashes(this.db, index * TILE_WIDTH, index * TILE_WIDTH + width);
    else if (level === 1) {
      // One range read of the leaves below, hashed 256 at a time into level-8 nodes.
      const leaves = await tileLeafHashes(this.db, index * leavesPerHash(1) * TILE_WIDTH, (index * TILE_WIDTH + width) * leavesPerHash(1));
      hashes = [];
      for (let j = 0; j < width; j++) hashes.push(perfectRoot(leaves.slice(j * TILE_WIDTH, (j + 1) * TILE_WIDTH)));
    } else {
      hashes = [];
      for (let j = 0; j < width; j++) hashes.push(perfectRoot(splitHashes(await this.#hashTile(level - 1, index * TILE_WIDTH + j, TILE_WIDTH))));
    }
    const bytes = concatHashes(hashes);
    if (level > 0 && width === TILE_WIDTH) this.#full.set(key, bytes);
    return bytes;
  }
}

/** One leaf's input as stored (what a tlog-proof file carries in its extra line). */
export async function leafInputAt(q: Queryable, index: number): Promise<string | undefined> {
  const [input] = await tileLeafInputs(q, index, index + 1);
  return input;
}
