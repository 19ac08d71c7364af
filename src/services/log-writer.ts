// Every acknowledged write commits its data and its log leaves in ONE transaction. To reach thousands of
// writes per second on an embedded store, concurrent writes are group-committed: the writer takes all queued
// units, runs each inside a savepoint of one transaction (a failing unit rolls back alone), and commits once.
// High-rate writes of one kind (record versions) can also be submitted as items of a BatchHandler: all queued items
// of that handler run as one set-based step (a few statements for the whole group instead of a savepoint and
// several statements per write); if that step throws, it is rolled back and every item runs alone as before.
// One hop: on the embedded store this process is the only writer, so it keeps the log head in memory instead of
// reading it (locked) at the start of every commit, and a group whose lookups its items already carry (checked
// before the transaction) sends everything without waiting — BEGIN, guards, inserts, leaves, head, COMMIT reach
// the store thread as one stream and only the commit is awaited. Guards fail the commit if the head or anything
// checked beforehand changed; the batch is then redone on the path with reads (head locked and read, lookups in the
// transaction), which decides every item exactly as before.
import type { LogEvent } from "../log/index.js";
import { send, StoreUnavailableError, type Db, type Queryable } from "../store/db.js";
import { cloneHead, guardHead, lockHead, stage, writeLeaves, type LogHead, type PendingLeaf } from "../store/log-repo.js";

export interface UnitCtx {
  q: Queryable;
  /** Appends an event to the log in this unit's transaction; returns its leaf index. */
  append(event: LogEvent): number;
}

type Unit<T> = {
  fn: (u: UnitCtx) => Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
  handler?: BatchHandler<any, T>;
  item?: unknown;
};

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Writes of one kind that can be applied to the store as a set. `run` gets every queued item of the group (in
 * submit order) inside the group's transaction and returns one outcome per item. It must leave no data and no
 * leaf for an item it fails (check all items first, then write the survivors); if it throws instead, all it did is
 * rolled back and each item goes through `single` in its own savepoint, which yields the exact per-item result.
 * `read`, if given, issues the group's lookups; the writer sends them together with the lock on the log head, so a
 * group commit on the threaded store costs two thread hops: reads, then writes + commit. `run` may write with
 * `send` (not awaited): if such a statement fails, the commit fails and the writer redoes the batch item by item.
 */
export interface BatchHandler<I, T, R = unknown> {
  read?(q: Queryable, items: I[]): Promise<R>;
  /**
   * One hop (head in memory): the group's lookups from what its items carry, or undefined if the store must be
   * read. `guard` sends statements that fail the transaction if anything those lookups relied on no longer holds at
   * commit (the batch is then redone with `read`); it must also cover what the store would have refused otherwise.
   */
  known?(items: I[]): { read: R; guard(q: Queryable): Promise<void> } | undefined;
  run(u: UnitCtx, items: I[], read: R): Promise<Outcome<T>[]>;
  single(u: UnitCtx, item: I): Promise<T>;
}

export interface LogWriterOptions {
  /** Upper bound of units per transaction. */
  maxBatch?: number;
  /** Called after each commit with the new log size (the anchoring worker listens). */
  onCommit?: (size: number) => void;
  /** Keep the log head in memory between commits (one hop; guarded). Default: on the embedded store, where this
   *  process is the only writer; on PostgreSQL several instances append, so each commit reads the head. */
  cacheHead?: boolean;
}

/** cached: head from memory, known lookups (one hop); read: head locked and read, lookups read (two hops);
 *  single: like read, every unit on its own (exact outcome of each). */
type Mode = "cached" | "read" | "single";

export class LogWriter {
  #queue: Unit<any>[] = [];
  #running = false;
  /** Set while the drain loop waits for in-flight batches: a new write wakes it. */
  #wake: (() => void) | undefined;
  readonly #maxBatch: number;
  readonly #cacheHead: boolean;
  /** The head as it will be once every batch staged so far commits; undefined: read it in the next transaction. */
  #head: LogHead | undefined;
  /** Commits by path (one hop, with reads, item by item) and batches redone after a failed attempt (bench, tests). */
  readonly stats = { cached: 0, read: 0, single: 0, redone: 0 };

