// One-hop group commit: the log writer keeps the head in memory and a group whose lookups its items carry sends
// everything without waiting; guards in the commit (head, handler) redo the batch on the path with reads when what
// was assumed changed. On every backend (PostgreSQL with the head cache switched on, as a single instance could).
import { expect } from "chai";
import { backends } from "../../helpers/db.js";
import { send, type Db, type Queryable } from "../../../src/store/db.js";
import { LogWriter, type BatchHandler } from "../../../src/services/log-writer.js";
import { logSize, readLeaves } from "../../../src/store/log-repo.js";
import { CompactRange, eventTime, leafHash, type LogEvent } from "../../../src/log/index.js";

const ev = (i: number): LogEvent => ({ type: "record", id: `h${i}`, hash: i.toString(16).padStart(64, "0"), at: eventTime(1_800_000_000_000 + i) });

/** Counts, per transaction, the statements awaited (round trips) and those sent without waiting. */
function counting(db: Db) {
  const txs: Array<{ awaited: number; sent: number }> = [];
  const tx = db.tx.bind(db);
  const wrapped: Db = Object.assign(Object.create(db), {
    tx: <T>(fn: (q: Queryable) => Promise<T>) =>
      tx((q) => {
        const c = { awaited: 0, sent: 0 };
        txs.push(c);
        const counted: Queryable = {
          query: (sql, params) => (c.awaited++, q.query(sql, params)),
          exec: (sql) => (c.awaited++, q.exec(sql)),
          ...(q.send && { send: (sql: string, params?: unknown[]) => (c.sent++, q.send!(sql, params)) }),
        };
        return fn(counted);
      }),
  });
  return { db: wrapped, txs };
}

/** Items are meta keys; `known` says what was "checked before" (the value of meta 'era'), guarded in the commit. */
function handler(era: { checked: string }) {
  const seen: string[] = [];
  const h: BatchHandler<number, number, string> = {
    async read(q) {
      const [row] = await q.query<{ value: string }>("SELECT value FROM meta WHERE key = 'era'");
      return row?.value ?? "none";
    },
    known: () => ({
      read: era.checked,
      guard: (q) => send(q, "SELECT 1 / (count(*) = 1)::int FROM meta WHERE key = 'era' AND value = $1", [era.checked]),
    }),
    async run(u, items, read) {
      seen.push(read);
      await send(u.q, "INSERT INTO meta (key, value) SELECT k, $2 FROM unnest($1::text[]) AS k", [items.map((i) => `k${i}`), read]);
      return items.map((i) => ({ ok: true as const, value: u.append(ev(i)) }));
    },
    async single(u, i) {
      const read = (await h.read!(u.q, [i])) as string;
      seen.push(read);
      await u.q.query("INSERT INTO meta (key, value) VALUES ($1, $2)", [`k${i}`, read]);
      return u.append(ev(i));
    },
  };
  return { h, seen };
}

async function expectDenseLog(db: Db, n: number) {
  expect(await logSize(db)).to.equal(n);
  const leaves = await readLeaves(db, 0, n + 10);
  expect(leaves.map((l) => l.idx)).to.deep.equal(Array.from({ length: n }, (_, i) => i));
  // The head's compact range is the range of exactly these leaves.
  const range = new CompactRange();
  for (const l of leaves) range.append(new Uint8Array(l.leaf_hash));
  const [head] = await db.query<{ frontier: string }>("SELECT frontier FROM log_head WHERE id = 1");
  expect(JSON.parse(head.frontier)).to.deep.equal(range.toState());
  for (const l of leaves) expect(Buffer.from(l.leaf_hash).equals(Buffer.from(leafHash(new TextEncoder().encode(l.input))))).to.equal(true);
}

