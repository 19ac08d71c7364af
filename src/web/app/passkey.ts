// Everyday unlock by passkey: a WebAuthn credential of this device with the PRF extension yields a 32-byte secret
// only this authenticator (after fingerprint, face or screen lock) can reproduce; HKDF turns it into the AES-GCM key
// that wraps the seed here, in IndexedDB. No server is involved and nothing about it leaves the device; the
// passphrase-encrypted copy stays as the fallback. docs/web.md (Recovery and unlock).
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { fromBase64, toBase64, utf8 } from "../../crypto/encoding.js";
import { kv } from "./store.js";

const STORE_KEY = "resident.passkey";

interface PasskeyStore {
  v: 1;
  credentialId: string; // base64
  prfSalt: string; // base64, 32 bytes
  iv: string; // base64, 12 bytes
  wrapped: string; // base64, AES-256-GCM(seed)
}

type PrfResults = { enabled?: boolean; results?: { first?: ArrayBuffer | Uint8Array } };
const rand = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const buf = (b: Uint8Array) => b.slice().buffer as ArrayBuffer;

export function passkeyAvailable(): boolean {
  return typeof window !== "undefined" && !!window.PublicKeyCredential && !!navigator.credentials;
}

export async function hasPasskey(): Promise<boolean> {
  return !!(await kv.get<PasskeyStore>(STORE_KEY));
}

async function wrapKey(prf: ArrayBuffer | Uint8Array): Promise<CryptoKey> {
  const raw = hkdf(sha256, new Uint8Array(prf), utf8("anxin.passkey.v1"), utf8("seed-wrap"), 32);
  return crypto.subtle.importKey("raw", buf(raw), "AES-GCM", false, ["encrypt", "decrypt"]);
}

/** The PRF output of an assertion with `credentialId` (asks for the fingerprint, face or screen lock). */
async function prfOf(credentialId: Uint8Array, salt: Uint8Array): Promise<ArrayBuffer | Uint8Array> {
  const cred = (await navigator.credentials.get({
    publicKey: {
      challenge: buf(rand(32)), // local use only: the PRF output, not the signature, is what counts
      rpId: location.hostname,
      allowCredentials: [{ type: "public-key", id: buf(credentialId) }],
      userVerification: "required",
      extensions: { prf: { eval: { first: buf(salt) } } } as AuthenticationExtensionsClientInputs,
    },
  })) as PublicKeyCredential | null;
  const first = (cred?.getClientExtensionResults() as { prf?: PrfResults }).prf?.results?.first;
  if (!first) throw new PasskeyUnsupported();
  return first;
}

export class PasskeyUnsupported extends Error {
  constructor() {
    super("this authenticator has no PRF");
    this.name = "PasskeyUnsupported";
  }
}

/** Creates a passkey on this device and stores the seed wrapped under its PRF secret. */
export async function setUpPasskey(seed: Uint8Array): Promise<void> {
  const salt = rand(32);
  const cred = (await navigator.credentials.create({
    publicKey: {
      rp: { id: location.hostname, name: "安心 Anxin" },
      user: { id: buf(rand(16)), name: "安心", displayName: "安心" },
      challenge: buf(rand(32)),
      pubKeyCredParams: [{ type: "public-key", alg: -7 }, { type: "public-key", alg: -257 }],
      authenticatorSelection: { userVerification: "required", residentKey: "preferred", authenticatorAttachment: "platform" },
      extensions: { prf: { eval: { first: buf(salt) } } } as AuthenticationExtensionsClientInputs,
    },
  })) as PublicKeyCredential | null;
  if (!cred) throw new PasskeyUnsupported();
  const prf = (cred.getClientExtensionResults() as { prf?: PrfResults }).prf;
  if (prf?.enabled === false) throw new PasskeyUnsupported();
  const id = new Uint8Array(cred.rawId);
  // Some authenticators evaluate the PRF only on an assertion: then ask once more.
  const secret = prf?.results?.first ?? (await prfOf(id, salt));
  const iv = rand(12);
  const wrapped = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: buf(iv) }, await wrapKey(secret), buf(seed)));
  await kv.set(STORE_KEY, { v: 1, credentialId: toBase64(id), prfSalt: toBase64(salt), iv: toBase64(iv), wrapped: toBase64(wrapped) } satisfies PasskeyStore);
}

/** The seed, unwrapped with this device's passkey. */
export async function unlockWithPasskey(): Promise<Uint8Array> {
  const s = await kv.get<PasskeyStore>(STORE_KEY);
  if (!s) throw new PasskeyUnsupported();
  const secret = await prfOf(fromBase64(s.credentialId), fromBase64(s.prfSalt));
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: buf(fromBase64(s.iv)) }, await wrapKey(secret), buf(fromBase64(s.wrapped)));
  return new Uint8Array(plain);
}

export async function forgetPasskey(): Promise<void> {
  await kv.del(STORE_KEY);
}
