// Key derivation (DESIGN format 6). A resident holds one random 32-byte root seed; every relationship (counselor,
// matcher, vault…) gets its own secp256k1 signing key and X25519 encryption key, derived only from the seed and the
// counterparty's address. Two relationships therefore give two unlinkable pseudonymous addresses, and nothing is
// ever derived from a name, ID number or phone.
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { BaseWallet, Wallet, isAddress } from "ethers";
import { ready } from "./sodium.js";
import { fromHex0x, toHex0x, utf8 } from "./encoding.js";
import { InvalidKeyInput } from "./errors.js";
import type { EnvelopeSigner } from "./envelope.js";

export const SEED_BYTES = 32;
/** HKDF salt for every Anxin key derivation. */
export const KEY_SALT = "anxin.rel.v1";
/** Fixed counterparty naming the resident's own identity vault relationship. */
export const VAULT_COUNTERPARTY = "vault";

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

export interface X25519KeyPair {
  publicKey: Uint8Array; // 32 bytes
  privateKey: Uint8Array; // 32 bytes
}

export interface RelationshipKeys {
  /** Normalised counterparty: lowercase 0x address, or "vault". */
  counterparty: string;
  /** secp256k1 private key, 0x + 64 hex. */
  privateKey: string;
  /** Pseudonymous address for this relationship, lowercase 0x hex. */
  address: string;
  wallet: Wallet;
  x25519: X25519KeyPair;
}

export interface CounselorKeys {
  address: string; // lowercase
  wallet: BaseWallet;
  x25519: X25519KeyPair;
  /** X25519 public key as bytes32 hex: the value accredited in CounselorRegistry.encryptionKeyOf. */
  encryptionKey: string;
}

/** 32 random bytes from libsodium's CSPRNG: a resident root seed. */
export async function generateSeed(): Promise<Uint8Array> {
  const sodium = await ready();
  return sodium.randombytes_buf(SEED_BYTES);
}

/** Lowercase 0x address, or "vault". Throws InvalidKeyInput otherwise. */
export function normalizeCounterparty(counterparty: string): string {
  if (counterparty === VAULT_COUNTERPARTY) return counterparty;
  if (typeof counterparty !== "string" || !isAddress(counterparty) || !counterparty.startsWith("0x")) {
    throw new InvalidKeyInput("counterparty must be an EVM address or \"vault\"");
  }
  return counterparty.toLowerCase();
}

function checkSeed(seed: Uint8Array, what: string): void {
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES) {
    throw new InvalidKeyInput(`${what} must be ${SEED_BYTES} bytes`);
  }
}

function bytesToBigInt(b: Uint8Array): bigint {
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n;
}

/**
 * secp256k1 private key from HKDF. A candidate that is 0 or ≥ n (probability ≈ 2^-128) is rejected and the next
 * candidate uses info + "|" + counter (1, 2, …), so every implementation lands on the same key.
 */
function deriveSigningKey(ikm: Uint8Array, info: string): Uint8Array {
  for (let counter = 0; counter < 256; counter++) {
    const label = counter === 0 ? info : `${info}|${counter}`;
    const candidate = hkdf(sha256, ikm, utf8(KEY_SALT), utf8(label), 32);
    const k = bytesToBigInt(candidate);
    if (k !== 0n && k < SECP256K1_N) return candidate;
  }
  throw new InvalidKeyInput("could not derive a signing key"); // unreachable in practice
}

export async function deriveX25519(ikm: Uint8Array, info: string): Promise<X25519KeyPair> {
  const sodium = await ready();
  const seed = hkdf(sha256, ikm, utf8(KEY_SALT), utf8(info), 32);
  const kp = sodium.crypto_box_seed_keypair(seed);
  return { publicKey: kp.publicKey, privateKey: kp.privateKey };
}

/**
 * The resident's keys for one relationship: HKDF-SHA256(ikm = seed, salt = "anxin.rel.v1",
 * info = "sign|" + counterparty) → secp256k1 key; info = "x25519|" + counterparty → crypto_box_seed_keypair seed.
 * `counterparty` is an EVM address (any case; normalised to lowercase) or "vault".
 */
export async function relationshipKeys(seed: Uint8Array, counterparty: string): Promise<RelationshipKeys> {
  checkSeed(seed, "root seed");
  const cp = normalizeCounterparty(counterparty);
  const privateKey = toHex0x(deriveSigningKey(seed, `sign|${cp}`));
  const wallet = new Wallet(privateKey);
  return {
    counterparty: cp,
    privateKey,
    address: wallet.address.toLowerCase(),
    wallet,
    x25519: await deriveX25519(seed, `x25519|${cp}`),
  };
}

/** The resident's identity-vault keys: the relationship with the fixed counterparty "vault". */
export function vaultKeys(seed: Uint8Array): Promise<RelationshipKeys> {
  return relationshipKeys(seed, VAULT_COUNTERPARTY);
}

/**
 * Keys of a holder of an ordinary wallet (counselor, matcher, auditor): the wallet signs; its X25519 key is derived
 * from the 32-byte wallet private key with HKDF-SHA256(salt "anxin.rel.v1", info "x25519|self"), so one keystore
 * yields both.
 */
export async function counselorKeys(walletOrPrivateKey: BaseWallet | string): Promise<CounselorKeys> {
  const wallet = typeof walletOrPrivateKey === "string" ? new Wallet(walletOrPrivateKey) : walletOrPrivateKey;
  const sk = fromHex0x(wallet.privateKey, 32);
  const x25519 = await deriveX25519(sk, "x25519|self");
  return { address: wallet.address.toLowerCase(), wallet, x25519, encryptionKey: toHex0x(x25519.publicKey) };
}

/** X25519 public key → bytes32 hex (CounselorRegistry.encryptionKeyOf). */
export function x25519PublicKeyToBytes32(publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new InvalidKeyInput("X25519 public key must be 32 bytes");
  return toHex0x(publicKey);
}

/** bytes32 hex (any case) → X25519 public key. Rejects the all-zero key (an unset registry entry). */
export function x25519PublicKeyFromBytes32(hex: string): Uint8Array {
  const pk = fromHex0x(hex.toLowerCase(), 32);
  if (pk.every((b) => b === 0)) throw new InvalidKeyInput("X25519 public key is unset (all zero)");
  return pk;
}

/** Adapts an ethers Wallet to the envelope signer: EIP-191 personal_sign over the 32 raw bytes of contentHash. */
export function walletSigner(wallet: BaseWallet): EnvelopeSigner {
  return {
    address: wallet.address.toLowerCase(),
    signDigest: (hash: Uint8Array) => wallet.signMessage(hash),
  };
}
