import type { PGlite } from "@electric-sql/pglite";
import { openDurablePglite } from "./pglite-durable.mjs";
import type { Db, Queryable } from "./db.js";
import { RowReader, simpleQuery } from "./pg-wire.js";

/** Embedded PostgreSQL (WASM) under a data directory; `dir` undefined = in memory (tests). */
export async function openPglite(dir?: string): Promise<Db> {
  const { pg, syncs } = openDurablePglite(dir);
  await pg.waitReady;
  const wrap = (q: { query: PGlite["query"]; exec: PGlite["exec"] }): Queryable => ({
    async exec(sql: string) {
      await q.exec(sql);
    },
    async query<T>(sql: string, params?: unknown[]) {
      const r = await q.query<T>(sql, params as any[]);
      return r.rows;
    },
  });
  return {
    kind: "pglite",
    ...wrap(pg),
    async syncCount() {
      return syncs();
    },
    // Raw wire protocol, streamed: the backend's output chunks are read in place (no result buffer, no strings).
    // Takes the same two locks as query(), so it never runs inside another caller's open transaction.
    async streamRows(sql, onRow) {
      if (pg.closed) throw new Error("PGlite is closed");
      const reader = new RowReader(onRow);
      await pg._runExclusiveTransaction(() =>
        pg.runExclusive(() => pg.execProtocolRawStream(simpleQuery(sql), { syncToFs: false, onRawData: (chunk) => reader.push(chunk) })),
      );
      return reader.finish();
    },
    tx: (fn) => pg.transaction((t) => fn(wrap(t))),
    // One embedded connection means one process: the lock is always ours, but we still serialise callers.
    async withTryLock(_key, fn) {
      return fn();
    },
    close: () => pg.close(),
  };
}
