// Only real residents count (issue 22 part 2), on a real server and chain: a matcher that plants needs from its
// own addresses — without tokens, with forged ones, with its own key's, another month's, or one spent already —
// changes nothing it sees; needs carry a fresh reference in every publication; the office that signed a token
// cannot tell which need spent it.
import { expect } from "chai";
import { Wallet } from "ethers";
import { startTestServer, registerMatcher, type TestServer } from "../../helpers/server.js";
import { startTestOffice, type TestOffice } from "../../helpers/office.js";
import { Purpose } from "../../../src/consent/index.js";
import { deriveNeed, type Need } from "../../../src/deid/index.js";
import { matchingService } from "../../../src/services/matching.js";
import { addOfficeKeys, issueTokens, publicKeyset } from "../../../src/services/office.js";
import { finishEnrollment, periodOf, startEnrollment, tokenHash, type EnrollRequest, type EnrollResponse, type NeedToken } from "../../../src/client/blind-token.js";
import { fromBase64, toBase64 } from "../../../src/crypto/encoding.js";
import type { ApiClient } from "../../../src/client/index.js";
import { grant, intake, newResident, problem, withNonceRetry } from "./helpers.js";

const big = (b: Uint8Array) => BigInt("0x" + Buffer.from(b).toString("hex"));
function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b %= m;
  for (; e > 0n; e >>= 1n, b = (b * b) % m) if (e & 1n) r = (r * b) % m;
  return r;
}
function modInv(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [a % m, m, 1n, 0n];
  while (r1) {
    const q = r0 / r1;
    [r0, r1, s0, s1] = [r1, r0 - q * r1, s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new Error("not invertible");
  return ((s0 % m) + m) % m;
}
/** What the matcher sees, without the per-publication references. */
const seen = (pool: { needs: Need[]; heldCount: number; risk: unknown; k: number; l: number }) => ({
  needs: pool.needs.map(({ needId: _id, ...n }) => JSON.stringify(n)).sort(),
  heldCount: pool.heldCount,
  risk: pool.risk,
  k: pool.k,
  l: pool.l,
});

describe("need tokens: only real residents count (real server, real chain)", function () {
  this.timeout(300_000);
  let srv: TestServer;
  let office: TestOffice;
  let matcher: Wallet;
  let matcherApi: ApiClient;
  const publishedPool = async () => {
    await matchingService(srv.ctx).publishAll();
    return matcherApi.get("/v1/match/pool");
  };
  const cats = [["grief"], ["depression"], ["grief"], ["sleep"], ["depression"]];

  before(async () => {
    srv = await startTestServer({ config: { rateLimitPerMinute: 100_000, authRateLimitPerMinute: 100_000 } });
    office = await startTestOffice(srv.dataDir);
    matcher = await withNonceRetry(srv, () => registerMatcher(srv));
    matcherApi = await srv.api().login(matcher);
  });
  after(async () => srv?.stop());

  async function resident() {
    const r = await newResident();
    const { keys, api } = await r.as(srv, matcher.address);
    await grant(srv, keys, matcher.address, Purpose.MATCHING, ["need"]);
    return { keys, api };
  }

  it("publishes the office's keys, and a token-backed need joins the gate", async () => {
    const keys = await srv.api().get("/v1/office/keys");
    expect(keys).to.deep.equal(office.keyset);
    expect(keys.keys.map((k: { period: string }) => k.period)).to.deep.equal([periodOf()]);
    for (const c of cats) {
      const { api } = await resident();
      const reply = await api.post("/v1/needs", { need: deriveNeed(intake(c)), token: await office.token() });
      expect(reply).to.deep.include({ route: "pool" });
    }
    const pool = await publishedPool();
    expect(pool.needs).to.have.length(5);
    const [{ n }] = await srv.ctx.db.query<{ n: string }>("SELECT count(*) AS n FROM spent_tokens");
    expect(Number(n)).to.equal(5);
  });

  it("1,000 needs without a valid token from 20 planted addresses change nothing the matcher sees", async () => {
    const before = seen(await publishedPool());
    const [{ n: rowsBefore }] = await srv.ctx.db.query<{ n: string }>("SELECT count(*) AS n FROM match_needs");
    // The attacker's means: its own office key (not published), a token of another month, a forged signature,
    // and a real token already spent by a resident.
    const rogue = await addOfficeKeys(undefined, [periodOf()]);
    const rogueKeyset = publicKeyset(rogue);
    const { request, pending } = await startEnrollment(rogueKeyset, [periodOf()]);
    const [rogueToken] = await finishEnrollment(rogueKeyset, pending, issueTokens(rogue, request).response);
    const nextMonth = await startTestOffice(srv.dataDir, [periodOf(), "2099-01"]); // same file: the server re-reads it
    office.secret = nextMonth.secret;
    office.keyset = nextMonth.keyset;
    const [, future] = await office.enroll([periodOf(), "2099-01"]);
    const real = await office.token();
    const spentByOther = await office.token();
    const { api: honest } = await resident();
    await honest.post("/v1/needs", { need: deriveNeed(intake(["grief"], { place: "310115", age: 30 })), token: spentByOther });
    const forged: NeedToken = { ...real, signature: toBase64(fromBase64(real.signature).map((b, i) => (i === 7 ? b ^ 1 : b))) };
    const variants: Array<[NeedToken | undefined, number]> = [
      [undefined, 403],
      [forged, 403],
      [rogueToken, 403],
      [future, 422],
      [spentByOther, 409],
    ];
    const statuses = new Map<number, number>();
    const planted = [];
    for (let i = 0; i < 20; i++) planted.push(await resident());
    let sent = 0;
    for (const [i, { api }] of planted.entries()) {
      for (let j = 0; j < 50; j++) {
        const [token, want] = variants[(i * 50 + j) % variants.length];
        // Every planted need would join the published class at its finest level, were it counted.
        const e = await problem(api.post("/v1/needs", { need: deriveNeed(intake(cats[j % cats.length])), ...(token ? { token } : {}) }));
        expect(e.status, `variant ${(i * 50 + j) % variants.length}`).to.equal(want);
        statuses.set(e.status, (statuses.get(e.status) ?? 0) + 1);
        sent++;
      }
    }
    expect(sent).to.equal(1000);
    expect(Object.fromEntries(statuses)).to.deep.equal({ 403: 600, 422: 200, 409: 200 });
    const after = seen(await publishedPool());
    expect(after).to.deep.equal({ ...before, heldCount: before.heldCount + 1 }); // + the honest resident's need, held
    const [{ n: rowsAfter }] = await srv.ctx.db.query<{ n: string }>("SELECT count(*) AS n FROM match_needs");
    expect(Number(rowsAfter)).to.equal(Number(rowsBefore) + 1);
    // And the real token still works once (it was never spent by the refused attempts).
    const { api } = await resident();
    expect((await api.post("/v1/needs", { need: deriveNeed(intake(["sleep"])), token: real })).route).to.equal("pool");
    const { api: again } = await resident();
    const twice = await problem(again.post("/v1/needs", { need: deriveNeed(intake(["sleep"])), token: real }));
    expect(twice.status, "a token spent twice").to.equal(409);
    expect(twice.problem.code).to.equal("need_token_spent");
  });

  it("gives every need a fresh reference in each publication: no id links two snapshots", async () => {
    const a = await publishedPool();
    const b = await publishedPool();
    expect(a.needs.length).to.be.at.least(6);
    expect(seen(a).needs).to.deep.equal(seen(b).needs); // the same needs…
    const idsA = new Set(a.needs.map((n: Need) => n.needId));
    expect(idsA.size).to.equal(a.needs.length);
    expect(b.needs.filter((n: Need) => idsA.has(n.needId)), "a need id repeated across publications").to.deep.equal([]); // …under new ids
    const real = new Set((await srv.ctx.db.query<{ need_id: string }>("SELECT need_id FROM match_needs")).map((r) => r.need_id));
    expect([...a.needs, ...b.needs].filter((n: Need) => real.has(n.needId))).to.deep.equal([]);
    // Between batches the view is stable (a matcher polling learns nothing new until the next publication).
    expect((await matcherApi.get("/v1/match/pool")).needs).to.deep.equal(b.needs);
  });

  it("the office cannot link a token it signed to the need that spends it", async () => {
    // The office's view: each resident's blinded message and its blind signature, in visit order.
    const visits: Array<{ request: EnrollRequest; response: EnrollResponse }> = [];
    const tokens: NeedToken[] = [];
    for (let i = 0; i < 8; i++) {
      const { request, pending } = await startEnrollment(office.keyset, [periodOf()]);
      const { secret, response } = issueTokens(office.secret, request);
      office.secret = secret;
      visits.push({ request, response });
      tokens.push(...(await finishEnrollment(office.keyset, pending, response)));
    }
    // The server's view: the tokens, spent with needs, in another order.
    const spentOrder = [3, 6, 0, 7, 2, 5, 1, 4];
    for (const i of spentOrder) {
      const { api } = await resident();
      await api.post("/v1/needs", { need: deriveNeed(intake(cats[i % cats.length], { place: "310112" })), token: tokens[i] });
    }
    const spent = new Set((await srv.ctx.db.query<{ token_hash: string }>("SELECT token_hash FROM spent_tokens")).map((r) => r.token_hash));
    for (const t of tokens) expect(spent.has(await tokenHash(t))).to.equal(true);
    const key = office.secret.keys.find((k) => k.period === periodOf())!;
    const n = big(Buffer.from(String(key.jwk.n), "base64url"));
    const e = big(Buffer.from(String(key.jwk.e), "base64url"));
    // The office's strongest direct attack: unblind by the public key (s^e mod n is the encoded message it would
    // have seen without blinding) and compare with what it saw, byte for byte.
    const saw = visits.map((v) => ({ b: big(fromBase64(v.request.items[0].blinded)), bs: big(fromBase64(v.response.items[0].blindSignature)) }));
    const sawBytes = visits.flatMap((v) => [v.request.items[0].blinded, v.response.items[0].blindSignature]);
    for (const t of tokens) {
      const s = big(fromBase64(t.signature));
      const encoded = modPow(s, e, n);
      expect(saw.filter((x) => x.b === encoded || x.bs === s), "a spent token matches a visit").to.deep.equal([]);
      expect(sawBytes).to.not.include(t.message).and.not.include(t.signature);
    }
    // Perfect blindness: every (visit, token) pairing is explained by some blinding factor r = bs·s⁻¹ with
    // r^e·s^e ≡ b (mod n), so the office's view fits every assignment equally: its best guess is 1 in 8.
    for (const v of saw)
      for (const t of tokens) {
        const s = big(fromBase64(t.signature));
        const r = (v.bs * modInv(s, n)) % n;
        expect((modPow(r, e, n) * modPow(s, e, n)) % n).to.equal(v.b);
      }
    // And all the office kept is a count per month.
    expect(Object.keys(office.secret)).to.deep.equal(["format", "keys", "issued"]);
    expect(office.secret.issued[periodOf()]).to.be.a("number");
  });

  it("an urgent need never waits for a token (the crisis path stays open)", async () => {
    const { api } = await resident();
    const reply = await api.post("/v1/needs", { need: deriveNeed(intake(["depression"], { requestedUrgency: "urgent" })) });
    expect(reply.route).to.equal("emergency");
  });

  it("refuses a malformed token with 400 and changes nothing", async () => {
    const { api } = await resident();
    const e = await problem(api.post("/v1/needs", { need: deriveNeed(intake(["grief"])), token: { period: "2026-13", keyId: "x", message: "!", signature: "" } }));
    expect(e.status).to.equal(400);
    expect((await problem(api.post("/v1/needs", { need: deriveNeed(intake(["grief"])) }))).problem.code).to.equal("need_token_required");
  });
});
