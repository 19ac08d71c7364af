// Revocations first (issue 22): a flood of signed grants from fresh addresses must not hold a withdrawal back, nor
// leave the counselor a window to keep reading; grant submissions have per-pseudonym and overall quotas.
import { expect } from "chai";
import type { Wallet } from "ethers";
import { counselorKeys, generateSeed, relationshipKeys, rewrapKey, type RelationshipKeys } from "../../../src/crypto/index.js";
import type { ApiClient } from "../../../src/client/index.js";
import { grantId as computeGrantId } from "../../../src/consent/index.js";
import { relayerOf } from "../../../src/services/consent-relayer.js";
import { accreditCounselor, startTestServer, type TestServer } from "../../helpers/server.js";
import { counselorWrites, fetchForReader, grant, publishKey } from "../vault/helpers.js";
import { problem, Resident, signedGrant, signedRevoke, waitFor, withNonceRetry } from "./helpers.js";

const blockNumber = async (srv: TestServer) => Number(await srv.ctx.chain.provider.send("eth_blockNumber", []));
const count = async (srv: TestServer, sql: string, p: unknown[] = []) => Number((await srv.ctx.db.query<{ n: number }>(sql, p))[0].n);

/** Runs fn over items with `width` requests in flight, until done or until `until()` says stop. */
async function inParallel<T>(items: T[], width: number, fn: (x: T) => Promise<unknown>, until = () => false) {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length && !until()) await fn(items[next++]);
  }));
}

