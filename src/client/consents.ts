// A resident's consent calls, shared by every client: the EIP-712 domain of this server, submitting a signed grant
// (the server relays it in the background) and a signed withdrawal.
import { consentDomain, revokeMessage, signGrant, signRevoke, wireGrant, type BuiltGrant, type ConsentDomain, type TypedDataSigner } from "../consent/index.js";
import type { ApiClient } from "./api.js";

/** The EIP-712 domain grants and withdrawals are signed under (this server's chain and ConsentLedger). */
export async function consentDomainOf(api: ApiClient): Promise<ConsentDomain> {
  const d = await api.get<{ chainId: number; verifyingContract: string }>("/v1/consents/domain");
  return consentDomain(d.chainId, d.verifyingContract);
}

/** Signs a drafted grant with the subject's key and submits it; returns its id. `lang` picks the receipt's language. */
export async function submitGrant(api: ApiClient, key: TypedDataSigner, domain: ConsentDomain, built: BuiltGrant, lang?: "zh" | "en"): Promise<string> {
  const signature = await signGrant(key, domain, built.grant);
  const r = await api.post<{ grantId: string }>("/v1/consents", {
    grant: wireGrant(built.grant),
    signature,
    categories: built.categories,
    scopeSalt: built.scopeSalt,
    ...(lang ? { lang } : {}),
  });
  return r.grantId;
}

/** Signs and submits the withdrawal of `grantId`. */
export async function submitRevoke(api: ApiClient, key: TypedDataSigner, domain: ConsentDomain, grantId: string) {
  const revoke = revokeMessage(grantId);
  const signature = await signRevoke(key, domain, revoke);
  return api.post(`/v1/consents/${grantId}/revoke`, { revoke, signature });
}
