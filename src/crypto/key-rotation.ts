// Rotated X25519 keys (docs/FORMATS.md (Key directory) §Rotation). Version 1 is the key every holder always had
// (info "x25519|<counterparty>" or "x25519|self"); version n ≥ 2 appends "|v<n>" to the same HKDF info, so the owner
// re-derives any version from the seed or wallet alone and can still open what was sealed to an older one.
import { deriveX25519, normalizeCounterparty, type X25519KeyPair } from "./keys.js";
import { fromBase64, fromHex0x, toBase64 } from "./encoding.js";
import { SEALED_DEK_BYTES } from "./envelope-schema.js";
import { TamperedKey } from "./errors.js";
import { ready } from "./sodium.js";

function info(base: string, version: number): string {
  if (!Number.isSafeInteger(version) || version < 1) throw new RangeError("a key version is an integer ≥ 1");
  return version === 1 ? base : `${base}|v${version}`;
}

/** A resident relationship's X25519 key at `version`. */
export function relationshipX25519(seed: Uint8Array, counterparty: string, version: number): Promise<X25519KeyPair> {
  return deriveX25519(seed, info(`x25519|${normalizeCounterparty(counterparty)}`, version));
}

/** A wallet holder's (counselor's) X25519 key at `version`, from the wallet's 0x private key. */
export function walletX25519(privateKey: string, version: number): Promise<X25519KeyPair> {
  return deriveX25519(fromHex0x(privateKey, 32), info("x25519|self", version));
}

/** Opens a sealed content key with the old key pair and seals it to the new public key: the entry to store. */
export async function resealKey(sealed: string, old: X25519KeyPair, newPublicKey: Uint8Array): Promise<{ sealed: string; pk: string }> {
  const sodium = await ready();
  let dek: Uint8Array;
  try {
    dek = sodium.crypto_box_seal_open(fromBase64(sealed, SEALED_DEK_BYTES), old.publicKey, old.privateKey);
  } catch {
    throw new TamperedKey();
  }
  try {
    return { sealed: toBase64(sodium.crypto_box_seal(dek, newPublicKey)), pk: toBase64(newPublicKey) };
  } finally {
    sodium.memzero(dek);
  }
}
