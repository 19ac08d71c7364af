// Server-side sessions. Signing in stores the SHA-256 of a fresh token with its address and expiry; every request
// needs both a MAC by the session key (held outside the database) and a live row, so sign-out, expiry and
// revocation take effect, and neither a copy of the database nor the key alone yields a session.
import type { Queryable } from "../store/db.js";
import { consumeNonce, findSession, insertNonce, insertSession, revokeSession, revokeSessionsOf } from "../store/session-repo.js";
import { signToken, tokenHash, verifyTokenMac } from "./session-token.js";

/** How long this instance trusts a row it read: a revocation made elsewhere (another instance, the CLI) waits at most this long. */
const CHECK_TTL_MS = 2000;
const CACHE_MAX = 10_000;

export class Sessions {
  readonly #cache = new Map<string, { address: string; expiresMs: number; checkedMs: number }>();

  constructor(
    private readonly db: Queryable,
    private readonly key: Buffer,
    private readonly ttlSeconds: number,
  ) {}

  /** Starts a session for `address` (after a verified sign-in). `now` lets tests start one in the past. */
  async issue(address: string, opts: { now?: number; ttlSeconds?: number } = {}): Promise<{ token: string; expiresAt: Date }> {
    const now = opts.now ?? Date.now();
    const { token, payload } = signToken(this.key, address.toLowerCase(), opts.ttlSeconds ?? this.ttlSeconds, now);
    const expiresAt = new Date(payload.exp * 1000);
    await insertSession(this.db, { tokenHash: tokenHash(token), address: payload.sub, createdAt: new Date(payload.iat * 1000), expiresAt });
    return { token, expiresAt };
  }

  /**
   * The address of an unexpired token whose MAC verifies (its row is not read): the rate limiter's key. Only the
   * key's holder can name an address, so nobody spends someone else's allowance.
   */
  subject(token: string): string | undefined {
    return verifyTokenMac(this.key, token)?.sub;
  }

  /** The signed-in address, or undefined for a forged, expired, signed-out or revoked token. */
  async verify(token: string, now = Date.now()): Promise<string | undefined> {
    const p = verifyTokenMac(this.key, token, now);
    if (!p) return undefined;
    const h = tokenHash(token);
    const hit = this.#cache.get(h);
    if (hit && now - hit.checkedMs < CHECK_TTL_MS) return hit.expiresMs > now ? hit.address : undefined;
    const row = await findSession(this.db, h);
    if (!row || row.revokedAt || row.expiresAt.getTime() <= now || row.address !== p.sub) {
      this.#cache.delete(h);
      return undefined;
    }
    if (this.#cache.size >= CACHE_MAX) this.#cache.clear();
    this.#cache.set(h, { address: row.address, expiresMs: row.expiresAt.getTime(), checkedMs: now });
    return row.address;
  }

  /** Signs one session out. */
  async revoke(token: string): Promise<boolean> {
    const h = tokenHash(token);
    this.#cache.delete(h);
    return revokeSession(this.db, h);
  }

  /** Revokes every session of an address (sign out everywhere; a lost device). Returns how many were live. */
  async revokeAll(address: string): Promise<number> {
    const a = address.toLowerCase();
    for (const [h, v] of this.#cache) if (v.address === a) this.#cache.delete(h);
    return revokeSessionsOf(this.db, a);
  }
}

/** A SIWE nonce, single use, until `expiresAt`. */
export function issueNonce(q: Queryable, nonce: string, expiresAt: Date) {
  return insertNonce(q, nonce, expiresAt);
}

/** Uses a nonce up: true once, for a nonce that was issued and has not expired. */
export function takeNonce(q: Queryable, nonce: string) {
  return consumeNonce(q, nonce);
}
