// The embedded PostgreSQL (PGlite, WASM) on its own thread: a record write spends ~0.4 ms of CPU in PGlite (the
// protocol encoding in JS and the backend in WASM), which on the server's one event loop capped writes; here it
// runs beside the HTTP thread. Plain JavaScript so that a worker needs no TypeScript loader (bin/anxin.js, mocha and
// tsx start workers differently). Protocol with pglite-thread.ts, one message per call, replies carry the call id:
//   {op: "query", sql, params, tx?} → {rows}     {op: "exec", sql, tx?} → {}
//   {op: "begin", tx} → {} once the transaction holds PGlite  {op: "end", tx, commit} → {} after COMMIT/ROLLBACK
//   (statements of a transaction carry its tx id and run in arrival order, even when sent before "begin" replied)
//   {op: "stream", message, window} → {chunk}… then {streamed: true}   (message: a simple-query message built by
//   pg-wire.ts; the reply is raw wire bytes; flow control through `window`)
//   {op: "close"} → {}
// Any failure → {error: {message, code, …}} with PostgreSQL's fields, so callers see SQLSTATEs as before.
import { mkdirSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";

const { dir } = workerData ?? {};
if (dir) mkdirSync(dir, { recursive: true });
const pg = dir ? new PGlite(dir) : new PGlite();
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
 * waiting for a reply): { chain, finish(commit), done }. `chain` runs the transaction's statements strictly in the
 * order they arrived; `done` settles after COMMIT or ROLLBACK.
 */
const txs = new Map();

function begin(id, txId) {
  let finish, opened, failed;
  const decided = new Promise((r) => (finish = r));
  const entry = { t: undefined, finish, done: undefined, chain: new Promise((r, j) => ((opened = r), (failed = j))) };
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

/** Runs fn(t) after everything sent earlier in transaction txId; replies with its result or its error. */
function inTx(id, txId, fn) {
  const entry = txs.get(txId);
  if (!entry) return reply(id, { error: errorOf(new Error("the transaction is no longer open")) });
  const run = entry.chain.then(() => fn(entry.t));
  entry.chain = run.catch(() => undefined);
  run.then((r) => reply(id, r), (e) => reply(id, { error: errorOf(e) }));
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
      if (m.op === "query") return inTx(m.id, m.tx, async (t) => ({ rows: (await t.query(m.sql, m.params)).rows }));
      if (m.op === "exec") return inTx(m.id, m.tx, async (t) => (await t.exec(m.sql), {}));
      if (m.op === "end") {
        const entry = txs.get(m.tx);
        if (!entry) throw new Error("the transaction is no longer open");
        // After every statement sent before it; a failed statement has aborted the transaction, so COMMIT fails.
        await entry.chain;
        entry.finish(m.commit);
        await entry.done;
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
      case "stream":
        return await stream(m.id, m.message, m.window);
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
