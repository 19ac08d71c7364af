// HTTP hardening against a real server: rate limits on sign-in and write routes (429 problem+json), session
// expiry and revocation by suspension, request ids, security headers, and the JSON body limit (413).
import { expect } from "chai";
import { signedKeyBody } from "../../helpers/keys.js";
import { Wallet, type Contract, type Signer } from "ethers";
import { Sessions } from "../../../src/services/sessions.js";
import type { ApiClient } from "../../../src/client/index.js";
import { accreditCounselor, startTestServer, type TestServer } from "../../helpers/server.js";

const AUTH_LIMIT = 12;
const WRITE_LIMIT = 5;

const isProblem = async (res: Response, status: number) => {
  expect(res.status).to.equal(status);
  expect(res.headers.get("content-type")).to.match(/^application\/problem\+json/);
  const body = await res.json();
  expect(body.status).to.equal(status);
  expect(body.title).to.be.a("string");
  expect(body.instance).to.equal(res.headers.get("x-request-id"));
  return body as { title: string; detail?: string; instance: string };
};

describe("security: limits, sessions, request ids, headers", function () {
  let srv: TestServer;
  let authRequests = 0; // sign-ins made before the auth rate-limit test count against the same window

  let startedAt = 0;
  before(async () => {
    startedAt = Date.now();
    srv = await startTestServer({
      config: { authRateLimitPerMinute: AUTH_LIMIT, rateLimitPerMinute: WRITE_LIMIT, jsonBodyLimit: "64kb", sessionTtlSeconds: 60 },
    });
  });
  after(async () => srv?.stop());

  const login = async (w: Signer): Promise<ApiClient> => {
    authRequests += 2; // nonce + login
    return srv.api().login(w);
  };

  it("limits writes per session: the 6th write in a minute is 429 problem+json, another session is unaffected", async () => {
    const owner = Wallet.createRandom();
    const api = await login(owner);
    const key = new Uint8Array(32).fill(7);
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < WRITE_LIMIT + 2; i++) {
      // Each a valid rotation (the next version, signed): only the rate limit refuses.
      const res = await api.raw("POST", "/v1/vault/recipients", await signedKeyBody(owner, key, i + 1));
      statuses.push(res.status);
      if (res.status === 429) limited ??= res;
      else await res.text();
    }
    expect(statuses).to.deep.equal([...Array(WRITE_LIMIT).fill(201), 429, 429]);
    const body = await isProblem(limited!, 429);
    expect(body.title).to.equal("Too Many Requests");
    expect(limited!.headers.get("ratelimit-policy")).to.match(new RegExp(`q=${WRITE_LIMIT}`));
    // Reads are not write-limited, and a second session of another resident still writes.
    expect((await api.raw("GET", "/v1/auth/session")).status).to.equal(200);
    const otherOwner = Wallet.createRandom();
    const other = await login(otherOwner);
    expect((await other.raw("POST", "/v1/vault/recipients", await signedKeyBody(otherOwner, key))).status).to.equal(201);
  });

  it("refuses an expired token, a token signed with another key and a token whose payload was swapped", async () => {
    const w = Wallet.createRandom();
    const api = await login(w);
    const payload = JSON.parse(Buffer.from(api.token!.split(".")[1], "base64url").toString());
    expect(payload.exp - payload.iat, "the configured session TTL").to.equal(60);
    const address = w.address.toLowerCase();
    const issue = (opts: { now?: number }, sessions = srv.ctx.sessions) => sessions.issue(address, { ttlSeconds: 60, ...opts }).then((s) => s.token);
    const expired = await issue({ now: Date.now() - 61_000 });
    const stillValid = await issue({ now: Date.now() - 50_000 });
    // Signed with another key, though its row is in the database.
    const foreign = await issue({}, new Sessions(srv.ctx.db, Buffer.alloc(32, 1), 60));
    const [, , mac] = api.token!.split(".");
    const otherBody = (await srv.ctx.sessions.issue("0x" + "cd".repeat(20), { ttlSeconds: 60 })).token.split(".")[1];
    const swapped = `v1.${otherBody}.${mac}`;
    expect((await api.as(stillValid).raw("GET", "/v1/auth/session")).status).to.equal(200);
    for (const t of [expired, foreign, swapped]) {
      const body = await isProblem(await api.as(t).raw("GET", "/v1/auth/session"), 401);
      expect(body.detail).to.match(/session invalid or expired/);
    }
    // Malformed Authorization headers are 401 too, never 500.
    for (const h of ["Bearer", "Bearer a b", "Basic dXNlcjpwdw==", `Bearer ${"x".repeat(3000)}`]) {
      const res = await srv.api().raw("GET", "/v1/auth/session", undefined, { authorization: h });
      await isProblem(res, 401);
    }
  });

  it("a counselor's token stops granting counselor routes once the registry suspends the counselor", async () => {
    const { wallet } = await accreditCounselor(srv);
    const api = await login(wallet);
    expect(api.roles).to.deep.equal(["counselor"]);
    expect((await api.raw("GET", "/v1/match/clients")).status).to.equal(200);
    const receipt = await (await (srv.ctx.chain.registry as Contract).suspend(wallet.address, "0x" + "22".repeat(32))).wait();
    // The index follows the chain; the role cache is invalidated by the indexer, not by this test.
    await srv.ctx.indexer.syncTo(receipt.blockNumber);
    const res = await api.raw("GET", "/v1/match/clients");
    await isProblem(res, 403);
    expect((await api.raw("PUT", "/v1/counselors/me/slots", { slots: [] })).status).to.equal(403);
    // A token issued after the suspension does not bring the role back either.
    const { token: fresh } = await srv.ctx.sessions.issue(wallet.address, { ttlSeconds: 60 });
    expect((await api.as(fresh).raw("GET", "/v1/match/clients")).status).to.equal(403);
  });

  it("echoes a well-formed x-request-id, replaces a malformed one, and names it in problem bodies and log lines", async () => {
    const mine = "req-test-0123456789";
    const ok = await srv.api().raw("GET", "/healthz", undefined, { "x-request-id": mine });
    expect(ok.headers.get("x-request-id")).to.equal(mine);
    await ok.text();
    const nf = await srv.api().raw("GET", "/v1/no-such-route", undefined, { "x-request-id": mine + "-nf" });
    expect((await isProblem(nf, 404)).instance).to.equal(mine + "-nf");
    for (const bad of ["short", "has space in it here", "x".repeat(65), 'inject"},{"admin":true']) {
      const res = await fetch(`${srv.url}/healthz`, { headers: { "x-request-id": bad } });
      const id = res.headers.get("x-request-id")!;
      expect(id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      await res.text();
    }
    const none = await srv.api().raw("GET", "/healthz");
    expect(none.headers.get("x-request-id")).to.match(/^[0-9a-f-]{36}$/);
    await none.text();
    const lines = srv.logLines.filter((l) => l.includes(`"reqId":"${mine}"`));
    expect(lines.length).to.be.at.least(1);
    expect(JSON.parse(lines[0])).to.include({ route: "/healthz", status: 200 });
  });

  it("sends security headers on API answers, problems and pages", async () => {
    const pages = ["/healthz", "/v1/no-such-route", "/openapi.json", "/"];
    for (const p of pages) {
      const res = await srv.api().raw("GET", p);
      await res.arrayBuffer();
      const h = (n: string) => res.headers.get(n) ?? "";
      const csp = h("content-security-policy");
      expect(csp, p).to.match(/default-src 'self'/);
      expect(csp, p).to.match(/frame-ancestors 'self'/);
      expect(csp, p).to.match(/object-src 'none'/);
      expect(csp, p).to.match(/script-src 'self' 'wasm-unsafe-eval'(;|$)/); // no 'unsafe-inline', no 'unsafe-eval'
      expect(h("x-content-type-options"), p).to.equal("nosniff");
      expect(h("x-frame-options"), p).to.equal("SAMEORIGIN");
      expect(h("referrer-policy"), p).to.equal("no-referrer");
      expect(h("strict-transport-security"), p).to.match(/max-age=\d+/);
      expect(res.headers.has("x-powered-by"), p).to.equal(false);
    }
  });

  it("answers a body over the limit with 413 problem+json, before sign-in and after, without echoing it", async () => {
    const big = JSON.stringify({ message: "MARKER-BIG-" + "x".repeat(70 * 1024), signature: "0x00" });
    // (The body is refused by the parser before the route, so this one does not count against the sign-in limit.)
    const anon = await srv.api().raw("POST", "/v1/auth/login", big);
    const body = await isProblem(anon, 413);
    expect(JSON.stringify(body)).to.not.include("MARKER-BIG");
    const api = await login(Wallet.createRandom());
    const res = await api.raw("POST", "/v1/records", big);
    await isProblem(res, 413);
    // Just under the limit is parsed (and then refused for what it is, not for its size).
    const under = await api.raw("POST", "/v1/records", JSON.stringify({ pad: "y".repeat(60 * 1024) }));
    expect(under.status).to.equal(400);
    await under.text();
  });

  // Last: it spends what is left of the sign-in budget (keyed by client address, shared by every test above).
  it("limits sign-in: requests beyond the per-minute budget get 429 problem+json until the window ends", async () => {
    const statuses: number[] = [];
    let body: { title: string } | undefined;
    for (let i = 0; i < AUTH_LIMIT + 3; i++) {
      const res = await srv.api().raw("POST", "/v1/auth/nonce", {});
      statuses.push(res.status);
      if (res.status === 429) body ??= await isProblem(res, 429);
      else await res.text();
    }
    const first429 = statuses.indexOf(429);
    expect(first429, statuses.join(",")).to.be.greaterThan(0);
    const why = `${authRequests} sign-in requests before this test; ${statuses.join(",")}`;
    expect(first429, why).to.be.at.most(AUTH_LIMIT);
    // The sign-ins of the tests above count too, unless the one-minute window rolled over meanwhile (slow machine).
    if (Date.now() - startedAt < 55_000) expect(first429, why).to.equal(AUTH_LIMIT - authRequests);
    expect(statuses.slice(0, first429).every((s) => s === 201)).to.equal(true);
    expect(statuses.slice(first429).every((s) => s === 429)).to.equal(true);
    expect(body!.title).to.equal("Too Many Requests");
    // Sign-in itself is refused too while limited: the limit is on the route, not only on failures.
    const res = await srv.api().raw("POST", "/v1/auth/login", { message: "x".repeat(60), signature: "0x" + "00".repeat(65) });
    expect(res.status).to.equal(429);
    await res.text();
    // Non-auth routes are not affected by the auth limit.
    expect((await srv.api().raw("GET", "/healthz")).status).to.equal(200);
  });
});
