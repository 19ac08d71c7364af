// `anxin demo` run in-process (not a child): the whole community through the real server and embedded chain.
// Asserts what the README promises from it: the audit passes, the revoked counselor is refused and the refusal is
// logged, one wearable warning, one erasure with tombstones, accepted matches, and no plaintext in the server log
// or anywhere in the data directory.
import { expect } from "chai";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runDemo, NOTE_MARKER, STEPS, type DemoSummary } from "../../src/demo/run.js";
import { RESIDENTS } from "../../src/demo/community.js";
import { formatSummary } from "../../src/demo/summary.js";

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe("anxin demo (in-process, real server and chain)", function () {
  this.timeout(240_000);
  let s: DemoSummary;
  const progress: string[] = [];
  const parent = mkdtempSync(path.join(tmpdir(), "anxin-demo-test-"));
  const dataDir = path.join(parent, "data");

  before(async () => {
    s = await runDemo({ dataDir, progress: (l) => progress.push(l) });
  });
  after(() => rmSync(parent, { recursive: true, force: true }));

  it("runs every step and the audit passes, check by check", () => {
    expect(s.error, s.error).to.equal(undefined);
    expect(s.steps.map((x) => [x.n, x.ok])).to.deep.equal(STEPS.map((_, i) => [i + 1, true]));
    expect(s.audit?.checks.map((c) => [c.id, c.ok])).to.deep.equal([
      ["leaves", true], ["anchors", true], ["timing", true], ["access", true], ["accreditation", true], ["erasure", true], ["keys", true],
    ]);
    expect(s.audit?.ok).to.equal(true);
    expect(s.ok).to.equal(true);
    // Progress was shown for each step, bilingual.
    for (const [i, [zh, en]] of STEPS.entries()) expect(progress).to.include(`[${String(i + 1).padStart(2)}/${STEPS.length}] ${zh} / ${en}`);
  });

  it("the revoked counselor was refused (403, grant_revoked) and the refusal is in the access log", () => {
    expect(s.revocation).to.deep.equal({ status: 403, reason: "grant_revoked", inAccessLog: true });
    expect(s.counts.grantsOnChain.revoked).to.equal(1);
    expect(s.counts.refusalsLogged).to.be.at.least(1);
  });

  it("one wearable warning reached the MONITORING counselor; the crisis case got hotlines and was never pooled", () => {
    expect(s.counts.alerts.wearableWarning).to.equal(1);
    expect(s.wearable).to.deep.include({ notified: 1, counselorSawAlert: true });
    expect(s.wearable!.days).to.be.at.least(3);
    expect(s.crisis?.route).to.equal("emergency");
    expect(s.crisis?.hotlines).to.include.members(["110", "120", "12356"]);
    expect(s.counts.needs.emergency).to.equal(1);
  });

  it("one erasure left tombstones and the erased record answers 410", () => {
    expect(s.erasure?.tombstones).to.be.at.least(3);
    expect(s.counts.tombstones).to.equal(s.erasure!.tombstones);
    expect(s.erasure?.readAfterwards).to.equal(410);
  });

  it("needs were held by the k=5 gate before publication, then matched and accepted", () => {
    expect(s.counts.needs.heldMax).to.be.at.least(4);
    expect(s.counts.needs.submitted).to.equal(RESIDENTS.length);
    expect(s.counts.needs.published + s.counts.needs.held).to.equal(RESIDENTS.length - 1);
    expect(s.counts.matchesAccepted).to.be.at.least(1);
    expect(s.counts.grantsOnChain.treatment).to.equal(s.counts.matchesAccepted);
    expect(s.counts.grantsOnChain.total).to.equal(RESIDENTS.length + s.counts.grantsOnChain.treatment + s.counts.grantsOnChain.monitoring);
    expect(s.counts.anchoredSize).to.be.greaterThan(0);
    expect(s.counts.anchoredSize).to.be.at.most(s.counts.logSize);
    expect(s.gas.consents).to.be.greaterThan(0);
    expect(s.gas.anchors).to.be.greaterThan(0);
  });

  it("no identity, phone, ID number or note text in the server log or in any file of the data directory", async () => {
    const needles = [NOTE_MARKER, "首次会谈", ...RESIDENTS.flatMap((r) => [r.identity.name, r.identity.phone, r.identity.idNumber])];
    const lines = s.logLines ?? [];
    expect(lines.length).to.be.greaterThan(20);
    const hits: string[] = [];
    const log = lines.join("\n");
    for (const n of needles) if (log.includes(n)) hits.push(`server log: ${n}`);
    for (const f of filesUnder(dataDir)) {
      const bytes = readFileSync(f);
      for (const n of needles) if (bytes.includes(Buffer.from(n, "utf8"))) hits.push(`${path.relative(dataDir, f)}: ${n}`);
    }
    expect(hits).to.deep.equal([]);
    expect(filesUnder(dataDir).some((f) => f.endsWith("server.log"))).to.equal(true);
  });

  it("prints a summary with the verdict and refuses a data directory that is not empty", async () => {
    const text = formatSummary(s);
    expect(text).to.match(/审计结论 audit verdict: 通过 PASS/);
    expect(text).to.include(dataDir);
    let err: Error | undefined;
    await runDemo({ dataDir }).catch((e: Error) => (err = e));
    expect(err?.message).to.match(/not empty/);
  });
});
