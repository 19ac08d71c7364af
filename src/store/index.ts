import path from "node:path";
import type { Config } from "../config.js";
import type { Db } from "./db.js";
import { migrate } from "./migrate.js";
import { openPg } from "./pg.js";
import { openPglite } from "./pglite.js";

export type { Db, Queryable } from "./db.js";
export { StoreUnavailableError } from "./db.js";

/** Opens the configured store (pg when DATABASE_URL is set, PGlite under dataDir/db otherwise) and migrates it. */
export async function openStore(cfg: Pick<Config, "databaseUrl" | "dataDir">): Promise<Db> {
  const db = cfg.databaseUrl ? await openPg(cfg.databaseUrl) : await openPglite(path.join(cfg.dataDir, "db"));
  await migrate(db);
  return db;
}
