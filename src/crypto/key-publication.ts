// A resident's signed recipient-key publication (docs/FORMATS.md (Key directory)): the relationship's signing key
// signs, as EIP-712 typed data, the X25519 public key counselors seal to. Any EIP-712 library verifies it, so no
// client has to take a key on the server's word. Version numbers start at 1 and grow by one per rotation.
import { getAddress, Signature, TypedDataEncoder, verifyTypedData, type Signer } from "ethers";
import { sha256 } from "@noble/hashes/sha2.js";
import { canonicalBytes } from "./canonical.js";
import { fromBase64, toHex } from "./encoding.js";
import { isLowS } from "./secp256k1.js";

/** EIP-712 domain of key publications: name and version only (a key belongs to an address on every chain). */
export const KEY_DOMAIN = { name: "Anxin Key Directory", version: "1" } as const;

export const RECIPIENT_KEY_TYPES = {
  RecipientKey: [
    { name: "owner", type: "address" },
    { name: "x25519PublicKey", type: "bytes32" },
    { name: "version", type: "uint64" },
    { name: "issuedAt", type: "uint64" },
  ],
};

/** What the owner signs. `x25519PublicKey` is 0x + 64 hex; `issuedAt` unix seconds. */
export interface RecipientKeyMessage {
  owner: string;
  x25519PublicKey: string;
  version: number;
  issuedAt: number;
}

/** A publication as the directory serves it (the key also in base64, as the vault API has always carried it). */
export interface KeyPublication extends RecipientKeyMessage {
  signature: string;
}

/** Why a publication is not to be trusted; `code` is stable (clients show it, tests assert it). */
export class KeyPublicationError extends Error {
  constructor(readonly code: "unsigned_recipient_key" | "bad_key_signature" | "key_owner_mismatch" | "malformed_key_publication", message: string) {
    super(message);
    this.name = "KeyPublicationError";
  }
}

const BYTES32 = /^0x[0-9a-f]{64}$/;
const SIG = /^0x[0-9a-f]{130}$/;

export function x25519ToBytes32(pk: Uint8Array): string {
  if (pk.length !== 32) throw new KeyPublicationError("malformed_key_publication", "an X25519 public key is 32 bytes");
  return "0x" + toHex(pk);
}

export function x25519FromBase64(b64: string): string {
  return x25519ToBytes32(fromBase64(b64, 32));
}

function normalize(m: RecipientKeyMessage): RecipientKeyMessage {
  const pk = typeof m.x25519PublicKey === "string" ? m.x25519PublicKey.toLowerCase() : "";
  if (!BYTES32.test(pk)) throw new KeyPublicationError("malformed_key_publication", "x25519PublicKey must be 0x + 64 hex digits");
  for (const [n, v] of [["version", m.version], ["issuedAt", m.issuedAt]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new KeyPublicationError("malformed_key_publication", `${n} must be a non-negative integer`);
  }
  if (m.version < 1) throw new KeyPublicationError("malformed_key_publication", "version starts at 1");
  let owner: string;
  try {
    owner = getAddress(m.owner);
  } catch {
    throw new KeyPublicationError("malformed_key_publication", "owner must be an address");
  }
  return { owner, x25519PublicKey: pk, version: m.version, issuedAt: m.issuedAt };
}

/** The owner (the relationship wallet) signs its key. */
export async function signKeyPublication(signer: Pick<Signer, "signTypedData">, m: RecipientKeyMessage): Promise<KeyPublication> {
  const n = normalize(m);
  const signature = (await signer.signTypedData(KEY_DOMAIN, RECIPIENT_KEY_TYPES, n)).toLowerCase();
  return { ...n, owner: n.owner.toLowerCase(), signature };
}

/** EIP-712 digest of a publication (what the signature is over). */
export function keyPublicationDigest(m: RecipientKeyMessage): string {
  return TypedDataEncoder.hash(KEY_DOMAIN, RECIPIENT_KEY_TYPES, normalize(m));
}

/**
 * Checks that `p` is signed by its owner and that the owner is `expectedOwner` (the address a client means to seal
 * to). Throws KeyPublicationError naming what is wrong; returns the normalized publication.
 */
export function verifyKeyPublication(p: Partial<KeyPublication> | null | undefined, expectedOwner?: string): KeyPublication {
  if (!p || p.signature == null) throw new KeyPublicationError("unsigned_recipient_key", "the recipient key carries no owner signature");
  const n = normalize(p as RecipientKeyMessage);
  const sig = String(p.signature).toLowerCase();
  if (!SIG.test(sig)) throw new KeyPublicationError("bad_key_signature", "the signature is not 65 bytes of hex");
  let signer: string;
  try {
    if (!isLowS(BigInt(Signature.from(sig).s))) throw new Error("high s");
    signer = verifyTypedData(KEY_DOMAIN, RECIPIENT_KEY_TYPES, n, sig);
  } catch {
    throw new KeyPublicationError("bad_key_signature", "the signature does not verify");
  }
  if (signer !== n.owner) throw new KeyPublicationError("bad_key_signature", "the key is not signed by its owner");
  if (expectedOwner !== undefined && getAddress(expectedOwner) !== n.owner) {
    throw new KeyPublicationError("key_owner_mismatch", "the key was published for another address");
  }
  return { ...n, owner: n.owner.toLowerCase(), signature: sig };
}

/** The `hash` of a publication's log leaf: SHA-256 of the canonical JSON of the signed publication (64 hex). */
export function keyPublicationHash(p: KeyPublication): string {
  return toHex(sha256(canonicalBytes({ owner: p.owner.toLowerCase(), x25519PublicKey: p.x25519PublicKey, version: p.version, issuedAt: p.issuedAt, signature: p.signature })));
}
