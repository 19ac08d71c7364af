// A reader of the whole database cannot act as anyone (issue 17.1): the session signing key is not in any table,
// a session row holds only the hash of its token, and a token needs both the key's MAC and a live row. Sign-out,
// "sign out everywhere", the operator's `anxin sessions revoke`, the key file (0600, kept across restarts) and the
// migration that drops the old key row.
import { expect } from "chai";
import { publishSignedKey } from "../../../src/client/index.js";
import { createHmac, createHash } from "node:crypto";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Wallet } from "ethers";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { DEV_OPERATOR_KEY } from "../../../src/chain/index.js";
import { Sessions } from "../../../src/services/sessions.js";
import { signToken } from "../../../src/services/session-token.js";
import { loadSessionKey } from "../../../src/services/session-key.js";
import { loadConfig, ConfigError } from "../../../src/config.js";
import { migrate } from "../../../src/store/migrate.js";
import { migrations } from "../../../src/store/migrations/index.js";
import { openPglite } from "../../../src/store/pglite.js";
import type { ApiClient } from "../../../src/client/index.js";

const run = promisify(execFile);
const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../bin/anxin.js");
const b64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");

/** Every cell of every table of the running server's database, as strings (bytea as hex). */
async function dumpEveryTable(srv: TestServer): Promise<{ tables: string[]; cells: string[] }> {
  const tables = (await srv.ctx.db.query<{ t: string }>(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)).map((r) => r.t);
  const cells: string[] = [];
  for (const t of tables) {
    for (const row of await srv.ctx.db.query(`SELECT * FROM "${t}"`)) {
      for (const v of Object.values(row)) {
        if (v === null || v === undefined) continue;
        if (v instanceof Uint8Array) cells.push(Buffer.from(v).toString("hex"));
        else if (v instanceof Date) cells.push(v.toISOString());
        else cells.push(typeof v === "object" ? JSON.stringify(v) : String(v));
      }
    }
  }
  return { tables, cells };
}

/** Every byte string a forger could take for a key from one cell: its text, and its hex/base64 decodings. */
function keyCandidates(cell: string): Buffer[] {
  const out = [Buffer.from(cell, "utf8")];
  if (/^(0x)?[0-9a-fA-F]+$/.test(cell) && cell.replace(/^0x/, "").length % 2 === 0) out.push(Buffer.from(cell.replace(/^0x/, ""), "hex"));
  if (/^[A-Za-z0-9+/_-]{16,}=*$/.test(cell)) out.push(Buffer.from(cell, "base64"));
  return out;
}

