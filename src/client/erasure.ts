// Erasing one relationship address: the app asks which grants may still open access, signs a revocation of each with
// the relationship key, and sends them with the erasure, so the server queues them (ahead of any grant) in the same
// transaction that erases the data. Shared by the CLI, the web page and the demo.
import { revokeMessage, signRevoke, type ConsentDomain, type TypedDataSigner } from "../consent/index.js";
import type { ApiClient } from "./api.js";

export interface ErasureReply {
  subjectRef: string;
  erased: number;
  erasedAt: string;
  tombstones: Array<{ contentHash: string; leafIndex: number }>;
  removed: Record<string, number>;
  revocationsQueued: number;
}

/** Erases everything of the address `api` is signed in as; `key` is that address's key. */
export async function eraseRelationship(api: ApiClient, key: TypedDataSigner, domain: ConsentDomain): Promise<ErasureReply> {
  const plan = await api.get<{ revoke: string[] }>("/v1/vault/erasure-plan");
  const revocations = [];
  for (const grantId of plan.revoke) {
    const revoke = revokeMessage(grantId);
    revocations.push({ revoke, signature: await signRevoke(key, domain, revoke) });
  }
  return api.post<ErasureReply>("/v1/vault/erase", { revocations });
}
