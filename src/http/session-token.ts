// Short-lived session tokens, HMAC-signed by the server: v1.<payload b64url>.<mac b64url>.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export interface TokenPayload {
  sub: string;
  iat: number;
  exp: number;
  jti: string;
}

export function issueToken(key: Buffer, sub: string, ttlSeconds: number, now = Date.now()): { token: string; payload: TokenPayload } {
  const iat = Math.floor(now / 1000);
  const payload: TokenPayload = { sub, iat, exp: iat + ttlSeconds, jti: randomBytes(12).toString("base64url") };
  const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
  const mac = createHmac("sha256", key).update(`v1.${body}`).digest("base64url");
  return { token: `v1.${body}.${mac}`, payload };
}

/** Returns the payload of a valid, unexpired token; undefined otherwise (no detail: don't help a forger). */
export function verifyToken(key: Buffer, token: string, now = Date.now()): TokenPayload | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== "v1") return undefined;
  const expect = createHmac("sha256", key).update(`v1.${parts[1]}`).digest();
  let got: Buffer;
  try {
    got = Buffer.from(parts[2], "base64url");
  } catch {
    return undefined;
  }
  if (got.length !== expect.length || !timingSafeEqual(got, expect)) return undefined;
  try {
    const p = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as TokenPayload;
    if (typeof p.sub !== "string" || typeof p.exp !== "number" || p.exp * 1000 <= now) return undefined;
    return p;
  } catch {
    return undefined;
  }
}
