import { expect } from "chai";
import { isActiveAt } from "../../../src/store/consent-repo.js";

// A revocation mined in a block whose timestamp runs ahead of our clock must still stop releases at once.
describe("consent index: a recorded revocation is in force from now on", () => {
  const g = { not_before: 1_000, not_after: 10_000, revoked_at: 5_000 };
  it("refuses now even when the block time of the revocation is later than now", () => {
    expect(isActiveAt(g, 4_990, 4_990)).to.equal(false);
    expect(isActiveAt({ ...g, revoked_at: null }, 4_990, 4_990)).to.equal(true);
  });
  it("still answers for past times by the revocation's chain time", () => {
    expect(isActiveAt(g, 4_000, 6_000)).to.equal(true);
    expect(isActiveAt(g, 5_000, 6_000)).to.equal(false);
    expect(isActiveAt(g, 900, 6_000)).to.equal(false);
  });
});
