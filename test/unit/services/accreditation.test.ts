// The pure accreditation rules against the contract's documented cases (test/contracts/CounselorRegistry.test.ts):
// past times by the state then in force, the suspension that survives re-accreditation, validity windows, several
// changes in one block, and "now" on a chain that runs ahead of the clock.
import { expect } from "chai";
import { accreditationAt, accreditedAt, everAccredited, nextWindowEdge, snapshotsOf, type AccreditationEvent } from "../../../src/services/accreditation.js";

let n = 0;
const ev = (event: AccreditationEvent["event"], blockTime: number, window?: [number, number], block = ++n): AccreditationEvent => ({
  event,
  blockNumber: block,
  logIndex: 0,
  blockTime,
  ...(window ? { validFrom: window[0], validUntil: window[1] } : {}),
});

describe("accreditation: CounselorRegistry's rules, pure", () => {
  const t0 = 1_000_000;

  it("answers past times by the state then in force (the contract's isAccredited test)", () => {
    const events = [
      ev("CounselorAccredited", t0, [t0 - 500, t0 + 864_000]),
      ev("CounselorSuspended", t0 + 100),
      ev("CounselorReinstated", t0 + 200),
      ev("CounselorAccredited", t0 + 300, [t0 + 400, t0 + 500]),
    ];
    const h = snapshotsOf(events);
    const at = (dt: number) => accreditedAt(h, t0 + dt);
    expect([-1, 0, 99, 100, 199, 200, 299, 300, 400, 499, 500].map(at)).to.deep.equal([false, true, true, false, false, true, true, false, true, true, false]);
    expect(h[1]).to.deep.equal({ since: t0 + 100, validFrom: t0 - 500, validUntil: t0 + 864_000, suspended: true });
    expect(accreditedAt([], t0)).to.equal(false);
  });

  it("a suspension survives re-accreditation until reinstated (the reproduced bug)", () => {
    const events = [ev("CounselorAccredited", t0, [t0, t0 + 86_400]), ev("CounselorSuspended", t0 + 10), ev("CounselorAccredited", t0 + 20, [t0, t0 + 172_800])];
    expect(accreditationAt(events, t0 + 30, t0 + 30)).to.equal(false);
    expect(snapshotsOf(events).at(-1)!.suspended).to.equal(true);
    expect(everAccredited(events)).to.equal(true);
    expect(accreditationAt([...events, ev("CounselorReinstated", t0 + 40)], t0 + 50, t0 + 50)).to.equal(true);
  });

  it("orders by block and log index, whatever order the rows come in; same-block changes share their time", () => {
    const a = { ...ev("CounselorAccredited", t0, [t0 - 10, t0 + 100], 7), logIndex: 0 };
    const s = { ...ev("CounselorSuspended", t0, undefined, 7), logIndex: 1 };
    expect(accreditationAt([s, a], t0, t0)).to.equal(false);
    expect(snapshotsOf([s, a]).map((x) => x.suspended)).to.deep.equal([false, true]);
    // A suspension the contract would have refused (never accredited) changes nothing.
    expect(snapshotsOf([ev("CounselorSuspended", t0 - 5)])).to.deep.equal([]);
  });

  it("from now on every recorded event counts, even one the chain stamped ahead of our clock; the past stays exact", () => {
    const events = [ev("CounselorAccredited", t0 + 50, [t0, t0 + 1000])];
    // The wall clock says t0, the chain already recorded the accreditation at t0 + 50.
    expect(accreditationAt(events, t0, t0)).to.equal(true);
    expect(accreditationAt(events, t0 - 1, t0)).to.equal(false);
    const suspendedAhead = [...events, ev("CounselorSuspended", t0 + 80)];
    expect(accreditationAt(suspendedAhead, t0 + 60, t0 + 60)).to.equal(false);
    expect(accreditationAt(suspendedAhead, t0 + 60, t0 + 100)).to.equal(true);
    // Windows: validUntil is exclusive, validFrom inclusive.
    expect(accreditationAt(events, t0 + 1000, t0 + 1000)).to.equal(false);
    expect(accreditationAt([ev("CounselorAccredited", t0, [t0 + 5, t0 + 10])], t0 + 5, t0 + 5)).to.equal(true);
    expect(accreditationAt([ev("CounselorAccredited", t0, [t0 + 5, t0 + 10])], t0 + 4, t0 + 4)).to.equal(false);
  });

  it("names the next moment the answer changes by time alone (role caches end there)", () => {
    const events = [ev("CounselorAccredited", t0, [t0 + 5, t0 + 10])];
    expect(nextWindowEdge(events, t0)).to.equal(t0 + 5);
    expect(nextWindowEdge(events, t0 + 5)).to.equal(t0 + 10);
    expect(nextWindowEdge(events, t0 + 10)).to.equal(Infinity);
    expect(nextWindowEdge([], t0)).to.equal(Infinity);
  });
});
