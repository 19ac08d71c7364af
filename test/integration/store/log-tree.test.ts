// The anchoring worker's tree cache takes the leaf hashes the writer just committed instead of reading the rows
// back, and still answers only with a tree that reproduces the stored head.
import { expect } from "chai";
import { backends } from "../../helpers/db.js";
import { LogWriter } from "../../../src/services/log-writer.js";
import { LogTreeCache, readHead } from "../../../src/services/log-tree.js";
import { eventTime, leafHash, leafInput, MerkleTree, type LogEvent } from "../../../src/log/index.js";
import type { Db, Queryable } from "../../../src/store/db.js";

const ev = (i: number): LogEvent => ({ type: "record", id: `t${i}`, hash: i.toString(16).padStart(64, "0"), at: eventTime(1_800_000_000_000 + i) });

/** Counts the leaf-row reads the cache makes. */
function counting(db: Db): { db: Db; reads: () => number } {
  let reads = 0;
  const query: Queryable["query"] = (sql, params) => {
    if (/FROM log_leaves/.test(sql)) reads++;
    return db.query(sql, params);
  };
  return { db: { ...db, query }, reads: () => reads };
}

describe("store: the anchoring tree cache fed by the log writer", function () {
  this.timeout(60_000);
  const backend = backends.find((b) => b.name === "pglite-thread")!;
  let db: Db;
  beforeEach(async () => (db = await backend.open()));
  afterEach(async () => db.close());

  it("builds the tree from the committed hashes without reading leaf rows, with the stored head's root", async () => {
    const writer = new LogWriter(db);
    const c = counting(db);
    const cache = new LogTreeCache(c.db);
    writer.onLeaves((first, hashes) => cache.offer(first, hashes));
    await Promise.all(Array.from({ length: 50 }, (_, i) => writer.submit(async (u) => u.append(ev(i)))));
    const head = await readHead(db);
    const tree = await cache.upTo(head);
    expect(c.reads()).to.equal(0);
    expect(tree.size).to.be.at.least(50);
    const reference = MerkleTree.from(Array.from({ length: 50 }, (_, i) => leafHash(leafInput(ev(i)))));
    expect(Buffer.from(tree.rootAt(50)).equals(Buffer.from(reference.rootAt(50)))).to.equal(true);
  });

  it("falls back to the store when an offered hash is wrong or missing, and still matches the head", async () => {
    const writer = new LogWriter(db);
    const c = counting(db);
    const cache = new LogTreeCache(c.db);
    await Promise.all(Array.from({ length: 10 }, (_, i) => writer.submit(async (u) => u.append(ev(i)))));
    cache.offer(0, Array.from({ length: 10 }, () => new Uint8Array(32).fill(7))); // not what was committed
    const tree = await cache.upTo(await readHead(db));
    expect(c.reads()).to.be.greaterThan(0);
    const reference = MerkleTree.from(Array.from({ length: 10 }, (_, i) => leafHash(leafInput(ev(i)))));
    expect(Buffer.from(tree.rootAt(10)).equals(Buffer.from(reference.rootAt(10)))).to.equal(true);
  });
});
