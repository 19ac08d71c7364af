// `anxin demo` with DATABASE_URL: the whole community on a fresh schema of a PostgreSQL server, by two instances
// sharing it (staff on the first, residents on the second), and the audit still passes.
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { runDemo, STEPS, type DemoSummary } from "../../src/demo/run.js";
import { testDatabaseUrl } from "../helpers/postgres.js";

describe("anxin demo on PostgreSQL, two instances sharing it", function () {
  this.timeout(360_000);
  let s: DemoSummary;
  const progress: string[] = [];
  const parent = mkdtempSync(path.join(tmpdir(), "anxin-demo-pg-"));
  let base: string;

  before(async () => {
    base = await testDatabaseUrl();
    s = await runDemo({ dataDir: path.join(parent, "data"), databaseUrl: base, progress: (l) => progress.push(l) });
  });
  after(() => rmSync(parent, { recursive: true, force: true }));

  it("runs every step on the PostgreSQL server and the audit passes", async () => {
    expect(s.error, s.error).to.equal(undefined);
    expect(s.steps.map((x) => x.ok)).to.deep.equal(STEPS.map(() => true));
    expect(s.audit?.ok).to.equal(true);
    expect(progress.join("\n")).to.match(/store pg/);
  });

  it("residents were served by a second instance on the same schema, which holds the whole community", async () => {
    const line = progress.find((l) => l.includes("two instances share it"));
    expect(line, progress.join("\n")).to.be.a("string");
    const [, schema, staff, residents] = /schema (anxin_demo_\d+): .* staff at (\S+), residents at (\S+)/.exec(line!)!;
    expect(staff).to.not.equal(residents);
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    try {
      const { rows } = await c.query(`SELECT count(*)::int AS n FROM ${schema}.records`);
      expect(rows[0].n).to.be.greaterThan(20);
      const sessions = await c.query(`SELECT count(*)::int AS n FROM ${schema}.sessions`).catch(() => ({ rows: [{ n: -1 }] }));
      expect(sessions.rows[0].n).to.not.equal(0);
    } finally {
      await c.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
      await c.end();
    }
  });
});
