import { expect } from "chai";
import { Wallet } from "ethers";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { startTestServer, accreditCounselor, appointAuditor, type TestServer } from "../../helpers/server.js";
import { problem } from "../../helpers/problem.js";


describe("foundation: server, SIWE auth, problem+json", function () {
  let srv: TestServer;
  before(async () => (srv = await startTestServer()));
  after(async () => srv?.stop());

  it("answers /healthz with db and chain up, and serves OpenAPI 3.1 and Prometheus metrics", async () => {
    const h = await srv.api().get("/healthz");
    expect(h).to.deep.include({ status: "ok" });
    expect(h.db).to.deep.equal({ ok: true, kind: "pglite" });
    expect(h.chain.ok).to.equal(true);
    const doc = await srv.api().get("/openapi.json");
    expect(doc.openapi).to.equal("3.1.0");
    expect(doc.paths["/v1/auth/login"].post.requestBody).to.exist;
    const res = await srv.metrics();
    expect(res.headers.get("content-type")).to.match(/text\/plain/);
    expect(await res.text()).to.match(/anxin_http_requests_total/);
  });

  it("signs in with SIWE and returns the roles the chain gives", async () => {
    const resident = Wallet.createRandom();
    const api = await srv.api().login(resident);
    expect(api.roles).to.deep.equal(["resident"]);
    expect((await api.get("/v1/auth/session")).address).to.equal(resident.address.toLowerCase());
    const { wallet: counselor } = await accreditCounselor(srv);
    expect((await srv.api().login(counselor)).roles).to.deep.equal(["counselor"]);
    const auditor = await appointAuditor(srv);
    expect((await srv.api().login(auditor)).roles).to.deep.equal(["auditor"]);
  });

  it("refuses a replayed SIWE message", async () => {
    const w = Wallet.createRandom();
    const { message, signature } = await srv.api().siwe(w);
    await srv.api().post("/v1/auth/login", { message, signature });
    const e = await problem(srv.api().post("/v1/auth/login", { message, signature }));
    expect(e.status).to.equal(401);
    expect(e.problem.detail).to.match(/nonce/);
  });

  it("refuses a forged SIWE message: signed by another key, altered after signing, or for another domain", async () => {
    const victim = Wallet.createRandom();
    const attacker = Wallet.createRandom();
    const s1 = await srv.api().siwe(victim);
    const forged = await attacker.signMessage(s1.message);
    expect((await problem(srv.api().post("/v1/auth/login", { message: s1.message, signature: forged }))).status).to.equal(401);
    const s2 = await srv.api().siwe(attacker);
    const altered = s2.message.replace(attacker.address, victim.address);
    expect((await problem(srv.api().post("/v1/auth/login", { message: altered, signature: s2.signature }))).status).to.equal(401);
    const s3 = await srv.api().siwe(attacker);
    const otherDomain = s3.message.replace(/^[^ ]+ wants/, "evil.example wants");
    const sig3 = await attacker.signMessage(otherDomain);
    const e3 = await problem(srv.api().post("/v1/auth/login", { message: otherDomain, signature: sig3 }));
    expect(e3.status).to.equal(401);
    expect(e3.problem.detail).to.match(/domain/);
  });

  it("refuses a tampered or expired session token", async () => {
    const api = await srv.api().login(Wallet.createRandom());
    const t = api.token!;
    // Change one MAC character that carries six full bits (the second-to-last), always to a different one.
    const tampered = t.slice(0, -2) + (t.at(-2) === "A" ? "B" : "A") + t.slice(-1);
    expect(tampered).to.not.equal(t);
    expect((await problem(api.as(tampered).get("/v1/auth/session"))).status).to.equal(401);
    const { token: old } = await srv.ctx.sessions.issue("0x" + "ab".repeat(20), { ttlSeconds: 60, now: Date.now() - 3600_000 });
    expect((await problem(api.as(old).get("/v1/auth/session"))).status).to.equal(401);
  });

  it("answers bad input with problem+json and field errors, never a stack trace", async () => {
    const res = await srv.api().raw("POST", "/v1/auth/login", { message: "short", signature: "0x12", extra: 1 });
    expect(res.status).to.equal(400);
    expect(res.headers.get("content-type")).to.match(/application\/problem\+json/);
    const body = await res.json();
    expect(body.errors.map((e: { path: string }) => e.path)).to.include.members(["body.message", "body.signature"]);
    const bad = await srv.api().raw("POST", "/v1/auth/login", "{not json");
    expect(bad.status).to.equal(400);
    expect(await bad.text()).to.not.match(/at .*\.ts|SyntaxError|<html/i);
    const big = await srv.api().raw("POST", "/v1/auth/login", JSON.stringify({ message: "x".repeat(3_000_000) }));
    expect(big.status).to.equal(413);
    const none = await srv.api().raw("GET", "/v1/nothing-here");
    expect(none.status).to.equal(404);
    expect(none.headers.get("content-type")).to.match(/problem\+json/);
  });
});

describe("foundation: restart keeps data and contract addresses", function () {
  it("finds the same chain and contracts on a second start, and leaves no anvil behind", async () => {
    const first = await startTestServer();
    const deployment = JSON.parse(readFileSync(path.join(first.dataDir, "deployment.json"), "utf8"));
    const pid = first.ctx.chain.anvil!.pid;
    await first.ctx.db.query("INSERT INTO meta (key, value) VALUES ('probe', 'kept')");
    await first.close();
    expect(() => process.kill(pid, 0), "anvil still running after shutdown").to.throw();
    expect(existsSync(path.join(first.dataDir, "chain-state.json"))).to.equal(true);
    const second = await startTestServer({ dataDir: first.dataDir });
    try {
      expect(second.ctx.chain.deploy.action).to.equal("reused");
      expect(second.ctx.chain.deployment.registry).to.equal(deployment.registry);
      const [row] = await second.ctx.db.query("SELECT value FROM meta WHERE key = 'probe'");
      expect(row.value).to.equal("kept");
    } finally {
      await second.stop();
    }
  });
});
