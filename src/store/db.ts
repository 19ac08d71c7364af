// The store speaks one SQL dialect (PostgreSQL) over two drivers: embedded PGlite or a pg Pool.
/**
 * One row of a bulk read, as PostgreSQL's text output: field i is bytes[bounds[2i], bounds[2i + 1]) (both -1 for
 * NULL). `bytes` and `bounds` are reused: valid only during the call.
 */
export type RawRowHandler = (bytes: Uint8Array, bounds: Int32Array) => void;

export interface Queryable {
  query<T = Record<string, any>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Optional fast path for reading many rows (embedded PGlite only): runs one statement without parameters and
   * hands every row's fields to onRow as raw UTF-8 bytes, no JS strings or row objects. Returns the row count.
   * Callers keep a paged query() fallback for drivers without it.
   */
  streamRows?(sql: string, onRow: RawRowHandler): Promise<number>;
  /**
   * Optional, inside a transaction only: run a statement whose result is not needed, after the ones before it,
   * without waiting for it. If it fails, the transaction fails at commit. Use through `send()` below.
   * Parameters as for query(), except that a json/jsonb parameter takes its JSON as a string: the threaded
   * driver encodes by the JS value, not the column type, so an array would become a PostgreSQL array.
   */
  send?(sql: string, params?: unknown[]): void;
}

/** q.send when the driver pipelines, else an awaited query: same effect, fewer round trips where it can. */
export async function send(q: Queryable, sql: string, params?: unknown[]): Promise<void> {
  if (q.send) q.send(sql, params);
  else await q.query(sql, params);
}

/** Whether the store answers a trivial statement (health checks). */
export async function ping(q: Queryable): Promise<boolean> {
  return q.query("SELECT 1").then(() => true, () => false);
}

export interface Db extends Queryable {
  readonly kind: "pglite" | "pg";
  /** Runs fn in one transaction: everything commits together or nothing does. */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /** Runs fn while holding a session-level advisory lock, if it can be taken; otherwise returns undefined. */
  withTryLock<T>(key: number, fn: () => Promise<T>): Promise<T | undefined>;
  /** The embedded store: fsync(2) calls made so far (a PostgreSQL server keeps its own counters). */
  syncCount?(): Promise<number>;
  close(): Promise<void>;
}

/** The store is unreachable (server down, connection refused): callers answer 503, not 500. */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super("the database is unavailable");
    this.name = "StoreUnavailableError";
    this.cause = cause;
  }
}

// 53300: too many connections; 57P0x: the server is shutting down, restarting or terminated us.
const UNAVAILABLE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "57P01", "57P02", "57P03", "08000", "08003", "08006", "08001", "08004", "53300"]);

export function isUnavailable(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  if (err?.code && UNAVAILABLE_CODES.has(err.code)) return true;
  // 55000 with this message: the database refuses connections (ALLOW_CONNECTIONS false, maintenance).
  return /Connection terminated|connect ECONNREFUSED|Client has encountered a connection error|timeout exceeded when trying to connect|is not currently accepting connections/i.test(err?.message ?? "");
}
