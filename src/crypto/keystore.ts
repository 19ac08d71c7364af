// Passphrase-protected key files, as pure functions (the CLI writes the files).
// Resident seed store: libsodium-wrappers 0.8 (non-sumo) has no crypto_pwhash, so the passphrase is stretched with
// scrypt (@noble/hashes) and the seed sealed with crypto_secretbox (XSalsa20-Poly1305).
// Counselor / matcher / auditor / admin keys: standard ethers (Web3 Secret Storage v3) JSON keystores.
import { scrypt } from "@noble/hashes/scrypt.js";
import { BaseWallet, Wallet, encryptKeystoreJson, type KeystoreAccount } from "ethers";
import { ready } from "./sodium.js";
import { fromBase64, toBase64, utf8 } from "./encoding.js";
import { InvalidKeyInput, WrongPassphrase } from "./errors.js";
import { SEED_BYTES } from "./keys.js";

export const SEEDSTORE_VERSION = "anxin.seedstore.v1";
/** Default scrypt cost for seed stores: N = 2^15, r = 8, p = 1 (32 MiB). */
export const DEFAULT_SCRYPT = { N: 1 << 15, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const NONCE_BYTES = 24;
/** Bounds accepted when reading a store, so a hostile file cannot make us allocate gigabytes. */
const MIN_LOG_N = 10;
const MAX_LOG_N = 20;

/**
 * How a passphrase becomes bytes, in every key file: UTF-8 of its Unicode NFKC form — what ethers (and so Web3
 * Secret Storage keystores) does, so full-width and half-width forms from a Chinese IME open the same file.
 * Seed stores written before this rule carry no `passphraseNorm` member and were keyed with NFC; they still open,
 * and `anxin keys rewrap` rewrites them under NFKC.
 */
export type PassphraseNorm = "NFKC" | "NFC";

export interface SeedStore {
  v: typeof SEEDSTORE_VERSION;
  /** "NFKC" in every store written now; absent = a legacy store keyed with NFC. */
  passphraseNorm?: "NFKC";
  kdf: "scrypt";
  kdfParams: { N: number; r: number; p: number };
  salt: string; // base64, 16 bytes
  nonce: string; // base64, 24 bytes
  ciphertext: string; // base64, secretbox(seed): 48 bytes
}

function passphraseBytes(passphrase: string, norm: PassphraseNorm = "NFKC"): Uint8Array {
  if (typeof passphrase !== "string" || passphrase.length === 0) throw new InvalidKeyInput("passphrase must not be empty");
  return utf8(passphrase.normalize(norm));
}

/**
 * The passphrase held in a passphrase file: its first line, without the line ending (LF or CRLF) and without a
 * leading UTF-8 byte-order mark; nothing else is trimmed (spaces are part of the passphrase). Empty → error.
 */
export function passphraseFromFileText(text: string): string {
  const first = text.replace(/^\uFEFF/, "").split("\n")[0].replace(/\r$/, "");
  if (first.length === 0) throw new InvalidKeyInput("the passphrase file's first line is empty");
  return first;
}

/** The top-level member of a Web3 Secret Storage keystore that holds the cipher: `crypto` (spec) or `Crypto` (ethers). */
const CRYPTO_MEMBERS = ["crypto", "Crypto"] as const;

function checkParams(p: { N: number; r: number; p: number }): void {
  const logN = Math.log2(p.N);
  if (!Number.isInteger(logN) || logN < MIN_LOG_N || logN > MAX_LOG_N || p.r !== 8 || p.p !== 1) {
    throw new InvalidKeyInput(`scrypt parameters out of range (N = 2^${MIN_LOG_N}…2^${MAX_LOG_N}, r = 8, p = 1)`);
  }
}

/** Encrypts a 32-byte root seed under a passphrase. `scryptN` lowers the cost for tests only (min 2^10). */
export async function encryptSeed(seed: Uint8Array, passphrase: string, opts: { scryptN?: number } = {}): Promise<SeedStore> {
  const sodium = await ready();
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES) throw new InvalidKeyInput(`seed must be ${SEED_BYTES} bytes`);
  const kdfParams = { ...DEFAULT_SCRYPT, N: opts.scryptN ?? DEFAULT_SCRYPT.N };
  checkParams(kdfParams);
  const salt = sodium.randombytes_buf(SALT_BYTES);
  const nonce = sodium.randombytes_buf(NONCE_BYTES);
  const key = scrypt(passphraseBytes(passphrase), salt, { ...kdfParams, dkLen: 32 });
  try {
    const ciphertext = sodium.crypto_secretbox_easy(seed, nonce, key);
    return { v: SEEDSTORE_VERSION, passphraseNorm: "NFKC", kdf: "scrypt", kdfParams, salt: toBase64(salt), nonce: toBase64(nonce), ciphertext: toBase64(ciphertext) };
  } finally {
    sodium.memzero(key);
  }
}

