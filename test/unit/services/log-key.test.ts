// The log key file (created 0600, refused when others can read it, bound to its origin) and the witness config.
import { expect } from "chai";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConfigError, loadConfig } from "../../../src/config.js";
import { ALG_COSIGNATURE_V1, encodeSignerKey, parseSignerKey, vkeyOf } from "../../../src/log/index.js";
import { loadLogKey } from "../../../src/services/signed-checkpoints.js";

const witnessVkey = vkeyOf(parseSignerKey(encodeSignerKey("w.example/1", new Uint8Array(32).fill(9), ALG_COSIGNATURE_V1)));

describe("log key file and witness configuration", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "anxin-logkey-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("creates <dataDir>/log-key 0600 once, then reads the same key; the origin is the key's name", () => {
    const a = loadLogKey({ dataDir: dir, logOrigin: "example.org/log" });
    expect(statSync(path.join(dir, "log-key")).mode & 0o777).to.equal(0o600);
    const b = loadLogKey({ dataDir: dir });
    expect(b.vkey).to.equal(a.vkey);
    expect(b.origin).to.equal("example.org/log");
    expect(a.vkey.startsWith("example.org/log+")).to.equal(true);
    expect(() => loadLogKey({ dataDir: dir, logOrigin: "other.org/log" })).to.throw(/ANXIN_LOG_ORIGIN/);
  });

  it("refuses a key file others can read, a missing configured file, and a file that is not a key", () => {
    loadLogKey({ dataDir: dir });
    chmodSync(path.join(dir, "log-key"), 0o644);
    expect(() => loadLogKey({ dataDir: dir })).to.throw(/chmod 600/);
    expect(() => loadLogKey({ dataDir: dir, logKeyFile: path.join(dir, "nope") })).to.throw(/ANXIN_LOG_KEY_FILE/);
    const bad = path.join(dir, "bad-key");
    writeFileSync(bad, "hello\n", { mode: 0o600 });
    expect(() => loadLogKey({ dataDir: dir, logKeyFile: bad })).to.throw(/not a note signer key/);
    expect(readFileSync(path.join(dir, "log-key"), "utf8")).to.match(/^PRIVATE\+KEY\+/);
  });

  it("validates ANXIN_WITNESSES, ANXIN_WITNESS_QUORUM and ANXIN_LOG_ORIGIN, naming the variable", () => {
    const cfg = loadConfig({ ANXIN_WITNESSES: `${witnessVkey} http://127.0.0.1:7380`, ANXIN_WITNESS_QUORUM: "1" });
    expect(cfg.witnesses).to.deep.equal([{ vkey: witnessVkey, url: "http://127.0.0.1:7380" }]);
    const err = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (e) {
        expect(e).to.be.instanceOf(ConfigError);
        return (e as ConfigError).problems.join("\n");
      }
      throw new Error("accepted");
    };
    expect(err({ ANXIN_WITNESSES: "not-a-vkey http://x" })).to.match(/^ANXIN_WITNESSES: /);
    expect(err({ ANXIN_WITNESSES: `${witnessVkey} ftp://x` })).to.match(/^ANXIN_WITNESSES: /);
    expect(err({ ANXIN_WITNESS_QUORUM: "1" })).to.match(/^ANXIN_WITNESS_QUORUM: needs 1/);
    expect(err({ ANXIN_LOG_ORIGIN: "has space" })).to.match(/^ANXIN_LOG_ORIGIN: /);
  });
});
