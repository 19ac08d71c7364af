// The embedded PostgreSQL (PGlite, WASM) on its own thread: a record write spends ~0.4 ms of CPU in PGlite (the
// protocol encoding in JS and the backend in WASM), which on the server's one event loop capped writes; here it
// runs beside the HTTP thread. Plain JavaScript so that a worker needs no TypeScript loader (bin/anxin.js, mocha and
// tsx start workers differently). Protocol with pglite-thread.ts, one message per call, replies carry the call id:
//   {op: "query", sql, params, tx?} → {rows}     {op: "exec", sql, tx?} → {}
//   {op: "send", sql, params, tx} → {}  a statement whose result is not needed (Queryable.send), see sendStatement
//   {op: "begin", tx} → {} once the transaction holds PGlite  {op: "end", tx, commit} → {} after COMMIT/ROLLBACK
//   (statements of a transaction carry its tx id and run in arrival order, even when sent before "begin" replied;
//   a commit after a failed statement rolls back and fails with that statement's error, see end)
//   {op: "stream", message, window} → {chunk}… then {streamed: true}   (message: a simple-query message built by
//   pg-wire.ts; the reply is raw wire bytes; flow control through `window`)
//   {op: "syncs"} → {syncs}  fsync(2) calls made for PostgreSQL so far
//   {op: "close"} → {}
// Any failure → {error: {message, code, …}} with PostgreSQL's fields, so callers see SQLSTATEs as before.
import { parentPort, workerData } from "node:worker_threads";
import { openDurablePglite } from "./pglite-durable.mjs";
import { AnswerReader, MessageWriter, SYNC, writeStatement } from "./pg-extended.mjs";

const { dir } = workerData ?? {};
const { pg, syncs } = openDurablePglite(dir);
const ready = pg.waitReady;

const FIELDS = ["code", "detail", "hint", "constraint", "table", "column", "schema", "severity", "position", "where", "routine"];
function errorOf(e) {
  const out = { message: String(e?.message ?? e), name: e?.name ?? "Error" };
  for (const f of FIELDS) if (e?.[f] !== undefined) out[f] = String(e[f]);
  return out;
}

const reply = (id, msg, transfer) => parentPort.postMessage({ id, ...msg }, transfer);

/**
 * Open transactions, by the id the main thread chose (so it can send statements right behind "begin" without
 * waiting for a reply): { t, chain, finish(commit), done, doomed, failed }. `chain` runs the transaction's
 * statements strictly in the order they arrived; `done` settles after COMMIT or ROLLBACK. `doomed` is the first
 * error of a sent statement: nobody saw it but the transaction, so it must not commit. `failed` is the first
 * error of any statement since the last one that succeeded: an awaited query's caller may have recovered from it
 * (ROLLBACK TO SAVEPOINT, which then succeeds and clears it), so it decides the commit only if the transaction
 * really is in a failed state (see failureOf).
 */
const txs = new Map();

function begin(id, txId) {
  let finish, opened, failed;
  const decided = new Promise((r) => (finish = r));
  const entry = { t: undefined, finish, done: undefined, doomed: undefined, failed: undefined };
  entry.chain = new Promise((r, j) => ((opened = r), (failed = j)));
  entry.chain.catch(() => undefined); // reported through "begin" and the statements behind it
  txs.set(txId, entry);
  entry.done = pg
    .transaction(async (t) => {
      entry.t = t;
      opened();
      reply(id, {});
      if (!(await decided)) await t.rollback();
    })
    .finally(() => txs.delete(txId));
  // A transaction that could not start fails "begin" and every statement queued behind it.
  entry.done.catch((e) => {
    if (entry.t) return;
    failed(e);
    reply(id, { error: errorOf(e) });
  });
}

/** Runs fn(entry) after everything sent earlier in transaction txId; replies with its result or its error. */
function inTx(id, txId, fn) {
  const entry = txs.get(txId);
  if (!entry) return reply(id, { error: errorOf(new Error("the transaction is no longer open")) });
  const run = entry.chain.then(() => fn(entry));
  entry.chain = run.then(
    () => void (entry.failed = undefined),
    (e) => void (entry.failed ??= e),
  );
  run.then((r) => reply(id, r), (e) => reply(id, { error: errorOf(e) }));
}

/**
 * Ends transaction txId after every statement sent before it. A commit is refused, and the transaction rolled
 * back, when a statement failed and left it failed: the reply carries that statement's error (23505, …), not
 * PGlite's generic "rolled back instead of committed".
 */
async function end(txId, commit) {
  const entry = txs.get(txId);
  if (!entry) throw new Error("the transaction is no longer open");
  await entry.chain; // a transaction that never started rejects here with its error
  const failure = commit ? await failureOf(entry) : undefined;
  entry.finish(commit && failure === undefined);
  await entry.done; // COMMIT's own failure (a deferred constraint) rejects here
  if (failure !== undefined) throw failure;
}

async function failureOf(entry) {
  if (entry.doomed !== undefined) return entry.doomed;
  if (entry.failed === undefined) return undefined; // the last statement succeeded: the transaction is healthy
  // An awaited statement failed last. PostgreSQL knows whether that aborted the transaction (an error PGlite
  // raised before reaching the server did not): a lone Sync answers with the transaction status.
  return (await exchange(SYNC)).status === "E" ? entry.failed : undefined;
}

