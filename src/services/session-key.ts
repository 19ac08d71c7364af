// The session signing key, kept out of the database: the file named by ANXIN_SESSION_KEY_FILE (instances share it
// through configuration, e.g. a mounted secret), or <dataDir>/session.key, created owner-only on first start.
import { randomBytes } from "node:crypto";
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { readSessionKeyFile, type Config } from "../config.js";

export function loadSessionKey(cfg: Pick<Config, "dataDir" | "sessionKeyFile">): { key: Buffer; file: string; created: boolean } {
  if (cfg.sessionKeyFile) return { key: readSessionKeyFile(cfg.sessionKeyFile), file: cfg.sessionKeyFile, created: false };
  const file = path.join(cfg.dataDir, "session.key");
  let created = false;
  try {
    mkdirSync(cfg.dataDir, { recursive: true });
    // "wx": two instances starting on one data directory never overwrite each other's key.
    writeFileSync(file, randomBytes(32).toString("hex") + "\n", { mode: 0o600, flag: "wx" });
    created = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  if (process.platform !== "win32" && (statSync(file).mode & 0o077) !== 0) {
    throw new Error(`the session key file ${file} is readable or writable by others: chmod 600 it (or name another with ANXIN_SESSION_KEY_FILE)`);
  }
  return { key: readSessionKeyFile(file), file, created };
}
