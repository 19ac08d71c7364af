// The store suite runs on every backend we support: embedded PGlite always, and a real PostgreSQL
// server when TEST_DATABASE_URL is set (CI sets it; in CI its absence is an error, not a silent skip).
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { Db } from "../../src/store/db.js";
import { migrate } from "../../src/store/migrate.js";
import { openPg } from "../../src/store/pg.js";
import { openPglite } from "../../src/store/pglite.js";
import { openPgliteThread } from "../../src/store/pglite-thread.js";

export interface Backend {
  name: "pglite" | "pglite-thread" | "pg";
  /** A fresh, migrated, empty database (a new schema on the server). */
  open(): Promise<Db>;
  /** A URL for the same fresh schema, for tests that start a server process (pg only). */
  url?: () => Promise<string>;
}

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;
if (process.env.CI && !TEST_DATABASE_URL) throw new Error("CI must set TEST_DATABASE_URL: the store suite has to run on a real PostgreSQL");

export async function freshSchemaUrl(base = TEST_DATABASE_URL!): Promise<string> {
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
  ...(TEST_DATABASE_URL
    ? [
        {
          name: "pg" as const,
          async open() {
            const db = await openPg(await freshSchemaUrl());
            await migrate(db);
            return db;
          },
          url: () => freshSchemaUrl(),
        },
      ]
    : []),
];
