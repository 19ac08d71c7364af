// Statements sent without waiting (Queryable.send, through db.ts's send()): on the threaded store the worker runs
// them as prepared statements with its own text encoding of the parameters (pg-extended.mjs), on the other
// drivers they are awaited queries. Either way they must store exactly what query() stores, fail with the same
// SQLSTATEs, and take the transaction down with them.
import { expect } from "chai";
import { backends } from "../../helpers/db.js";
import { send, type Db } from "../../../src/store/db.js";

// Every kind of text the repository writes, and the ones an array literal or the wire could get wrong.
const TEXTS = [
  "plain",
  'with "double" quotes',
  "back\\slash \\\\ and \\x41",
  'both \\" mixed \\\\"',
  "a,b",
  "{braces}",
  "{}",
  "NULL",
  "null",
  "",
  " spaced ",
  "tab\tnew\nline\r",
  "朝阳区心理咨询记录",
  "emoji 😀 👩‍⚕️ and é (e + U+0301: é)",
  "'single' quotes; --",
  JSON.stringify({ v: 1, ct: "q\"u\\o", note: "咨询", nested: { a: [1, "x,y"] } }),
  "x".repeat(6000) + '"' + "y".repeat(100),
];

const stamp = (ms: number) => new Date(Date.UTC(2026, 0, 2, 3, 4, 5) + ms);

/** One row of every parameter type the repository uses (and booleans / json besides). */
function rows() {
  return TEXTS.map((t, i) => ({
    t,
    i: [0, -1, 2147483647, -2147483648, 42][i % 5],
    b: [0, 9007199254740991, -9007199254740991, 1n << 62n, "123"][i % 5],
    // Dates, ISO strings with and without an offset: stored as the same instants either way.
    ts: [stamp(i), stamp(i).toISOString(), "2026-01-02T11:04:05.678+08:00"][i % 3],
    by: [new Uint8Array(0), Buffer.from([0, 1, 0x22, 0x5c, 0x7b, 0xff]), new Uint8Array(Array.from({ length: 256 }, (_, k) => k))][i % 3],
    bo: i % 2 === 0,
    j: [{ a: 1, s: 'q"\\', u: "心" }, { list: [1, null, "x"], n: null }, JSON.stringify({ pre: "serialised" })][i % 3],
    // Booleans and numbers into text: stored as query() stores them ("true", "7").
    tb: i % 2 === 0,
    ta: [t, null, "NULL", "", `${i}`, "a,b", '"', false, 7],
    ia: [i, null, -7],
    ba: [i, null, 1n << 53n, "-5"],
    tsa: [stamp(i), null, stamp(-i).toISOString()],
    bya: [new Uint8Array([i, 0x5c]), null, Buffer.from("\\x")],
    ta2: [[t, null], ["{", "}"]],
  }));
}
type Row = ReturnType<typeof rows>[number];

const COLS = "k, t, i, b, ts, by, bo, j, js, tb, ta, ia, ba, tsa, bya, ta2";
const ONE = `INSERT INTO rt (${COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`;
const oneParams = (k: string, r: Row) => [k, r.t, r.i, r.b, r.ts, r.by, r.bo, r.j, r.j, r.tb, r.ta, r.ia, r.ba, r.tsa, r.bya, r.ta2];
// The shape of the repository's batched INSERTs: one array per column, typed by casts.
const UNNEST = `INSERT INTO rt (k, t, i, b, ts, by, bo)
  SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[], $5::timestamptz[], $6::bytea[], $7::boolean[])`;
const unnestParams = (prefix: string, rs: Row[]) => [
  rs.map((_, n) => `${prefix}${String(n).padStart(2, "0")}`),
  rs.map((r) => r.t),
  rs.map((r) => r.i),
  rs.map((r) => r.b),
  rs.map((r) => r.ts),
  rs.map((r) => r.by),
  rs.map((r) => r.bo),
];

async function stored(db: Db, prefix: string) {
  const out = await db.query<Record<string, unknown>>(`SELECT ${COLS} FROM rt WHERE k LIKE $1 ORDER BY k`, [`${prefix}%`]);
  return out.map(({ k, by, bya, ...rest }) => ({
    k: String(k).slice(prefix.length),
    by: by === null ? null : Buffer.from(by as Uint8Array).toString("hex"),
    bya: (bya as Uint8Array[] | null)?.map((x) => (x === null ? null : Buffer.from(x).toString("hex"))) ?? null,
    ...rest,
  }));
}

