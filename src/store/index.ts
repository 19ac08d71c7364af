import path from "node:path";
import type { Config } from "../config.js";
import type { Db } from "./db.js";
import { migrate } from "./migrate.js";
import { openPg } from "./pg.js";
import { openPglite } from "./pglite.js";
import { openPgliteThread } from "./pglite-thread.js";

export type { Db, Queryable } from "./db.js";
export { StoreUnavailableError } from "./db.js";

/**
 * Opens the configured store (pg when DATABASE_URL is set, PGlite under dataDir/db otherwise, on its own thread
 * unless pgliteThread is false) and migrates it.
 */
export async function openStore(cfg: Pick<Config, "databaseUrl" | "dataDir"> & { pgliteThread?: boolean }, onFailure?: (e: unknown) => void): Promise<Db> {
  const dir = path.join(cfg.dataDir, "db");
  const db = cfg.databaseUrl ? await openPg(cfg.databaseUrl) : cfg.pgliteThread === false ? await openPglite(dir) : await openPgliteThread(dir, onFailure);
  await migrate(db);
  return db;
}
