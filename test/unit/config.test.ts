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
});