  constructor(
    private readonly db: Db,
    private readonly opts: LogWriterOptions = {},
  ) {
    this.#maxBatch = opts.maxBatch ?? 256;
    this.#cacheHead = opts.cacheHead ?? db.kind === "pglite";
  }

  /** Runs fn in a transaction with log appends; resolves only after the commit. */
  submit<T>(fn: (u: UnitCtx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ fn, resolve, reject });
      this.#kick();
    });
  }

  /** Like submit(item ⇒ handler.single), but queued items of the same handler are applied together (see BatchHandler). */
  submitBatched<I, T>(handler: BatchHandler<I, T>, item: I): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ fn: (u) => handler.single(u, item), resolve, reject, handler, item });
      this.#kick();
    });
  }

  #kick() {
    if (!this.#running) void this.#drain();
    else this.#wake?.();
  }

  async #drain() {
    this.#running = true;
    try {
      // Let requests already read in this turn of the event loop queue up first: they join this commit.
      await new Promise((r) => setImmediate(r));
      // Two batches overlap: while one writes and commits, the next one's transaction opens and does its lookups
      // (the store runs them right after the commit). Without this, the store waits for the HTTP thread between
      // every two commits. The store serialises the transactions (one PGlite; the log head row lock on PostgreSQL),
      // so the second sees everything the first committed.
      const inFlight = new Set<Promise<void>>();
      for (;;) {
        if (this.#queue.length > 0) {
          if (inFlight.size >= 2) {
            await Promise.race(inFlight);
            continue;
          }
          const batch = this.#queue.splice(0, this.#maxBatch);
          let looked!: () => void;
          const lookedUp = new Promise<void>((r) => (looked = r));
          const done: Promise<void> = this.#runBatch(batch, looked).finally(() => inFlight.delete(done));
          inFlight.add(done);
          await Promise.race([lookedUp, done]);
          continue;
        }
        // Checked synchronously right before `running` is cleared: a write queued after this starts a new drain.
        if (inFlight.size === 0) break;
        // Nothing queued: wait until a batch finishes or a write arrives (it joins with its turn's peers).
        const arrived = new Promise<void>((r) => (this.#wake = r));
        await Promise.race([...inFlight, arrived]);
        this.#wake = undefined;
        if (this.#queue.length > 0) await new Promise((r) => setImmediate(r));
      }
    } finally {
      this.#running = false;
    }
  }

  async #runBatch(batch: Unit<any>[], looked: () => void) {
    const modes: Mode[] = this.#head ? ["cached", "read", "single"] : ["read", "single"];
    let error: unknown;
    for (const [i, mode] of modes.entries()) {
      try {
        await this.#commit(batch, mode, looked);
        return;
      } catch (e) {
        error = e;
        this.#head = undefined; // a guard failed (or the store): the next batch reads the head
        const cause = e instanceof GroupFailed ? e.cause : e;
        // Store down: no retry. On the path with reads, only a group whose unawaited statements failed is redone
        // item by item (a unit's own error stands); a one-hop batch is redone in any case (a guard may have failed).
        if (cause instanceof StoreUnavailableError) break;
        if (mode === "read" && !(e instanceof GroupFailed)) break;
        if (i === modes.length - 1) break;
        this.stats.redone++;
      }
    }
    // The transaction itself failed (store down, conflict): nothing of this batch was committed.
    const cause = error instanceof GroupFailed ? error.cause : error;
    for (const unit of batch) unit.reject(cause);
  }

  /** One transaction for the batch; resolves or rejects every unit after the commit. */
  async #commit(batch: Unit<any>[], mode: Mode, looked: () => void) {
    const outcomes = new Map<Unit<any>, Outcome<unknown>>();
    const cached = mode === "cached";
    if (!cached) this.#head = undefined;
    let head!: LogHead;
    let size = 0;
    let sentGroups = false;
    try {
      await this.db.tx(async (q) => {
        // Groups of batchable items: one savepoint per group, not per write. A lone item is a group only if it
        // can go in one hop; otherwise `single` is cheaper than a set-based step of one.
        const groups = new Map<BatchHandler<any, any>, Unit<any>[]>();
        if (mode !== "single") for (const unit of batch) if (unit.handler) groups.set(unit.handler, [...(groups.get(unit.handler) ?? []), unit]);
        const plans = new Map<BatchHandler<any, any>, { read: unknown; guard(q: Queryable): Promise<void> }>();
        for (const [h, units] of groups) {
          const plan = cached ? h.known?.(units.map((x) => x.item)) : undefined;
          if (plan) plans.set(h, plan);
          else if (units.length < 2) groups.delete(h);
        }
        let reads: unknown[];
        if (cached) {
          // Sent first, so the lock on the head is taken before anything is written; none of it is awaited.
          // (Forgotten since this batch was queued, after another's failure: redone with the head read.)
          if (!this.#head) throw new Error("the log head is no longer known");
          head = cloneHead(this.#head);
          await guardHead(q, head);
          for (const plan of plans.values()) await plan.guard(q);
          reads = await allOrFirstError([...groups].map(([h, units]) => (plans.has(h) ? plans.get(h)!.read : h.read?.(q, units.map((x) => x.item)))));
        } else {
          // The head lock and every group's lookups leave together (one round trip on the threaded store).
          const [headRow, ...rest] = await allOrFirstError([lockHead(q), ...[...groups].map(([h, units]) => h.read?.(q, units.map((x) => x.item)))]);
          head = headRow as LogHead;
          reads = rest;
        }
        const leaves: PendingLeaf[] = [];
        const u: UnitCtx = { q, append: (e) => pushLeaf(head, leaves, e) };
        // Without a savepoint, a lone unit's error fails the transaction; in one hop it must not (that would redo it).
        const single = batch.length === 1 && !cached;
        for (const [g, [handler, units]] of [...groups].entries()) {
          const read = reads[g];
          const before = head.range.clone();
          const mark = leaves.length;
          await send(q, "SAVEPOINT grp");
          let results: Outcome<unknown>[] | undefined;
          try {
            results = await handler.run(u, units.map((x) => x.item), read);
            if (results.length !== units.length) throw new Error("batch handler returned a wrong number of outcomes");
            await send(q, "RELEASE SAVEPOINT grp");
            sentGroups ||= q.send !== undefined;
          } catch {
            // Rolled back as a whole: its items run one by one below, each with its own exact outcome.
            await q.query("ROLLBACK TO SAVEPOINT grp");
            restore(head, before);
            leaves.length = mark;
            results = undefined;
          }
          if (results) units.forEach((x, i) => outcomes.set(x, results![i]));
        }
        for (const unit of batch) {
          if (outcomes.has(unit)) continue;
          // A savepoint per unit: one bad write must not fail the others that share the commit.
          const before = head.range.clone();
          const mark = leaves.length;
          if (!single) await send(q, "SAVEPOINT unit");
          try {
            const value = await unit.fn(u);
            if (!single) await send(q, "RELEASE SAVEPOINT unit");
            outcomes.set(unit, { ok: true, value });
          } catch (error) {
            if (single) throw error;
            await q.query("ROLLBACK TO SAVEPOINT unit");
            restore(head, before);
            leaves.length = mark;
            outcomes.set(unit, { ok: false, error });
          }
        }
        await writeLeaves(q, head, leaves);
        size = head.size;
        // Staged: the next batch may open its transaction (the store runs it after this commit) and, keeping the
        // head in memory, stage after these leaves; if this commit fails, that batch's head guard fails too.
        if (this.#cacheHead) this.#head = cloneHead(head);
        looked();
      });
    } catch (error) {
      if (sentGroups) throw new GroupFailed(error);
      throw error;
    }
    this.stats[mode]++;
    for (const unit of batch) {
      const o = outcomes.get(unit)!;
      if (o.ok) unit.resolve(o.value);
      else unit.reject(o.error);
    }
    this.opts.onCommit?.(size);
  }
}

/** Waits for every statement in flight (none may still run when the transaction rolls back), then throws the
 *  first failure or returns all values. */
async function allOrFirstError(ps: unknown[]): Promise<unknown[]> {
  const settled = await Promise.allSettled(ps);
  for (const r of settled) if (r.status === "rejected") throw r.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value);
}

/** The commit of a batch whose groups sent statements without waiting failed: the batch is redone item by item. */
class GroupFailed extends Error {
  constructor(readonly cause: unknown) {
    super("group commit failed");
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
