// Session tokens: v2.<payload b64url>.<HMAC-SHA256 b64url>, keyed by the session key (which is never in the
// database). A valid MAC alone is not a session: the token's hash must also be a live row (sessions.ts).
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export interface TokenPayload {
  sub: string;
  iat: number;
  exp: number;
  /** 128 random bits: no two tokens are alike, so a token's hash names one session. */
  sid: string;
}

const VERSION = "v2";

export function signToken(key: Buffer, sub: string, ttlSeconds: number, now = Date.now()): { token: string; payload: TokenPayload } {
  const iat = Math.floor(now / 1000);
  const payload: TokenPayload = { sub, iat, exp: iat + ttlSeconds, sid: randomBytes(16).toString("base64url") };
  const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
  return { token: `${VERSION}.${body}.${mac(key, body)}`, payload };
}

function mac(key: Buffer, body: string): string {
  return createHmac("sha256", key).update(`${VERSION}.${body}`).digest("base64url");
}

/** The payload of a token whose MAC verifies and that has not expired; undefined otherwise (no detail for a forger). */
export function verifyTokenMac(key: Buffer, token: string, now = Date.now()): TokenPayload | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== VERSION) return undefined;
  const expect = Buffer.from(mac(key, parts[1]), "base64url");
  const got = Buffer.from(parts[2], "base64url");
  if (got.length !== expect.length || !timingSafeEqual(got, expect)) return undefined;
  try {
    const p = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as TokenPayload;
    if (typeof p.sub !== "string" || typeof p.exp !== "number" || typeof p.sid !== "string" || p.exp * 1000 <= now) return undefined;
    return p;
  } catch {
    return undefined;
  }
}

/** What the store keeps of a token. */
export function tokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
