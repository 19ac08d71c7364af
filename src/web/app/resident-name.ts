// What she wants her counsellor to call her: an optional field on the TREATMENT consent screen. When she fills it,
// the consent also covers "identity" and the page writes an identity vault entry holding only that name
// (anxin.identity.v2 displayName), sealed to her vault key and re-wrapped to this one counsellor under the grant.
// The server stores ciphertext and the grant id the key was shared under; it never sees the name.
import { IDENTITY_SCHEMA, rewrapKey, sealJson, walletSigner, type RelationshipKeys } from "../../crypto/index.js";
import type { ApiClient } from "../../client/index.js";
import { addWords } from "./i18n.js";
import { field } from "./ui.js";

addWords({
  shareNameLabel: ["您希望咨询师怎么称呼您？（可选）", "What should your counsellor call you? (optional)"],
  shareNameHint: ["可以不是真名，例如“王阿姨”。只有这位咨询师能看到。留空就不分享。", "It need not be your real name, e.g. “Auntie Wang”. Only this counsellor can see it. Leave empty to share nothing."],
});

/** The optional name field; `value()` is the trimmed name, or "" when she shares none. */
export function nameField() {
  const f = field("shareNameLabel", { id: "share-name", autocomplete: "nickname", maxlength: 40 }, "shareNameHint");
  return { wrap: f.wrap, input: f.input, value: () => f.input.value.trim().slice(0, 40) };
}

/** The TREATMENT categories with "identity" added when she shares a name (the consent card shows what is signed). */
export const withName = (cats: string[], name: string) => (name ? [...cats, "identity"] : cats);

/**
 * Writes the entry from her vault relationship and re-wraps its key to the counsellor under `grantId`. The grant
 * must be in the server's index first (the page waited for it on chain); a 409 means not yet: retried briefly.
 */
export async function shareName(o: { vault: RelationshipKeys; vaultApi: ApiClient; counselor: string; counselorPk: Uint8Array; grantId: string; name: string }) {
  const env = await sealJson({
    kind: "identity",
    schema: IDENTITY_SCHEMA,
    subjectRef: o.vault.address,
    consentId: null,
    body: { displayName: o.name },
    recipients: [{ address: o.vault.address, x25519PublicKey: o.vault.x25519.publicKey }],
    signer: walletSigner(o.vault.wallet),
  });
  const stored = await o.vaultApi.post<{ contentHash: string }>("/v1/records", env);
  const entry = await rewrapKey(env, o.vault.x25519, o.vault.address, { address: o.counselor, x25519PublicKey: o.counselorPk });
  for (let i = 0; ; i++) {
    try {
      return await o.vaultApi.post(`/v1/records/${stored.contentHash}/keys`, { keys: [{ ...entry, grantId: o.grantId }] });
    } catch (e) {
      if ((e as { status?: number }).status !== 409 || i >= 20) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
