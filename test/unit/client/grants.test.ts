// The client's grant drafting (src/client/grants.ts), used by the CLI, the web pages and the demo: the time jitter
// of docs/FORMATS.md §Time jitter, fresh salts, and the bounds on the duration.
import { expect } from "chai";
import { Wallet } from "ethers";
import { END_JITTER_SECONDS, START_JITTER_SECONDS, draftGrant, grantWindow, randomBelow } from "../../../src/client/index.js";
import { Purpose } from "../../../src/consent/index.js";
import { chiSquare, expectTimeJitter, offsetsOf } from "../../helpers/jitter.js";

const subject = Wallet.createRandom().address;
const grantee = Wallet.createRandom().address;
const NOW = 1_790_000_000;

describe("client: grant drafting", () => {
  it("randomBelow is uniform over [0, n) for n that do not divide 2^32", () => {
    for (const n of [3, 10, 3600]) {
      const xs = Array.from({ length: 30_000 }, () => randomBelow(n));
      expect(xs.every((x) => Number.isInteger(x) && x >= 0 && x < n), `n = ${n}`).to.equal(true);
      const bins = Math.min(n, 30);
      // χ² quantiles 1 − 10⁻⁵: df 2 → 23.0, df 9 → 39.3, df 29 → 73.5.
      expect(chiSquare(xs, n, bins), `n = ${n}`).to.be.below({ 3: 23.0, 10: 39.3, 30: 73.5 }[bins]!);
    }
    expect(randomBelow(1)).to.equal(0);
    expect(() => randomBelow(0)).to.throw(RangeError);
    expect(() => randomBelow(2.5)).to.throw(RangeError);
  });

  it("draws notBefore = now − U[0, 3600) and notAfter = notBefore + days + U[0, 86400) (20,000 windows)", () => {
    const samples = Array.from({ length: 20_000 }, () => offsetsOf(grantWindow(30, NOW), NOW, 30));
    expectTimeJitter(samples, "grantWindow");
    // Both ends of each range are reached by a sampler that can return them.
    expect(grantWindow(7, NOW, 0, (n) => n - 1)).to.deep.equal({ notBefore: NOW - (START_JITTER_SECONDS - 1), notAfter: NOW - (START_JITTER_SECONDS - 1) + 7 * 86400 + END_JITTER_SECONDS - 1 });
    expect(grantWindow(7, NOW, 0, () => 0)).to.deep.equal({ notBefore: NOW, notAfter: NOW + 7 * 86400 });
  });

  it("draftGrant carries the jitter and fresh salts on every grant (2,000 drafts)", () => {
    const drafts = Array.from({ length: 2000 }, () => draftGrant({ subject, grantee, purpose: Purpose.TREATMENT, categories: ["assessment"], days: 365, now: NOW }));
    expectTimeJitter(drafts.map((b) => offsetsOf(b.grant, NOW, 365)), "draftGrant");
    expect(new Set(drafts.map((b) => b.grant.salt)).size).to.equal(drafts.length);
    expect(new Set(drafts.map((b) => b.scopeSalt)).size).to.equal(drafts.length);
    expect(new Set(drafts.map((b) => b.grant.scope)).size).to.equal(drafts.length);
  });

  it("a later start is jittered forwards only; the duration must be 1..1825 whole days", () => {
    for (let i = 0; i < 500; i++) {
      const b = draftGrant({ subject, grantee, purpose: Purpose.TREATMENT, categories: ["assessment"], days: 7, now: NOW, startInSeconds: 7200 });
      expect(b.grant.notBefore - (NOW + 7200)).to.be.within(0, 59);
      expect(b.grant.notAfter - b.grant.notBefore - 7 * 86400).to.be.within(0, END_JITTER_SECONDS - 1);
    }
    for (const days of [0, 1826, 1.5, Number.NaN]) {
      expect(() => draftGrant({ subject, grantee, purpose: Purpose.TREATMENT, categories: ["assessment"], days, now: NOW }), `days ${days}`).to.throw(RangeError, /days must be 1\.\.1825/);
    }
  });
});
