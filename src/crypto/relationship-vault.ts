// The resident's relationship list (who she has consents with, in which role, the grant ids, bookings, the names
// she saw) sealed to a key only her seed yields, so a new device restored from the seed is whole again. The server
// keeps the ciphertext under her "vault" relationship address and a version number; it cannot read it.
// Key: HKDF-SHA256(seed, salt "anxin.rel.v1", info "relationships|v1"); XChaCha20-Poly1305 with the owner address
// and version as associated data (a stored copy cannot be replayed under another version or owner).
// docs/FORMATS.md (Relationship vault).
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { z } from "zod";
import { fromBase64, fromUtf8, toBase64, utf8 } from "./encoding.js";
import { KEY_SALT } from "./keys.js";
import { ready } from "./sodium.js";

export const RELATIONSHIP_VAULT_SCHEMA = "anxin.relationships.v1";

export const relationshipSchema = z.object({
  address: z.string().regex(/^0x[0-9a-f]{40}$/),
  role: z.enum(["counselor", "matcher"]),
  /** The name the resident saw for this person or service (never sent in clear). */
  label: z.string().max(200).optional(),
  grants: z.array(z.string().regex(/^0x[0-9a-f]{64}$/)).max(100).optional(),
  bookings: z.array(z.object({ slotId: z.string().max(100), start: z.string().max(40), end: z.string().max(40) })).max(200).optional(),
});
export type Relationship = z.infer<typeof relationshipSchema>;
export const relationshipListSchema = z.object({ schema: z.literal(RELATIONSHIP_VAULT_SCHEMA), relationships: z.array(relationshipSchema).max(200) });
export type RelationshipList = z.infer<typeof relationshipListSchema>;

function vaultKey(seed: Uint8Array): Uint8Array {
  return hkdf(sha256, seed, utf8(KEY_SALT), utf8("relationships|v1"), 32);
}
const ad = (owner: string, version: number) => utf8(`${RELATIONSHIP_VAULT_SCHEMA}|${owner.toLowerCase()}|${version}`);

/** base64(nonce ‖ ciphertext) of the list, bound to owner and version. */
export async function sealRelationships(seed: Uint8Array, owner: string, version: number, list: Relationship[]): Promise<string> {
  const sodium = await ready();
  const nonce = sodium.randombytes_buf(sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  const body = utf8(JSON.stringify({ schema: RELATIONSHIP_VAULT_SCHEMA, relationships: list } satisfies RelationshipList));
  const ct = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(body, ad(owner, version), null, nonce, vaultKey(seed));
  const out = new Uint8Array(nonce.length + ct.length);
  out.set(nonce);
  out.set(ct, nonce.length);
  return toBase64(out);
}

/** The list, or throws if the ciphertext was not made by this seed for this owner and version. */
export async function openRelationships(seed: Uint8Array, owner: string, version: number, sealed: string): Promise<Relationship[]> {
  const sodium = await ready();
  const all = fromBase64(sealed);
  const n = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  const body = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, all.subarray(n), ad(owner, version), all.subarray(0, n), vaultKey(seed));
  return relationshipListSchema.parse(JSON.parse(fromUtf8(body))).relationships;
}

/** Union of two lists by address: grants and bookings merged, a label kept from either (local first). */
export function mergeRelationships(local: Relationship[], remote: Relationship[]): Relationship[] {
  const out = new Map<string, Relationship>();
  for (const r of [...local, ...remote]) {
    const a = r.address.toLowerCase();
    const prev = out.get(a);
    if (!prev) {
      out.set(a, { ...r, address: a });
      continue;
    }
    const grants = [...new Set([...(prev.grants ?? []), ...(r.grants ?? [])])];
    const bookings = [...new Map([...(prev.bookings ?? []), ...(r.bookings ?? [])].map((b) => [b.slotId, b])).values()];
    out.set(a, { ...prev, label: prev.label ?? r.label, ...(grants.length ? { grants } : {}), ...(bookings.length ? { bookings } : {}) });
  }
  return [...out.values()];
}
