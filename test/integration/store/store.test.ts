import { expect } from "chai";
import { backends } from "../../helpers/db.js";
import { migrate, schemaVersion } from "../../../src/store/migrate.js";
import { migrations } from "../../../src/store/migrations/index.js";
import { openPg } from "../../../src/store/pg.js";
import { send, StoreUnavailableError, type Db } from "../../../src/store/db.js";
import { LogWriter, type BatchHandler } from "../../../src/services/log-writer.js";
import { readLeaves, logSize } from "../../../src/store/log-repo.js";
import { CompactRange, eventTime, leafHash, rootOf, type LogEvent } from "../../../src/log/index.js";

const ev = (i: number): LogEvent => ({ type: "record", id: `r${i}`, hash: i.toString(16).padStart(64, "0"), at: eventTime(1_800_000_000_000 + i) });

for (const backend of backends) {
  describe(`store on ${backend.name}`, function () {
    let db: Db;
    beforeEach(async () => (db = await backend.open()));
    afterEach(async () => db.close());

    it("applies every migration once and is idempotent on restart", async () => {
      expect(await schemaVersion(db)).to.equal(Math.max(...migrations.map((m) => m.version)));
      expect(await migrate(db)).to.deep.equal([]);
      const rows = await db.query("SELECT version FROM schema_migrations ORDER BY version");
      expect(rows.map((r) => Number(r.version))).to.deep.equal(migrations.map((m) => m.version).sort((a, b) => a - b));
    });

    it("rolls a failed transaction back completely", async () => {
      await db.query("INSERT INTO meta (key, value) VALUES ('a', '1')");
      let thrown: unknown;
      try {
        await db.tx(async (q) => {
          await q.query("UPDATE meta SET value = '2' WHERE key = 'a'");
          await q.query("INSERT INTO meta (key, value) VALUES ('b', '1')");
          throw new Error("boom");
        });
      } catch (e) {
        thrown = e;
      }
      expect((thrown as Error).message).to.equal("boom");
      const rows = await db.query<{ key: string; value: string }>("SELECT key, value FROM meta WHERE key IN ('a','b') ORDER BY key");
      expect(rows).to.deep.equal([{ key: "a", value: "1" }]);
    });

    it("appends log leaves densely, with the same root as the core tree", async () => {
      const w = new LogWriter(db);
      const idx = await Promise.all(Array.from({ length: 40 }, (_, i) => w.submit(async (u) => u.append(ev(i)))));
      expect([...idx].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 40 }, (_, i) => i));
      expect(await logSize(db)).to.equal(40);
      const leaves = await readLeaves(db, 0, 40);
      expect(leaves.map((l) => l.idx)).to.deep.equal(Array.from({ length: 40 }, (_, i) => i));
      const hashes = leaves.map((l) => new Uint8Array(l.leaf_hash));
      leaves.forEach((l, i) => expect(Buffer.from(hashes[i]).equals(Buffer.from(leafHash(new TextEncoder().encode(l.input))))).to.equal(true));
      const [head] = await db.query<{ frontier: string }>("SELECT frontier FROM log_head");
      const range = CompactRange.fromState(JSON.parse(head.frontier));
      expect(Buffer.from(range.root()).equals(Buffer.from(rootOf(hashes)))).to.equal(true);
    });

    it("isolates a failing write in a group commit: its data and leaves vanish, the others commit", async () => {
      const w = new LogWriter(db);
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          w.submit(async (u) => {
            await u.q.query("INSERT INTO meta (key, value) VALUES ($1, 'x')", [`k${i}`]);
            const at = u.append(ev(i));
            if (i % 3 === 1) throw new Error(`reject ${i}`);
            return at;
          }),
        ),
      );
      const ok = results.filter((r) => r.status === "fulfilled").map((r) => (r as PromiseFulfilledResult<number>).value);
      expect(results.filter((r) => r.status === "rejected")).to.have.length(3);
      expect([...ok].sort((a, b) => a - b)).to.deep.equal([0, 1, 2, 3, 4, 5, 6]);
      const keys = (await db.query<{ key: string }>("SELECT key FROM meta WHERE key LIKE 'k%' ORDER BY key")).map((r) => r.key);
      expect(keys).to.deep.equal(["k0", "k2", "k3", "k5", "k6", "k8", "k9"]);
      const refs = (await readLeaves(db, 0, 100)).map((l) => l.ref_id);
      expect(refs.sort()).to.deep.equal(["r0", "r2", "r3", "r5", "r6", "r8", "r9"]);
    });

    it("applies batched items set-based in one commit; a throwing batch step is undone and its items run one by one", async () => {
      const w = new LogWriter(db);
      let runs = 0;
      let singles = 0;
      const handler: BatchHandler<number, number> = {
        async run(u, items) {
          runs++;
          const keep = items.filter((i) => i % 4 !== 3);
          await u.q.query("INSERT INTO meta (key, value) SELECT k, 'b' FROM unnest($1::text[]) AS k", [keep.map((i) => `b${i}`)]);
          const at = new Map(keep.map((i) => [i, u.append(ev(i))]));
          // A step that wrote and then fails must leave nothing behind: the writer rolls it back and reruns singly.
          if (items.includes(5) && runs === 1) throw new Error("group step failed");
          return items.map((i) => (at.has(i) ? { ok: true as const, value: at.get(i)! } : { ok: false as const, error: new Error(`reject ${i}`) }));
        },
        async single(u, i) {
          singles++;
          if (i % 4 === 3) throw new Error(`reject ${i}`);
          await u.q.query("INSERT INTO meta (key, value) VALUES ($1, 's')", [`b${i}`]);
          return u.append(ev(i));
        },
      };
      const first = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => w.submitBatched(handler, i)));
      expect(first.map((r) => r.status)).to.deep.equal(["fulfilled", "fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled", "fulfilled", "rejected"]);
      expect(singles).to.be.greaterThan(0);
      const second = await Promise.allSettled([8, 9, 10, 11].map((i) => w.submitBatched(handler, i)));
      expect(second.map((r) => r.status)).to.deep.equal(["fulfilled", "fulfilled", "fulfilled", "rejected"]);
      const rows = await db.query<{ key: string; value: string }>("SELECT key, value FROM meta WHERE key LIKE 'b%'");
      expect(rows.map((r) => r.key).sort()).to.deep.equal(["b0", "b1", "b10", "b2", "b4", "b5", "b6", "b8", "b9"]);
      const refs = (await readLeaves(db, 0, 100)).map((l) => l.ref_id);
      expect(refs.sort()).to.deep.equal(["r0", "r1", "r10", "r2", "r4", "r5", "r6", "r8", "r9"]);
      expect(await logSize(db)).to.equal(9);
      const values = [...first, ...second].filter((r) => r.status === "fulfilled").map((r) => (r as PromiseFulfilledResult<number>).value);
      expect([...values].sort((a, b) => a - b)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    });

    it("redoes a batch item by item when a group statement sent without waiting fails at commit (unique violation)", async () => {
      const w = new LogWriter(db);
      await db.query("INSERT INTO meta (key, value) VALUES ('u3', 'taken')");
      let reads = 0;
      const handler: BatchHandler<number, number, string[]> = {
        async read(q, items) {
          reads++;
          return (await q.query<{ key: string }>("SELECT key FROM meta WHERE key = ANY($1::text[])", [items.map((i) => `u${i}`)])).map((r) => r.key);
        },
        async run(u, items, taken) {
          expect(taken).to.deep.equal(["u3"]);
          // Written blindly, as the record vault does: u3 exists already, so this statement fails — on the threaded
          // store only at commit, on the others right here. Either way the other items must commit, u3 must not.
          await send(u.q, "INSERT INTO meta (key, value) SELECT k, 'g' FROM unnest($1::text[]) AS k", [items.map((i) => `u${i}`)]);
          return items.map((i) => ({ ok: true as const, value: u.append(ev(100 + i)) }));
        },
        async single(u, i) {
          await u.q.query("INSERT INTO meta (key, value) VALUES ($1, 's')", [`u${i}`]);
          return u.append(ev(100 + i));
        },
      };
      const out = await Promise.allSettled([1, 2, 3, 4].map((i) => w.submitBatched(handler, i)));
      expect(out.map((r) => r.status)).to.deep.equal(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
      expect(((out[2] as PromiseRejectedResult).reason as { code?: string }).code).to.equal("23505");
      expect(reads).to.be.greaterThan(0);
      const rows = await db.query<{ key: string; value: string }>("SELECT key, value FROM meta WHERE key LIKE 'u%' ORDER BY key");
      expect(rows).to.deep.equal([{ key: "u1", value: "s" }, { key: "u2", value: "s" }, { key: "u3", value: "taken" }, { key: "u4", value: "s" }]);
      expect((await readLeaves(db, 0, 10)).map((l) => l.ref_id)).to.deep.equal(["r101", "r102", "r104"]);
      expect(await logSize(db)).to.equal(3);
    });

    it("refuses a second log row at an existing index (the log is append-only)", async () => {
      const w = new LogWriter(db);
      await w.submit(async (u) => u.append(ev(0)));
      let err: unknown;
      try {
        await db.query("INSERT INTO log_leaves (idx, leaf_hash, input, type, ref_id, at) VALUES (0, '\\x00', '{}', 'record', 'x', now())");
      } catch (e) {
        err = e;
      }
      expect(err, "duplicate index accepted").to.be.instanceOf(Error);
    });

    it("overlaps two group commits without losing an update: the next batch's lookups see the previous commit", async () => {
      await db.query("INSERT INTO meta (key, value) VALUES ('n', '0')");
      // Count the transactions open at once on the real store (the writer should run two: one committing, one
      // looking up); the store itself is not replaced.
      let open = 0, most = 0;
      const tx = db.tx.bind(db);
      const counted: Db = Object.assign(Object.create(db), {
        tx: async <T>(fn: (q: import("../../../src/store/db.js").Queryable) => Promise<T>) => {
          most = Math.max(most, ++open);
          try {
            return await tx(fn);
          } finally {
            open--;
          }
        },
      });
      // At most 10 writes per batch, so that 120 queued writes make 12 batches back to back.
      const w = new LogWriter(counted, { maxBatch: 10 });
      // Read-modify-write in every unit: a batch that looked up before the previous one committed would lose updates.
      const writes = Array.from({ length: 120 }, (_, k) =>
        w.submit(async (u) => {
          const [{ value }] = await u.q.query<{ value: string }>("SELECT value FROM meta WHERE key = 'n'");
          await u.q.query("UPDATE meta SET value = $1 WHERE key = 'n'", [String(Number(value) + 1)]);
          return u.append(ev(k));
        }),
      );
      const idx = await Promise.all(writes);
      expect((await db.query<{ value: string }>("SELECT value FROM meta WHERE key = 'n'"))[0].value).to.equal("120");
      expect([...idx].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 120 }, (_, i) => i));
      expect(await logSize(db)).to.equal(120);
      expect(most, "two batches were never in flight together").to.equal(2);
      // A write submitted once everything settled still commits (the drain loop restarts).
      expect(await w.submit(async (u) => u.append(ev(999)))).to.equal(120);
    });

    it("keeps SQLSTATEs, statement order and isolation in transactions, also for statements sent without waiting", async () => {
      await db.query("INSERT INTO meta (key, value) VALUES ('n', '0')");
      // Read-modify-write in parallel transactions: serialised, so no increment is lost.
      await Promise.all(
        Array.from({ length: 6 }, () =>
          db.tx(async (q) => {
            const [{ value }] = await q.query<{ value: string }>("SELECT value FROM meta WHERE key = 'n' FOR UPDATE");
            await send(q, "UPDATE meta SET value = $1 WHERE key = 'n'", [String(Number(value) + 1)]);
            await send(q, "INSERT INTO meta (key, value) VALUES ($1, 'x')", [`k${value}`]);
          }),
        ),
      );
      expect((await db.query<{ value: string }>("SELECT value FROM meta WHERE key = 'n'"))[0].value).to.equal("6");
      // A duplicate key, awaited: the SQLSTATE reaches the caller and the transaction rolls back.
      const dup = await db.tx(async (q) => q.query("INSERT INTO meta (key, value) VALUES ('n', 'dup')")).catch((e) => e);
      expect(dup.code).to.equal("23505");
      // The same failure in a statement sent without waiting fails the commit; nothing of that transaction stays.
      const sent = await db
        .tx(async (q) => {
          await send(q, "INSERT INTO meta (key, value) VALUES ('fresh', '1')");
          await send(q, "INSERT INTO meta (key, value) VALUES ('n', 'dup')");
          return "committed?";
        })
        .catch((e) => e);
      expect(sent.code).to.equal("23505");
      expect(await db.query("SELECT key FROM meta WHERE key = 'fresh'")).to.deep.equal([]);
      expect((await db.query<{ c: number }>("SELECT count(*)::int AS c FROM meta WHERE key LIKE 'k%'"))[0].c).to.equal(6);
    });
  });
}

describe("store: unreachable PostgreSQL", () => {
  it("reports StoreUnavailableError (→ 503), not a crash", async () => {
    const db = await openPg("postgres://nobody:nothing@127.0.0.1:1/none");
    let err: unknown;
    try {
      await db.query("SELECT 1");
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(StoreUnavailableError);
    await db.close();
  });
});