// ---------- send: a statement whose result nobody reads ----------

/** Prepared statements of this backend, by SQL text. Parsed once, then only bound and executed. */
const prepared = new Map();
/** Beyond this many SQL texts, the unnamed statement with a Parse every time: bounded backend memory. */
const MAX_PREPARED = 128;
let nextName = 1;

const writer = new MessageWriter();
const answer = new AnswerReader();

/**
 * Runs messages and returns what the backend answered. Synchronous inside (the backend runs to completion in
 * WASM); no PGlite lock is taken: callers hold the transaction, which keeps every other caller out. The raw
 * stream skips PGlite's parsing of the answer into message objects, which we do not need.
 */
async function exchange(message) {
  answer.reset();
  await pg.execProtocolRawStream(message, { syncToFs: false, onRawData: answer.onData });
  return answer.read();
}

/**
 * Parse (first use of an SQL text), Bind, Execute, Sync. Fails with PostgreSQL's error, which dooms the
 * transaction; later sends of a doomed transaction are not run at all (PostgreSQL would refuse them with 25P02
 * anyway, unless a ROLLBACK TO SAVEPOINT came in between, and the transaction rolls back whatever they do).
 */
async function sendStatement(entry, sql, params) {
  if (entry.doomed !== undefined) throw notRun();
  try {
    let name = prepared.get(sql);
    const parse = name === undefined;
    if (parse) name = prepared.size < MAX_PREPARED ? `anx_${nextName++}` : "";
    writer.reset();
    writeStatement(writer, { name, sql, parse, params });
    const { parsed, error } = await exchange(writer.bytes());
    // Named only once the server confirmed the Parse: a syntax error leaves no statement behind.
    if (parse && parsed && name !== "") prepared.set(sql, name);
    if (error) {
      // The statement vanished (DEALLOCATE) or no longer fits its table (0A000, "cached plan must not change
      // result type" after ALTER TABLE): parse it afresh next time.
      if (error.code === "26000" || error.code === "0A000") prepared.delete(sql);
      throw error;
    }
    return {};
  } catch (e) {
    entry.doomed = e; // also an error in encoding the parameters: the statement did not run
    throw e;
  }
}

function notRun() {
  const e = new Error("current transaction is aborted, commands ignored until end of transaction block");
  return Object.assign(e, { code: "25P02", severity: "ERROR" });
}

/**
 * Streams the raw wire output of one statement in ~256 KiB chunks. The backend produces rows synchronously inside
 * WASM, so flow control blocks this thread (Atomics.wait) while more than `window` bytes are unacknowledged: a
 * million-row read stays within a few MiB however slowly the caller consumes it.
 */
async function stream(id, message, window) {
  const CHUNK = 256 * 1024;
  const credit = new Int32Array(window.shared); // [bytes acknowledged by the main thread]
  let sent = 0;
  const buf = new Uint8Array(CHUNK);
  let len = 0;
  const flush = () => {
    if (len === 0) return;
    // Counters wrap at 2^31 (int32); the difference stays right while less than 2 GiB is in flight.
    for (let acked = Atomics.load(credit, 0); ((sent - acked) | 0) > window.bytes; acked = Atomics.load(credit, 0)) {
      Atomics.wait(credit, 0, acked, 1000);
    }
    const out = buf.slice(0, len);
    sent = (sent + len) | 0;
    reply(id, { chunk: out }, [out.buffer]);
    len = 0;
  };
  const push = (data) => {
    for (let p = 0; p < data.length; ) {
      const n = Math.min(CHUNK - len, data.length - p);
      buf.set(data.subarray(p, p + n), len);
      len += n;
      p += n;
      if (len === CHUNK) flush();
    }
  };
  await pg._runExclusiveTransaction(() =>
    pg.runExclusive(() => pg.execProtocolRawStream(message, { syncToFs: false, onRawData: push })),
  );
  flush();
  reply(id, { streamed: true });
}

parentPort.on("message", async (m) => {
  try {
    await ready;
    if (m.tx !== undefined && m.op !== "begin") {
      if (m.op === "query") return inTx(m.id, m.tx, async ({ t }) => ({ rows: (await t.query(m.sql, m.params)).rows }));
      if (m.op === "exec") return inTx(m.id, m.tx, async ({ t }) => (await t.exec(m.sql), {}));
      if (m.op === "send") return inTx(m.id, m.tx, (entry) => sendStatement(entry, m.sql, m.params));
      if (m.op === "end") {
        await end(m.tx, m.commit);
        return reply(m.id, {});
      }
    }
    switch (m.op) {
      case "ready":
        return reply(m.id, {});
      case "query": {
        const r = await pg.query(m.sql, m.params);
        return reply(m.id, { rows: r.rows });
      }
      case "exec":
        await pg.exec(m.sql);
        return reply(m.id, {});
      case "begin":
        return begin(m.id, m.tx);
      case "send":
        throw new Error("send runs only inside a transaction");
      case "stream":
        return await stream(m.id, m.message, m.window);
      case "syncs":
        return reply(m.id, { syncs: syncs() });
      case "close":
        await pg.close();
        return reply(m.id, {});
      default:
        throw new Error(`unknown operation ${m.op}`);
    }
  } catch (e) {
    reply(m.id, { error: errorOf(e) });
  }
});