for (const backend of backends) {
  describe(`one-hop group commit on ${backend.name}`, function () {
    let db: Db;
    beforeEach(async () => {
      db = await backend.open();
      await db.query("INSERT INTO meta (key, value) VALUES ('era', 'a')");
    });
    afterEach(async () => db.close());

    it("after one commit that reads the head, commits known groups without reading anything", async () => {
      const c = counting(db);
      const w = new LogWriter(c.db, { cacheHead: true });
      const { h, seen } = handler({ checked: "a" });
      expect(await w.submitBatched(h, 0)).to.equal(0); // reads the head (lone item, nothing cached yet)
      const idx = await Promise.all([1, 2, 3, 4, 5].map((i) => w.submitBatched(h, i)));
      expect(idx).to.deep.equal([1, 2, 3, 4, 5]);
      const lone = await w.submitBatched(h, 6); // a lone item goes in one hop too
      expect(lone).to.equal(6);
      expect(w.stats.cached).to.equal(2);
      expect(w.stats.redone).to.equal(0);
      expect(seen.slice(1)).to.deep.equal(["a", "a"]);
      if (backend.name === "pglite-thread") {
        // The store thread got BEGIN, guards, writes and COMMIT without a reply awaited in between.
        for (const t of c.txs.slice(1)) expect(t, "statements awaited inside a one-hop transaction").to.include({ awaited: 0 });
        expect(c.txs[1].sent).to.be.at.least(5);
      }
      await expectDenseLog(db, 7);
    });

    it("redoes a batch with reads when its guard fails (what was checked before changed): the read decides", async () => {
      const era = { checked: "a" };
      const w = new LogWriter(db, { cacheHead: true });
      const { h, seen } = handler(era);
      await w.submitBatched(h, 0);
      await db.query("UPDATE meta SET value = 'b' WHERE key = 'era'"); // changed after the "check"
      const idx = await Promise.all([1, 2, 3].map((i) => w.submitBatched(h, i)));
      expect(idx).to.deep.equal([1, 2, 3]);
      expect(w.stats.redone).to.equal(1);
      // The staged values of the failed attempt ("a") were rolled back; the rows hold what the read saw.
      const rows = await db.query<{ key: string; value: string }>("SELECT key, value FROM meta WHERE key IN ('k1','k2','k3') ORDER BY key");
      expect(rows.map((r) => r.value)).to.deep.equal(["b", "b", "b"]);
      expect(seen).to.include("a").and.include("b");
      await expectDenseLog(db, 4);
    });

    it("a head moved by another writer fails the head guard: redone with the head read, no index reused or skipped", async () => {
      const w1 = new LogWriter(db, { cacheHead: true, maxBatch: 7 });
      const w2 = new LogWriter(db, { cacheHead: true, maxBatch: 5 });
      const a = handler({ checked: "a" });
      const b = handler({ checked: "a" });
      await w1.submitBatched(a.h, 1000);
      await w2.submitBatched(b.h, 2000);
      // Both keep a head in memory; each one's commits move the other's stale.
      const out = await Promise.all(
        Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? w1.submitBatched(a.h, i) : w2.submitBatched(b.h, 100 + i))),
      );
      expect(new Set(out).size).to.equal(60);
      expect(w1.stats.redone + w2.stats.redone, "no head guard failed").to.be.greaterThan(0);
      expect(w1.stats.cached + w2.stats.cached, "no one-hop commit").to.be.greaterThan(0);
      await expectDenseLog(db, 62);
      // Each acknowledged index holds that write's leaf.
      const leaves = await readLeaves(db, 0, 62);
      out.forEach((idx, i) => expect(leaves[idx].ref_id).to.equal(`h${i % 2 === 0 ? i : 100 + i}`));
    });

    it("plain units share the cached head: 120 read-modify-writes in 12 batches lose nothing", async () => {
      await db.query("INSERT INTO meta (key, value) VALUES ('n', '0')");
      const w = new LogWriter(db, { cacheHead: true, maxBatch: 10 });
      const idx = await Promise.all(
        Array.from({ length: 120 }, (_, k) =>
          w.submit(async (u) => {
            const [{ value }] = await u.q.query<{ value: string }>("SELECT value FROM meta WHERE key = 'n'");
            await u.q.query("UPDATE meta SET value = $1 WHERE key = 'n'", [String(Number(value) + 1)]);
            return u.append(ev(k));
          }),
        ),
      );
      expect((await db.query<{ value: string }>("SELECT value FROM meta WHERE key = 'n'"))[0].value).to.equal("120");
      expect([...idx].sort((x, y) => x - y)).to.deep.equal(Array.from({ length: 120 }, (_, i) => i));
      expect(w.stats.cached).to.be.greaterThan(0);
      await expectDenseLog(db, 120);
    });
  });
}
