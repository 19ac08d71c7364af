// Issue 22 part 6, the fuzz suite's crypto half: malformed signatures on every route that takes one (sign-in, grant,
// revoke, record envelope, proposal accept, erasure revocations), malformed transactions on the relay (r or s zero,
// r off the curve or ≥ p, s ≥ n or high, bad yParity, truncated or re-typed RLP), malformed keys on every route that
// takes one (X25519 recipients, sealed keys, counselor encryption keys), and compressed bodies on every JSON route
// (valid streams of bad JSON, truncated streams, stacked and unknown encodings, a decompression bomb). Properties: no
// response is 5xx, each is problem+json, and none of it changes a row of the store.
import { signedKeyBody } from "../../helpers/keys.js";
import { expect } from "chai";
import { gzipSync, deflateSync, brotliCompressSync } from "node:zlib";
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { Signature, Transaction, Wallet, encodeRlp, toBeArray } from "ethers";
import { isDeepStrictEqual } from "node:util";
import { accreditCounselor, registerMatcher, startTestServer, type TestServer } from "../../helpers/server.js";
import { allRoutes } from "../../../src/http/routes/index.js";
import { DEV_OPERATOR_KEY } from "../../../src/chain/index.js";
import { draftGrant, type ApiClient } from "../../../src/client/index.js";
import { Purpose, consentDomain, revokeMessage, signGrant, wireGrant } from "../../../src/consent/index.js";
import { generateSeed, relationshipKeys, toBase64 } from "../../../src/crypto/index.js";
import { grant as grantOnChain, withNonceRetry } from "../matching/helpers.js";
import { counselorWrites, loginAs } from "../vault/helpers.js";

const P = 2n ** 256n - 2n ** 32n - 977n; // secp256k1 field prime
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n; // group order
const hex32 = (x: bigint) => "0x" + x.toString(16).padStart(64, "0");

/** The smallest x ≥ 5 with x³ + 7 a non-residue mod p: no curve point has it. */
function offCurveX(): bigint {
  const pow = (b: bigint, e: bigint): bigint => {
    let r = 1n;
    for (b %= P; e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) r = (r * b) % P;
    return r;
  };
  let x = 5n;
  while (pow((x ** 3n + 7n) % P, (P - 1n) / 2n) === 1n) x++;
  return x;
}

/** 65-byte signatures (and some that are not 65 bytes) that no key produced, from a valid one. */
function badSignatures(valid: string): string[] {
  const sig = Signature.from(valid);
  const raw = (r: bigint, s: bigint, v: number) => hex32(r) + hex32(s).slice(2) + v.toString(16).padStart(2, "0");
  const r = BigInt(sig.r);
  const s = BigInt(sig.s);
  const v = sig.v;
  return [
    raw(0n, s, v), raw(r, 0n, v), raw(offCurveX(), s, v), raw(P, s, v), raw(P + 1n, s, v), raw(2n ** 256n - 1n, s, v),
    raw(r, N, v), raw(r, N + 1n, v), raw(r, N - s, v), raw(r, 2n ** 256n - 1n, v),
    // The other recovery id, as 27/28 and as 0/1 (the same id as 0/1 is the same signature, validly re-encoded).
    raw(r, s, v === 27 ? 28 : 27), raw(r, s, v === 27 ? 1 : 0), raw(r, s, 29), raw(r, s, 255), raw(r ^ 1n, s, v), raw(r, s ^ 1n, v),
    // 64 bytes are EIP-2098 compact (r, yParity·2^255 + s): r ‖ s is the same signature when yParity is 0, so the
    // compact form with the other parity is the malformed one; 63 bytes are no signature at all.
    hex32(r) + hex32(s | (BigInt(v === 27 ? 1 : 0) << 255n)).slice(2), valid.slice(0, 128), valid + "00", "0x" + "00".repeat(65), "0x" + "ff".repeat(65), "0x" + valid.slice(4),
  ];
}

