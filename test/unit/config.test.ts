import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CONFIG_ENV_VARS, ConfigError, defaultServerUrl, loadConfig, setting } from "../../src/config.js";

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

describe("config: settings once read at import time", () => {
  it("validates ANXIN_DP_MONTHLY_EPSILON: a positive number, default 1; anything else stops start-up naming it", () => {
    expect(loadConfig({}).dpMonthlyEpsilon).to.equal(1);
    expect(loadConfig({ ANXIN_DP_MONTHLY_EPSILON: "0.5" }).dpMonthlyEpsilon).to.equal(0.5);
    // Number("x") is NaN, and a NaN budget never refuses (spent + ε > NaN is false): it must not get through.
    for (const bad of ["x", "NaN", "0", "-1", "Infinity", "1e9"]) {
      let err: unknown;
      try {
        loadConfig({ ANXIN_DP_MONTHLY_EPSILON: bad });
      } catch (e) {
        err = e;
      }
      expect(err, bad).to.be.instanceOf(ConfigError);
      expect((err as ConfigError).message, bad).to.match(/ANXIN_DP_MONTHLY_EPSILON: /);
    }
  });

  it("validates ANXIN_MATCHING_SWEEP_MS (default 1000) and ANXIN_NATIVE_SECP256K1 (default on)", () => {
    expect(loadConfig({}).matchingSweepMs).to.equal(1000);
    expect(loadConfig({ ANXIN_MATCHING_SWEEP_MS: "250" }).matchingSweepMs).to.equal(250);
    for (const bad of ["soon", "0", "1.5"]) expect(() => loadConfig({ ANXIN_MATCHING_SWEEP_MS: bad }), bad).to.throw(ConfigError, /ANXIN_MATCHING_SWEEP_MS: /);
    expect(loadConfig({}).nativeSecp256k1).to.equal(true);
    expect(setting("nativeSecp256k1", { ANXIN_NATIVE_SECP256K1: "false" })).to.equal(false);
    expect(() => setting("nativeSecp256k1", { ANXIN_NATIVE_SECP256K1: "1" })).to.throw(ConfigError, /ANXIN_NATIVE_SECP256K1: must be "true" or "false"/);
  });

  it("one default server URL for the CLI: ANXIN_URL, else this machine on PORT", () => {
    expect(defaultServerUrl({})).to.equal("http://127.0.0.1:7300");
    expect(defaultServerUrl({ PORT: "8080" })).to.equal("http://127.0.0.1:8080");
    expect(defaultServerUrl({ PORT: "8080", ANXIN_URL: "https://anxin.example.org" })).to.equal("https://anxin.example.org");
    expect(() => defaultServerUrl({ ANXIN_URL: "ftp://x" })).to.throw(ConfigError, /ANXIN_URL: /);
    expect(() => defaultServerUrl({ PORT: "port" })).to.throw(ConfigError, /PORT: /);
  });

  it("every variable of the schema is in README's configuration table", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    for (const name of Object.values(CONFIG_ENV_VARS)) expect(readme, name).to.include("`" + name + "`");
  });
});

describe("config: start-up", function () {
  this.timeout(60_000);
  it("`anxin serve` with a bad ANXIN_DP_MONTHLY_EPSILON stops before starting, with one line naming the variable", async () => {
    const bin = fileURLToPath(new URL("../../bin/anxin.js", import.meta.url));
    const dataDir = mkdtempSync(path.join(tmpdir(), "anxin-cfg-"));
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [bin, "serve", "--port", "0"], { env: { ...process.env, ANXIN_DATA_DIR: dataDir, ANXIN_DP_MONTHLY_EPSILON: "x" }, timeout: 50_000 }, (e, _out, stderr) =>
        resolve({ code: e ? (e as { code?: number }).code ?? null : 0, stderr }),
      );
    });
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.include("ANXIN_DP_MONTHLY_EPSILON: must be a positive number");
    expect(r.stderr).not.to.match(/\n\s+at /); // a message, not a stack trace
    expect(readdirSync(dataDir)).to.deep.equal([]); // nothing was started or written
  });
});
