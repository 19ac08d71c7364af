// The database goes away under a write load: every backend of the server is terminated and new connections are
// refused (ALTER DATABASE … ALLOW_CONNECTIONS false) for a few seconds, then allowed again. Requests must fail
// cleanly (503 problem+json, never 500, never a hang), nothing may be half-written, and the server must recover
// on its own. The test uses a database of its own on the PostgreSQL server, so that refusing connections to it
// disturbs no other suite (several may share the server).
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { Wallet } from "ethers";
import { counselorKeys, fromBase64, generateSeed, relationshipKeys, sealJson, walletSigner, type RelationshipKeys } from "../../../src/crypto/index.js";
import type { ApiClient } from "../../../src/client/index.js";
import { testDatabaseUrl } from "../../helpers/db.js";
import { accreditCounselor, startTestServer, type TestServer } from "../../helpers/server.js";
import { grant, publishKey } from "../vault/helpers.js";
import { logConsistency } from "./helpers.js";

const OUTAGE_MS = 4000;
const WRITERS = 4;

describe("faults: PostgreSQL unavailable under write load", function () {
  this.timeout(120_000);
  let admin: pg.Client;
  let dbName: string;
  let srv: TestServer | undefined;

  before(async () => {
    const base = await testDatabaseUrl();
    const adminUrl = new URL(base);
    adminUrl.pathname = "/postgres";
    admin = new pg.Client({ connectionString: adminUrl.toString() });
    await admin.connect();
    dbName = `anxin_fault_${randomBytes(5).toString("hex")}`;
    await admin.query(`CREATE DATABASE ${dbName}`);
    const url = new URL(base);
    url.pathname = `/${dbName}`;
    srv = await startTestServer({ config: { databaseUrl: url.toString(), rateLimitPerMinute: 1_000_000 } });
  });
  after(async () => {
    await admin?.query(`ALTER DATABASE ${dbName} ALLOW_CONNECTIONS true`).catch(() => {});
    await srv?.stop();
    await admin?.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
    await admin?.end();
  });

  const setAllowed = async (allowed: boolean) => {
    await admin.query(`ALTER DATABASE ${dbName} ALLOW_CONNECTIONS ${allowed}`);
    if (!allowed) await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [dbName]);
  };

  it("answers 503 problem+json during the outage, half-writes nothing and recovers by itself", async () => {
    const s = srv!;
    const { wallet: counselor } = await accreditCounselor(s);
    const ck = await counselorKeys(counselor.privateKey);
    const cApi = await s.api().login(counselor);
    const residents: RelationshipKeys[] = [];
    const grants: string[] = [];
    for (let i = 0; i < 2; i++) {
      const rel = await relationshipKeys(await generateSeed(), counselor.address);
      await publishKey(await s.api().login(rel.wallet), rel);
      grants.push(await grant(s, rel, counselor.address));
      residents.push(rel);
    }
    const residentKeys = await Promise.all(
      residents.map(async (r) => fromBase64((await cApi.get<{ x25519PublicKey: string }>(`/v1/vault/recipients/${r.address}`)).x25519PublicKey, 32)),
    );

    type Outcome = { status: number | "error"; ms: number; phase: string; type?: string; body?: string };
    const outcomes: Outcome[] = [];
    const acked: Array<{ recordId: string; contentHash: string; leafIndex: number }> = [];
    let phase = "before";
    let running = true;
    const writer = async (w: number) => {
      for (let n = 0; running; n++) {
        const who = (w + n) % residents.length;
        const envelope = await sealJson({
          kind: "consultation_note",
          schema: "anxin.note.v1",
          subjectRef: residents[who].address,
          consentId: grants[who],
          prev: null,
          body: { minutes: n, writer: w },
          recipients: [
            { address: ck.address, x25519PublicKey: ck.x25519.publicKey },
            { address: residents[who].address, x25519PublicKey: residentKeys[who] },
          ],
          signer: walletSigner(counselor),
        });
        const t0 = Date.now();
        const p = phase;
        try {
          const res = await cApi.raw("POST", "/v1/records", envelope);
          // (no client timeout: a hang shows up as a long duration, asserted below)
          const text = await res.text();
          outcomes.push({ status: res.status, ms: Date.now() - t0, phase: p, type: res.headers.get("content-type") ?? "", body: res.status === 201 ? undefined : text });
          if (res.status === 201) acked.push(JSON.parse(text));
          else await new Promise((r) => setTimeout(r, 100));
        } catch (e) {
          outcomes.push({ status: "error", ms: Date.now() - t0, phase: p, body: (e as Error).message });
        }
      }
    };
    const health: Array<{ status: number; phase: string }> = [];
    const prober = (async () => {
      while (running) {
        const p = phase;
        const res = await fetch(`${s.url}/healthz`, { signal: AbortSignal.timeout(15_000) });
        await res.text();
        health.push({ status: res.status, phase: p });
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    // Reads during the outage: the same clean answer.
    const reads: Outcome[] = [];
    const reader = (async () => {
      while (running) {
        const t0 = Date.now();
        const p = phase;
        const res = await cApi.raw("GET", `/v1/records?subject=${residents[0].address}&limit=5`);
        const text = await res.text();
        reads.push({ status: res.status, ms: Date.now() - t0, phase: p, type: res.headers.get("content-type") ?? "", body: res.status === 200 ? undefined : text });
        await new Promise((r) => setTimeout(r, 200));
      }
    })();

    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
    let recoveredAfterMs = -1;
    let signIn: Outcome | undefined;
    try {
      await new Promise((r) => setTimeout(r, 1500));
      phase = "outage";
      await setAllowed(false);
      await new Promise((r) => setTimeout(r, 500));
      // Sign-in needs the store too (nonces): the same clean 503, not a 500 or a hang.
      const t1 = Date.now();
      const nonce = await s.api().raw("POST", "/v1/auth/nonce", {});
      signIn = { status: nonce.status, ms: Date.now() - t1, phase: "outage", type: nonce.headers.get("content-type") ?? "", body: await nonce.text() };
      await new Promise((r) => setTimeout(r, OUTAGE_MS - 500));
      phase = "recovering";
      await setAllowed(true);
      const t0 = Date.now();
      // Recovery without manual steps: a write and /healthz succeed again within a bounded time.
      for (;;) {
        const ok = acked.length > 0 && outcomes.some((o) => o.phase === "recovering" && o.status === 201);
        const h = health.some((x) => x.phase === "recovering" && x.status === 200);
        if (ok && h) break;
        if (Date.now() - t0 > 20_000) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      recoveredAfterMs = Date.now() - t0;
      phase = "after";
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      running = false;
      await Promise.all([...writers, prober, reader]);
      await setAllowed(true).catch(() => {});
    }

    const summary = (xs: Outcome[]) => {
      const groups = new Map<string, number[]>();
      for (const o of xs) groups.set(`${o.phase}:${o.status}`, [...(groups.get(`${o.phase}:${o.status}`) ?? []), o.ms]);
      return JSON.stringify([...groups].map(([k, ms]) => `${k}×${ms.length} max ${Math.max(...ms)}ms`));
    };
    const context = `writes ${summary(outcomes)}; reads ${summary(reads)}; health ${JSON.stringify(health.map((h) => `${h.phase}:${h.status}`))}; recovered after ${recoveredAfterMs} ms`;
    const errors = s.logLines.filter((l) => /"level":50/.test(l)).slice(0, 5).join("\n");

    // During the outage: only 201 (committed before the cut) or 503 problem+json; never 500, never a hang.
    expect(signIn, context).to.deep.include({ status: 503 });
    expect(signIn!.type).to.match(/^application\/problem\+json/);
    expect(signIn!.ms).to.be.below(10_000);
    const bad = [...outcomes, ...reads].filter((o) => o.status !== 201 && o.status !== 200 && o.status !== 503);
    expect(bad.map((o) => `${o.phase}:${o.status}:${o.body?.slice(0, 200)}`), `${context}\n${errors}`).to.deep.equal([]);
    for (const o of [...outcomes, ...reads].filter((x) => x.status === 503)) {
      expect(o.type).to.match(/^application\/problem\+json/);
      expect(JSON.parse(o.body!)).to.include({ status: 503, title: "Service Unavailable" });
    }
    expect(Math.max(...outcomes.map((o) => o.ms), ...reads.map((o) => o.ms)), context).to.be.below(10_000);
    expect(outcomes.filter((o) => o.phase === "outage" && o.status === 503).length, context).to.be.greaterThan(0);
    expect(health.some((h) => h.phase === "outage" && h.status === 503), context).to.equal(true);
    expect(outcomes.some((o) => o.phase === "before" && o.status === 201), context).to.equal(true);
    expect(recoveredAfterMs, context).to.be.within(0, 20_000);
    expect(outcomes.filter((o) => o.phase === "after").every((o) => o.status === 201), context).to.equal(true);
    expect(health.filter((h) => h.phase === "after").every((h) => h.status === 200), context).to.equal(true);

    // Nothing half-written: every acknowledged write is readable with its leaf; the log is whole.
    for (const a of acked) {
      const chainOf = await cApi.get<{ versions: Array<{ contentHash: string; leafIndex: number }> }>(`/v1/records/${a.recordId}`);
      expect(chainOf.versions.find((v) => v.contentHash === a.contentHash)?.leafIndex, a.recordId).to.equal(a.leafIndex);
    }
    const c = await logConsistency(s.ctx.db);
    expect(c.problems, context).to.deep.equal([]);
    expect(c.records).to.be.at.least(acked.length);
    console.log(`      ${acked.length} acknowledged writes; ${context}`);
  });
});
