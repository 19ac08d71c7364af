// The per-resident limits of issue 22 part 5 are settings like any other: validated, defaulted, named on error.
import { expect } from "chai";
import { ConfigError, loadConfig } from "../../src/config.js";

describe("config: per-resident limits", () => {
  it("ANXIN_ALERTS_PER_COUNSELOR_PER_DAY and ANXIN_BOOKINGS_PER_RESIDENT: positive integers, defaults 20 and 5", () => {
    expect(loadConfig({})).to.deep.include({ alertsPerCounselorPerDay: 20, bookingsPerResident: 5 });
    expect(loadConfig({ ANXIN_ALERTS_PER_COUNSELOR_PER_DAY: "3", ANXIN_BOOKINGS_PER_RESIDENT: "1" })).to.deep.include({ alertsPerCounselorPerDay: 3, bookingsPerResident: 1 });
    for (const [name, bad] of [["ANXIN_ALERTS_PER_COUNSELOR_PER_DAY", "x"], ["ANXIN_ALERTS_PER_COUNSELOR_PER_DAY", "0"], ["ANXIN_BOOKINGS_PER_RESIDENT", "1.5"], ["ANXIN_BOOKINGS_PER_RESIDENT", "-1"], ["ANXIN_BOOKINGS_PER_RESIDENT", "NaN"]]) {
      let err: unknown;
      try {
        loadConfig({ [name]: bad });
      } catch (e) {
        err = e;
      }
      expect(err, `${name}=${bad}`).to.be.instanceOf(ConfigError);
      expect((err as ConfigError).message).to.include(`${name}: `);
    }
  });

  it("ANXIN_DP_MONTHLY_EPSILON=x is refused (the privacy budget can never be NaN)", () => {
    expect(() => loadConfig({ ANXIN_DP_MONTHLY_EPSILON: "x" })).to.throw(ConfigError, /ANXIN_DP_MONTHLY_EPSILON/);
    expect(() => loadConfig({ ANXIN_DP_MONTHLY_EPSILON: "NaN" })).to.throw(ConfigError, /ANXIN_DP_MONTHLY_EPSILON/);
  });
});
