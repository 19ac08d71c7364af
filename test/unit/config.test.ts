import { expect } from "chai";
import { ConfigError, loadConfig } from "../../src/config.js";

describe("config", () => {
  it("runs the embedded store on its own thread unless ANXIN_PGLITE_THREAD is false", () => {
    expect(loadConfig({}).pgliteThread).to.equal(true);
    expect(loadConfig({ ANXIN_PGLITE_THREAD: "false" }).pgliteThread).to.equal(false);
    expect(loadConfig({ ANXIN_PGLITE_THREAD: "true" }).pgliteThread).to.equal(true);
  });

  it("checks record envelopes on their own thread unless ANXIN_CHECK_THREAD is false", () => {
    expect(loadConfig({}).checkThread).to.equal(true);
    expect(loadConfig({ ANXIN_CHECK_THREAD: "false" }).checkThread).to.equal(false);
    expect(() => loadConfig({ ANXIN_CHECK_THREAD: "0" })).to.throw(ConfigError);
  });

  it("refuses a wrong value naming the variable and the accepted values, never echoing the value", () => {
    let err: unknown;
    try {
      loadConfig({ ANXIN_PGLITE_THREAD: "yes-please", DATABASE_URL: "mysql://secret-password@x" });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ConfigError);
    const text = (err as ConfigError).problems.join("\n");
    expect(text).to.include('ANXIN_PGLITE_THREAD: must be "true" or "false"');
    expect(text).to.include("DATABASE_URL: must be a postgres:// URL");
    expect(text).not.to.include("yes-please");
    expect(text).not.to.include("secret-password");
  });

  it("ANXIN_CITY names a prefecture-level city or municipality by its division code (default 上海 310000)", () => {
    expect(loadConfig({}).city).to.equal("310000");
    expect(loadConfig({ ANXIN_CITY: "210400" }).city).to.equal("210400");
    expect(loadConfig({ ANXIN_CITY: "450900" }).city).to.equal("450900");
    expect(loadConfig({ ANXIN_CITY: "310100" }).city).to.equal("310000"); // 市辖区 names the municipality
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (e) {
        return (e as ConfigError).problems.join("\n");
      }
      return "";
    };
    expect(problems({ ANXIN_CITY: "fushun" })).to.include("ANXIN_CITY: must be a 6-digit division code");
    expect(problems({ ANXIN_CITY: "210402" })).to.include("ANXIN_CITY: is not a prefecture-level city"); // a district
    expect(problems({ ANXIN_CITY: "419000" })).to.include("ANXIN_CITY: is not a prefecture-level city"); // 省直辖县级
    expect(problems({ ANXIN_CITY: "999900" })).to.include("ANXIN_CITY");
  });

  it("ANXIN_ZONES groups the city's own districts; ANXIN_LOCAL_HOTLINES needs a source for each number", () => {
    const zones = [{ key: "east", name: "城东", districts: ["210403", "210411"] }];
    expect(loadConfig({ ANXIN_CITY: "210400", ANXIN_ZONES: JSON.stringify(zones) }).zones).to.deep.equal(zones);
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (e) {
        return (e as ConfigError).problems.join("\n");
      }
      return "";
    };
    expect(problems({ ANXIN_CITY: "210400", ANXIN_ZONES: JSON.stringify([{ key: "x", name: "x", districts: ["310104"] }]) })).to.include("ANXIN_ZONES: zone x: 310104 is not a district of 210400");
    expect(problems({ ANXIN_CITY: "210400", ANXIN_ZONES: JSON.stringify([...zones, { key: "y", name: "y", districts: ["210411"] }]) })).to.include("already in zone east");
    expect(problems({ ANXIN_ZONES: "not json" })).to.include("ANXIN_ZONES");
    const line = { id: "city-line", name: { zh: "市心理援助热线", en: "City helpline" }, number: "024-12345678", source: "https://example.org/health-commission-notice" };
    expect(loadConfig({ ANXIN_LOCAL_HOTLINES: JSON.stringify([line]) }).localHotlines).to.deep.equal([line]);
    expect(problems({ ANXIN_LOCAL_HOTLINES: JSON.stringify([{ ...line, source: undefined }]) })).to.include("ANXIN_LOCAL_HOTLINES");
    expect(problems({ ANXIN_LOCAL_HOTLINES: JSON.stringify([{ ...line, number: "call us" }]) })).to.include("ANXIN_LOCAL_HOTLINES");
  });

  it("takes the grant quotas from ANXIN_GRANT_QUOTA_PER_SUBJECT_PER_HOUR and ANXIN_GRANT_QUOTA_PER_MINUTE, whole numbers ≥ 1", () => {
    expect(loadConfig({})).to.deep.include({ grantQuotaPerSubjectPerHour: 20, grantQuotaPerMinute: 600 });
    expect(loadConfig({ ANXIN_GRANT_QUOTA_PER_SUBJECT_PER_HOUR: "3", ANXIN_GRANT_QUOTA_PER_MINUTE: "50" })).to.deep.include({ grantQuotaPerSubjectPerHour: 3, grantQuotaPerMinute: 50 });
    for (const bad of ["0", "x", "1.5", "-2"]) {
      expect(() => loadConfig({ ANXIN_GRANT_QUOTA_PER_MINUTE: bad }), bad).to.throw(ConfigError, "ANXIN_GRANT_QUOTA_PER_MINUTE");
      expect(() => loadConfig({ ANXIN_GRANT_QUOTA_PER_SUBJECT_PER_HOUR: bad }), bad).to.throw(ConfigError, "ANXIN_GRANT_QUOTA_PER_SUBJECT_PER_HOUR");
    }
  });
});