describe("security: fuzzing signatures, transactions, keys and compressed bodies (no 5xx, nothing changes)", function () {
  this.timeout(300_000);
  let srv: TestServer;
  const api = {} as Record<"resident" | "counselor" | "matcher" | "admin", ApiClient>;
  let tables: string[] = [];
  const failures: string[] = [];
  const accepted: string[] = [];
  let sent = 0;

  before(async () => {
    srv = await startTestServer({ config: { rateLimitPerMinute: 1_000_000, authRateLimitPerMinute: 1_000_000, loggedReadRateLimitPerMinute: 1_000_000, anchorIntervalSeconds: 86_400 } });
    tables = (
      await srv.ctx.db.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")
    ).map((r) => r.table_name);
  });
  after(async () => srv?.stop());

  /** Every table's row count and content hash; sign-in nonces are left out (asking for one is a write by design). */
  async function snapshot() {
    const out = new Map<string, string>();
    for (const t of tables) {
      if (t === "auth_nonces") continue;
      const [r] = await srv.ctx.db.query<{ n: number; h: string }>(`SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) AS h FROM "${t}" t`);
      out.set(t, `${r.n}:${r.h}`);
    }
    return out;
  }
  async function quiet() {
    for (let i = 0; i < 40; i++) {
      const a = await snapshot();
      await new Promise((r) => setTimeout(r, 400));
      if (isDeepStrictEqual(a, await snapshot())) return a;
    }
    throw new Error("the store never went quiet");
  }
  /** Sends one request and records a 5xx or a non-problem error as a failure. */
  async function send(what: string, method: string, path: string, body: Buffer | string | undefined, headers: Record<string, string>, token?: string) {
    const payload = typeof body === "string" || body === undefined ? body : new Uint8Array(body);
    const res = await fetch(srv.url + path, { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers }, body: payload });
    sent++;
    const text = await res.text();
    if (res.status < 400) accepted.push(`${what}: ${res.status} ${typeof body === "string" ? body.slice(-420) : ""}`);
    if (res.status >= 500) failures.push(`${what}: ${res.status} ${text.slice(0, 160)}`);
    else if (res.status >= 400 && !/^application\/problem\+json/.test(res.headers.get("content-type") ?? "")) failures.push(`${what}: ${res.status} without problem+json`);
    return res.status;
  }
  const json = (what: string, method: string, path: string, body: unknown, token?: string) =>
    send(what, method, path, JSON.stringify(body), { "content-type": "application/json" }, token);

  // KNOWN FAILING after the merges (see the closing note): fails after this session's merges; cause not yet read.
  it("refuses malformed signatures on every route that takes one, malformed transactions and keys, with 4xx and no write", async () => {
    const retry = <T>(fn: () => Promise<T>) => withNonceRetry(srv, fn);
    const domain = consentDomain(srv.ctx.chain.deployment.chainId, srv.ctx.chain.deployment.consentLedger);
    const counselor = await retry(() => accreditCounselor(srv));
    const matcher = await retry(() => registerMatcher(srv));
    const rel = await relationshipKeys(await generateSeed(), counselor.wallet.address);
    api.resident = await srv.api().login(rel.wallet);
    api.counselor = await loginAs(srv, counselor.wallet, "counselor");
    api.matcher = await loginAs(srv, matcher, "matcher");
    api.admin = await loginAs(srv, new Wallet(DEV_OPERATOR_KEY), "admin");
    const published = await signedKeyBody(rel.wallet, rel.x25519.publicKey);
    await api.resident.post("/v1/vault/recipients", published);
    const grantId = await grantOnChain(srv, rel, counselor.wallet.address, Purpose.TREATMENT, ["assessment", "consultation_note"]);
    const written = await counselorWrites(api.counselor, counselor.wallet, rel.address, grantId, { minutes: 5 });
    const built = draftGrant({ subject: rel.address, grantee: counselor.wallet.address, purpose: Purpose.MONITORING, categories: ["wearable_summary"], days: 30 });
    const grantSig = await signGrant(rel.wallet, domain, built.grant);
    const acct = await api.counselor.get("/v1/chain/account");
    const goodTx = Transaction.from(
      await counselor.wallet.signTransaction({ to: acct.consentLedger, data: "0x", nonce: acct.nonce, chainId: acct.chainId, gasLimit: 100_000, maxFeePerGas: 1n, maxPriorityFeePerGas: 0n, type: 2 }),
    );
    const before = await quiet();

    const T = (k: keyof typeof api) => api[k].token!;
    const bad = badSignatures(grantSig);
    // Sign-in: a fresh SIWE message each time, its signature broken.
    for (const sig of bad.slice(0, 8)) {
      const siwe = await srv.api().siwe(Wallet.createRandom());
      await json("login", "POST", "/v1/auth/login", { message: siwe.message, signature: sig });
    }
    for (const [i, sig] of bad.entries()) {
      await json(`grant #${i}`, "POST", "/v1/consents", { grant: wireGrant(built.grant), signature: sig, categories: built.categories, scopeSalt: built.scopeSalt }, T("resident"));
      await json("revoke", "POST", `/v1/consents/${grantId}/revoke`, { revoke: revokeMessage(grantId), signature: sig }, T("resident"));
      await json("erase", "POST", "/v1/vault/erase", { revocations: [{ revoke: revokeMessage(grantId), signature: sig }] }, T("resident"));
      await json("record sig", "POST", "/v1/records", { ...written.envelope, id: crypto.randomUUID(), sig }, T("counselor"));
      await json("accept", "POST", `/v1/match/proposals/${randomBytes(16).toString("hex")}/accept`, { treatmentAddress: Wallet.createRandom().address, treatmentSignature: sig }, T("resident"));
    }
    // Random bytes where a signature goes, by property (fixed seed: a failure reproduces).
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 80 }), async (b) => {
        const sig = "0x" + Buffer.from(b).toString("hex");
        await json("grant (random)", "POST", "/v1/consents", { grant: wireGrant(built.grant), signature: sig, categories: built.categories, scopeSalt: built.scopeSalt }, T("resident"));
        await json("record sig (random)", "POST", "/v1/records", { ...written.envelope, sig }, T("counselor"));
      }),
      { numRuns: 40, seed: 22 },
    );

    // Transactions: every broken signature form, re-typed and truncated encodings.
    const sg = goodTx.signature!;
    const txSigs: Array<[string, bigint, bigint, number]> = [
      ["r = 0", 0n, BigInt(sg.s), sg.yParity], ["s = 0", BigInt(sg.r), 0n, sg.yParity], ["r off curve", offCurveX(), BigInt(sg.s), sg.yParity],
      ["r = p", P, BigInt(sg.s), sg.yParity], ["r ≥ 2^256 − 1", 2n ** 256n - 1n, BigInt(sg.s), sg.yParity], ["s = n", BigInt(sg.r), N, sg.yParity],
      ["s high", BigInt(sg.r), N - BigInt(sg.s), sg.yParity], ["yParity 2", BigInt(sg.r), BigInt(sg.s), 2], ["yParity 27", BigInt(sg.r), BigInt(sg.s), 27],
    ];
    const g = goodTx;
    const fields = (yParity: number, r: bigint, s: bigint) => [
      toBeArray(g.chainId), toBeArray(g.nonce), toBeArray(g.maxPriorityFeePerGas ?? 0n), toBeArray(g.maxFeePerGas ?? 0n), toBeArray(g.gasLimit), g.to!, toBeArray(g.value), g.data, [],
      toBeArray(yParity), toBeArray(r), toBeArray(s),
    ];
    for (const [what, r, s, y] of txSigs) {
      const raw = "0x02" + encodeRlp(fields(y, r, s)).slice(2);
      await json(`tx ${what}`, "POST", "/v1/chain/transactions", { rawTransaction: raw }, T("counselor"));
    }
    const good = goodTx.serialized;
    for (const [what, raw] of [
      ["truncated", good.slice(0, good.length - 10)], ["type 0x05", "0x05" + good.slice(4)], ["type 0x01 body", "0x01" + good.slice(4)], ["legacy of a typed body", "0x" + good.slice(4)],
      ["rlp list of garbage", encodeRlp([randomBytes(3), randomBytes(40)])], ["empty list", "0x02c0"], ["one byte", "0x02"], ["odd nibble", good + "0"],
    ] as const) {
      await json(`tx ${what}`, "POST", "/v1/chain/transactions", { rawTransaction: raw }, T("counselor"));
    }

    // Keys: X25519 recipients (zero and small-order points, wrong lengths), sealed keys, counselor encryption keys.
    const badKeys = [
      toBase64(new Uint8Array(32)), toBase64(Uint8Array.from([1, ...new Array(31).fill(0)])), toBase64(new Uint8Array(32).fill(255)), toBase64(randomBytes(31)), toBase64(randomBytes(33)),
      "A".repeat(43) + "!", "=".repeat(44), "",
    ];
    // The same points as bytes32 for the registry (what counselors' keys are on chain).
    const badChainKeys = ["00".repeat(32), "01" + "00".repeat(31), "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", "ff".repeat(32), "11".repeat(31), "zz".repeat(32)].map((h) => "0x" + h);
    for (const k of badKeys) {
      // A signed publication whose key is replaced: refused for the key (or its signature), never stored.
      await json("recipient key", "POST", "/v1/vault/recipients", { ...published, version: 2, x25519PublicKey: k }, T("resident"));
      await json("sealed key", "POST", `/v1/records/${written.reply.contentHash}/keys`, { keys: [{ to: counselor.wallet.address.toLowerCase(), sealed: k }] }, T("resident"));
      await json("record key", "POST", "/v1/records", { ...written.envelope, id: crypto.randomUUID(), keys: [{ to: rel.address, sealed: k }] }, T("counselor"));
    }
    for (const k of badChainKeys) await json("counselor key", "POST", "/v1/admin/counselors", { address: Wallet.createRandom().address, encryptionKey: k, validDays: 30 }, T("admin"));

    expect(failures, failures.join("\n")).to.deep.equal([]);
    expect(accepted, accepted.join("\n")).to.deep.equal([]);
    const after = await snapshot();
    const changed = [...before.keys()].filter((t) => before.get(t) !== after.get(t));
    expect(changed, `tables changed by rejected requests: ${changed.join(", ")}`).to.deep.equal([]);
    expect(sent).to.be.greaterThan(200);
  });

  it("refuses compressed bodies that are not what they claim on every JSON route, with 4xx and no write", async () => {
    const routes = allRoutes(srv.ctx).filter((r) => r.method !== "get" && r.body);
    const before = await quiet();
    const notJson = Buffer.from('{"a": 1, this is not json');
    const big = Buffer.alloc(40 * 1024 * 1024, 0x20); // 40 MB of spaces: far beyond the body limit once inflated
    const gz = gzipSync(notJson);
    const bodies: Array<[string, Record<string, string>, Buffer]> = [
      ["gzip of bad JSON", { "content-encoding": "gzip" }, gz],
      ["deflate of bad JSON", { "content-encoding": "deflate" }, deflateSync(notJson)],
      ["br of bad JSON", { "content-encoding": "br" }, brotliCompressSync(notJson)],
      ["truncated gzip", { "content-encoding": "gzip" }, gz.subarray(0, gz.length - 6)],
      ["gzip bomb", { "content-encoding": "gzip" }, gzipSync(big)],
      ["br bomb", { "content-encoding": "br" }, brotliCompressSync(big)],
      ["stacked gzip, br", { "content-encoding": "gzip, br" }, gz],
      // Node 22 decompresses zstd (body-parser uses it when zlib has it): garbage in it was a 500.
      ["zstd garbage", { "content-encoding": "zstd" }, notJson],
      ["unknown x-compress", { "content-encoding": "x-compress" }, notJson],
      ["identity garbage", { "content-encoding": "identity" }, notJson],
    ];
    for (const r of routes) {
      const path = r.path.replace(/:(\w+)/g, (_m, n: string) => (/id$/i.test(n) ? "0x" + "ab".repeat(32) : "x"));
      const token = r.roles.includes("admin") ? api.admin.token : r.roles.includes("counselor") ? api.counselor.token : r.roles.includes("matcher") ? api.matcher.token : api.resident.token;
      for (const [what, headers, body] of bodies) {
        const status = await send(`${r.method.toUpperCase()} ${r.path} ${what}`, r.method.toUpperCase(), path, body, { "content-type": "application/json", ...headers }, token);
        if (status < 400) failures.push(`${r.method.toUpperCase()} ${r.path} ${what}: accepted (${status})`);
      }
    }
    expect(failures, failures.join("\n")).to.deep.equal([]);
    const after = await snapshot();
    expect([...before.keys()].filter((t) => before.get(t) !== after.get(t))).to.deep.equal([]);
  });
});
