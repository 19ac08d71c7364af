// Child of durability-strace.test.ts, run under strace: N group commits of 10 log writes each on the embedded store
// (its worker thread, on disk), bracketed by two access(2) calls on marker paths so the parent can count the
// fsync(2)/fdatasync(2) calls the kernel saw between them. Prints the writer's and the store's own counts.
import { accessSync } from "node:fs";
import { openPgliteThread } from "../../../src/store/pglite-thread.js";
import { migrate } from "../../../src/store/migrate.js";
import { LogWriter } from "../../../src/services/log-writer.js";
import { eventTime } from "../../../src/log/index.js";

const [dir, n, marker] = [process.argv[2], Number(process.argv[3]), process.argv[4]];
const mark = (name: string) => {
  try {
    accessSync(`${marker}-${name}`);
  } catch {
    // the path does not exist: only the system call matters
  }
};
const db = await openPgliteThread(dir);
await migrate(db);
const w = new LogWriter(db);
let k = 0;
const write = () => w.submit(async (u) => u.append({ type: "record", id: `s${k}`, hash: (k++).toString(16).padStart(64, "0"), at: eventTime(1_800_000_000_000 + k) }));
await write(); // reads the head once; the rest go in one hop
const commits = () => w.stats.cached + w.stats.read + w.stats.single;
const [c0, s0] = [commits(), await db.syncCount!()];
mark("start");
const acked: boolean[] = [];
for (let i = 0; i < n; i++) {
  const before = await db.syncCount!();
  await Promise.all(Array.from({ length: 10 }, write));
  acked.push((await db.syncCount!()) > before);
}
mark("end");
const out = { commits: commits() - c0, writes: 10 * n, counted: (await db.syncCount!()) - s0, ackedWithoutSync: acked.filter((x) => !x).length, oneHop: w.stats.cached };
await db.close();
process.stdout.write(JSON.stringify(out) + "\n");
