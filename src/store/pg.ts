import pg from "pg";
import type { Db, Queryable } from "./db.js";
import { StoreUnavailableError, isUnavailable } from "./db.js";

// bigint (int8) as JS string would surprise callers: our counters stay below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export async function openPg(url: string, max = 10): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5000 });
  // An idle client losing its server must not crash the process: the next query reports 503.
  pool.on("error", () => {});
  // A checked-out client whose server goes away (terminated backend, restart) emits "error" outside any query:
  // without a listener that is an uncaught exception that ends the process. The next query on it fails instead.
  pool.on("connect", (client) => client.on("error", () => {}));
  const run = async <T>(q: pg.Pool | pg.PoolClient, sql: string, params?: unknown[]) => {
    try {
      return (await q.query(sql, params as any[])).rows as T[];
    } catch (e) {
      throw isUnavailable(e) ? new StoreUnavailableError(e) : e;
    }
  };
  const connect = async () => {
    try {
      return await pool.connect();
    } catch (e) {
      throw new StoreUnavailableError(e);
    }
  };
  return {
    kind: "pg",
    query: (sql, params) => run(pool, sql, params),
    exec: async (sql) => void (await run(pool, sql)),
    async tx(fn) {
      const client = await connect();
      let broken = false;
      try {
        await run(client, "BEGIN");
        const q: Queryable = { query: (sql, params) => run(client, sql, params), exec: async (sql) => void (await run(client, sql)) };
        const result = await fn(q);
        await run(client, "COMMIT");
        return result;
      } catch (e) {
        try {
          await client.query("ROLLBACK");
        } catch {
          broken = true;
        }
        throw e;
      } finally {
        client.release(broken);
      }
    },
    async withTryLock(key, fn) {
      const client = await connect();
      let broken = false;
      try {
        const [row] = await run<{ ok: boolean }>(client, "SELECT pg_try_advisory_lock($1) AS ok", [key]);
        if (!row.ok) return undefined;
        try {
          return await fn();
        } finally {
          // A connection that cannot unlock is dead (its session lock died with it): never return it to the pool.
          await client.query("SELECT pg_advisory_unlock($1)", [key]).catch(() => (broken = true));
        }
      } catch (e) {
        if (e instanceof StoreUnavailableError) broken = true;
        throw e;
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
