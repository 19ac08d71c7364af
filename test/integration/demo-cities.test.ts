// `anxin demo --city` for two cities outside Shanghai, one run each (slow: a whole community through the real
// server and embedded chain): 抚顺 210400 (districts and three counties) and 玉林 450900 (a county-level city, 北流市).
// The community lives on the city's own streets; the gate, matching, statistics and the audit work there as in
// Shanghai (test/integration/demo.test.ts checks the rest of the demo's promises).
import { expect } from "chai";
import { runDemo, STEPS, type DemoSummary } from "../../src/demo/run.js";
import { RESIDENTS, communityFor } from "../../src/demo/community.js";
import { place } from "../helpers/places.js";

for (const [city, name] of [["210400", "抚顺市"], ["450900", "玉林市"]] as const) {
  describe(`anxin demo --city ${city} (${name})`, function () {
    this.timeout(400_000);
    let s: DemoSummary;
    before(async () => {
      s = await runDemo({ city });
    });

    it("runs every step, matches and accepts, and the audit passes", () => {
      expect(s.error, s.error).to.equal(undefined);
      expect(s.steps.map((x) => [x.n, x.ok])).to.deep.equal(STEPS.map((_, i) => [i + 1, true]));
      expect(s.community.city).to.equal(`${city} ${name}`);
      expect(s.counts.needs.submitted).to.equal(RESIDENTS.length);
      expect(s.counts.needs.published + s.counts.needs.held).to.equal(RESIDENTS.length - 1);
      expect(s.counts.needs.heldMax).to.be.at.least(4); // the k = 5 gate held needs first, here too
      expect(s.counts.matchesAccepted).to.be.at.least(1);
      expect(s.crisis?.hotlines).to.include.members(["110", "120", "12356"]);
      expect(s.crisis?.hotlines).to.not.include("010-82951332"); // no other city's line
      expect(s.audit?.ok).to.equal(true);
      expect(s.ok).to.equal(true);
    });

    it("placed every resident on a street of the city and every counselor in its districts", async () => {
      const p = await place(city);
      const { residents, counselors } = communityFor(p);
      for (const r of residents) {
        expect(p.level(r.place), r.place).to.equal("street");
        expect(r.label).to.not.include("{d}");
      }
      for (const c of counselors) for (const d of c.profile.districts) expect(p.level(d)).to.equal("district");
      expect(new Set(residents.map((r) => r.place.slice(0, 6))).size).to.be.at.least(Math.min(5, p.districts().length));
    });
  });
}
