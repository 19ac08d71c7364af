// Spent need tokens: per period, the SHA-256 of each spent token's message (no time, no subject, no need), so a
// token is accepted once and the table cannot tie a token to the need that spent it.
import type { Queryable } from "./db.js";

/** Records a token as spent; false if it already was (double spending). */
export async function spendToken(q: Queryable, period: string, tokenHash: string): Promise<boolean> {
  const rows = await q.query("INSERT INTO spent_tokens (period, token_hash) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1", [period, tokenHash]);
  return rows.length === 1;
}

export async function isSpent(q: Queryable, period: string, tokenHash: string): Promise<boolean> {
  return (await q.query("SELECT 1 FROM spent_tokens WHERE period = $1 AND token_hash = $2", [period, tokenHash])).length > 0;
}

/** How many tokens were spent in a period (for the office's and the operator's counts). */
export async function spentCount(q: Queryable, period: string): Promise<number> {
  const [r] = await q.query<{ n: string | number }>("SELECT count(*) AS n FROM spent_tokens WHERE period = $1", [period]);
  return Number(r?.n ?? 0);
}
