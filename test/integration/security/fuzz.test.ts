// Hostile input against every route of the live table: fast-check requests built from valid fixture bodies and
// beyond them (wrong types, huge and deep JSON, unicode with NUL and lone surrogates, invalid base64, mutated and
// truncated envelopes, wrong content types, bad path params, repeated query keys, forged auth). Two properties:
// no response is 5xx, and a batch of rejected requests changes no row of any table (checked by content hash).
import { expect } from "chai";
import { signedKeyBody } from "../../helpers/keys.js";
import { publishSignedKey } from "../../../src/client/index.js";
import http from "node:http";
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { Wallet } from "ethers";
import { isDeepStrictEqual } from "node:util";
import { startTestServer, accreditCounselor, appointAuditor, registerMatcher, type TestServer } from "../../helpers/server.js";
import { allRoutes } from "../../../src/http/routes/index.js";
import type { RouteDef } from "../../../src/http/route.js";
import { DEV_OPERATOR_KEY } from "../../../src/chain/index.js";
import { draftGrant, type ApiClient } from "../../../src/client/index.js";
import { Purpose, consentDomain, revokeMessage, signGrant, signRevoke } from "../../../src/consent/index.js";
import { wireGrant } from "../../../src/consent/index.js";
import { counselorKeys, generateSeed, relationshipKeys, sealJson, toBase64, walletSigner, type RelationshipKeys } from "../../../src/crypto/index.js";
import { deriveNeed, makePublicProfile } from "../../../src/deid/index.js";
import { grant as grantOnChain, intake, revoke as revokeOnChain, withNonceRetry } from "../matching/helpers.js";
import { counselorWrites, loginAs } from "../vault/helpers.js";

const BATCH = 200;
const BATCHES = 51; // 10,200 requests
const CONCURRENCY = 16;

type Caller = "resident" | "other" | "counselor" | "matcher" | "auditor" | "admin";
interface FuzzReq {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  route: string;
  /** Params name the fixture record and the caller is signed in: a key release or read may log its decision. */
  mayLogAccess: boolean;
}

/**
 * Routes where a schema-valid body would simply succeed (and some would send a chain transaction): a mutation that
 * still passes their schema gets an unknown key, so they are fuzzed for rejection only. Routes that carry signed
 * payloads (envelopes, grants, revokes, SIWE) keep schema-valid mutations: those must fail the signature checks.
 */
const FORCE_INVALID = /^(post \/v1\/(auth\/logout|admin\/|chain\/|log\/anchor|audit\/verify|match\/run|stats\/|alerts|wearable\/|vault\/recipients|match\/proposals\/:id\/decline)|put \/v1\/counselors\/me\/)/;
/** 2xx answers whose writes are known exactly: the nonce store; erasure by a resident who holds nothing. */
const KNOWN_WRITES: Record<string, string[]> = {
  "post /v1/auth/nonce": ["auth_nonces"],
  "post /v1/auth/login": ["auth_nonces", "sessions"],
  // Sign-out ends the fuzzer's own session row (revoked_at) and writes nothing else.
  "post /v1/auth/logout": ["sessions"],
  // Erasing an address that holds nothing writes its tombstone and deletes its sessions (it is answered 410 after).
  "delete /v1/vault": ["erasures", "sessions"],
  "post /v1/vault/erase": ["erasures", "sessions"],
  "post /v1/consents/preview": [],
  // The base grant was submitted in the set-up: an accepted resubmission is the idempotent answer and writes nothing.
  "post /v1/consents": [],
};
const RECORD_READS = new Set(["get /v1/records/:recordId", "get /v1/records/:recordId/versions/:contentHash/key"]);

const weirdStrings = [
  "", "\u0000", "a\u0000b", "\ud800", "\udfff", "x\ud83dy", "\u202eevil", "\ufeff", "💥".repeat(2000), "x".repeat(100_000), "é".repeat(5000),
  "0x" + "g".repeat(64), "0x" + "a".repeat(63), "0X" + "A".repeat(64), "=".repeat(108), "A".repeat(107) + "!", "AAAA====", "%%%", "../../etc/passwd",
  "'; DROP TABLE records; --", "__proto__", "constructor", "null", "NaN", "-1", "1e400", "2025-13-45T99:99:99Z", "<script>alert(1)</script>",
];
const weirdNumbers = [-1, 0, -0, 0.5, 1e308, -1e308, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 4294967296, 1e-300];

