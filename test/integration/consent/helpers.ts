// Shared steps of the consent integration tests: a resident with a root seed, per-relationship sign-in, signing.
import { Wallet } from "ethers";
import { consentDomain, Purpose, signGrant, signRevoke, revokeMessage, type BuiltGrant } from "../../../src/consent/index.js";
import { generateSeed, relationshipKeys } from "../../../src/crypto/index.js";
import { ApiClient, ApiError, draftGrant } from "../../../src/client/index.js";
import { wireGrant } from "../../../src/consent/index.js";
import type { TestServer } from "../../helpers/server.js";

export { problem } from "../../helpers/problem.js";

export function domainOf(srv: TestServer) {
  return consentDomain(srv.ctx.chain.deployment.chainId, srv.ctx.chain.deployment.consentLedger);
}

export class Resident {
  private constructor(readonly seed: Uint8Array) {}
  static async create() {
    return new Resident(await generateSeed());
  }
  async keyFor(counterparty: string): Promise<Wallet> {
    return (await relationshipKeys(this.seed, counterparty)).wallet;
  }
  async api(srv: TestServer, counterparty: string): Promise<ApiClient> {
    return srv.api().login(await this.keyFor(counterparty));
  }
}

export async function signedGrant(srv: TestServer, key: Wallet, grantee: string, opts: { purpose?: Purpose; categories?: string[]; days?: number; built?: BuiltGrant; signer?: Wallet } = {}) {
  const built = opts.built ?? draftGrant({ subject: key.address, grantee, purpose: opts.purpose ?? Purpose.TREATMENT, categories: opts.categories ?? ["assessment", "consultation_note"], days: opts.days ?? 30 });
  const signature = await signGrant(opts.signer ?? key, domainOf(srv), built.grant);
  return { built, body: { grant: wireGrant(built.grant), signature, categories: built.categories, scopeSalt: built.scopeSalt } };
}

export async function signedRevoke(srv: TestServer, signer: Wallet, grantId: string) {
  const revoke = revokeMessage(grantId);
  return { revoke, signature: await signRevoke(signer, domainOf(srv), revoke) };
}

/** Polls the status until `pred` holds (the relayer works in the background). */
export async function waitFor<T>(fn: () => Promise<T>, pred: (v: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (pred(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not reached in ${ms} ms: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const onChain = (api: ApiClient, id: string) => waitFor(() => api.get(`/v1/consents/${id}`), (v: any) => v.onChain && v.status === "on_chain");

/**
 * Registry set-up through the shared operator key can collide with the background anchoring worker's nonce at
 * start-up (NONCE_EXPIRED); the set-up is retried once from the chain's nonce.
 */
export async function withNonceRetry<T>(srv: TestServer, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if ((e as { code?: string }).code !== "NONCE_EXPIRED") throw e;
    srv.ctx.chain.operator.reset();
    return fn();
  }
}

export function randomAddress() {
  return Wallet.createRandom().address;
}
