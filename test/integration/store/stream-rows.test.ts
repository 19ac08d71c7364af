// The embedded store's streamed bulk read (Queryable.streamRows): raw text fields straight from the wire, used by
// the auditor to read a million leaf inputs. Drivers without it (pg) are covered by the paged fallback.
import { expect } from "chai";
import { openPglite } from "../../../src/store/pglite.js";
import { openPgliteThread, WORKER } from "../../../src/store/pglite-thread.js";
import { StoreUnavailableError, type Db } from "../../../src/store/db.js";

for (const [driver, open] of [["in process", openPglite], ["on a worker thread", openPgliteThread]] as const)
describe(`store: PGlite streamRows, ${driver}`, function () {
  this.timeout(60_000);
  let db: Db;
  before(async () => {
    db = await open();
    await db.exec("CREATE TABLE t (id bigint PRIMARY KEY, s text)");
    await db.query("INSERT INTO t SELECT i, 'row ' || i FROM generate_series(1, 5000) i");
    await db.query("INSERT INTO t VALUES (-7, NULL), (0, ''), (6000, $1), (6001, $2)", ["朝阳 \"q\" \\ é", "x".repeat(300_000)]);
  });
  after(async () => db?.close());

  const collect = async (sql: string) => {
    const rows: Array<Array<string | null>> = [];
    const dec = new TextDecoder();
    const n = await db.streamRows!(sql, (buf, b) => {
      const fields: Array<string | null> = [];
      for (let i = 0; i < 2; i++) fields.push(b[2 * i] < 0 ? null : dec.decode(buf.subarray(b[2 * i], b[2 * i + 1])));
      rows.push(fields);
    });
    expect(n).to.equal(rows.length);
    return rows;
  };

  it("hands every row's text fields over in order: NULL, empty, UTF-8 and a row larger than any chunk", async () => {
    const rows = await collect("SELECT id, s FROM t ORDER BY id");
    const viaQuery = await db.query<{ id: number; s: string | null }>("SELECT id, s FROM t ORDER BY id");
    expect(rows.length).to.equal(5004);
    expect(rows).to.deep.equal(viaQuery.map((r) => [String(r.id), r.s]));
    expect(rows[0]).to.deep.equal(["-7", null]);
    expect(rows[1]).to.deep.equal(["0", ""]);
    expect(rows.at(-2)).to.deep.equal(["6000", "朝阳 \"q\" \\ é"]);
    expect(rows.at(-1)![1]!.length).to.equal(300_000);
  });

  it("reports a server error with its SQLSTATE, and the database stays usable", async () => {
    let err: any;
    await collect("SELECT id, s FROM no_such_table").catch((e) => (err = e));
    expect(err?.code).to.equal("42P01");
    await collect("SELECT id, 1/(id - 3) FROM t WHERE id BETWEEN 1 AND 5 ORDER BY id").then(() => expect.fail("no error"), (e) => expect(e.code).to.equal("22012"));
    expect((await db.query<{ c: number }>("SELECT count(*)::int AS c FROM t"))[0].c).to.equal(5004);
  });

  it("passes on an error thrown by the row handler, after the query has finished", async () => {
    let seen = 0;
    const p = db.streamRows!("SELECT id, s FROM t ORDER BY id", () => {
      if (++seen === 10) throw new Error("stop here");
    });
    await p.then(() => expect.fail("no error"), (e) => expect(e.message).to.equal("stop here"));
    expect(seen).to.equal(10); // no rows after the failure
    expect((await db.query<{ c: number }>("SELECT count(*)::int AS c FROM t"))[0].c).to.equal(5004);
  });

  it("waits for another caller's open transaction instead of reading inside it", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const tx = db.tx(async (q) => {
      await q.query("INSERT INTO t VALUES (7000, 'uncommitted')");
      await held;
      throw new Error("roll back");
    });
    await new Promise((r) => setTimeout(r, 20));
    const read = collect("SELECT id, s FROM t WHERE id = 7000");
    release();
    await tx.catch(() => {});
    expect(await read).to.deep.equal([]);
  });

  it("streams a result many times larger than the in-flight window, complete and in order, to a slow reader", async () => {
    // ~40 MiB of rows against a 4 MiB window (threaded driver): the worker repeatedly waits for acknowledgements.
    await db.query("CREATE TEMP TABLE big AS SELECT i AS id, repeat(md5(i::text), 20) AS s FROM generate_series(1, 60000) i");
    let expected = 1;
    let ok = true;
    const n = await db.streamRows!("SELECT id, s FROM big ORDER BY id", (buf, b) => {
      const id = Number(new TextDecoder().decode(buf.subarray(b[0], b[1])));
      if (id !== expected++ || b[3] - b[2] !== 640) ok = false;
      if (id % 5000 === 0) {
        const t = Date.now();
        while (Date.now() - t < 20); // a slow consumer
      }
    });
    expect(n).to.equal(60000);
    expect(ok).to.equal(true);
  });
});

describe("store: the PGlite thread dies", () => {
  it("answers every pending and later call with StoreUnavailableError (→ 503) and reports the failure once", async () => {
    const failures: unknown[] = [];
    const db = await openPgliteThread(undefined, (e) => failures.push(e));
    await db.query("CREATE TABLE t (id int)");
    const pending = db.query("SELECT pg_sleep(0.5)");
    await (db as unknown as Record<symbol, import("node:worker_threads").Worker>)[WORKER].terminate();
    const [a, b] = await Promise.allSettled([pending, db.query("SELECT 1")]);
    expect(a.status === "rejected" && a.reason).to.be.instanceOf(StoreUnavailableError);
    expect(b.status === "rejected" && b.reason).to.be.instanceOf(StoreUnavailableError);
    expect(failures).to.have.length(1);
    await db.close();
    expect(failures).to.have.length(1); // closing is not a failure
  });
});