function deepArray(depth: number): string {
  return "[".repeat(depth) + "]".repeat(depth);
}
function deepObject(depth: number): string {
  return '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
}

/** Every leaf path of a JSON value (object keys and array indexes). */
function leafPaths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(v)) return v.length ? v.flatMap((x, i) => leafPaths(x, [...prefix, i])) : [prefix];
  if (v && typeof v === "object") {
    const keys = Object.keys(v);
    return keys.length ? keys.flatMap((k) => [[...prefix, k], ...leafPaths((v as Record<string, unknown>)[k], [...prefix, k])]) : [prefix];
  }
  return [prefix];
}

function setAt(root: unknown, path: (string | number)[], fn: (old: unknown) => unknown | typeof DELETE): unknown {
  const copy = structuredClone(root);
  if (path.length === 0) {
    const r = fn(copy);
    return r === DELETE ? {} : r;
  }
  let cur = copy as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  const r = fn(cur[last]);
  if (r === DELETE) {
    if (Array.isArray(cur)) cur.splice(Number(last), 1);
    else delete cur[last];
  } else cur[last] = r;
  return copy;
}
const DELETE = Symbol("delete");

function roundTrip(v: unknown): unknown {
  const t = JSON.stringify(v);
  return t === undefined ? null : JSON.parse(t);
}

/** A value of another JSON type than `old`. */
function wrongType(old: unknown, pick: number): unknown {
  const options: unknown[] = [null, true, 42, "str", [], {}, [1, [2, [3]]], { nested: { x: "y" } }];
  const t = (x: unknown) => (x === null ? "null" : Array.isArray(x) ? "array" : typeof x);
  const others = options.filter((o) => t(o) !== t(old));
  return structuredClone(others[pick % others.length]);
}