describe("security: a full copy of the database does not make a session", function () {
  this.timeout(300_000);
  let srv: TestServer;
  const resident = Wallet.createRandom();
  const admin = new Wallet(DEV_OPERATOR_KEY);
  let residentApi: ApiClient;

  before(async () => {
    srv = await startTestServer();
    residentApi = await srv.api().login(resident);
    await srv.api().login(admin);
    await publishSignedKey(residentApi, resident, new Uint8Array(32).fill(9));
  });
  after(async () => srv?.stop());

  it("no table holds the signing key, a token or anything that signs one; every forgery is 401", async () => {
    const { tables, cells } = await dumpEveryTable(srv);
    expect(tables).to.include.members(["sessions", "meta", "auth_nonces", "registry_events", "log_leaves"]);
    const real = residentApi.token!;
    const [ver, body, mac] = real.split(".");
    // The token itself (or its random session id) is nowhere in the database, only its hash.
    const sid = JSON.parse(Buffer.from(body, "base64url").toString()).sid as string;
    expect(cells.some((c) => c.includes(real) || c.includes(mac) || c.includes(sid))).to.equal(false);
    const stored = (await srv.ctx.db.query<{ token_hash: string }>("SELECT token_hash FROM sessions")).map((r) => r.token_hash);
    expect(stored).to.include(createHash("sha256").update(real).digest("hex"));
    expect((await srv.ctx.db.query("SELECT 1 FROM meta WHERE key = 'session_key'")).length).to.equal(0);

    // No cell, read as a key, reproduces the MAC of a real token: the key is not in the database.
    const candidates = cells.flatMap(keyCandidates);
    expect(candidates.length).to.be.greaterThan(100);
    const macOf = (key: Buffer) => createHmac("sha256", key).update(`${ver}.${body}`).digest("base64url");
    expect(candidates.filter((k) => macOf(k) === mac)).to.have.length(0);

    // Tokens a forger would try: for the operator's address (admin) and the resident, HMAC'd with database values
    // (v2 and the old v1 format), the stored hashes replayed as tokens, a real body with a hash for its MAC.
    const forged: string[] = [];
    const payload = (sub: string) => b64url(JSON.stringify({ sub, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600, sid: "x".repeat(22), jti: "y".repeat(16) }));
    const sample = [...new Set(cells.filter((c) => c.length >= 16))].slice(0, 40).flatMap(keyCandidates);
    for (const sub of [admin.address.toLowerCase(), resident.address.toLowerCase()]) {
      const p = payload(sub);
      for (const k of sample) {
        for (const v of ["v1", "v2"]) forged.push(`${v}.${p}.${createHmac("sha256", k).update(`${v}.${p}`).digest("base64url")}`);
      }
    }
    for (const h of stored) forged.push(h, `v2.${body}.${b64url(Buffer.from(h, "hex"))}`, `v2.${b64url(h)}.${b64url(h)}`);
    for (const t of forged) {
      if (t.length > 2000) continue;
      const res = await srv.api().as(t).raw("GET", "/v1/auth/session");
      await res.text();
      expect(res.status, "a forged token").to.equal(401);
    }
    expect(forged.length).to.be.greaterThan(100);
    // The real token still works: the forgeries were refused for what they are.
    expect((await residentApi.raw("GET", "/v1/auth/session")).status).to.equal(200);
  });

  it("a database writer cannot make a session either: a row for a token not signed by the key is 401", async () => {
    const other = new Sessions(srv.ctx.db, Buffer.alloc(32, 0xee), 600);
    const { token } = await other.issue(admin.address); // the row is in the live database now
    const res = await srv.api().as(token).raw("GET", "/v1/admin/registry");
    expect(res.status).to.equal(401);
  });

  it("the key file alone is not a session: a correctly signed token without its row is 401", async () => {
    const key = loadSessionKey(srv.ctx.cfg).key;
    const { token } = signToken(key, admin.address.toLowerCase(), 600);
    expect((await srv.api().as(token).raw("GET", "/v1/admin/registry")).status).to.equal(401);
    // The same key and a row (what a sign-in makes) is a session: the refusal above is the missing row.
    const made = await srv.ctx.sessions.issue(admin.address);
    expect((await srv.api().as(made.token).raw("GET", "/v1/admin/registry")).status).to.equal(200);
  });

  it("signs out one session, or every session of the address; another address is unaffected", async () => {
    const w = Wallet.createRandom();
    const a = await srv.api().login(w);
    const b = await srv.api().login(w);
    const c = await srv.api().login(w);
    const stranger = await srv.api().login(Wallet.createRandom());
    expect((await a.post("/v1/auth/logout", {})).revoked).to.equal(1);
    expect((await a.raw("GET", "/v1/auth/session")).status).to.equal(401);
    expect((await b.raw("GET", "/v1/auth/session")).status).to.equal(200);
    expect((await a.raw("POST", "/v1/auth/logout", {})).status, "a signed-out token cannot sign out again").to.equal(401);
    expect((await b.post("/v1/auth/logout", { everywhere: true })).revoked).to.equal(2);
    for (const s of [b, c]) expect((await s.raw("GET", "/v1/auth/session")).status).to.equal(401);
    expect((await stranger.raw("GET", "/v1/auth/session")).status).to.equal(200);
    expect((await srv.api().raw("POST", "/v1/auth/logout", {})).status, "no session").to.equal(401);
  });

  it("creates the key file owner-only in the data directory, outside the database", async () => {
    const file = path.join(srv.dataDir, "session.key");
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    expect(readFileSync(file, "utf8").trim()).to.match(/^[0-9a-f]{64}$/);
    expect(path.relative(path.join(srv.dataDir, "db"), file).startsWith("..")).to.equal(true);
  });
});

