// One server per data directory: the embedded database and chain state belong to one process. A second server on
// the same directory would stop the first one's live chain and open its database under it; it is refused instead.
import { closeSync, openSync, readFileSync, rmSync, writeSync, mkdirSync } from "node:fs";
import path from "node:path";
import { processAlive } from "./process-alive.js";

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`another Anxin server (pid ${pid}) is using the data directory ${dataDir}: stop it first, or give this one its own ANXIN_DATA_DIR`);
    this.name = "DataDirLockedError";
  }
}

const held = new Set<string>();


/** Takes the data directory's lock (a file naming our pid); a lock left by a process that died is taken over. */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, "server.lock");
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, "wx", 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      held.add(file);
      return () => {
        if (held.delete(file)) rmSync(file, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) throw e;
      const pid = Number.parseInt(readFileSync(file, "utf8").trim(), 10);
      // Our own pid counts as live only when this process really holds the lock (a server not yet closed).
      const live = Number.isInteger(pid) && pid > 0 && (pid === process.pid ? held.has(file) : processAlive(pid));
      if (live) throw new DataDirLockedError(dataDir, pid);
      rmSync(file, { force: true }); // stale: its server was killed
    }
  }
}
