// An in-memory Merkle tree of the store's log (MerkleTree level cache, ~64 bytes per leaf), extended with the
// new leaves on demand. Serves roots and consistency/inclusion proofs for the anchoring worker, the reconciler and
// the proof routes without re-reading the whole log each time. The auditor does NOT use it: it rebuilds from
// the store on its own.
import { leafHashesIn, readHeadRow } from "../store/log-repo.js";
import { CompactRange, MerkleTree, bytesEqual } from "../log/index.js";
import type { Db, Queryable } from "../store/db.js";

const PAGE = 50_000;

/** The store's log does not agree with itself (a leaf row missing, changed or moved): never anchor it. */
export class LogIntegrityError extends Error {
  constructor(readonly detail: string) {
    super(`local log integrity: ${detail}`);
    this.name = "LogIntegrityError";
  }
}

export interface LogHeadState {
  size: number;
  root: Uint8Array;
}

export async function readHead(q: Queryable): Promise<LogHeadState> {
  const row = await readHeadRow(q);
  const state = row.frontier as Parameters<typeof CompactRange.fromState>[0];
  const range = Array.isArray(state) ? new CompactRange() : CompactRange.fromState(state);
  return { size: row.size, root: range.root() };
}

export class LogTreeCache {
  #tree = new MerkleTree(1024);
  #busy: Promise<unknown> = Promise.resolve();

  constructor(private readonly db: Db) {}

  /**
   * The tree holding at least the first `head.size` leaves, checked against the head's compact range (which every
   * append updates in the same transaction): a mismatch means the leaf rows were altered.
   */
  async upTo(head: LogHeadState): Promise<MerkleTree> {
    const run = this.#busy.then(() => this.#extend(head));
    this.#busy = run.catch(() => {});
    return run;
  }

  async #extend(head: LogHeadState): Promise<MerkleTree> {
    if (this.#tree.size > head.size) throw new LogIntegrityError(`the log shrank from ${this.#tree.size} to ${head.size} leaves`);
    for (let attempt = 0; attempt < 2; attempt++) {
      while (this.#tree.size < head.size) {
        const from = this.#tree.size;
        const to = Math.min(head.size, from + PAGE);
        const rows = await leafHashesIn(this.db, from, to);
        rows.forEach((r, i) => {
          if (r.idx !== from + i) throw new LogIntegrityError(`leaf ${from + i} is missing`);
          this.#tree.append(r.leafHash);
        });
        if (rows.length !== to - from) throw new LogIntegrityError(`leaf ${from + rows.length} is missing`);
      }
      if (bytesEqual(this.#tree.rootAt(head.size), head.root)) return this.#tree;
      // Maybe our cache is stale (rows changed after we read them): rebuild once from the store.
      this.#tree = new MerkleTree(Math.max(1024, head.size));
    }
    throw new LogIntegrityError(`the leaf rows do not reproduce the head's root at size ${head.size}`);
  }
}