describe("security: fuzzing every route (no 5xx, rejected requests change nothing)", function () {
  this.timeout(300_000);
  let srv: TestServer;
  let routes: RouteDef[];
  const token = {} as Record<Caller, string>;
  const bases = new Map<string, unknown>();
  const params: Record<string, Record<string, string>> = {};
  let tables: string[] = [];
  let agent: http.Agent;
  const found5xx: string[] = [];
  const stats = { requests: 0, rejected: 0, accepted: 0, checkedBatches: 0, weakBatches: 0, loggedAccess: 0, snapshotMs: 0, byStatus: new Map<number, number>() };

  before(async function () {
    srv = await startTestServer({ config: { rateLimitPerMinute: 1_000_000, authRateLimitPerMinute: 1_000_000, anchorIntervalSeconds: 86_400 } });
    agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const retry = <T>(fn: () => Promise<T>) => withNonceRetry(srv, fn);
    const domain = consentDomain(srv.ctx.chain.deployment.chainId, srv.ctx.chain.deployment.consentLedger);
    const A = (await retry(() => accreditCounselor(srv))).wallet;
    const matcher = await retry(() => registerMatcher(srv));
    const auditor = await retry(() => appointAuditor(srv));
    const rel: RelationshipKeys = await relationshipKeys(await generateSeed(), A.address);
    const other = Wallet.createRandom();
    const apis: Record<Caller, ApiClient> = {
      resident: await srv.api().login(rel.wallet),
      other: await srv.api().login(other),
      counselor: await loginAs(srv, A, "counselor"),
      matcher: await loginAs(srv, matcher, "matcher"),
      auditor: await loginAs(srv, auditor, "auditor"),
      admin: await loginAs(srv, new Wallet(DEV_OPERATOR_KEY), "admin"),
    };
    for (const [k, a] of Object.entries(apis)) token[k as Caller] = a.token!;
    await publishSignedKey(apis.resident, rel.wallet, rel.x25519.publicKey);

    const built = draftGrant({ subject: rel.address, grantee: A.address, purpose: Purpose.TREATMENT, categories: ["assessment", "consultation_note"], days: 30 });
    const grantBody = { grant: wireGrant(built.grant), signature: await signGrant(rel.wallet, domain, built.grant), categories: built.categories, scopeSalt: built.scopeSalt };
    const { grantId } = await apis.resident.post("/v1/consents", grantBody);
    for (let i = 0; ; i++) {
      const v = await apis.resident.get(`/v1/consents/${grantId}`);
      if (v.onChain && v.status === "on_chain") break;
      if (i > 200) throw new Error("the grant never reached the chain");
      await new Promise((r) => setTimeout(r, 100));
    }
    const written = await counselorWrites(apis.counselor, A, rel.address, grantId, { minutes: 50 });
    const at = (h: number) => new Date(Date.now() + (24 + h) * 3600_000).toISOString();
    const { slots } = await apis.counselor.put("/v1/counselors/me/slots", { slots: [{ start: at(0), end: at(1) }] });
    const alert = await apis.resident.post("/v1/alerts", { kind: "crisis", level: "elevated", subjectRef: rel.address });
    const ck = await counselorKeys(A.privateKey);
    const booking = await sealJson({
      kind: "care_plan", schema: "anxin.booking.v1", subjectRef: rel.address, body: { note: "visit" } as never,
      recipients: [{ address: rel.address, x25519PublicKey: rel.x25519.publicKey }, { address: ck.address, x25519PublicKey: ck.x25519.publicKey }],
      signer: walletSigner(rel.wallet),
    });
    // The revoke route is fuzzed on a grant revoked already: even a mutation equivalent to a valid revoke is a 409.
    const revokedId = await grantOnChain(srv, rel, srv.ctx.chain.operatorAddress, Purpose.RESEARCH_AGGREGATE);
    await revokeOnChain(srv, rel, revokedId);
    const rv = revokeMessage(revokedId);
    const siwe = await srv.api().siwe(Wallet.createRandom());
    const month = new Date().toISOString().slice(0, 7);
    const hex = (n: number) => randomBytes(n).toString("hex");

    // Valid bodies (for the caller the route admits) that the mutations start from.
    const b = (k: string, v: unknown) => bases.set(k, v);
    b("post /v1/auth/login", { message: siwe.message, signature: siwe.signature });
    b("post /v1/auth/logout", {}); // forced invalid: an accepted sign-out would end the caller's session mid-run
    b("post /v1/consents/preview", { purpose: 0, categories: ["assessment"], notBefore: 1_800_000_000, notAfter: 1_800_086_400, lang: "en" });
    b("post /v1/consents", grantBody); // already submitted: a resubmission is idempotent
    b("post /v1/consents/emergency", { grantId, categories: ["assessment"], scopeSalt: "0x" + hex(32), salt: "0x" + hex(32) });
    b("post /v1/consents/:grantId/revoke", { revoke: rv, signature: await signRevoke(rel.wallet, domain, rv) });
    b("post /v1/records", written.envelope); // stored already: the same envelope again is a 409
    b("post /v1/records/:contentHash/keys", { keys: [{ to: A.address.toLowerCase(), sealed: toBase64(randomBytes(80)) }] });
    b("post /v1/vault/recipients", await signedKeyBody(rel.wallet, randomBytes(32), 2));
    // A need token of the right shape (not the office's signature): the fuzzer mutates it too.
    const needToken = { period: new Date().toISOString().slice(0, 7), keyId: hex(16), message: toBase64(randomBytes(64)), signature: toBase64(randomBytes(256)) };
    b("post /v1/needs", { need: deriveNeed(intake(["grief"])), matcher: matcher.address, lang: "en", token: needToken });
    b("post /v1/vault/erase", { revocations: [] });
    b("post /v1/match/run", { ttlSeconds: 3600 });
    b("post /v1/match/proposals/:id/accept", { treatmentAddress: Wallet.createRandom().address, treatmentSignature: "0x" + "ab".repeat(65) });
    b("post /v1/match/proposals/:id/decline", {});
    b("put /v1/counselors/me/profile", { specialties: ["depression"], languages: ["mandarin"], modalities: ["video"], districts: [], capacity: 2, availability: ["mon_am"], gender: "female" });
    b("post /v1/stats/community", { month, epsilon: 0.01, level: "city" });
    b("post /v1/alerts", { kind: "crisis", level: "elevated", subjectRef: rel.address, lang: "en" });
    b("post /v1/alerts/:id/ack", {});
    b("post /v1/wearable/index", { subjectRef: rel.address, days: [{ date: "2025-01-01", index: 20, status: "ok" }] });
    b("put /v1/counselors/me/slots", { slots: [{ slotId: slots[0].slotId, start: at(0), end: at(1) }] });
    b("post /v1/bookings", { slotId: slots[0].slotId, sealedDetails: booking });
    b("put /v1/bookings/:id", { slotId: slots[0].slotId, sealedDetails: booking });
    b("post /v1/audit/verify", {});
    b("post /v1/log/anchor", {});
    b("post /v1/admin/counselors", { address: Wallet.createRandom().address, encryptionKey: "0x" + hex(32), validDays: 30 });
    for (const p of ["suspend", "reinstate"]) b(`post /v1/admin/counselors/${p}`, { address: A.address });
    for (const p of ["auditors", "auditors/dismiss", "matchers", "matchers/deregister"]) b(`post /v1/admin/${p}`, { address: Wallet.createRandom().address });
    b("post /v1/chain/fund", {});
    // A well-formed profile the registry holds no hash for: 422, nothing stored.
    b("put /v1/counselor-profiles", makePublicProfile(A.address, { displayName: "测试", title: "咨询师", organisation: "中心", districts: ["310104"], languages: ["mandarin"] }));
    b("post /v1/chain/transactions", { rawTransaction: "0x02f8" + hex(100) });

    params.valid = {
      grantId, recordId: written.reply.recordId, contentHash: written.reply.contentHash, address: rel.address, needId: hex(16),
      id: alert.alertId,
    };
    params.slotsId = { id: A.address.toLowerCase() };
    params.revoked = { grantId: revokedId };
    params.bookingId = { id: hex(16) };
    params.proposalId = { id: hex(16) };
    routes = allRoutes(srv.ctx);
    tables = (
      await srv.ctx.db.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
      )
    ).map((r) => r.table_name);
    expect(tables).to.include.members(["records", "access_log", "log_leaves", "consent_grants", "auth_nonces"]);
    // Let the relayer, the indexer and the matching sweep finish what the set-up started.
    await quiet();
  });
  after(async () => {
    agent?.destroy();
    await srv?.stop();
  });

  // ---------- database snapshots ----------

  type Snap = Map<string, { n: number; h: string }> & { accessMax?: number; leafMax?: number };
  async function snapshot(): Promise<Snap> {
    const t0 = Date.now();
    try {
      return await takeSnapshot();
    } finally {
      stats.snapshotMs += Date.now() - t0;
    }
  }
  async function takeSnapshot(): Promise<Snap> {
    const s: Snap = new Map();
    for (const t of tables) {
      const [r] = await srv.ctx.db.query<{ n: number; h: string }>(`SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) AS h FROM "${t}" t`);
      s.set(t, { n: Number(r.n), h: r.h });
    }
    s.accessMax = Number((await srv.ctx.db.query<{ m: string }>("SELECT coalesce(max(id), 0)::text AS m FROM access_log"))[0].m);
    s.leafMax = Number((await srv.ctx.db.query<{ m: string }>("SELECT coalesce(max(idx), -1)::text AS m FROM log_leaves"))[0].m);
    return s;
  }
  const prefixHash = async (table: string, col: string, max: number) =>
    (await srv.ctx.db.query<{ h: string }>(`SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) AS h FROM "${table}" t WHERE ${col} <= $1`, [max]))[0].h;

  async function quiet() {
    for (let i = 0; i < 40; i++) {
      const a = await snapshot();
      await new Promise((r) => setTimeout(r, 500));
      const b = await snapshot();
      if (changed(a, b).length === 0) return;
    }
    throw new Error("the database never went quiet after the set-up");
  }
  const changed = (a: Snap, b: Snap) => tables.filter((t) => !isDeepStrictEqual(a.get(t), b.get(t)));

  // ---------- request arbitraries ----------

  function callerFor(r: RouteDef, pick: number): Caller | undefined {
    const key = `${r.method} ${r.path}`;
    // Erasure is tried by a resident who holds nothing (an accepted erasure must not erase the fixtures).
    if (key === "delete /v1/vault" || key === "post /v1/vault/erase") return "other";
    const map: Record<string, Caller[]> = { resident: ["resident"], counselor: ["counselor"], matcher: ["matcher"], auditor: ["auditor"], admin: ["admin"], public: ["resident"] };
    const admitted = r.roles.flatMap((x) => map[x] ?? []);
    if (r.roles.includes("public")) admitted.push(...(["counselor", "auditor"] as Caller[]));
    return admitted[pick % admitted.length];
  }

  const weirdString = fc.oneof(fc.constantFrom(...weirdStrings), fc.string({ unit: "binary", maxLength: 40 }), fc.string({ unit: "grapheme", maxLength: 40 }));
  const weirdValue = fc.oneof(
    weirdString,
    fc.constantFrom(...weirdNumbers),
    fc.jsonValue({ maxDepth: 3 }),
    fc.anything({ maxDepth: 2, withNullPrototype: false, withBigInt: false, withDate: false, withMap: false, withSet: false, withTypedArray: false, withSparseArray: false, withBoxedValues: false }),
  );
  const mutation = fc.record({
    op: fc.constantFrom("wrongType", "weird", "delete", "addKey", "truncate", "flip", "badBase64", "number", "dupArray"),
    at: fc.nat(),
    pick: fc.nat(),
    value: weirdValue,
  });

  function mutate(base: unknown, m: { op: string; at: number; pick: number; value: unknown }): unknown {
    const paths = leafPaths(base);
    const path = paths[m.at % paths.length];
    switch (m.op) {
      case "wrongType":
        return setAt(base, path, (old) => wrongType(old, m.pick));
      case "weird":
        return setAt(base, path, () => m.value);
      case "delete":
        return setAt(base, path, () => DELETE);
      case "addKey":
        return { ...(base as object), [["__fuzz", "__proto__", "constructor", "extra"][m.pick % 4]]: m.value };
      case "truncate":
        return setAt(base, path, (old) => (typeof old === "string" ? old.slice(0, m.pick % Math.max(1, old.length)) : Array.isArray(old) ? old.slice(0, -1) : DELETE));
      case "flip":
        return setAt(base, path, (old) => {
          if (typeof old !== "string" || old.length === 0) return wrongType(old, m.pick);
          const i = m.pick % old.length;
          return old.slice(0, i) + (old[i] === "0" ? "1" : "0") + old.slice(i + 1);
        });
      case "badBase64":
        return setAt(base, path, (old) => (typeof old === "string" && old.length > 4 ? "!" + old.slice(1, -2) + "=!" : "%%%%"));
      case "number":
        return setAt(base, path, () => weirdNumbers[m.pick % weirdNumbers.length]);
      default:
        return setAt(base, path, (old) => [old, old]);
    }
  }

  const bodyArb = fc.oneof(
    { weight: 8, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }).map((ms) => ({ kind: "mutate" as const, ms })) },
    { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => ({ kind: "json" as const, v })) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        deepArray(1000), deepObject(1000), "{", "{'a':1}", '{"a":1}garbage', "\u0000", "\ufeff{}", "null", "1e999", '{"__proto__":{"admin":true}}',
        "[" + '"\\ud800",'.repeat(1000) + "1]", '{"a":"\\u0000"}',
      ).map((raw) => ({ kind: "raw" as const, raw })),
    },
    {
      // Near and over the 2 MB body limit, and very deep: rarer, they cost the most to send.
      weight: 1,
      arbitrary: fc.constantFrom(
        deepArray(100_000), deepObject(20_000), '"' + "x".repeat(1_900_000) + '"', JSON.stringify({ big: "é".repeat(900_000) }), JSON.stringify({ big: "x".repeat(2_200_000) }),
        JSON.stringify(Array.from({ length: 50_000 }, (_, i) => i)),
      ).map((raw) => ({ kind: "raw" as const, raw })),
    },
  );

  const paramArb = fc.oneof(
    { weight: 6, arbitrary: fc.constant(undefined) },
    {
      weight: 4,
      arbitrary: fc.oneof(
        fc.constantFrom("x".repeat(10_000), "%", "%E0%A4%A", "%00", "..", "%2e%2e%2f", "0x", "ZZ", "-1", "%F0%9F%92%A5", "%ud800", "%ED%A0%80", "a%2Fb", "00000000-0000-4000-8000-00000000000G"),
        weirdString.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, "x")) || "e"),
        fc.nat().map((n) => (n % 2 ? "0x" : "") + "f".repeat(n % 130)),
      ),
    },
  );
  const queryArb = fc.oneof(
    { weight: 5, arbitrary: fc.constant("") },
    {
      weight: 5,
      arbitrary: fc.oneof(
        fc.constantFrom("limit=-1", "limit=1e309", "limit=abc", "limit=1&limit=2", "subject[]=x", "index=0&size=0", "index=1&size=1&index=2", "from=5&to=1", "from=-1&to=9007199254740993",
          "month=2025-13", "month=%00", "month=2025-01&month=2025-02", "subject=0x" + "a".repeat(40) + "&subject=0x" + "b".repeat(40), "format=xml", "lang=fr", "emergency=maybe",
          "__proto__=1", "constructor[prototype][x]=1", "x=" + "y".repeat(8000), "%=%", "a=%E0%A4%A", "kind=identity&kind=assessment", "grantee=" + "0x".repeat(30)),
        fc.array(fc.tuple(fc.constantFrom("limit", "subject", "author", "kind", "month", "index", "size", "from", "to", "lang", "format", "zzz"), weirdString), { minLength: 1, maxLength: 4 })
          .map((kv) => kv.map(([k, v]) => `${k}=${encodeURIComponent(v.replace(/[\ud800-\udfff]/g, "x"))}`).join("&")),
      ),
    },
  );
  const ctypeArb = fc.oneof(
    { weight: 8, arbitrary: fc.constant("application/json") },
    { weight: 2, arbitrary: fc.constantFrom("text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-16", "application/json; charset=latin1", "multipart/form-data; boundary=x", "application/xml", "", "application/json; charset=\u00e9") },
  );
  const authArb = fc.oneof(
    { weight: 8, arbitrary: fc.constant("admitted") },
    { weight: 2, arbitrary: fc.constantFrom("none", "wrongRole", "malformed", "forged", "huge", "basic", "encoding") },
  );
  const reqArb = fc.record({ route: fc.nat(), pick: fc.nat(), body: bodyArb, param: paramArb, paramAt: fc.nat(), query: queryArb, ctype: ctypeArb, auth: authArb });

  type Gen = typeof reqArb extends fc.Arbitrary<infer T> ? T : never;
  function build(g: Gen): FuzzReq {
    const r = routes[g.route % routes.length];
    const key = `${r.method} ${r.path}`;
    const names = [...r.path.matchAll(/(?<!\\):(\w+)/g)].map((m) => m[1]);
    const set = key.endsWith("/revoke") ? params.revoked : key.includes("/slots") ? params.slotsId : key.includes("/bookings/") ? params.bookingId : key.includes("/proposals/") ? params.proposalId : params.valid;
    let path = r.path;
    const fuzzedParam = g.param !== undefined && names.length ? names[g.paramAt % names.length] : undefined;
    for (const n of names) path = path.replace(`:${n}`, n === fuzzedParam ? String(g.param) : set[n] ?? params.valid[n]);
    path = path.replace(/\\:/g, ":"); // an AIP custom method's literal colon
    if (g.query) path += "?" + g.query;
    const caller = callerFor(r, g.pick);
    const headers: Record<string, string> = {};
    const wrong: Caller = r.roles.includes("matcher") ? "auditor" : "matcher";
    switch (g.auth) {
      case "admitted":
        if (caller) headers.authorization = `Bearer ${token[caller]}`;
        break;
      case "wrongRole":
        headers.authorization = `Bearer ${token[wrong]}`;
        break;
      case "malformed":
        headers.authorization = "Bearer x";
        break;
      case "forged": {
        const t = token.resident;
        headers.authorization = `Bearer ${t.slice(0, -5)}${t.slice(-5) === "AAAAA" ? "BBBBB" : "AAAAA"}`;
        break;
      }
      case "huge":
        headers.authorization = "Bearer " + "a".repeat(8000);
        break;
      case "basic":
        headers.authorization = "Basic YWRtaW46YWRtaW4=";
        break;
      case "encoding":
        if (caller) headers.authorization = `Bearer ${token[caller]}`;
        headers["content-encoding"] = "gzip";
        break;
    }
    let text: string | undefined;
    const base = bases.get(key);
    if (g.body.kind === "mutate") {
      let v: unknown = base === undefined ? {} : base;
      for (const m of g.body.ms) v = mutate(v, m);
      v = roundTrip(v); // what the server will parse (undefined members vanish)
      if (r.body && base !== undefined && r.body.safeParse(v).success && (FORCE_INVALID.test(key) || isDeepStrictEqual(v, base))) v = { ...(v as object), __fuzz: 1 };
      text = JSON.stringify(v);
    } else if (g.body.kind === "json") {
      let v = roundTrip(g.body.v);
      if (r.body && r.body.safeParse(v).success && FORCE_INVALID.test(key)) v = { __fuzz: v };
      text = JSON.stringify(v);
    } else {
      text = g.body.raw;
      let parsed: unknown = undefined;
      try {
        parsed = JSON.parse(g.body.raw.replace(/^\ufeff/, ""));
      } catch {
        /* not JSON: sent as is */
      }
      if (r.body && FORCE_INVALID.test(key) && parsed !== undefined && r.body.safeParse(parsed).success) text = `{"__fuzz":${text}}`;
    }
    if (text !== undefined && g.ctype) headers["content-type"] = g.ctype;
    const body = text === undefined ? undefined : Buffer.from(text, g.ctype.includes("latin1") ? "latin1" : "utf8");
    const signedIn = Boolean(headers.authorization && /^Bearer [A-Za-z0-9._-]{10,2000}$/.test(headers.authorization) && g.auth !== "forged");
    const mayLogAccess = RECORD_READS.has(key) && !fuzzedParam && signedIn;
    return { method: r.method.toUpperCase(), path, headers, body, route: key, mayLogAccess };
  }

  function send(req: FuzzReq): Promise<{ status: number; ctype: string; text: string }> {
    const u = new URL(srv.url);
    return new Promise((resolve, reject) => {
      const h = http.request(
        { host: u.hostname, port: u.port, method: req.method, path: req.path, agent, headers: { ...req.headers, ...(req.body ? { "content-length": String(req.body.length) } : {}) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, ctype: String(res.headers["content-type"] ?? ""), text: Buffer.concat(chunks).toString("utf8").slice(0, 300) }));
          res.on("error", reject);
        },
      );
      h.on("error", reject);
      if (req.body) h.write(req.body);
      h.end();
    });
  }

  /** Runs one batch with modest concurrency; returns every answer. */
  async function runBatch(reqs: FuzzReq[]) {
    const out: { req: FuzzReq; status: number; ctype: string; text: string }[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < reqs.length) {
          const req = reqs[next++];
          const r = await send(req).catch((e) => ({ status: -1, ctype: "", text: String((e as Error).message) }));
          out.push({ req, ...r });
        }
      }),
    );
    return out;
  }

  /**
   * How many access-log rows (and leaves) the answers may have appended: the record read logs a refusal (403); the key
   * release logs every decision on an existing version (200 released; 403 refused; 404 no sealed key; 410 erased).
   */
  function loggedAccess(a: { req: FuzzReq; status: number }): number {
    if (!a.req.mayLogAccess) return 0;
    if (a.req.route === "get /v1/records/:recordId") return a.status === 403 ? 1 : 0;
    return [200, 403, 404, 410].includes(a.status) ? 1 : 0;
  }

  it(`answers ${BATCH * BATCHES} hostile requests without a 5xx, and a rejected one changes no row`, async () => {
    const started = Date.now();
    let last: Snap | undefined;
    await fc.assert(
      fc.asyncProperty(fc.array(reqArb, { minLength: BATCH, maxLength: BATCH }), async (gs) => {
        const reqs = gs.map(build);
        // Nothing runs between batches: the snapshot after one batch is the one before the next.
        const before = last ?? (await snapshot());
        const answers = await runBatch(reqs);
        const after = (last = await snapshot());
        stats.requests += answers.length;
        for (const a of answers) {
          stats.byStatus.set(a.status, (stats.byStatus.get(a.status) ?? 0) + 1);
          if (a.status >= 500 || a.status < 100)
            found5xx.push(`${a.req.route} ${a.req.method} ${a.req.path.slice(0, 120)} ct=${a.req.headers["content-type"] ?? "-"} body=${a.req.body?.subarray(0, 80).toString() ?? "-"} → ${a.status} ${a.text}`);
          if (a.status >= 400) {
            stats.rejected++;
            expect(a.ctype, `${a.req.route} → ${a.status}`).to.match(/application\/problem\+json|^$/);
          } else stats.accepted++;
        }
        // Accepted writes (other than a nonce) cannot be told apart from the batch's rejected ones: such a batch is
        // counted as unchecked. GET answers and nonces are accounted for exactly.
        const acceptedWrites = answers.filter((a) => a.status < 400 && a.req.method !== "GET" && !KNOWN_WRITES[a.req.route]);
        if (acceptedWrites.length) {
          stats.weakBatches++;
          return;
        }
        stats.checkedBatches++;
        const logged = answers.reduce((n, a) => n + loggedAccess(a), 0);
        stats.loggedAccess += logged;
        const known = answers.filter((a) => a.status < 400 && KNOWN_WRITES[a.req.route]).flatMap((a) => KNOWN_WRITES[a.req.route]);
        const nonceOk = known.includes("auth_nonces");
        const allowed = new Set<string>([...(logged ? ["access_log", "log_leaves", "log_head"] : []), ...known]);
        const diff = changed(before, after).filter((t) => !allowed.has(t));
        expect(diff, `tables changed by rejected requests: ${diff.join(", ")}`).to.deep.equal([]);
        // The intended write: one access_log row and one leaf per logged decision, appended, nothing older touched.
        expect(after.get("access_log")!.n - before.get("access_log")!.n, "access_log rows appended").to.equal(logged);
        expect(after.get("log_leaves")!.n - before.get("log_leaves")!.n, "log leaves appended").to.equal(logged);
        // The rows that existed before the batch hash as the whole table did then.
        expect(await prefixHash("access_log", "id", before.accessMax!), "older access_log rows").to.equal(before.get("access_log")!.h);
        expect(await prefixHash("log_leaves", "idx", before.leafMax!), "older log leaves").to.equal(before.get("log_leaves")!.h);
        if (nonceOk) expect(after.get("auth_nonces")!.n).to.be.at.least(before.get("auth_nonces")!.n);
      }),
      { numRuns: BATCHES, endOnFailure: true },
    );
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `      fuzz: ${stats.requests} requests in ${seconds.toFixed(1)} s (${Math.round(stats.requests / seconds)}/s); rejected ${stats.rejected}, accepted ${stats.accepted}; ` +
        `batches checked ${stats.checkedBatches}, with accepted writes ${stats.weakBatches}; access decisions logged ${stats.loggedAccess}; snapshots ${(stats.snapshotMs / 1000).toFixed(1)} s; ` +
        `statuses ${JSON.stringify(Object.fromEntries([...stats.byStatus].sort((a, b) => a[0] - b[0])))}`,
    );
    // The server logs a 5xx by error class and source line only: group them to name the causes.
    const causes = new Map<string, number>();
    for (const l of srv.logLines.filter((x) => x.includes('"request failed"'))) {
      const { route, err } = JSON.parse(l) as { route: string; err: unknown };
      const k = `${route} ${JSON.stringify(err)}`;
      causes.set(k, (causes.get(k) ?? 0) + 1);
    }
    expect(found5xx, [...causes].map(([k, n]) => `${n}× ${k}`).join("\n") + "\n" + found5xx.slice(0, 10).join("\n")).to.deep.equal([]);
    expect(stats.requests).to.be.at.least(10_000);
    expect(stats.checkedBatches, "most batches are wholly rejected and checked row by row").to.be.at.least(Math.ceil(BATCHES * 0.8));
  });
});
