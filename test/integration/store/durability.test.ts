// Durable by default: the embedded store fsyncs (the host's fsync(2)) at every commit, once per group commit rather
// than once per statement, and the log writer acknowledges no write before the commit that holds it was synced.
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Db } from "../../../src/store/db.js";
import { migrate } from "../../../src/store/migrate.js";
import { openPglite } from "../../../src/store/pglite.js";
import { openPgliteThread } from "../../../src/store/pglite-thread.js";
import { LogWriter } from "../../../src/services/log-writer.js";
import { eventTime, type LogEvent } from "../../../src/log/index.js";

const ev = (i: number): LogEvent => ({ type: "record", id: `d${i}`, hash: i.toString(16).padStart(64, "0"), at: eventTime(1_800_000_000_000 + i) });

const onDisk: Array<[string, (dir: string) => Promise<Db>]> = [
  ["pglite", (dir) => openPglite(dir)],
  ["pglite-thread", (dir) => openPgliteThread(dir)],
];

for (const [name, open] of onDisk) {
  describe(`durability of the embedded store (${name}, on disk)`, function () {
    let dir: string;
    let db: Db;
    before(async () => {
      dir = mkdtempSync(path.join(tmpdir(), "anxin-durable-"));
      db = await open(dir);
      await migrate(db);
    });
    after(async () => {
      await db?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const syncs = () => db.syncCount!();

    it("runs PostgreSQL with fsync on", async () => {
      const [row] = await db.query<{ fsync: string }>("SHOW fsync");
      expect(row.fsync).to.equal("on");
    });

    it("syncs a lone commit, and a transaction of 100 statements once, not 100 times", async () => {
      let s = await syncs();
      await db.query("INSERT INTO meta (key, value) VALUES ('durable-1', 'x')");
      expect((await syncs()) - s).to.be.at.least(1);
      s = await syncs();
      await db.tx(async (q) => {
        for (let i = 0; i < 100; i++) await q.query("INSERT INTO meta (key, value) VALUES ($1, 'y')", [`durable-tx-${i}`]);
      });
      const delta = (await syncs()) - s;
      expect(delta).to.be.within(1, 3);
    });

    it("acknowledges no log write before a sync of the commit that holds it", async () => {
      const w = new LogWriter(db);
      const acked = await Promise.all(
        Array.from({ length: 60 }, async (_, i) => {
          const before = await syncs();
          await w.submit(async (u) => u.append(ev(i)));
          return { before, after: await syncs() };
        }),
      );
      const unsynced = acked.filter((a) => a.after <= a.before);
      expect(unsynced, "writes acknowledged without a sync").to.have.length(0);
    });
  });
}