for (const backend of backends) {
  describe(`store on ${backend.name}: statements sent without waiting`, function () {
    this.timeout(60_000);
    let db: Db;
    beforeEach(async () => {
      db = await backend.open();
      await db.exec(`CREATE TABLE rt (k text PRIMARY KEY, t text, i int, b bigint, ts timestamptz, by bytea, bo boolean,
        j jsonb, js json, tb text, ta text[], ia int[], ba bigint[], tsa timestamptz[], bya bytea[], ta2 text[])`);
    });
    afterEach(async () => db.close());

    it("store every parameter type exactly as query() does: text, int, bigint, timestamptz, bytea, boolean, json and their arrays", async () => {
      const rs = rows();
      await db.tx(async (q) => {
        for (const [n, r] of rs.entries()) await send(q, ONE, oneParams(`s${String(n).padStart(2, "0")}`, r));
        await send(q, UNNEST, unnestParams("us", rs));
      });
      for (const [n, r] of rs.entries()) await db.query(ONE, oneParams(`q${String(n).padStart(2, "0")}`, r));
      await db.query(UNNEST, unnestParams("uq", rs));

      const viaSend = await stored(db, "s");
      expect(viaSend).to.have.length(TEXTS.length);
      expect(viaSend).to.deep.equal(await stored(db, "q"));
      expect(await stored(db, "us")).to.deep.equal(await stored(db, "uq"));
      // And what that is, in PostgreSQL's own words (not just "the same as query()").
      const [r0] = await db.query<Record<string, string>>(
        "SELECT t, tb, ta::text AS ta, ta2::text AS ta2, ba::text AS ba, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') AS ts, encode(by, 'hex') AS by, j::text AS j FROM rt WHERE k = 's01'",
      );
      expect(r0).to.deep.equal({
        t: TEXTS[1],
        tb: "false",
        ta: '{"with \\"double\\" quotes",NULL,"NULL","",1,"a,b","\\"",false,7}',
        ta2: '{{"with \\"double\\" quotes",NULL},{"{","}"}}',
        ba: "{1,NULL,9007199254740992,-5}",
        ts: "2026-01-02 03:04:05.001",
        by: "0001225c7bff",
        j: '{"n": null, "list": [1, null, "x"]}',
      });
      const texts = await db.query<{ t: string; ta: string[]; bo: boolean }>("SELECT t, ta, bo FROM rt WHERE k LIKE 's%' ORDER BY k");
      expect(texts.map((r) => r.t)).to.deep.equal(TEXTS);
      expect(texts.map((r) => r.ta[0])).to.deep.equal(TEXTS);
      expect(texts.map((r) => r.bo)).to.deep.equal(TEXTS.map((_, i) => i % 2 === 0));
    });

    it("fail the transaction on a unique violation with 23505 and its fields; nothing of the transaction is stored", async () => {
      await db.query("INSERT INTO meta (key, value) VALUES ('taken', '1')");
      const err = await db
        .tx(async (q) => {
          await send(q, "INSERT INTO meta (key, value) VALUES ($1, $2)", ["first", "1"]);
          await send(q, "INSERT INTO meta (key, value) VALUES ($1, $2)", ["taken", "2"]);
          await send(q, "INSERT INTO meta (key, value) VALUES ($1, $2)", ["third", "3"]);
          return "committed";
        })
        .catch((e) => e);
      expect(err).to.be.instanceOf(Error);
      expect(err.code).to.equal("23505");
      expect(err.constraint).to.equal("meta_pkey");
      expect(err.table).to.equal("meta");
      expect(err.detail).to.match(/\(key\)=\(taken\) already exists/);
      expect(err.message).to.match(/duplicate key value violates unique constraint "meta_pkey"/);
      const keys = await db.query<{ key: string; value: string }>("SELECT key, value FROM meta WHERE key IN ('first', 'taken', 'third') ORDER BY key");
      expect(keys).to.deep.equal([{ key: "taken", value: "1" }]);
    });

    it("fail with 42601 on a syntax error; an SQL text that failed to parse works once it can", async () => {
      const syntax = await db.tx(async (q) => send(q, "INSERT INTO meta (key, value) VALUES ($1, $2", ["a", "b"])).catch((e) => e);
      expect(syntax.code).to.equal("42601");
      // Fails while its table is missing (at Parse, 42P01), then runs: the failed Parse left no statement behind.
      const sql = "INSERT INTO later (x) SELECT * FROM unnest($1::int[])";
      const missing = await db.tx(async (q) => send(q, sql, [[1, 2]])).catch((e) => e);
      expect(missing.code).to.equal("42P01");
      await db.exec("CREATE TABLE later (x int)");
      for (const xs of [[1, 2], [3]]) await db.tx(async (q) => send(q, sql, [xs]));
      expect((await db.query<{ x: number }>("SELECT x FROM later ORDER BY x")).map((r) => r.x)).to.deep.equal([1, 2, 3]);
      // A parameter the server cannot read: 22P02, then the same statement with good values.
      const bad = await db.tx(async (q) => send(q, sql, [["x"]])).catch((e) => e);
      expect(bad.code).to.equal("22P02");
      await db.tx(async (q) => send(q, sql, [[4]]));
      expect((await db.query<{ n: number }>("SELECT count(*)::int AS n FROM later"))[0].n).to.equal(4);
    });

    it("run many distinct SQL texts, more than the worker keeps prepared, and each again", async () => {
      const texts = Array.from({ length: 300 }, (_, i) => `INSERT INTO meta (key, value) VALUES ($1, '${i}')`);
      for (const round of ["a", "b"]) {
        for (let from = 0; from < texts.length; from += 50) {
          await db.tx(async (q) => {
            for (let i = from; i < from + 50; i++) await send(q, texts[i], [`${round}${i}`]);
          });
        }
      }
      const rows = await db.query<{ key: string; value: string }>("SELECT key, value FROM meta WHERE key ~ '^[ab][0-9]+$'");
      expect(rows).to.have.length(600);
      for (const r of rows) expect(r.key.slice(1)).to.equal(r.value);
    });

    it("commit after an awaited statement failed inside a savepoint that was rolled back", async () => {
      await db.query("INSERT INTO meta (key, value) VALUES ('taken', '1')");
      await db.tx(async (q) => {
        await send(q, "INSERT INTO meta (key, value) VALUES ($1, 'ok')", ["before"]);
        await send(q, "SAVEPOINT s");
        const dup = await q.query("INSERT INTO meta (key, value) VALUES ('taken', '2')").catch((e) => e);
        expect(dup.code).to.equal("23505");
        await q.query("ROLLBACK TO SAVEPOINT s");
        await send(q, "INSERT INTO meta (key, value) VALUES ($1, 'ok')", ["after"]);
      });
      const keys = await db.query<{ key: string }>("SELECT key FROM meta WHERE key IN ('before', 'taken', 'after') ORDER BY key");
      expect(keys.map((r) => r.key)).to.deep.equal(["after", "before", "taken"]);
    });
  });
}

