// Server side of need tokens: the office's published keys (ANXIN_OFFICE_KEYS_FILE, re-read when it changes, so the
// office can add next year's keys without a restart) and the check of a token a need spends: a valid office
// signature under the key of the current period, not spent before. The spend itself commits with the need
// (spendNeedToken inside the need's transaction), so a token is never spent without its need nor twice.
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { KEYSET_FORMAT, PERIOD, periodOf, tokenHash, verifyNeedToken, type NeedToken, type OfficeKeyset } from "../client/blind-token.js";
import type { Queryable } from "../store/db.js";
import { isSpent, spendToken } from "../store/token-repo.js";
import { conflict, forbidden, unprocessable } from "./errors.js";
import type { AppContext } from "./context.js";

const KeysetSchema = z.strictObject({
  format: z.literal(KEYSET_FORMAT),
  keys: z.array(z.strictObject({ period: z.string().regex(PERIOD), keyId: z.string().regex(/^[0-9a-f]{32}$/), spki: z.string().min(100).max(2000) })).max(1000),
});

export const EMPTY_KEYSET: OfficeKeyset = { format: KEYSET_FORMAT, keys: [] };

/** The keys file of a configuration: ANXIN_OFFICE_KEYS_FILE, default <dataDir>/office-keys.json. */
export function officeKeysPath(cfg: { dataDir: string; officeKeysFile?: string }): string {
  return cfg.officeKeysFile ?? path.join(cfg.dataDir, "office-keys.json");
}

const caches = new WeakMap<object, { stamp: string; keyset: OfficeKeyset }>();

/** The published keyset (empty while the office has published none); a malformed file counts as none, loudly. */
export function officeKeyset(ctx: AppContext): OfficeKeyset {
  const file = officeKeysPath(ctx.cfg);
  let stamp: string;
  try {
    const st = statSync(file);
    stamp = `${st.mtimeMs}:${st.size}`;
  } catch {
    return EMPTY_KEYSET;
  }
  const hit = caches.get(ctx);
  if (hit?.stamp === stamp) return hit.keyset;
  let keyset = EMPTY_KEYSET;
  try {
    keyset = KeysetSchema.parse(JSON.parse(readFileSync(file, "utf8")));
  } catch {
    ctx.log.error("the office keys file is not an anxin.office.keys.v1 keyset; no need token can be checked");
  }
  caches.set(ctx, { stamp, keyset });
  return keyset;
}

/** Checks a token before the need's transaction (a cheap refusal); returns the hash to spend. */
export async function checkNeedToken(ctx: AppContext, token: NeedToken | undefined, at = new Date()): Promise<{ period: string; hash: string }> {
  if (!token)
    throw forbidden("a need for the pool must carry a need token from the community office (one per month; see anxin enroll)", { code: "need_token_required" });
  const period = periodOf(at);
  if (token.period !== period) throw unprocessable(`this token is for ${token.period}; a need submitted now needs the token for ${period}`, { code: "need_token_period" });
  if (!(await verifyNeedToken(officeKeyset(ctx), token))) throw forbidden("the need token does not carry the community office's signature", { code: "need_token_invalid" });
  const hash = await tokenHash(token);
  if (await isSpent(ctx.db, period, hash)) throw spentRefusal();
  return { period, hash };
}

/** Spends the checked token inside the need's transaction; a concurrent spend of the same token loses here. */
export async function spendNeedToken(q: Queryable, t: { period: string; hash: string }): Promise<void> {
  if (!(await spendToken(q, t.period, t.hash))) throw spentRefusal();
}

const spentRefusal = () => conflict("this need token was already spent", { code: "need_token_spent" });
