// `anxin sessions revoke --address a`: the operator ends every session of an address (a lost device, a leaked
// token, a departing staff member). Works straight on the store (data dir or DATABASE_URL), like `index rebuild`:
// on PostgreSQL while the servers run (each stops honouring a revoked session within 2 s); on the embedded PGlite
// stop the server first. Revoking needs no key: a row can be ended by anyone who may write the database, never made.
import type { Command } from "commander";
import { isAddress } from "ethers";
import { loadConfig } from "../../config.js";
import { openStore } from "../../store/index.js";
import { DataDirLockedError, lockDataDir } from "../../data-dir-lock.js";
import { liveSessionCount, revokeSessionsOf } from "../../store/session-repo.js";
import { CliError, printResult } from "../io.js";

export function register(program: Command) {
  const sessions = program.command("sessions").description("server-side sign-in sessions");
  sessions
    .command("revoke")
    .description("revoke every session of an address (stop an embedded server first; live on PostgreSQL)")
    .requiredOption("--address <address>", "the 0x address whose sessions end")
    .option("--data-dir <dir>", "data directory (env ANXIN_DATA_DIR, default ./data)")
    .option("--json", "machine-readable output")
    .action(async (opts: { address: string; dataDir?: string; json?: boolean }) => {
      if (!isAddress(opts.address)) throw new CliError("--address must be a 0x address", 2);
      const address = opts.address.toLowerCase();
      const cfg = loadConfig(process.env, { dataDir: opts.dataDir });
      // The embedded database belongs to one process at a time: refuse while a server holds the data directory.
      let unlock = () => {};
      if (!cfg.databaseUrl) {
        try {
          unlock = lockDataDir(cfg.dataDir);
        } catch (e) {
          if (e instanceof DataDirLockedError) throw new CliError(`${e.message} (on the embedded store, revoke with the server stopped; on PostgreSQL it runs live)`);
          throw e;
        }
      }
      let db;
      try {
        db = await openStore({ ...cfg, pgliteThread: false });
      } catch (e) {
        unlock();
        throw new CliError(`cannot open the store (${(e as Error).message.split("\n")[0]})`);
      }
      try {
        const revoked = await revokeSessionsOf(db, address);
        const live = await liveSessionCount(db, address);
        printResult(!!opts.json, { address, revoked, live }, () => `revoked ${revoked} session${revoked === 1 ? "" : "s"} of ${address}; live now: ${live}`);
      } finally {
        await db.close();
        unlock();
      }
    });
}
