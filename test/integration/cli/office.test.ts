// `anxin office keygen | issue | counts` as staff run them: real processes on real files. The resident's side of
// the round trip is the client library (as her app runs it); the token that comes out verifies under the keyset.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { finishEnrollment, periodOf, periodsFrom, startEnrollment, verifyNeedToken } from "../../../src/client/blind-token.js";

const root = path.resolve(import.meta.dirname, "../../..");
const run = (...args: string[]) => spawnSync(path.join(root, "node_modules/.bin/tsx"), [path.join(root, "src/cli/main.ts"), ...args], { encoding: "utf8", cwd: root, timeout: 60_000 });

describe("anxin office (CLI)", function () {
  this.timeout(120_000);
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(tmpdir(), "anxin-office-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const f = (n: string) => path.join(dir, n);

  it("has --help for every office command", () => {
    for (const c of [["office", "keygen"], ["office", "issue"], ["office", "counts"], ["enroll", "request"], ["enroll", "finish"]]) {
      const r = run(...c, "--help");
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout).to.include("--json");
    }
  });

  it("keygen → a resident's blinded request → issue → a valid token; counts only per month", async () => {
    const months = periodsFrom(periodOf(), 2);
    const k = run("office", "keygen", "--out", f("office.json"), "--public", f("keys.json"), "--months", "2", "--json");
    expect(k.status, k.stderr).to.equal(0);
    expect(JSON.parse(k.stdout).keys.map((x: { period: string }) => x.period)).to.deep.equal(months);
    expect(statSync(f("office.json")).mode & 0o777).to.equal(0o600);
    const keyset = JSON.parse(readFileSync(f("keys.json"), "utf8"));
    expect(JSON.stringify(keyset)).to.not.include('"d"'); // no private part published
    const { request, pending } = await startEnrollment(keyset, months);
    writeFileSync(f("req.json"), JSON.stringify(request));
    const i = run("office", "issue", "--keys", f("office.json"), "--request", f("req.json"), "--out", f("resp.json"), "--json");
    expect(i.status, i.stderr).to.equal(0);
    expect(JSON.parse(i.stdout)).to.deep.equal({ issued: 2 });
    const tokens = await finishEnrollment(keyset, pending, JSON.parse(readFileSync(f("resp.json"), "utf8")));
    for (const t of tokens) expect(await verifyNeedToken(keyset, t)).to.equal(true);
    const c = run("office", "counts", "--keys", f("office.json"), "--json");
    expect(JSON.parse(c.stdout)).to.deep.equal({ issued: { [months[0]]: 1, [months[1]]: 1 } });
    // A second keygen keeps the keys it has (tokens already issued stay valid) and adds the new months.
    expect(run("office", "keygen", "--out", f("office.json"), "--public", f("keys.json"), "--months", "3", "--json").status).to.equal(0);
    const again = JSON.parse(readFileSync(f("keys.json"), "utf8"));
    expect(again.keys.slice(0, 2)).to.deep.equal(keyset.keys);
    expect(again.keys).to.have.length(3);
  });

  it("refuses two tokens for one month in one request, and a request that is not one, with a one-line message", () => {
    const req = JSON.parse(readFileSync(f("req.json"), "utf8"));
    writeFileSync(f("dup.json"), JSON.stringify({ ...req, items: [req.items[0], req.items[0]] }));
    const r = run("office", "issue", "--keys", f("office.json"), "--request", f("dup.json"));
    expect(r.status).to.equal(2);
    expect(r.stderr.trim()).to.match(/^anxin: one token per period/);
    writeFileSync(f("junk.json"), "{}");
    expect(run("office", "issue", "--keys", f("office.json"), "--request", f("junk.json")).stderr).to.match(/not an anxin\.enroll\.request\.v1/);
    const c = JSON.parse(run("office", "counts", "--keys", f("office.json"), "--json").stdout);
    expect(Object.values(c.issued)).to.deep.equal([1, 1]); // refused requests signed nothing
  });
});
