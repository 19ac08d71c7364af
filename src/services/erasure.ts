// Erasure of a pseudonymous address (PIPL Art. 47), everything at once: the vault is crypto-shredded (tombstones
// logged), every other table's rows of the address are deleted (store/erasure-coverage.ts says how, per table), and
// every grant that may still open access is revoked on chain by a revocation the resident's app signed for this
// erasure — queued with it in one transaction, and sent before any grant (the relayer drains revocations first).
// Afterwards the address is answered 410 everywhere, sign-in included. Once the revocations are on chain the relay
// rows that still name the address are purged (erasure-worker.ts).
import { sha256 } from "@noble/hashes/sha2.js";
import { verifyRevokeSignature, type Revoke } from "../consent/index.js";
import { getGrant } from "../store/consent-repo.js";
import { openingRequest, upsertRevokeRequest } from "../store/relay-queue-repo.js";
import {
  cancelQueuedGrants,
  eraseResidentRows,
  erasedAt,
  grantsNeedingRevocation,
  grantsWithStandingRevocation,
  insertErasure,
  pendingErasures,
  purgeRelayRows,
  revokedInIndex,
  setPendingGrants,
} from "../store/erasure-repo.js";
import type { AppContext } from "./context.js";
import { domainOf } from "./consents.js";
import { gone, unprocessable } from "./errors.js";
import { shredVault } from "./records/vault.js";
import type { Session } from "./session.js";

export interface SignedRevocation {
  revoke: Revoke;
  signature: string;
}

const nowS = () => Math.floor(Date.now() / 1000);

/** The erasure tombstone's key: the SHA-256 of the lowercase address (hex). */
export function subjectHash(address: string): string {
  return Buffer.from(sha256(new TextEncoder().encode(address.toLowerCase()))).toString("hex");
}

/** Refuses (410) any use of an erased address. */
export async function refuseErased(ctx: AppContext, address: string | undefined): Promise<void> {
  if (!address) return;
  const at = await erasedAt(ctx.db, subjectHash(address));
  if (at) throw gone("this pseudonymous address was erased at the resident's request; nothing of it is served any more", { code: "erased" });
}

/** The grants the resident signs revocations for before erasing this address. */
export async function erasurePlan(ctx: AppContext, session: Session) {
  return { subjectRef: session.address, revoke: await grantsNeedingRevocation(ctx.db, session.address, nowS()) };
}

/** Checks the signed revocations against the grants that need one: each names one, is the subject's, none is missing. */
async function checkRevocations(ctx: AppContext, me: string, need: string[], given: SignedRevocation[]) {
  const needed = new Set(need);
  const byGrant = new Map<string, SignedRevocation>();
  for (const [i, r] of given.entries()) {
    const id = r.revoke.grantId.toLowerCase();
    if (!needed.has(id)) throw unprocessable("a revocation names a grant that needs none (not yours, already revoked or expired)", { code: "revocation_not_needed", errors: [{ path: `revocations.${i}.revoke.grantId`, message: "not a grant of yours that needs revoking" }] });
    if (!verifyRevokeSignature(domainOf(ctx), r.revoke, r.signature, me))
      throw unprocessable("a revocation is not signed by you on this ledger", { code: "bad_signature", errors: [{ path: `revocations.${i}.signature`, message: "not your signature over this revoke" }] });
    byGrant.set(id, r);
  }
  const missing = need.filter((id) => !byGrant.has(id));
  if (missing.length)
    throw unprocessable(`sign a revocation for every grant that may still open access before erasing (GET /v1/vault/erasure-plan): ${missing.length} missing`, { code: "revocations_missing" });
  return byGrant;
}

export async function eraseAddress(ctx: AppContext, session: Session, revocations: SignedRevocation[]) {
  const me = session.address;
  const byGrant = await checkRevocations(ctx, me, await grantsNeedingRevocation(ctx.db, me, nowS()), revocations);
  const queued: Array<{ grantId: string; subject: string; grantee: string; purpose: number; payload: string }> = [];
  for (const [id, r] of byGrant) {
    const g = await getGrant(ctx.db, id);
    const req = g ? undefined : await openingRequest(ctx.db, id);
    queued.push({ grantId: id, subject: me, grantee: g?.grantee ?? req!.grantee, purpose: g?.purpose ?? req!.purpose, payload: JSON.stringify({ revoke: r.revoke, signature: r.signature }) });
  }
  const at = new Date();
  const result = await ctx.writer.submit(async (u) => {
    // Her grants still only queued are cancelled first (never sent); then, again inside the transaction (which holds
    // the log head's lock), a grant claimed or relayed meanwhile is not left active.
    const cancelled = await cancelQueuedGrants(u.q, me);
    const missing = (await grantsNeedingRevocation(u.q, me, nowS())).filter((id) => !byGrant.has(id));
    if (missing.length) throw unprocessable("a grant reached the chain while you were erasing: fetch the erasure plan again and sign its revocation", { code: "revocations_missing" });
    for (const v of queued) await upsertRevokeRequest(u.q, v);
    const vault = await shredVault(u, me, at);
    const removed = { ...(await eraseResidentRows(u.q, me)), queuedGrants: cancelled };
    await insertErasure(u.q, subjectHash(me), at, await grantsWithStandingRevocation(u.q, me));
    return { ...vault, removed, revocationsQueued: queued.length };
  });
  // Sessions were deleted with the rest; drop this instance's cached copies and roles too.
  await ctx.sessions.revokeAll(me);
  ctx.roles.invalidate(me);
  ctx.log.info({ tombstones: result.erased, revocations: result.revocationsQueued }, "address erased");
  return result;
}

/** Purges the relay rows of erased addresses whose revocations are on chain; returns how many grants were purged. */
export async function purgeErasedRelayRows(ctx: AppContext, limit = 100): Promise<number> {
  let purged = 0;
  for (const e of await pendingErasures(ctx.db, limit)) {
    const done = await revokedInIndex(ctx.db, e.grants);
    if (done.size === 0) continue;
    await ctx.writer.submit(async ({ q }) => {
      await purgeRelayRows(q, [...done]);
      await setPendingGrants(q, e.subjectHash, e.grants.filter((g) => !done.has(g)));
    });
    purged += done.size;
  }
  return purged;
}