const threaded = backends.find((b) => b.name === "pglite-thread")!;
describe("store on pglite-thread: a failed sent statement dooms its transaction", function () {
  this.timeout(60_000);
  let db: Db;
  beforeEach(async () => {
    db = await threaded.open();
    await db.query("INSERT INTO meta (key, value) VALUES ('taken', '1')");
  });
  afterEach(async () => db.close());

  const committed = async () => (await db.query<{ key: string }>("SELECT key FROM meta WHERE key <> 'taken' AND key LIKE 'k%' ORDER BY key")).map((r) => r.key);

  it("statements after it take no effect, even behind a ROLLBACK TO SAVEPOINT, and the commit fails with its error", async () => {
    const err = await db
      .tx(async (q) => {
        q.send!("INSERT INTO meta (key, value) VALUES ('k1', '1')");
        q.send!("SAVEPOINT s");
        q.send!("INSERT INTO meta (key, value) VALUES ('taken', '2')");
        q.send!("INSERT INTO meta (key, value) VALUES ('k2', '2')");
        // The caller does not know the insert failed; a savepoint rollback must not resurrect the transaction.
        await q.query("ROLLBACK TO SAVEPOINT s");
        q.send!("INSERT INTO meta (key, value) VALUES ('k3', '3')");
        // Reads inside the transaction see nothing sent after the failure.
        expect((await q.query<{ key: string }>("SELECT key FROM meta WHERE key LIKE 'k%' ORDER BY key")).map((r) => r.key)).to.deep.equal(["k1"]);
      })
      .catch((e) => e);
    expect(err.code).to.equal("23505");
    expect(await committed()).to.deep.equal([]);
    // The store goes on, with the same statements prepared.
    await db.tx(async (q) => {
      q.send!("INSERT INTO meta (key, value) VALUES ('k1', '1')");
      q.send!("INSERT INTO meta (key, value) VALUES ('k2', '2')");
    });
    expect(await committed()).to.deep.equal(["k1", "k2"]);
  });

  it("an awaited statement that failed and was not rolled back to a savepoint fails the commit with its own error", async () => {
    const err = await db
      .tx(async (q) => {
        q.send!("INSERT INTO meta (key, value) VALUES ('k1', '1')");
        await q.query("INSERT INTO meta (key, value) VALUES ('taken', '2')").catch(() => "ignored");
      })
      .catch((e) => e);
    expect(err.code).to.equal("23505");
    expect(await committed()).to.deep.equal([]);
  });

  it("an error PGlite raised before the statement reached the server does not fail the commit", async () => {
    await db.tx(async (q) => {
      q.send!("INSERT INTO meta (key, value) VALUES ('k1', '1')");
      // PGlite's own boolean serialiser refuses "maybe": the server never saw it, the transaction is healthy.
      const err = await q.query("SELECT $1::boolean AS b", ["maybe"]).catch((e) => e);
      expect(err.message).to.match(/boolean/);
    });
    expect(await committed()).to.deep.equal(["k1"]);
  });

  it("a parameter that cannot be encoded fails the transaction, and the next one runs", async () => {
    const err = await db.tx(async (q) => q.send!("INSERT INTO meta (key, value) VALUES ($1, 'x')", [new Date(NaN)])).catch((e) => e);
    expect(err).to.be.instanceOf(Error);
    expect(err.message).to.match(/Invalid time value/);
    await db.tx(async (q) => q.send!("INSERT INTO meta (key, value) VALUES ($1, 'x')", ["k9"]));
    expect(await committed()).to.deep.equal(["k9"]);
  });
});
