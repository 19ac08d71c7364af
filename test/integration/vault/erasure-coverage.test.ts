// Erasure erases (issue 22 part 3), on a real server, chain and store: a resident with an assessment, a need, a
// wearable upload and its warning alert, a crisis alert, a booking with sealed details and three grants erases her
// relationship addresses the way her app does (signing the revocations of every grant). Afterwards every table of the
// store (from information_schema) holds nothing of her beyond tombstones, log leaves (and their mirrors) and grants
// revoked on chain; every table has an erasure-coverage entry; and the API answers 410 for all of it.
import { expect } from "chai";
import { Wallet } from "ethers";
import { startTestServer, accreditCounselor, registerMatcher, type TestServer } from "../../helpers/server.js";
import { Purpose } from "../../../src/consent/index.js";
import { sealJson, walletSigner, toBase64, type RelationshipKeys } from "../../../src/crypto/index.js";
import { deriveNeed } from "../../../src/deid/index.js";
import { startTestOffice, type TestOffice } from "../../helpers/office.js";
import { ERASURE_COVERAGE } from "../../../src/store/erasure-coverage.js";
import { subjectHash } from "../../../src/services/erasure.js";
import type { ApiClient } from "../../../src/client/index.js";
import { grant, intake, newResident, problem, withNonceRetry, type Resident } from "../matching/helpers.js";
import { counselorWrites, eraseAs, publishKey } from "./helpers.js";
import { signedGrant } from "../consent/helpers.js";
import { grantId as computeGrantId } from "../../../src/consent/index.js";
import { relayerOf } from "../../../src/services/consent-relayer.js";

const storeTables = async (srv: TestServer) =>
  (
    await srv.ctx.db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
    )
  ).map((r) => r.table_name);

/** Tables with no erasure-coverage entry, and entries naming no table. */
function coverageGaps(tables: string[]) {
  const covered = Object.keys(ERASURE_COVERAGE);
  return { uncovered: tables.filter((t) => !covered.includes(t)), stale: covered.filter((t) => !tables.includes(t)) };
}

