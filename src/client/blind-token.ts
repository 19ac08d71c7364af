// Need tokens (RFC 9474 blind RSA, RSABSSA-SHA384-PSS-Randomized, from @cloudflare/blindrsa-ts): the community
// office checks a resident once, in person, and blind-signs one token per period for her; her app unblinds them
// and spends one with each need. The office sees only blinded messages, the server only unblinded tokens: neither
// can tie a spent token to the visit that produced it (docs/FORMATS.md §Need tokens). Runs in Node and browsers.
import { RSABSSA } from "@cloudflare/blindrsa-ts";
import { fromBase64, toBase64, toHex } from "../crypto/encoding.js";

export const KEYSET_FORMAT = "anxin.office.keys.v1";
export const REQUEST_FORMAT = "anxin.enroll.request.v1";
export const RESPONSE_FORMAT = "anxin.enroll.response.v1";
/** A period is a calendar month (UTC): one token per resident per month. */
export const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;
/** The message the office signs blindly: 32 random bytes, prefixed by the Randomized variant's 32 more. */
const NONCE_BYTES = 32;

export const tokenSuite = () => RSABSSA.SHA384.PSS.Randomized();

/** The office's public key for one period, as published (GET /v1/office/keys). */
export interface OfficePublicKey {
  period: string;
  /** First 16 bytes of SHA-256(spki), hex: names the key in requests and tokens. */
  keyId: string;
  /** SubjectPublicKeyInfo (DER), base64. */
  spki: string;
}
export interface OfficeKeyset {
  format: typeof KEYSET_FORMAT;
  keys: OfficePublicKey[];
}
/** What the resident's app shows the office: one blinded message per period. */
export interface EnrollRequest {
  format: typeof REQUEST_FORMAT;
  items: Array<{ period: string; keyId: string; blinded: string }>;
}
export interface EnrollResponse {
  format: typeof RESPONSE_FORMAT;
  items: Array<{ period: string; keyId: string; blindSignature: string }>;
}
/** Kept on the device between the request and the office's answer (never sent). */
export interface PendingToken {
  period: string;
  keyId: string;
  message: string;
  inv: string;
}
/** A spendable token: the prepared message and the office's (unblinded) signature over it. */
export interface NeedToken {
  period: string;
  keyId: string;
  message: string;
  signature: string;
}

/** The period of a moment (UTC month). */
export function periodOf(d: Date = new Date()): string {
  return d.toISOString().slice(0, 7);
}
/** `n` consecutive periods from `from`. */
export function periodsFrom(from: string, n: number): string[] {
  if (!PERIOD.test(from)) throw new RangeError("period must be YYYY-MM");
  const [y, m] = from.split("-").map(Number);
  return Array.from({ length: n }, (_, i) => {
    const k = y * 12 + (m - 1) + i;
    return `${Math.floor(k / 12)}-${String((k % 12) + 1).padStart(2, "0")}`;
  });
}

export async function keyIdOf(spki: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", spki as BufferSource)).slice(0, 16));
}

export async function importOfficeKey(spkiB64: string): Promise<CryptoKey> {
  return globalThis.crypto.subtle.importKey("spki", fromBase64(spkiB64) as BufferSource, { name: "RSA-PSS", hash: "SHA-384" }, true, ["verify"]);
}

function keyOf(keyset: OfficeKeyset, period: string, keyId?: string): OfficePublicKey {
  const k = keyset.keys.find((x) => x.period === period && (keyId === undefined || x.keyId === keyId));
  if (!k) throw new Error(`the office has published no key for ${period}${keyId ? ` with id ${keyId}` : ""}`);
  return k;
}

/** SHA-256 of a token's message, hex: what the server records as spent (never the token itself). */
export async function tokenHash(t: Pick<NeedToken, "message">): Promise<string> {
  return toHex(new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", fromBase64(t.message) as BufferSource)));
}

/**
 * Blinds one fresh message per period under the office's key for that period. Every key must be one the office
 * published, each keyId the SHA-256 of its key (so a key made for one resident alone would not go unnoticed).
 */
export async function startEnrollment(keyset: OfficeKeyset, periods: readonly string[]): Promise<{ request: EnrollRequest; pending: PendingToken[] }> {
  if (new Set(periods).size !== periods.length) throw new Error("one token per period");
  const suite = tokenSuite();
  const items: EnrollRequest["items"] = [];
  const pending: PendingToken[] = [];
  for (const period of periods) {
    const k = keyOf(keyset, period);
    if ((await keyIdOf(fromBase64(k.spki))) !== k.keyId) throw new Error(`office key for ${period}: keyId does not match the key`);
    const message = suite.prepare(globalThis.crypto.getRandomValues(new Uint8Array(NONCE_BYTES)));
    const { blindedMsg, inv } = await suite.blind(await importOfficeKey(k.spki), message);
    items.push({ period, keyId: k.keyId, blinded: toBase64(blindedMsg) });
    pending.push({ period, keyId: k.keyId, message: toBase64(message), inv: toBase64(inv) });
  }
  return { request: { format: REQUEST_FORMAT, items }, pending };
}

/** Unblinds the office's answer; each signature is verified (finalize refuses a wrong one). */
export async function finishEnrollment(keyset: OfficeKeyset, pending: readonly PendingToken[], response: EnrollResponse): Promise<NeedToken[]> {
  if (response.format !== RESPONSE_FORMAT) throw new Error(`not an ${RESPONSE_FORMAT}`);
  const suite = tokenSuite();
  const out: NeedToken[] = [];
  for (const p of pending) {
    const item = response.items.find((i) => i.period === p.period && i.keyId === p.keyId);
    if (!item) throw new Error(`the office's answer has no signature for ${p.period}`);
    const key = await importOfficeKey(keyOf(keyset, p.period, p.keyId).spki);
    const sig = await suite.finalize(key, fromBase64(p.message), fromBase64(item.blindSignature), fromBase64(p.inv));
    out.push({ period: p.period, keyId: p.keyId, message: p.message, signature: toBase64(sig) });
  }
  return out;
}

/** True iff the token carries a valid office signature under the published key of its period. */
export async function verifyNeedToken(keyset: OfficeKeyset, t: NeedToken): Promise<boolean> {
  const k = keyset.keys.find((x) => x.period === t.period && x.keyId === t.keyId);
  if (!k) return false;
  try {
    return await tokenSuite().verify(await importOfficeKey(k.spki), fromBase64(t.signature), fromBase64(t.message));
  } catch {
    return false;
  }
}
