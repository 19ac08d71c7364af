// The store suite runs on every backend we support: embedded PGlite (in-process and on its worker thread) and a real
// PostgreSQL server, always: TEST_DATABASE_URL when set (CI: Debian's), else a throw-away one the tests start
// themselves (test/helpers/postgres.ts). Never a skip: without a server the pg cases fail saying how to provide one.
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { Db } from "../../src/store/db.js";
import { migrate } from "../../src/store/migrate.js";
import { openPg } from "../../src/store/pg.js";
import { openPglite } from "../../src/store/pglite.js";
import { openPgliteThread } from "../../src/store/pglite-thread.js";
import { testDatabaseUrl } from "./postgres.js";

export interface Backend {
  name: "pglite" | "pglite-thread" | "pg";
  /** A fresh, migrated, empty database (a new schema on the server). */
  open(): Promise<Db>;
  /** A URL for the same fresh schema, for tests that start a server process (pg only). */
  url?: () => Promise<string>;
}

export { testDatabaseUrl } from "./postgres.js";

/** A new, empty schema on the test server; the URL selects it through search_path. */
export async function freshSchemaUrl(base?: string): Promise<string> {
  base ??= await testDatabaseUrl();
  const schema = `t_${randomBytes(6).toString("hex")}`;
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  await c.query(`CREATE SCHEMA ${schema}`);
  await c.end();
  const u = new URL(base);
  u.searchParams.set("options", `-c search_path=${schema}`);
  return u.toString();
}

export const backends: Backend[] = [
  {
    name: "pglite",
    async open() {
      const db = await openPglite();
      await migrate(db);
      return db;
    },
  },
  {
    // What the server runs by default: the same PGlite behind a worker thread.
    name: "pglite-thread",
    async open() {
      const db = await openPgliteThread();
      await migrate(db);
      return db;
    },
  },
  {
    name: "pg",
    async open() {
      const db = await openPg(await freshSchemaUrl());
      await migrate(db);
      return db;
    },
    url: () => freshSchemaUrl(),
  },
];
