// Limits where they belong and nothing for observers: /metrics is the operator's (a token, never a session), with
// no per-route counts that would show crisis or erasure volumes; reads that write a log leaf are rate-limited per
// address; behind a configured reverse proxy each client has its own sign-in limit.
import { expect } from "chai";
import { statSync } from "node:fs";
import path from "node:path";
import { Wallet } from "ethers";
import { loadConfig, ConfigError } from "../../../src/config.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";

async function nonce(srv: TestServer, forwardedFor?: string): Promise<number> {
  const r = await fetch(`${srv.url}/v1/auth/nonce`, { method: "POST", headers: { "content-type": "application/json", ...(forwardedFor ? { "x-forwarded-for": forwardedFor } : {}) }, body: "{}" });
  return r.status;
}

describe("observers and limits", function () {
  describe("metrics and logged reads", function () {
    let srv: TestServer;
    before(async () => (srv = await startTestServer({ config: { loggedReadRateLimitPerMinute: 5 } })));
    after(async () => srv?.stop());

    it("serves /metrics only with the operator's token, kept 0600 in the data directory", async () => {
      expect((await srv.api().raw("GET", "/metrics")).status).to.equal(401);
      const session = await srv.api().login(Wallet.createRandom());
      expect((await session.raw("GET", "/metrics")).status).to.equal(401);
      expect((await srv.api().raw("GET", "/metrics", undefined, { authorization: "Bearer not-the-token-at-all-00000000000" })).status).to.equal(401);
      const ok = await srv.metrics();
      expect(ok.status).to.equal(200);
      expect(statSync(path.join(srv.dataDir, "metrics.token")).mode & 0o777).to.equal(0o600);
    });

    it("counts alerts, erasures and emergency access under one label, never per route", async () => {
      const resident = await srv.api().login(Wallet.createRandom());
      for (const [method, p] of [["POST", "/v1/alerts"], ["GET", "/v1/alerts"], ["POST", "/v1/vault/erase"], ["POST", "/v1/consents/emergency"]] as const)
        await resident.raw(method, p, method === "POST" ? { nonsense: true } : undefined);
      const text = await (await srv.metrics()).text();
      expect(text).to.match(/route="sensitive"/);
      for (const p of ["/v1/alerts", "/v1/alerts/:id/ack", "/v1/vault/erase", "/v1/vault", "/v1/consents/emergency"]) expect(text).to.not.include(`route="${p}"`);
    });

    it("rate-limits key releases (a read that writes a log leaf) per signed-in address", async () => {
      const me = await srv.api().login(Wallet.createRandom());
      const other = await srv.api().login(Wallet.createRandom());
      const key = `/v1/records/${"0x" + "ab".repeat(16)}/versions/${"cd".repeat(32)}/key`;
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await me.raw("GET", key)).status);
      expect(statuses.slice(0, 5).every((s) => s !== 429), statuses.join()).to.equal(true);
      const limited = await me.raw("GET", key);
      expect(limited.status).to.equal(429);
      expect(limited.headers.get("content-type")).to.match(/problem\+json/);
      expect((await other.raw("GET", key)).status).to.not.equal(429);
    });
  });

  describe("behind a reverse proxy", function () {
    it("shares one sign-in limit among all clients when no proxy is trusted", async () => {
      const srv = await startTestServer({ config: { authRateLimitPerMinute: 3 } });
      try {
        for (let i = 0; i < 3; i++) expect(await nonce(srv, "203.0.113.1")).to.equal(201);
        expect(await nonce(srv, "203.0.113.2")).to.equal(429);
      } finally {
        await srv.stop();
      }
    });

    it("gives each client its own sign-in limit when the proxy is trusted (ANXIN_TRUST_PROXY)", async () => {
      const srv = await startTestServer({ config: { authRateLimitPerMinute: 3, trustProxy: "loopback" } });
      try {
        for (let i = 0; i < 3; i++) expect(await nonce(srv, "203.0.113.1")).to.equal(201);
        expect(await nonce(srv, "203.0.113.1")).to.equal(429);
        expect(await nonce(srv, "203.0.113.2")).to.equal(201);
      } finally {
        await srv.stop();
      }
    });

    it("validates ANXIN_TRUST_PROXY and refuses to trust every proxy", () => {
      expect(loadConfig({ ANXIN_TRUST_PROXY: "2" }).trustProxy).to.equal(2);
      expect(loadConfig({ ANXIN_TRUST_PROXY: "loopback, 10.0.0.0/8" }).trustProxy).to.equal("loopback, 10.0.0.0/8");
      expect(loadConfig({}).trustProxy).to.equal(false);
      for (const bad of ["true", "everyone", "11"]) {
        const e = (() => {
          try {
            loadConfig({ ANXIN_TRUST_PROXY: bad });
          } catch (x) {
            return x;
          }
        })() as ConfigError;
        expect(e, bad).to.be.instanceOf(ConfigError);
        expect(e.message, bad).to.match(/ANXIN_TRUST_PROXY: /);
      }
    });
  });
});
