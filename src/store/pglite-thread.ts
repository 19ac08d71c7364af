// The embedded store on a worker thread (pglite-worker.mjs): the same Db as openPglite, but PGlite's CPU (protocol
// encoding, the WASM backend) no longer shares the event loop with HTTP. Each call is one message; rows come back
// by structured clone (Dates, bytea as Uint8Array, as PGlite returns them). Transactions keep PGlite's semantics:
// while one is open every other call waits in the worker, exactly as on the in-process driver.
import { Worker } from "node:worker_threads";
import type { Db, Queryable, RawRowHandler } from "./db.js";
import { StoreUnavailableError } from "./db.js";
import { RowReader, simpleQuery } from "./pg-wire.js";

type Reply = { id: number; error?: Record<string, string>; rows?: unknown[]; tx?: number; chunk?: Uint8Array; streamed?: boolean; syncs?: number };

interface Pending {
  resolve(r: Reply): void;
  reject(e: unknown): void;
  onChunk?(chunk: Uint8Array): void;
}

/** A PostgreSQL error as the worker reported it: message plus SQLSTATE and the other fields (code "23505", …). */
export class DatabaseError extends Error {
  code?: string;
  constructor(fields: Record<string, string>) {
    super(fields.message);
    Object.assign(this, fields);
    this.name = "DatabaseError";
  }
}

/** Where the returned Db keeps its worker (fault tests stop the thread to see what callers get). */
export const WORKER = Symbol.for("anxin.pglite.worker");

/** Unacknowledged bytes a bulk read may have in flight between the threads. */
const STREAM_WINDOW = 4 * 1024 * 1024;

/**
 * `onFailure` hears once if the thread dies (a WASM abort, out of memory): every call then fails with
 * StoreUnavailableError (HTTP 503, /healthz not ok) until the server is restarted; committed data is on disk.
 */
export async function openPgliteThread(dir?: string, onFailure?: (e: unknown) => void): Promise<Db> {
  const worker = new Worker(new URL("./pglite-worker.mjs", import.meta.url), { workerData: { dir } });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let failure: unknown;
  let closed = false;

  // Referenced only while calls are outstanding: an idle store must not keep a CLI process alive, and a pending
  // call must (the in-process driver behaves the same way).
  worker.unref();
  const settle = (id: number) => {
    pending.delete(id);
    if (pending.size === 0) worker.unref();
  };
  worker.on("message", (m: Reply) => {
    const p = pending.get(m.id);
    if (!p) return;
    if (m.chunk) return p.onChunk?.(m.chunk);
    settle(m.id);
    if (m.error) p.reject(new DatabaseError(m.error));
    else p.resolve(m);
  });
  const fail = (e: unknown) => {
    if (failure === undefined && !closed) onFailure?.(e);
    failure ??= e;
    for (const [id, p] of pending) {
      settle(id);
      p.reject(new StoreUnavailableError(e));
    }
  };
  worker.on("error", fail);
  worker.on("exit", (code) => fail(new Error(closed ? "the store is closed" : `the embedded database thread exited (${code})`)));

  function call(msg: Record<string, unknown>, onChunk?: (c: Uint8Array) => void, transfer?: ArrayBuffer[]): Promise<Reply> {
    if (failure !== undefined) return Promise.reject(new StoreUnavailableError(failure));
    const id = nextId++;
    return new Promise<Reply>((resolve, reject) => {
      if (pending.size === 0) worker.ref();
      pending.set(id, { resolve, reject, onChunk });
      worker.postMessage({ id, ...msg }, transfer);
    });
  }

  const queryable = (tx?: number, aborted?: { error?: unknown }): Queryable => ({
    async query<T>(sql: string, params?: unknown[]) {
      return (await call({ op: "query", sql, params, tx })).rows as T[];
    },
    async exec(sql: string) {
      await call({ op: "exec", sql, tx });
    },
    // In a transaction: queued behind the statements before it, not awaited (one thread hop less per statement);
    // its failure aborts the transaction, which then fails at commit with this error. The worker runs it as a
    // prepared statement and returns no rows ("send" in pglite-worker.mjs): cheaper than a query.
    ...(aborted && {
      send(sql: string, params?: unknown[]) {
        call({ op: "send", sql, params, tx }).catch((e) => (aborted.error ??= e));
      },
    }),
  });
  let nextTx = 1;

  await call({ op: "ready" });
  const db: Db & { [WORKER]: Worker } = {
    [WORKER]: worker,
    kind: "pglite",
    ...queryable(),
    async streamRows(sql: string, onRow: RawRowHandler) {
      const shared = new SharedArrayBuffer(4);
      const acked = new Int32Array(shared);
      const reader = new RowReader(onRow);
      const message = simpleQuery(sql);
      const onChunk = (chunk: Uint8Array) => {
        reader.push(chunk);
        Atomics.add(acked, 0, chunk.length);
        Atomics.notify(acked, 0);
      };
      await call({ op: "stream", message, window: { shared, bytes: STREAM_WINDOW } }, onChunk, [message.buffer as ArrayBuffer]);
      return reader.finish();
    },
    async tx<T>(fn: (q: Queryable) => Promise<T>) {
      // The transaction's first statements follow "begin" at once; the worker runs them once it holds PGlite.
      const tx = nextTx++;
      const begun = call({ op: "begin", tx });
      const aborted: { error?: unknown } = {};
      let result: T;
      try {
        result = await fn(queryable(tx, aborted));
        if (aborted.error !== undefined) throw aborted.error;
      } catch (e) {
        await call({ op: "end", tx, commit: false }).catch(() => undefined);
        await begun; // a transaction that never started: that is the error to report
        throw e;
      }
      try {
        await call({ op: "end", tx, commit: true });
      } catch (e) {
        throw aborted.error ?? e;
      }
      await begun;
      return result;
    },
    // One embedded database means one process: the lock is always ours, but callers are still serialised by it.
    async withTryLock(_key, fn) {
      return fn();
    },
    async syncCount() {
      return (await call({ op: "syncs" })).syncs ?? 0;
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        if (failure === undefined) await call({ op: "close" });
      } finally {
        await worker.terminate();
      }
    },
  };
  return db;
}