describe("revocations first: a grant flood does not hold a withdrawal back", function () {
  this.timeout(180_000);
  const FLOOD_ADDRESSES = 20;
  const PER_ADDRESS = 25; // 500 grants: more than seven relay batches of 64
  const BACKLOG = 350; // queued before the relayer runs again: the queue is far longer than one batch
  let srv: TestServer;
  let counselor: Wallet;
  let cApi: ApiClient;
  let rel: RelationshipKeys;
  let consentId: string;
  let note: { recordId: string; contentHash: string };

  before(async () => {
    srv = await startTestServer({
      // The flood stays inside the quotas here (the quota test below has its own server); no checkpoint
      // transactions interleave with the relay's, so block distances are the relayer's alone.
      config: { grantQuotaPerSubjectPerHour: 1000, grantQuotaPerMinute: 100_000, rateLimitPerMinute: 100_000, loggedReadRateLimitPerMinute: 100_000, anchorIntervalSeconds: 3600, anchorEveryLeaves: 1_000_000 },
    });
    counselor = (await withNonceRetry(srv, () => accreditCounselor(srv))).wallet;
    cApi = await srv.api().login(counselor);
    rel = await relationshipKeys(await generateSeed(), counselor.address);
    await publishKey(await srv.api().login(rel.wallet), rel);
    consentId = await grant(srv, rel, counselor.address);
    note = (await counselorWrites(cApi, counselor, rel.address, consentId, { minutes: 50 })).reply;
  });
  after(async () => srv?.stop());

  it("puts the revocation on chain within 2 blocks of its queueing and releases no key after it was queued", async () => {
    // A second counselor reads the resident's note on a TREATMENT grant (its author would read it as author).
    const reader = (await withNonceRetry(srv, () => accreditCounselor(srv))).wallet;
    const rApi = await srv.api().login(rel.wallet);
    const readerGrant = await grant(srv, rel, reader.address);
    const rdApi = await srv.api().login(reader);
    await shareWith(rApi, rel, note, reader);
    expect((await fetchForReader(rdApi, note.recordId, note.contentHash)).key.basis).to.equal("grant");

    // 500 grants pre-signed by 20 fresh addresses.
    const flooders = await Promise.all(Array.from({ length: FLOOD_ADDRESSES }, async () => {
      const r = await Resident.create();
      const key = await r.keyFor(counselor.address);
      return { key, api: await r.api(srv, counselor.address) };
    }));
    const signed: Array<{ api: ApiClient; body: unknown; id: string }> = [];
    for (const f of flooders) {
      for (let i = 0; i < PER_ADDRESS; i++) {
        const { built, body } = await signedGrant(srv, f.key, counselor.address, { days: 10 + i });
        signed.push({ api: f.api, body, id: computeGrantId(built.grant) });
      }
    }
    const relayer = relayerOf(srv.ctx)!;
    relayer.pause();
    await relayer.tick();
    await inParallel(signed.slice(0, BACKLOG), 8, (s) => s.api.post("/v1/consents", s.body));
    relayer.resume();
    // The rest keeps arriving (until the end of the test) while the relayer works through the backlog.
    let stop = false;
    const rest = inParallel(signed.slice(BACKLOG), 2, (s) => s.api.post("/v1/consents", s.body), () => stop);
    const txs0 = relayer.stats.txs;
    await waitFor(async () => relayer.stats.txs, (n) => n > txs0, 20_000);
    const queuedAtRevoke = await count(srv, "SELECT count(*)::int AS n FROM consent_requests WHERE kind = 'grant' AND status = 'queued'");
    expect(queuedAtRevoke, "grants queued when the revocation arrives").to.be.above(64 * 3);

    // Key releases keep being asked for while the revocation is queued and relayed.
    let revokeQueued = false;
    const after = { asked: 0, released: 0, refusedRevoked: 0 };
    const readLoop = (async () => {
      while (!stop) {
        const started = revokeQueued;
        try {
          await rdApi.get(`/v1/records/${note.recordId}/versions/${note.contentHash}/key`);
          if (started) after.released++;
        } catch (e) {
          if (started && (e as { status?: number }).status === 403) after.refusedRevoked++;
          else if (started) throw e;
        }
        if (started) after.asked++;
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    await rApi.post(`/v1/consents/${readerGrant}/revoke`, await signedRevoke(srv, rel.wallet, readerGrant));
    revokeQueued = true;
    // Read right after the 202: the revocation was queued at this block or before it.
    const queuedAtBlock = await blockNumber(srv);
    const queuedAt = new Date();
    const v: any = await waitFor(() => rApi.get(`/v1/consents/${readerGrant}`), (x: any) => x.state === "revoked" && x.revoke?.status === "on_chain", 30_000);
    // It overtook the flood: many grants queued before it are still waiting.
    const overtaken = await count(srv, "SELECT count(*)::int AS n FROM consent_requests WHERE kind = 'grant' AND status = 'queued' AND created_at < $1", [queuedAt]);
    await new Promise((r) => setTimeout(r, 300)); // a few more reads after it is on chain
    stop = true;
    await readLoop;
    await rest;

    const [{ revoke_block }] = await srv.ctx.db.query<{ revoke_block: number }>("SELECT revoke_block FROM consent_grants WHERE grant_id = $1", [readerGrant]);
    expect(Number(revoke_block) - queuedAtBlock, `revocation in block ${revoke_block}, queued at block ${queuedAtBlock}`).to.be.at.most(2);
    expect(v.revokedAt).to.be.a("number");
    expect(after.asked, "releases asked for after the revocation was queued").to.be.above(0);
    expect(after.released, "keys released after the revocation was queued").to.equal(0);
    expect(after.refusedRevoked).to.equal(after.asked);
    expect(overtaken, "grants queued before the revocation, still waiting once it was on chain").to.be.above(64);
    // What the server logged agrees: after the revocation was queued, refusals on grant_revoked and no release.
    const logged = await srv.ctx.db.query<{ decision: string; reason: string | null }>(
      "SELECT decision, reason FROM access_log WHERE requester = $1 AND at > $2",
      [reader.address.toLowerCase(), queuedAt],
    );
    expect(logged.length).to.be.at.least(after.asked - 1);
    expect(logged.every((l) => l.decision === "refused" && l.reason === "grant_revoked"), JSON.stringify(logged.slice(0, 3))).to.equal(true);
    expect((await rApi.get(`/v1/consents/${readerGrant}`)).revoke).to.deep.include({ status: "on_chain", blockNumber: Number(revoke_block) });
  });

  it("a queued revocation stops releases before the chain or the index has it", async () => {
    const reader = (await withNonceRetry(srv, () => accreditCounselor(srv))).wallet;
    const rApi = await srv.api().login(rel.wallet);
    const readerGrant = await grant(srv, rel, reader.address);
    const rdApi = await srv.api().login(reader);
    await shareWith(rApi, rel, note, reader);
    expect((await fetchForReader(rdApi, note.recordId, note.contentHash)).key.basis).to.equal("grant");
    const relayer = relayerOf(srv.ctx)!;
    relayer.pause();
    await relayer.tick();
    try {
      await rApi.post(`/v1/consents/${readerGrant}/revoke`, await signedRevoke(srv, rel.wallet, readerGrant));
      const p = await problem(rdApi.get(`/v1/records/${note.recordId}/versions/${note.contentHash}/key`));
      expect(p.status).to.equal(403);
      const view = await rApi.get(`/v1/consents/${readerGrant}`);
      expect(view).to.deep.include({ onChain: true, state: "active" }); // the chain still has it active
      expect(view.revoke.status).to.equal("queued");
      const [row] = await srv.ctx.db.query("SELECT reason FROM access_log WHERE requester = $1 ORDER BY id DESC LIMIT 1", [reader.address.toLowerCase()]);
      expect(row.reason).to.equal("grant_revoked");
    } finally {
      relayer.resume();
    }
    await waitFor(() => rApi.get(`/v1/consents/${readerGrant}`), (x: any) => x.state === "revoked", 20_000);
  });
});

/** The resident re-wraps the note's content key for `reader` (who holds an active TREATMENT grant from her). */
async function shareWith(rApi: ApiClient, rel: RelationshipKeys, note: { recordId: string; contentHash: string }, reader: Wallet) {
  const rk = await counselorKeys(reader.privateKey);
  const served = await fetchForReader(rApi, note.recordId, note.contentHash);
  const entry = await rewrapKey(served.envelope, rel.x25519, rel.address, { address: rk.address, x25519PublicKey: rk.x25519.publicKey });
  await rApi.post(`/v1/records/${note.contentHash}/keys`, { keys: [entry] });
}

describe("grant quotas: per pseudonym and overall", function () {
  this.timeout(120_000);
  let srv: TestServer;
  let counselor: Wallet;
  before(async () => {
    srv = await startTestServer({ config: { grantQuotaPerSubjectPerHour: 3, grantQuotaPerMinute: 5 } });
    counselor = (await withNonceRetry(srv, () => accreditCounselor(srv))).wallet;
  });
  after(async () => srv?.stop());

  const nothingStored = async (id: string) => {
    expect(await count(srv, "SELECT count(*)::int AS n FROM consent_requests WHERE grant_id = $1", [id])).to.equal(0);
    expect(await count(srv, "SELECT count(*)::int AS n FROM consent_relay_events WHERE grant_id = $1", [id])).to.equal(0);
  };

  it("answers 429 problem+json with Retry-After beyond a pseudonym's hourly quota, and stores nothing", async () => {
    const r = await Resident.create();
    const key = await r.keyFor(counselor.address);
    const api = await r.api(srv, counselor.address);
    const accepted: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const { body } = await signedGrant(srv, key, counselor.address, { days: 10 + i });
      await api.post("/v1/consents", body);
      accepted.push(body);
    }
    // Submitting an accepted grant again is the same request, not a new one.
    expect((await api.post("/v1/consents", accepted[0])).created).to.equal(false);
    const { built, body } = await signedGrant(srv, key, counselor.address, { days: 20 });
    const id = computeGrantId(built.grant);
    const res = await api.raw("POST", "/v1/consents", body);
    expect(res.status).to.equal(429);
    expect(res.headers.get("content-type")).to.match(/^application\/problem\+json/);
    const retryAfter = Number(res.headers.get("retry-after"));
    expect(retryAfter).to.be.within(1, 3600);
    const p = (await res.json()) as { status: number; code: string };
    expect(p).to.include({ status: 429, code: "grant_quota" });
    await nothingStored(id);
    expect((await problem(api.get(`/v1/consents/${id}`))).status).to.equal(404);
  });

  it("answers 429 with Retry-After within a minute once the overall quota of the minute is used", async () => {
    // 3 grants of the first test are in this minute's window; 2 more from other pseudonyms fill it.
    for (let i = 0; i < 2; i++) {
      const r = await Resident.create();
      const api = await r.api(srv, counselor.address);
      await api.post("/v1/consents", (await signedGrant(srv, await r.keyFor(counselor.address), counselor.address)).body);
    }
    const r = await Resident.create();
    const key = await r.keyFor(counselor.address);
    const api = await r.api(srv, counselor.address);
    const { built, body } = await signedGrant(srv, key, counselor.address);
    const res = await api.raw("POST", "/v1/consents", body);
    expect(res.status).to.equal(429);
    expect(Number(res.headers.get("retry-after"))).to.be.within(1, 60);
    expect(((await res.json()) as { code: string }).code).to.equal("grant_quota");
    await nothingStored(computeGrantId(built.grant));
  });
});
