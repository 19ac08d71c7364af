// Registers a grant's scope opening (categories + scope salt) with the service, signed in as the resident's
// relationship key. The service only shows a grant to cover a kind of record when it holds the opening, so tests
// that relay grants straight to the ledger register them here — the same path a grant relayed elsewhere takes.
import type { Wallet } from "ethers";
import type { Grant } from "../../src/consent/index.js";
import { ApiClient } from "../../src/client/index.js";
import { wireGrant } from "../../src/consent/index.js";

export async function registerOpening(baseUrl: string, key: Wallet, built: { grant: Grant; categories: string[]; scopeSalt: string }, signature: string): Promise<void> {
  const api = await new ApiClient(baseUrl).login(key);
  await api.post("/v1/consents", { grant: wireGrant(built.grant), signature, categories: built.categories, scopeSalt: built.scopeSalt });
}
