// Every acknowledged write commits its data and its log leaves in ONE transaction. To reach thousands of
// writes per second on an embedded store, concurrent writes are group-committed: the writer takes all queued
// units, runs each inside a savepoint of one transaction (a failing unit rolls back alone), and commits once.
import type { LogEvent } from "../log/index.js";
import type { Db, Queryable } from "../store/db.js";
import { lockHead, stage, writeLeaves, type LogHead, type PendingLeaf } from "../store/log-repo.js";

export interface UnitCtx {
  q: Queryable;
  /** Appends an event to the log in this unit's transaction; returns its leaf index. */
  append(event: LogEvent): number;
}

type Unit<T> = { fn: (u: UnitCtx) => Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void };

export interface LogWriterOptions {
  /** Upper bound of units per transaction. */
  maxBatch?: number;
  /** Called after each commit with the new log size (the anchoring worker listens). */
  onCommit?: (size: number) => void;
}

export class LogWriter {
  #queue: Unit<any>[] = [];
  #running = false;
  readonly #maxBatch: number;

  constructor(
    private readonly db: Db,
    private readonly opts: LogWriterOptions = {},
  ) {
    this.#maxBatch = opts.maxBatch ?? 256;
  }

  /** Runs fn in a transaction with log appends; resolves only after the commit. */
  submit<T>(fn: (u: UnitCtx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ fn, resolve, reject });
      if (!this.#running) void this.#drain();
    });
  }

  async #drain() {
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#maxBatch);
        await this.#runBatch(batch);
      }
    } finally {
      this.#running = false;
    }
  }

  async #runBatch(batch: Unit<any>[]) {
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    let size = 0;
    try {
      await this.db.tx(async (q) => {
        const head = await lockHead(q);
        const leaves: PendingLeaf[] = [];
        const single = batch.length === 1;
        for (const unit of batch) {
          // A savepoint per unit: one bad write must not fail the others that share the commit.
          const before = head.range.clone();
          const mark = leaves.length;
          if (!single) await q.query("SAVEPOINT unit");
          try {
            const value = await unit.fn({ q, append: (e) => pushLeaf(head, leaves, e) });
            if (!single) await q.query("RELEASE SAVEPOINT unit");
            outcomes.push({ ok: true, value });
          } catch (error) {
            if (single) throw error;
            await q.query("ROLLBACK TO SAVEPOINT unit");
            restore(head, before);
            leaves.length = mark;
            outcomes.push({ ok: false, error });
          }
        }
        await writeLeaves(q, head, leaves);
        size = head.size;
      });
    } catch (error) {
      // The transaction itself failed (store down, conflict): nothing of this batch was committed.
      for (const u of batch) u.reject(error);
      return;
    }
    batch.forEach((u, i) => {
      const o = outcomes[i];
      if (o.ok) u.resolve(o.value);
      else u.reject(o.error);
    });
    this.opts.onCommit?.(size);
  }
}

function pushLeaf(head: LogHead, leaves: PendingLeaf[], e: LogEvent): number {
  const leaf = stage(head, e);
  leaves.push(leaf);
  return leaf.index;
}

function restore(head: LogHead, before: import("../log/index.js").CompactRange) {
  head.range = before;
  head.size = before.size;
}
