// A callback number sealed to one counselor's X25519 key (libsodium sealed box), on the resident's device; only
// that counselor's client opens it. The server stores the base64 ciphertext and never the number.
import { ready } from "./sodium.js";
import type { X25519KeyPair } from "./keys.js";

const PHONE = /^\+?\d[\d -]{2,19}$/;

export async function sealCallback(number: string, counselorPublicKey: Uint8Array): Promise<string> {
  if (!PHONE.test(number.trim())) throw new RangeError("a phone number: digits, spaces, - and a leading +");
  const s = await ready();
  return s.to_base64(s.crypto_box_seal(new TextEncoder().encode(number.trim()), counselorPublicKey), s.base64_variants.ORIGINAL);
}

export async function openCallback(sealed: string, keys: X25519KeyPair): Promise<string> {
  const s = await ready();
  const plain = new TextDecoder().decode(s.crypto_box_seal_open(s.from_base64(sealed, s.base64_variants.ORIGINAL), keys.publicKey, keys.privateKey));
  if (!PHONE.test(plain)) throw new RangeError("the sealed callback is not a phone number");
  return plain;
}

/** The tel: link of a number (digits and a leading + only). */
export const telLink = (number: string) => `tel:${number.replace(/[^\d+]/g, "")}`;
