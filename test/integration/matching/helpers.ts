// Helpers for the matching and assessment suites: real residents (root seed → per-relationship keys), real grants
// signed by the relationship key and relayed on the real chain (grantBySig by the operator), then indexed.
import { type Contract } from "ethers";
import { buildGrant, consentDomain, grantId, revokeMessage, signGrant, signRevoke, Purpose } from "../../../src/consent/index.js";
import { generateSeed, relationshipKeys, type RelationshipKeys } from "../../../src/crypto/index.js";
import { ApiError, type ApiClient } from "../../../src/client/index.js";
import type { TestServer } from "../../helpers/server.js";
import { registerOpening } from "../../helpers/consent.js";

export { problem } from "../../helpers/problem.js";

export interface Resident {
  seed: Uint8Array;
  rel(counterparty: string): Promise<RelationshipKeys>;
  as(srv: TestServer, counterparty: string): Promise<{ keys: RelationshipKeys; api: ApiClient }>;
}

export async function newResident(): Promise<Resident> {
  const seed = await generateSeed();
  return {
    seed,
    rel: (cp) => relationshipKeys(seed, cp),
    async as(srv, cp) {
      const keys = await relationshipKeys(seed, cp);
      return { keys, api: await srv.api().login(keys.wallet) };
    },
  };
}

const domainOf = (srv: TestServer) => consentDomain(srv.ctx.chain.deployment.chainId, srv.ctx.chain.deployment.consentLedger);

/** Relays a grant straight to the ledger; `register: false` skips registering its opening (an unsuitable grantee). */
export async function grant(srv: TestServer, rel: RelationshipKeys, grantee: string, purpose: Purpose, categories: string[] = ["assessment"], register = true): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const built = buildGrant({ subject: rel.address, grantee, purpose, categories, notBefore: now - 60, notAfter: now + 30 * 86400 });
  const g = built.grant;
  const sig = await signGrant(rel.wallet, domainOf(srv), g);
  const receipt = await withNonceRetry(srv, async () => (await (srv.ctx.chain.consentLedger as Contract).grantBySig(g, sig)).wait());
  await srv.ctx.indexer.syncTo(receipt.blockNumber);
  if (register) await registerOpening(srv.url, rel.wallet, built, sig);
  return grantId(g);
}

export async function revoke(srv: TestServer, rel: RelationshipKeys, id: string): Promise<void> {
  const r = revokeMessage(id);
  const sig = await signRevoke(rel.wallet, domainOf(srv), r);
  const receipt = await withNonceRetry(srv, async () => (await (srv.ctx.chain.consentLedger as Contract).revokeBySig(r, sig)).wait());
  await srv.ctx.indexer.syncTo(receipt.blockNumber);
}

/** A routine intake; vary categories to get l-diversity. Same place/age/language → same QI class. */
export function intake(categories: string[], over: Record<string, unknown> = {}) {
  return {
    assessments: [{ instrument: "phq9", severityBand: "moderate", crisis: false }],
    categories,
    languages: ["mandarin"],
    modalities: ["in_person", "video"],
    place: "310104",
    age: 67,
    availability: ["mon_am", "wed_pm"],
    preferences: {},
    ...over,
  };
}

/**
 * The dev operator signs for several workers (relayer, checkpoints) at once; a test transaction racing them can
 * hit "nonce too low". Reset the NonceManager and retry: the race is in the test harness, not in what we test.
 */
export async function withNonceRetry<T>(srv: TestServer, fn: () => Promise<T>, tries = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (i >= tries || (code !== "NONCE_EXPIRED" && code !== "REPLACEMENT_UNDERPRICED")) throw e;
      srv.ctx.chain.operator.reset();
      await new Promise((r) => setTimeout(r, 50 * i));
    }
  }
}
