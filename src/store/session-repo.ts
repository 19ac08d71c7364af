// Sign-in state: single-use SIWE nonces and server-side sessions. A session row holds only the SHA-256 of its
// token (never the token, never the signing key), so a reader of this table cannot present any session.
import type { Queryable } from "./db.js";

export async function insertNonce(q: Queryable, nonce: string, expiresAt: Date): Promise<void> {
  await q.query("DELETE FROM auth_nonces WHERE expires_at < now() - interval '1 hour'");
  await q.query("INSERT INTO auth_nonces (nonce, expires_at) VALUES ($1, $2)", [nonce, expiresAt]);
}

/** Marks an unused, unexpired nonce used; false when it is unknown, expired or used (a replayed sign-in). */
export async function consumeNonce(q: Queryable, nonce: string): Promise<boolean> {
  const used = await q.query("UPDATE auth_nonces SET used_at = now() WHERE nonce = $1 AND used_at IS NULL AND expires_at > now() RETURNING nonce", [nonce]);
  return used.length === 1;
}

export interface SessionRow {
  tokenHash: string;
  address: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

export async function insertSession(q: Queryable, s: Omit<SessionRow, "revokedAt">): Promise<void> {
  // Sessions long over are dropped as new ones start: the table stays the size of the signed-in population.
  await q.query("DELETE FROM sessions WHERE expires_at < now() - interval '1 day'");
  await q.query("INSERT INTO sessions (token_hash, address, created_at, expires_at) VALUES ($1, $2, $3, $4)", [s.tokenHash, s.address, s.createdAt, s.expiresAt]);
}

export async function findSession(q: Queryable, tokenHash: string): Promise<SessionRow | undefined> {
  const [r] = await q.query<{ token_hash: string; address: string; created_at: Date; expires_at: Date; revoked_at: Date | null }>(
    "SELECT token_hash, address, created_at, expires_at, revoked_at FROM sessions WHERE token_hash = $1",
    [tokenHash],
  );
  return r
    ? { tokenHash: r.token_hash, address: r.address, createdAt: new Date(r.created_at), expiresAt: new Date(r.expires_at), revokedAt: r.revoked_at ? new Date(r.revoked_at) : null }
    : undefined;
}

/** Revokes one session; false when it was unknown or revoked already. */
export async function revokeSession(q: Queryable, tokenHash: string): Promise<boolean> {
  return (await q.query("UPDATE sessions SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL RETURNING token_hash", [tokenHash])).length > 0;
}

/** Revokes every live session of an address; returns how many. */
export async function revokeSessionsOf(q: Queryable, address: string): Promise<number> {
  const rows = await q.query("UPDATE sessions SET revoked_at = now() WHERE address = $1 AND revoked_at IS NULL AND expires_at > now() RETURNING token_hash", [address.toLowerCase()]);
  return rows.length;
}

export async function liveSessionCount(q: Queryable, address: string): Promise<number> {
  const [r] = await q.query<{ n: number }>("SELECT count(*)::int AS n FROM sessions WHERE address = $1 AND revoked_at IS NULL AND expires_at > now()", [address.toLowerCase()]);
  return Number(r.n);
}
