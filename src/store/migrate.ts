import type { Db } from "./db.js";
import { migrations as all, type Migration } from "./migrations/index.js";

const MIGRATION_LOCK = 0x616e7831; // "anx1": several instances starting together migrate once

/** Applies every migration not yet applied, each in its own transaction. Returns the versions applied. */
export async function migrate(db: Db, list: Migration[] = all): Promise<number[]> {
  const sorted = [...list].sort((a, b) => a.version - b.version);
  sorted.forEach((m, i) => {
    if (i > 0 && m.version === sorted[i - 1].version) throw new Error(`duplicate migration version ${m.version}`);
  });
  await db.query(
    `CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
  );
  const applied: number[] = [];
  await db.tx(async (q) => {
    await q.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    const done = new Set((await q.query<{ version: number }>("SELECT version FROM schema_migrations")).map((r) => Number(r.version)));
    for (const m of sorted) {
      if (done.has(m.version)) continue;
      await q.exec(m.sql);
      await q.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [m.version, m.name]);
      applied.push(m.version);
    }
  });
  return applied;
}

export async function schemaVersion(db: Db): Promise<number> {
  const [row] = await db.query<{ v: number | null }>("SELECT max(version) AS v FROM schema_migrations");
  return Number(row?.v ?? 0);
}