describe("erasure erases: every table covered, grants revoked, 410 afterwards (real server)", function () {
  this.timeout(180_000);
  let srv: TestServer;
  let office: TestOffice;
  let treat: Awaited<ReturnType<typeof accreditCounselor>>;
  let monitor: Awaited<ReturnType<typeof accreditCounselor>>;
  let matcher: Wallet;
  let resident: Resident;
  let relT: RelationshipKeys;
  let relM: RelationshipKeys;
  let relX: RelationshipKeys;
  const apis = {} as Record<"T" | "M" | "X", ApiClient>;
  const grants: string[] = [];
  let note: { recordId: string; contentHash: string };
  let noteEnvelope: Record<string, unknown>;
  let bookingId: string;

  before(async () => {
    srv = await startTestServer({ config: { anchorIntervalSeconds: 3600 } });
    office = await startTestOffice(srv.dataDir);
    treat = await withNonceRetry(srv, () => accreditCounselor(srv));
    monitor = await withNonceRetry(srv, () => accreditCounselor(srv));
    matcher = await withNonceRetry(srv, () => registerMatcher(srv));
    resident = await newResident();
    relT = await resident.rel(treat.wallet.address);
    relM = await resident.rel(monitor.wallet.address);
    relX = await resident.rel(matcher.address);
    grants.push(await grant(srv, relT, treat.wallet.address, Purpose.TREATMENT, ["assessment", "consultation_note"]));
    grants.push(await grant(srv, relM, monitor.wallet.address, Purpose.MONITORING, ["wearable_summary"]));
    grants.push(await grant(srv, relX, matcher.address, Purpose.MATCHING, ["need"]));
    apis.T = await srv.api().login(relT.wallet);
    apis.M = await srv.api().login(relM.wallet);
    apis.X = await srv.api().login(relX.wallet);
    await publishKey(apis.T, relT);

    // Her own assessment (a self-written record) and the counselor's note about her.
    const own = await sealJson({
      kind: "assessment", schema: "anxin.assessment.v1", subjectRef: relT.address, consentId: null, prev: null,
      body: { instrument: "phq9", total: 14 } as never,
      recipients: [{ address: relT.address, x25519PublicKey: relT.x25519.publicKey }],
      signer: walletSigner(relT.wallet),
    });
    await apis.T.post("/v1/records", own);
    const capi = await srv.api().login(treat.wallet);
    const written = await counselorWrites(capi, treat.wallet, relT.address, grants[0], { minutes: 30 });
    note = written.reply;
    noteEnvelope = written.envelope as unknown as Record<string, unknown>;
    // A crisis alert, and a booking with details sealed to her and the counselor.
    await apis.T.post("/v1/alerts", { kind: "crisis", level: "high", instrument: "phq9", subjectRef: relT.address });
    const at = (h: number) => new Date(Date.now() + (24 + h) * 3600_000).toISOString();
    const { slots } = await capi.put("/v1/counselors/me/slots", { slots: [{ start: at(0), end: at(1) }] });
    const sealedDetails = await sealJson({
      kind: "care_plan", schema: "anxin.booking.v1", subjectRef: relT.address, body: { note: "call at the gate" } as never,
      recipients: [
        { address: relT.address, x25519PublicKey: relT.x25519.publicKey },
        { address: treat.keys.address, x25519PublicKey: treat.keys.x25519.publicKey },
      ],
      signer: walletSigner(relT.wallet),
    });
    bookingId = (await apis.T.post("/v1/bookings", { slotId: slots[0].slotId, sealedDetails })).bookingId;
    // A wearable upload whose sustained run raises a warning alert to the MONITORING counselor.
    const days = Array.from({ length: 21 }, (_, i) => {
      const date = `2025-03-${String(i + 1).padStart(2, "0")}`;
      return i < 7 ? { date, index: null, status: "insufficient_baseline" } : { date, index: i < 18 ? 40 : 80 + i, status: "ok" };
    });
    expect((await apis.M.post("/v1/wearable/index", { subjectRef: relM.address, days })).newWarnings).to.have.length(1);
    // An anonymized need in the matcher's pool.
    await apis.X.post("/v1/needs", { need: deriveNeed(intake(["grief"])), matcher: matcher.address, lang: "en", token: await office.token() });
  });
  after(async () => srv?.stop());

  const q = (sql: string, p: unknown[] = []) => srv.ctx.db.query<any>(sql, p);
  const mine = () => [relT, relM, relX].map((r) => r.address.toLowerCase().slice(2));
  /** Every row of every table, as text, that mentions one of her addresses or grant ids. */
  async function scan(): Promise<Map<string, string[]>> {
    const needles = [...mine(), ...grants.map((g) => g.slice(2))];
    const hits = new Map<string, string[]>();
    for (const t of await storeTables(srv)) {
      const rows = await q(`SELECT t::text AS row FROM "${t}" t`);
      const found = rows.map((r: { row: string }) => r.row.toLowerCase()).filter((row: string) => needles.some((n) => row.includes(n)));
      if (found.length) hits.set(t, found);
    }
    return hits;
  }

  it("has an erasure-coverage entry for every table of the store, and notices a table without one", async () => {
    const tables = await storeTables(srv);
    expect(tables.length).to.be.greaterThan(25);
    expect(coverageGaps(tables)).to.deep.equal({ uncovered: [], stale: [] });
    // A table added without saying how erasure covers it fails the check above.
    await q("CREATE TABLE uncovered_probe (subject text)");
    try {
      expect(coverageGaps(await storeTables(srv)).uncovered).to.deep.equal(["uncovered_probe"]);
    } finally {
      await q("DROP TABLE uncovered_probe");
    }
  });

  it("refuses an erasure that does not revoke every grant, and changes nothing", async () => {
    // Before erasure the scan finds her all over the store (so its silence afterwards means something).
    const before0 = [...(await scan()).keys()].sort();
    expect(before0).to.include.members(["alerts", "bookings", "consent_grants", "consent_requests", "match_needs", "records", "record_keys", "sessions", "vault_recipients", "wearable_index", "wearable_warnings"]);
    const plan = await apis.T.get<{ revoke: string[] }>("/v1/vault/erasure-plan");
    expect(plan.revoke).to.deep.equal([grants[0]]);
    const before = await q("SELECT count(*)::int AS n FROM alerts WHERE subject = $1", [relT.address]);
    const p = await problem(apis.T.post("/v1/vault/erase", { revocations: [] }));
    expect(p.status).to.equal(422);
    expect(p.problem.code).to.equal("revocations_missing");
    // A revocation signed by another key is refused too.
    const forged = await problem(apis.T.post("/v1/vault/erase", { revocations: [{ revoke: { grantId: grants[0], salt: "0x" + "11".repeat(32) }, signature: await Wallet.createRandom().signMessage("x") }] }));
    expect(forged.status).to.equal(422);
    expect(await q("SELECT count(*)::int AS n FROM alerts WHERE subject = $1", [relT.address])).to.deep.equal(before);
    expect(await q("SELECT count(*)::int AS n FROM erasures")).to.deep.equal([{ n: 0 }]);
    expect((await apis.T.get("/v1/bookings")).bookings).to.have.length(1);
  });

  it("erases every relationship: the grants are revoked on chain by her signatures, and nothing of her is left", async () => {
    // A grant of hers still in flight (queued, not sent yet): the erasure cancels it, it never reaches the chain.
    const relayer = relayerOf(srv.ctx)!;
    relayer.pause();
    await relayer.tick();
    const inFlight = await signedGrant(srv, relT.wallet, treat.wallet.address, { days: 20 });
    const inFlightId = computeGrantId(inFlight.built.grant);
    expect((await apis.T.post("/v1/consents", inFlight.body)).status).to.equal("queued");
    expect(await q("SELECT status FROM consent_requests WHERE grant_id = $1", [inFlightId])).to.deep.equal([{ status: "queued" }]);
    const replies = [];
    try {
      for (const [k, rel] of [["T", relT], ["M", relM], ["X", relX]] as const) replies.push(await eraseAs(apis[k], rel.wallet));
    } finally {
      relayer.resume();
    }
    expect(replies.map((r) => r.revocationsQueued)).to.deep.equal([1, 1, 1]);
    expect(replies[0].removed).to.deep.include({ queuedGrants: 1 });
    expect(replies[0].erased).to.equal(2); // her assessment and the counselor's note
    // The crisis alert has a row per recipient: her counselor, and the first rung of its ladder (on call or the line).
    expect(replies[0].removed).to.deep.include({ alerts: 2, bookings: 1 });
    expect(replies[1].removed).to.deep.include({ wearableDays: 21, wearableWarnings: 1, alerts: 1 });
    expect(replies[2].removed).to.deep.include({ needs: 1 });

    // The relayer puts the revocations on chain; the purge then drops the relay rows that named her.
    for (let i = 0; ; i++) {
      const revoked = await q("SELECT count(*)::int AS n FROM consent_grants WHERE grant_id = ANY($1::text[]) AND revoked_at IS NOT NULL", [grants]);
      const pending = await q("SELECT count(*)::int AS n FROM erasures WHERE pending_grants <> '[]'");
      if (revoked[0].n === 3 && pending[0].n === 0) break;
      if (i > 300) throw new Error(`revocations not on chain/purged: ${JSON.stringify({ revoked, pending })}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // On chain too, not only in the index.
    const nowS = Math.floor(Date.now() / 1000);
    for (const g of grants) expect(await (srv.ctx.chain.consentLedger as any).isActive(g, nowS)).to.equal(false);
    await relayer.tick(); // a whole pass after the erasure: the cancelled grant is not sent
    expect(await (srv.ctx.chain.consentLedger as any).isActive(inFlightId, nowS)).to.equal(false);
    expect(await q("SELECT count(*)::int AS n FROM consent_grants WHERE grant_id = $1", [inFlightId])).to.deep.equal([{ n: 0 }]);
    expect(await q("SELECT count(*)::int AS n FROM consent_requests WHERE grant_id = $1", [inFlightId])).to.deep.equal([{ n: 0 }]);

    const hits = await scan();
    const notAllowed = [...hits.keys()].filter((t) => !("kept" in ERASURE_COVERAGE[t]));
    expect(notAllowed, JSON.stringify(Object.fromEntries([...hits].filter(([t]) => notAllowed.includes(t))))).to.deep.equal([]);
    // What is kept is in the stated form: emptied versions and keys, revoked grants, hashed tombstones.
    const addrs = [relT, relM, relX].map((r) => r.address.toLowerCase());
    expect(await q("SELECT count(*)::int AS n FROM records WHERE subject_ref = ANY($1::text[]) AND (envelope IS NOT NULL OR erased_at IS NULL)", [addrs])).to.deep.equal([{ n: 0 }]);
    expect(await q("SELECT count(*)::int AS n FROM record_keys k JOIN records r USING (content_hash) WHERE r.subject_ref = ANY($1::text[]) AND k.sealed IS NOT NULL", [addrs])).to.deep.equal([{ n: 0 }]);
    expect(await q("SELECT count(*)::int AS n FROM consent_grants WHERE subject = ANY($1::text[]) AND revoked_at IS NULL", [addrs])).to.deep.equal([{ n: 0 }]);
    expect((await q("SELECT subject_hash FROM erasures ORDER BY subject_hash")).map((r: { subject_hash: string }) => r.subject_hash)).to.deep.equal(addrs.map(subjectHash).sort());
    expect([...hits.keys()].sort()).to.include.members(["consent_grants", "records", "tombstones"]);
    expect([...hits.keys()].every((t) => "kept" in ERASURE_COVERAGE[t])).to.equal(true);
  });

  it("answers 410 for all of it afterwards: her old sessions, a new sign-in, the counselors' reads", async () => {
    for (const [path, api] of [
      [`/v1/wearable/index?subject=${relM.address}`, apis.M],
      ["/v1/alerts", apis.T],
      ["/v1/bookings", apis.T],
      [`/v1/records/${note.recordId}`, apis.T],
      ["/v1/vault/erasure-plan", apis.X],
      [`/v1/consents?subject=${relX.address}`, apis.X],
    ] as const) {
      const p = await problem(api.get(path));
      expect(p.status, path).to.equal(410);
      expect(p.problem.code, path).to.equal("erased");
    }
    expect((await problem(apis.T.post("/v1/vault/erase", { revocations: [] }))).status).to.equal(410);
    expect((await problem(srv.api().login(relT.wallet))).status).to.equal(410);
    const mapi = await srv.api().login(monitor.wallet);
    expect((await problem(mapi.get(`/v1/wearable/index?subject=${relM.address}`))).status).to.equal(410);
    expect((await mapi.get("/v1/alerts")).alerts).to.deep.equal([]);
    const capi = await srv.api().login(treat.wallet);
    expect((await problem(capi.get(`/v1/records/${note.recordId}`))).status).to.equal(410);
    expect((await problem(capi.get(`/v1/records/${note.recordId}/versions/${note.contentHash}/key`))).status).to.equal(410);
    expect((await capi.get("/v1/alerts")).alerts).to.deep.equal([]);
    expect((await capi.get("/v1/bookings")).bookings.map((b: { bookingId: string }) => b.bookingId)).to.not.include(bookingId);
    const xapi = await srv.api().login(matcher);
    expect(JSON.stringify(await xapi.get("/v1/match/pool").catch(() => ({})))).to.not.include(relX.address.slice(2).toLowerCase());
  });

  it("answers each batch item about her as the single route does (410 erased): a new note, a resent one, an amendment", async () => {
    const capi = await srv.api().login(treat.wallet);
    const sealNote = (prev: string | null, id?: string) =>
      sealJson({
        kind: "consultation_note", schema: "anxin.note.v1", subjectRef: relT.address, consentId: grants[0], prev, id,
        body: { minutes: 10 } as never,
        recipients: [{ address: treat.keys.address, x25519PublicKey: treat.keys.x25519.publicKey }, { address: relT.address, x25519PublicKey: relT.x25519.publicKey }],
        signer: walletSigner(treat.wallet),
      });
    const cases = [
      ["a new note", () => sealNote(null)],
      ["the note written before erasure, resent", async () => noteEnvelope],
      ["an amendment of it", () => sealNote(note.contentHash, note.recordId)],
    ] as const;
    const singles: Array<[number, string]> = [];
    for (const [what, make] of cases) {
      const single = await capi.raw("POST", "/v1/records", await make());
      singles.push([single.status, (await single.json()).code]);
      expect(singles.at(-1), what).to.deep.equal([410, "erased"]);
      // Alone in a batch, and all together in one batch (they then meet in the same group commit).
      const alone = await capi.post("/v1/records:batch", { records: [await make()] });
      expect([alone.results[0].status, alone.results[0].problem?.code], what).to.deep.equal(singles.at(-1));
    }
    const together = await capi.post("/v1/records:batch", { records: await Promise.all(cases.map(([, make]) => make())) });
    expect(together.results.map((r: { status: number; problem?: { code?: string } }) => [r.status, r.problem?.code])).to.deep.equal(singles);
    expect(together.stored).to.equal(0);
  });
});
