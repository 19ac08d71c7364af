// The community office (社区 / 网格员) side of need tokens: one RSA-2048 key per period, kept by the office (never by
// the server, which could otherwise mint residents), and the blind signing of an in-person-checked resident's
// request. The office records how many tokens it signed per period, never for whom: it does not even see the
// messages it signs (docs/FORMATS.md §Need tokens).
import { constants, createPrivateKey, createPublicKey, privateDecrypt, publicEncrypt } from "node:crypto";
import { readFileSync, writeFileSync, renameSync } from "node:fs";
import { fromBase64, toBase64 } from "../crypto/encoding.js";
import {
  KEYSET_FORMAT,
  PERIOD,
  REQUEST_FORMAT,
  RESPONSE_FORMAT,
  keyIdOf,
  tokenSuite,
  type EnrollRequest,
  type EnrollResponse,
  type OfficeKeyset,
} from "../client/blind-token.js";

export const OFFICE_SECRET_FORMAT = "anxin.office.secret.v1";
export const OFFICE_KEY_BITS = 2048;
/** At most this many periods (one token each) in one request: a year ahead, with room for the current month. */
export const MAX_PERIODS_PER_REQUEST = 13;

export interface OfficeSecret {
  format: typeof OFFICE_SECRET_FORMAT;
  keys: Array<{ period: string; keyId: string; spki: string; jwk: JsonWebKey }>;
  /** Tokens signed per period: counts only. */
  issued: Record<string, number>;
}

export class OfficeError extends Error {
  override name = "OfficeError";
}

/** Fresh keys for the given periods (existing periods keep their key). */
export async function addOfficeKeys(secret: OfficeSecret | undefined, periods: readonly string[]): Promise<OfficeSecret> {
  const out: OfficeSecret = secret ? structuredClone(secret) : { format: OFFICE_SECRET_FORMAT, keys: [], issued: {} };
  for (const period of periods) {
    if (!PERIOD.test(period)) throw new OfficeError(`period ${period}: must be YYYY-MM`);
    if (out.keys.some((k) => k.period === period)) continue;
    const pair = await tokenSuite().generateKey({ publicExponent: Uint8Array.from([1, 0, 1]), modulusLength: OFFICE_KEY_BITS });
    const spki = new Uint8Array(await globalThis.crypto.subtle.exportKey("spki", pair.publicKey));
    out.keys.push({ period, keyId: await keyIdOf(spki), spki: toBase64(spki), jwk: await globalThis.crypto.subtle.exportKey("jwk", pair.privateKey) });
  }
  out.keys.sort((a, b) => a.period.localeCompare(b.period));
  return out;
}

/** What the office publishes (and the server's ANXIN_OFFICE_KEYS_FILE holds). */
export function publicKeyset(secret: OfficeSecret): OfficeKeyset {
  return { format: KEYSET_FORMAT, keys: secret.keys.map(({ period, keyId, spki }) => ({ period, keyId, spki })) };
}

/**
 * Blind-signs a resident's request (after the in-person check): at most one message per period, only periods the
 * office has keys for. RSASP1 runs in OpenSSL (raw RSA with CRT; the same value as the package's blindSign, about
 * 1000× faster), and the result is checked with the public key before it leaves (RFC 9474 §4.3).
 */
export function issueTokens(secret: OfficeSecret, request: EnrollRequest): { secret: OfficeSecret; response: EnrollResponse } {
  if (request?.format !== REQUEST_FORMAT || !Array.isArray(request.items)) throw new OfficeError(`not an ${REQUEST_FORMAT}`);
  if (!request.items.length || request.items.length > MAX_PERIODS_PER_REQUEST) throw new OfficeError(`a request asks for 1..${MAX_PERIODS_PER_REQUEST} periods`);
  const periods = request.items.map((i) => i.period);
  if (new Set(periods).size !== periods.length) throw new OfficeError("one token per period: a period appears twice");
  const items: EnrollResponse["items"] = [];
  for (const it of request.items) {
    const k = secret.keys.find((x) => x.period === it.period && x.keyId === it.keyId);
    if (!k) throw new OfficeError(`no office key ${it.keyId} for ${it.period}`);
    const priv = createPrivateKey({ key: k.jwk as import("node:crypto").JsonWebKey, format: "jwk" });
    const n = Buffer.from(String(k.jwk.n), "base64url");
    let m: Uint8Array;
    try {
      m = fromBase64(it.blinded, n.length);
    } catch {
      throw new OfficeError(`blinded message for ${it.period}: must be ${n.length} bytes, base64`);
    }
    if (Buffer.compare(Buffer.from(m), n) >= 0) throw new OfficeError(`blinded message for ${it.period}: out of range`);
    const s = privateDecrypt({ key: priv, padding: constants.RSA_NO_PADDING }, m);
    const back = publicEncrypt({ key: createPublicKey(priv), padding: constants.RSA_NO_PADDING }, s);
    if (!back.equals(Buffer.from(m))) throw new OfficeError("signing check failed");
    items.push({ period: it.period, keyId: it.keyId, blindSignature: toBase64(s) });
  }
  const next = structuredClone(secret);
  for (const p of periods) next.issued[p] = (next.issued[p] ?? 0) + 1;
  return { secret: next, response: { format: RESPONSE_FORMAT, items } };
}

export function readOfficeSecret(file: string): OfficeSecret {
  let v: OfficeSecret;
  try {
    v = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new OfficeError(`${file}: ${(e as Error).message}`);
  }
  if (v?.format !== OFFICE_SECRET_FORMAT || !Array.isArray(v.keys)) throw new OfficeError(`${file}: not an ${OFFICE_SECRET_FORMAT} file`);
  return v;
}

/** Written 0600 through a temporary file, so a crash never leaves half a key file. */
export function writeJsonFile(file: string, value: unknown, mode = 0o600): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + "\n", { mode });
  renameSync(tmp, file);
}
