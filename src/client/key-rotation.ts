// The owner's side of key rotation (services/records/rotation.ts): take each content key sealed to the old key (a
// logged key release), re-seal it to the new key, and replace the owner's entries. Node and browser.
import { TamperedKey } from "../crypto/errors.js";
import { resealKey } from "../crypto/key-rotation.js";
import type { X25519KeyPair } from "../crypto/keys.js";
import type { ApiClient } from "./api.js";

const BATCH = 64;

export interface RewrapResult {
  /** Versions whose key was re-sealed to the new key. */
  rewrapped: number;
  /** Versions whose key did not open with the old key (already re-wrapped, or sealed to another version). */
  skipped: number;
}

/**
 * Re-wraps every key the owner holds for records about it (`as: "subject"`, residents) or written by it
 * (`as: "author"`, counselors). The new key must already be the owner's current one (published or accredited).
 */
export async function rewrapOwnKeys(api: ApiClient, owner: string, old: X25519KeyPair, newPublicKey: Uint8Array, as: "subject" | "author"): Promise<RewrapResult> {
  const me = owner.toLowerCase();
  const { records } = await api.get<{ records: Array<{ recordId: string; contentHash: string; erased: boolean }> }>(`/v1/records?${as}=${me}&limit=1000`);
  const entries: Array<{ contentHash: string; sealed: string; pk: string }> = [];
  let skipped = 0;
  for (const r of records) {
    if (r.erased) continue;
    const key = await api.get<{ sealed: string }>(`/v1/records/${r.recordId}/versions/${r.contentHash}/key`);
    try {
      entries.push({ contentHash: r.contentHash, ...(await resealKey(key.sealed, old, newPublicKey)) });
    } catch (e) {
      if (!(e instanceof TamperedKey)) throw e;
      skipped++;
    }
  }
  let rewrapped = 0;
  for (let i = 0; i < entries.length; i += BATCH) rewrapped += (await api.post<{ rewrapped: number }>("/v1/vault/rewrap", { keys: entries.slice(i, i + BATCH) })).rewrapped;
  return { rewrapped, skipped };
}