/** Opens a seed store (object or its JSON text). Wrong passphrase or altered file → WrongPassphrase. */
export async function decryptSeed(store: SeedStore | string, passphrase: string): Promise<Uint8Array> {
  const sodium = await ready();
  let s: SeedStore;
  try {
    s = typeof store === "string" ? JSON.parse(store) : store;
  } catch {
    throw new InvalidKeyInput("seed store is not JSON");
  }
  if (!s || s.v !== SEEDSTORE_VERSION || s.kdf !== "scrypt" || typeof s.kdfParams !== "object" || s.kdfParams === null) {
    throw new InvalidKeyInput(`not an ${SEEDSTORE_VERSION} seed store`);
  }
  if (s.passphraseNorm !== undefined && s.passphraseNorm !== "NFKC") throw new InvalidKeyInput('passphraseNorm must be "NFKC" (or absent in a legacy NFC store)');
  checkParams(s.kdfParams);
  const salt = fromBase64(s.salt, SALT_BYTES);
  const nonce = fromBase64(s.nonce, NONCE_BYTES);
  const ciphertext = fromBase64(s.ciphertext, SEED_BYTES + 16);
  const key = scrypt(passphraseBytes(passphrase, s.passphraseNorm ?? "NFC"), salt, { N: s.kdfParams.N, r: 8, p: 1, dkLen: 32 });
  try {
    return sodium.crypto_secretbox_open_easy(ciphertext, nonce, key);
  } catch {
    throw new WrongPassphrase();
  } finally {
    sodium.memzero(key);
  }
}

/** True when a seed store was keyed under the legacy NFC rule (rewrap it to bring it to NFKC). */
export function isLegacySeedStore(store: SeedStore | string): boolean {
  try {
    const s = typeof store === "string" ? (JSON.parse(store) as SeedStore) : store;
    return s?.v === SEEDSTORE_VERSION && s.passphraseNorm === undefined;
  } catch {
    return false;
  }
}

/**
 * Web3 Secret Storage v3 keystore (scrypt) for a wallet key, with the spec's lowercase `crypto` member (ethers
 * itself writes `Crypto`). Passphrase: NFKC (ethers). Default cost is ethers' (N = 2^17); `scryptN` lowers it for tests.
 */
export async function encryptWalletJson(wallet: BaseWallet, password: string, opts: { scryptN?: number } = {}): Promise<string> {
  const account: KeystoreAccount = { address: wallet.address, privateKey: wallet.privateKey };
  const { Crypto, ...rest } = JSON.parse(await encryptKeystoreJson(account, password, opts.scryptN ? { scrypt: { N: opts.scryptN } } : {}));
  const { version, ...others } = rest;
  return JSON.stringify({ ...others, version, crypto: Crypto });
}

/**
 * Opens a Web3 Secret Storage v3 keystore. The cipher member must be spelled `crypto` or `Crypto`, exactly one of
 * them. Wrong password → WrongPassphrase.
 */
export async function decryptWalletJson(json: string, password: string): Promise<Wallet> {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    throw new InvalidKeyInput("not a valid JSON keystore");
  }
  const members = data && typeof data === "object" ? CRYPTO_MEMBERS.filter((m) => m in (data as object)) : [];
  if (members.length !== 1) throw new InvalidKeyInput('not a valid JSON keystore: it needs one "crypto" (or "Crypto") member');
  try {
    const w = await Wallet.fromEncryptedJson(json, password);
    return w instanceof Wallet ? w : new Wallet(w.privateKey);
  } catch (e) {
    if (/incorrect password/i.test((e as Error).message)) throw new WrongPassphrase();
    throw new InvalidKeyInput("not a valid JSON keystore");
  }
}