describe("security: session key configuration and the operator's revocation", function () {
  this.timeout(300_000);

  it("ANXIN_SESSION_KEY_FILE: a missing or short key stops start-up naming the variable; a good one is used", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "anxin-key-"));
    try {
      const bad = (file: string) => {
        try {
          loadConfig({ ANXIN_SESSION_KEY_FILE: file });
          return "";
        } catch (e) {
          expect(e).to.be.instanceOf(ConfigError);
          return (e as Error).message;
        }
      };
      expect(bad(path.join(dir, "none"))).to.match(/ANXIN_SESSION_KEY_FILE: cannot read/);
      writeFileSync(path.join(dir, "short"), "abcd\n");
      expect(bad(path.join(dir, "short"))).to.match(/ANXIN_SESSION_KEY_FILE: .*at least 32 random bytes/);
      expect(bad(path.join(dir, "short"))).to.not.include("abcd");
      const good = path.join(dir, "good");
      writeFileSync(good, "ab".repeat(32));
      const cfg = loadConfig({ ANXIN_SESSION_KEY_FILE: good, ANXIN_DATA_DIR: dir });
      expect(loadSessionKey(cfg).key.equals(Buffer.from("ab".repeat(32), "hex"))).to.equal(true);
      // The default key file must be owner-only.
      const dd = path.join(dir, "data");
      loadSessionKey({ dataDir: dd });
      chmodSync(path.join(dd, "session.key"), 0o644);
      expect(() => loadSessionKey({ dataDir: dd })).to.throw(/chmod 600/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the migration drops the session key a database used to hold", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "anxin-mig-"));
    const db = await openPglite(dir);
    try {
      const sessions = migrations.find((m) => m.name === "sessions")!;
      await migrate(db, migrations.filter((m) => m !== sessions));
      await db.query("INSERT INTO meta (key, value) VALUES ('session_key', 'c2VjcmV0'), ('other', 'kept')");
      expect(await migrate(db)).to.deep.equal([sessions.version]);
      expect((await db.query("SELECT key FROM meta ORDER BY key")).map((r) => r.key)).to.deep.equal(["other"]);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("`anxin sessions revoke --address` ends every session of the address on the store; the key survives a restart", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "anxin-rev-"));
    let srv = await startTestServer({ dataDir, config: { sessionTtlSeconds: 3600 } });
    try {
      const lost = Wallet.createRandom();
      const kept = Wallet.createRandom();
      const t1 = (await srv.api().login(lost)).token!;
      const t2 = (await srv.api().login(lost)).token!;
      const t3 = (await srv.api().login(kept)).token!;
      const env = { ...process.env, ANXIN_DATA_DIR: dataDir, LOG_LEVEL: "silent" };
      // While the server holds the embedded store, the command refuses rather than open the database under it.
      const busy = await run(process.execPath, [bin, "sessions", "revoke", "--address", lost.address], { env }).catch((e) => e);
      expect(busy.code).to.equal(1);
      expect(busy.stderr).to.match(/is using the data directory/);
      await srv.close();
      const help = await run(process.execPath, [bin, "sessions", "revoke", "--help"]);
      expect(help.stdout).to.match(/--address/).and.match(/--json/);
      const r = await run(process.execPath, [bin, "sessions", "revoke", "--address", lost.address, "--json"], { env });
      expect(JSON.parse(r.stdout)).to.deep.equal({ address: lost.address.toLowerCase(), revoked: 2, live: 0 });
      const badArg = await run(process.execPath, [bin, "sessions", "revoke", "--address", "nope"]).catch((e) => e);
      expect(badArg.code).to.equal(2);
      expect(badArg.stderr).to.match(/--address must be a 0x address/);
      srv = await startTestServer({ dataDir, config: { sessionTtlSeconds: 3600 } });
      for (const t of [t1, t2]) expect((await srv.api().as(t).raw("GET", "/v1/auth/session")).status).to.equal(401);
      // Same key file, same rows: the other address's session outlives the restart.
      expect((await srv.api().as(t3).raw("GET", "/v1/auth/session")).status).to.equal(200);
    } finally {
      await srv.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
