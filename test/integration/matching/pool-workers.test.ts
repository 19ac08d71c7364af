// Pool publication with several server instances on one PostgreSQL (what `anxin serve --workers N` runs: N servers
// on one database and one chain). Each scheduled batch is made once, by whichever instance holds the publication lock
// when the batch is due, and stored: every instance serves that same publication (same references, same time), so a
// matcher asking different workers sees one batch per period, not one per worker, and can never diff two of them.
import { expect } from "chai";
import pino from "pino";
import { loadConfig } from "../../../src/config.js";
import { startServer, type RunningServer } from "../../../src/http/server.js";
import { ApiClient } from "../../../src/client/index.js";
import { Purpose } from "../../../src/consent/index.js";
import { deriveNeed } from "../../../src/deid/index.js";
import { startTestServer, registerMatcher, type TestServer } from "../../helpers/server.js";
import { startTestOffice, type TestOffice } from "../../helpers/office.js";
import { grant, intake, newResident, withNonceRetry } from "./helpers.js";

const PERIOD_MS = 600;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("pool publication with several instances on one PostgreSQL (serve --workers)", function () {
  this.timeout(180_000);
  let a: TestServer;
  let b: RunningServer;
  let office: TestOffice;
  let views: ApiClient[];

  before(async () => {
    a = await startTestServer({ pg: true, config: { poolPublishMs: PERIOD_MS } });
    // The second instance as a worker is started: the same database, data directory (keys, deployment) and chain.
    const cfg = loadConfig({}, {
      dataDir: a.dataDir, port: 0, anvilPort: 0, logLevel: "silent", chainPollMs: 100, anchorIntervalSeconds: 1, poolPublishMs: PERIOD_MS,
      databaseUrl: a.ctx.cfg.databaseUrl, embeddedChainUrl: a.ctx.chain.anvil!.url,
    });
    b = await startServer(cfg, pino({ level: "silent" }));
    office = await startTestOffice(a.dataDir);
    const matcher = await withNonceRetry(a, () => registerMatcher(a));
    await a.ctx.indexer.sync();
    // Five residents: one class that passes k = 5, l = 2.
    for (const cats of [["elderly_loneliness"], ["depression"], ["elderly_loneliness"], ["grief"], ["depression"]]) {
      const { keys, api } = await (await newResident()).as(a, matcher.address);
      await grant(a, keys, matcher.address, Purpose.MATCHING);
      expect((await api.post("/v1/needs", { need: deriveNeed(intake(cats)), token: await office.token() })).route).to.equal("pool");
    }
    await b.ctx.indexer.sync();
    views = [await new ApiClient(a.url).login(matcher), await new ApiClient(b.url).login(matcher)];
  });
  after(async () => {
    await b?.close();
    await a?.stop();
  });

  it("makes one publication per period across both instances, and both serve the same one", async () => {
    type View = { publishedAt: string | null; needs: Array<{ needId: string }> };
    const seen = new Map<string, Set<string>>(); // publishedAt → the references served under it (by either instance)
    let agreed = 0;
    let samples = 0;
    // A batch made before the fifth need arrived holds none (k = 5 keeps a class of 4 back): wait for the first batch
    // made after set-up, so every publication sampled below is one of the five.
    for (const deadline = Date.now() + 20 * PERIOD_MS; ; await sleep(50)) {
      const vs = (await Promise.all(views.map((v) => v.get("/v1/match/pool")))) as View[];
      if (vs.every((v) => v.needs.length === 5)) break;
      expect(Date.now(), "no publication of the five needs within 20 periods").to.be.below(deadline);
    }
    const t0 = Date.now();
    while (Date.now() - t0 < 10 * PERIOD_MS) {
      const [va, vb] = (await Promise.all(views.map((v) => v.get("/v1/match/pool")))) as View[];
      for (const v of [va, vb]) {
        if (!v.publishedAt) continue;
        const refs = v.needs.map((n) => n.needId).sort().join(",");
        seen.set(v.publishedAt, (seen.get(v.publishedAt) ?? new Set()).add(refs));
      }
      samples++;
      if (va.publishedAt === vb.publishedAt) agreed++;
      await sleep(50);
    }
    const elapsed = Date.now() - t0;
    // One publication per period (a few ms of timer drift aside), not one per instance per period.
    expect(seen.size).to.be.within(Math.floor(elapsed / PERIOD_MS) - 2, Math.ceil(elapsed / PERIOD_MS) + 1);
    // The same publication means the same references on both instances.
    for (const [at, refs] of seen) expect(refs.size, `publication ${at} served with different references: ${[...refs].map((r) => r.split(",").length).join(" vs ")}`).to.equal(1);
    for (const [, refs] of seen) expect([...refs][0].split(",")).to.have.length(5);
    // Both instances serve the same publication except when a sample straddles a new batch.
    expect(agreed / samples).to.be.greaterThan(0.8);
    // The stored publication is the one both serve.
    const [row] = await a.ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM pool_publications");
    expect(row.n).to.equal(1);
  });
});
