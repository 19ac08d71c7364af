// The demo's parties as clients of the real server: each signs in with SIWE (its own key, or for a resident the
// per-relationship key derived from the root seed), signs consents with EIP-712 and seals records on its side.
import type { Wallet } from "ethers";
import { ApiClient, ApiError, draftGrant, submitGrant as submitDrafted } from "../client/index.js";
import type { ConsentDomain, Purpose } from "../consent/index.js";
import { generateSeed, relationshipKeys, vaultKeys, type RelationshipKeys } from "../crypto/index.js";
import type { DemoResident } from "./community.js";

export class DemoStepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DemoStepError";
  }
}

/** Sessions last 15 minutes; the demo takes far less, so each identity signs in once. */
export class Party {
  #api?: ApiClient;
  constructor(
    readonly baseUrl: string,
    readonly wallet: Wallet,
  ) {}
  get address() {
    return this.wallet.address.toLowerCase();
  }
  async api(): Promise<ApiClient> {
    return (this.#api ??= await new ApiClient(this.baseUrl).login(this.wallet));
  }
}

export class ResidentActor {
  readonly #rels = new Map<string, Promise<{ keys: RelationshipKeys; party: Party }>>();
  identityRecord?: { recordId: string; contentHash: string };
  /** The intake assessment shared with the counselor under the TREATMENT relationship. */
  sharedAssessment?: { recordId: string; contentHash: string };
  /** Set once a proposal was accepted. */
  counselor?: string;
  treatmentGrant?: string;

  private constructor(
    readonly n: number,
    readonly data: DemoResident,
    readonly seed: Uint8Array,
    readonly baseUrl: string,
  ) {}

  static async create(n: number, data: DemoResident, baseUrl: string) {
    return new ResidentActor(n, data, await generateSeed(), baseUrl);
  }

  /** The relationship with `counterparty` (an address, or "vault"): its keys and a signed-in client. */
  rel(counterparty: string) {
    const key = counterparty.toLowerCase();
    let r = this.#rels.get(key);
    if (!r) {
      r = (async () => {
        const keys = key === "vault" ? await vaultKeys(this.seed) : await relationshipKeys(this.seed, key);
        return { keys, party: new Party(this.baseUrl, keys.wallet) };
      })();
      this.#rels.set(key, r);
    }
    return r;
  }

  async api(counterparty: string): Promise<ApiClient> {
    return (await this.rel(counterparty)).party.api();
  }
}

/** Drafts (fresh salts, jittered times), signs and submits a grant; returns its id (relayed in the background). */
export async function submitGrant(
  api: ApiClient,
  key: Wallet,
  domain: ConsentDomain,
  grantee: string,
  purpose: Purpose,
  categories: string[],
  days = 180,
): Promise<string> {
  return submitDrafted(api, key, domain, draftGrant({ subject: key.address, grantee, purpose, categories, days }));
}

/** Polls the consent view until `pred` holds; a failed relay stops the demo with the ledger's reason. */
export async function waitConsent(api: ApiClient, grantId: string, pred: (v: ConsentViewLite) => boolean, ms = 60_000): Promise<ConsentViewLite> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await api.get<ConsentViewLite>(`/v1/consents/${grantId}`);
    if (pred(v)) return v;
    if (v.status === "failed") throw new DemoStepError(`consent ${grantId.slice(0, 10)}… failed on chain: ${v.error}`);
    if (Date.now() > deadline) throw new DemoStepError(`consent ${grantId.slice(0, 10)}… not on chain after ${ms / 1000} s (status ${v.status})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface ConsentViewLite {
  grantId: string;
  status: string;
  onChain: boolean;
  state: string;
  active: boolean;
  blockNumber: number | null;
  txHash: string | null;
  error: string | null;
  revoke: { status: string; blockNumber: number | null } | null;
}

export const isOnChain = (v: ConsentViewLite) => v.onChain && v.status === "on_chain" && v.state === "active";

/** Awaits a request that must fail; returns the API error (anything else is a demo failure). */
export async function refused(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new DemoStepError("expected the server to refuse, but it answered");
}

/** Registry writes share the operator key with the relayer and the anchoring worker: a rare nonce race → retry. */
export async function retrying<T>(fn: () => Promise<T>, tries = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= tries || !(e instanceof ApiError) || e.status < 500) throw e;
      await new Promise((r) => setTimeout(r, 200 * i));
    }
  }
}
