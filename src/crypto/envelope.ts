// Record envelope anxin.record.v1 (DESIGN format 2; normative spelling in docs/FORMATS.md (Crypto formats)).
// A fresh 32-byte DEK encrypts the plaintext with XChaCha20-Poly1305, the canonical header as associated data; the
// DEK is sealed (crypto_box_seal) to each recipient's X25519 key. contentHash covers everything but `keys` and `sig`,
// so re-wrapping the DEK for a newly consented counselor never changes the hash anchored in the log.
import { sha256 } from "@noble/hashes/sha2.js";
import { verifyMessage } from "ethers";
import { canonicalBytes, type JsonValue } from "./canonical.js";
import { padJsonPlaintext } from "./padding.js";
import { fromBase64, fromHex0x, fromUtf8, toBase64, toHex, toHex0x } from "./encoding.js";
import { isLowS } from "./secp256k1.js";
import {
  InvalidSignature,
  MalformedEnvelope,
  NoKeyForRecipient,
  TamperedCiphertext,
  TamperedKey,
} from "./errors.js";
import {
  DEK_BYTES,
  ENVELOPE_VERSION,
  MAX_PLAINTEXT_BYTES,
  MAX_RECIPIENTS,
  NONCE_BYTES,
  SEALED_DEK_BYTES,
  addressPattern,
  recordEnvelopeSchema,
  recordHeaderSchema,
  type KeyEntry,
  type RecordEnvelope,
  type RecordHeader,
  type RecordKind,
} from "./envelope-schema.js";
import type { X25519KeyPair } from "./keys.js";
import { ready } from "./sodium.js";

/** Who signs the envelope: `signDigest` must return EIP-191 personal_sign over the 32 raw bytes (65-byte 0x hex). */
export interface EnvelopeSigner {
  address: string;
  signDigest(hash: Uint8Array): Promise<string>;
}

/** A reader of the record: EVM address (the `to` of its key entry) and its X25519 public key. */
export interface Recipient {
  address: string;
  x25519PublicKey: Uint8Array;
}

export interface SealRecordInput {
  kind: RecordKind;
  /** Plaintext schema name, e.g. "anxin.assessment.phq9.v1". */
  schema: string;
  /** The resident's per-relationship pseudonymous address. */
  subjectRef: string;
  /** bytes32 grantId of the consent this write relies on, or null. */
  consentId?: string | null;
  /** contentHash (0x hex) of the version this one amends, or null. */
  prev?: string | null;
  /** Record id; omit for a new record (random UUIDv4), pass the previous version's id for an amendment. */
  id?: string;
  /** Defaults to now. */
  createdAt?: Date | string;
  plaintext: Uint8Array;
  recipients: Recipient[];
  /** The author; `author` in the envelope is signer.address (lowercase). */
  signer: EnvelopeSigner;
}

export type SealJsonInput = Omit<SealRecordInput, "plaintext"> & { body: JsonValue };

export type VerifyResult =
  | { ok: true; envelope: RecordEnvelope; contentHash: string }
  | { ok: false; reason: string };

function lowerAddress(address: string, what: string): string {
  const a = typeof address === "string" ? address.toLowerCase() : "";
  if (!addressPattern.test(a)) throw new MalformedEnvelope(`${what} must be a 0x-prefixed 20-byte hex address`);
  return a;
}

function describeIssue(error: { issues: { path: PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0];
  const path = issue.path.length ? issue.path.map(String).join(".") : "(root)";
  return `${path}: ${issue.message}`;
}

/** Structural validation against the zod schema; throws MalformedEnvelope naming the first bad field. */
export function parseEnvelope(value: unknown): RecordEnvelope {
  const r = recordEnvelopeSchema.safeParse(value);
  if (!r.success) throw new MalformedEnvelope(`malformed envelope: ${describeIssue(r.error)}`);
  return r.data;
}

/** The header object: every field but ciphertext, sig and keys. */
export function headerOf(envelope: RecordHeader): RecordHeader {
  const { v, id, kind, schema, createdAt, author, subjectRef, consentId, prev, nonce } = envelope;
  return { v, id, kind, schema, createdAt, author, subjectRef, consentId, prev, nonce };
}

/** AEAD associated data: canonical JSON (UTF-8) of the header. */
export function headerBytes(envelope: RecordHeader): Uint8Array {
  return canonicalBytes(headerOf(envelope));
}

/** SHA-256 of the canonical JSON of the envelope without `keys` and `sig`. 32 bytes. */
export function contentHash(envelope: Omit<RecordEnvelope, "keys" | "sig"> & Partial<RecordEnvelope>): Uint8Array {
  return sha256(canonicalBytes({ ...headerOf(envelope), ciphertext: envelope.ciphertext }));
}

/** contentHash as lowercase 0x hex: the spelling used in `prev`, the log and on chain. */
export function contentHashHex(envelope: Omit<RecordEnvelope, "keys" | "sig"> & Partial<RecordEnvelope>): string {
  return toHex0x(contentHash(envelope));
}

/** Recovers the signer of `sig` over `hash` (lowercase address); refuses high-s and v ∉ {27, 28}. */
function recoverSigner(hash: Uint8Array, sig: string): string {
  const bytes = fromHex0x(sig, 65);
  const s = BigInt("0x" + toHex(bytes.subarray(32, 64)));
  if (!isLowS(s)) throw new InvalidSignature("signature is not in canonical low-s form");
  if (bytes[64] !== 27 && bytes[64] !== 28) throw new InvalidSignature("signature v must be 27 or 28");
  return verifyMessage(hash, sig).toLowerCase();
}

/**
 * Structure + signature check (no decryption, no key needed): the envelope is well formed and `sig` is the
 * author's EIP-191 signature over contentHash. Whether the author may write for this subject (accreditation,
 * consent) is the caller's policy, not checked here.
 */
export function verifyEnvelope(value: unknown): VerifyResult {
  let envelope: RecordEnvelope;
  try {
    envelope = parseEnvelope(value);
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
  const hash = contentHash(envelope);
  try {
    if (recoverSigner(hash, envelope.sig) !== envelope.author) {
      return { ok: false, reason: "signature is not by the author" };
    }
  } catch (e) {
    return { ok: false, reason: e instanceof InvalidSignature ? e.message : "signature is malformed" };
  }
  return { ok: true, envelope, contentHash: toHex0x(hash) };
}

function randomUuidV4(bytes: Uint8Array): string {
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const h = toHex(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

async function sealKey(dek: Uint8Array, recipient: Recipient): Promise<KeyEntry> {
  const sodium = await ready();
  const to = lowerAddress(recipient.address, "recipient address");
  if (!(recipient.x25519PublicKey instanceof Uint8Array) || recipient.x25519PublicKey.length !== 32) {
    throw new MalformedEnvelope("recipient X25519 public key must be 32 bytes");
  }
  return { to, sealed: toBase64(sodium.crypto_box_seal(dek, recipient.x25519PublicKey)), pk: toBase64(recipient.x25519PublicKey) };
}

/** Encrypts, seals the DEK to every recipient and signs. Returns a complete, verified envelope. */
export async function sealRecord(input: SealRecordInput): Promise<RecordEnvelope> {
  const sodium = await ready();
  if (!(input.plaintext instanceof Uint8Array)) throw new MalformedEnvelope("plaintext must be a Uint8Array");
  if (input.plaintext.length > MAX_PLAINTEXT_BYTES) {
    throw new MalformedEnvelope(`plaintext exceeds ${MAX_PLAINTEXT_BYTES} bytes`);
  }
  if (input.recipients.length < 1 || input.recipients.length > MAX_RECIPIENTS) {
    throw new MalformedEnvelope(`an envelope needs 1 to ${MAX_RECIPIENTS} recipients`);
  }
  const createdAt = input.createdAt === undefined ? new Date().toISOString()
    : input.createdAt instanceof Date ? input.createdAt.toISOString() : input.createdAt;
  const headerInput: RecordHeader = {
    v: ENVELOPE_VERSION,
    id: input.id ?? randomUuidV4(sodium.randombytes_buf(16)),
    kind: input.kind,
    schema: input.schema,
    createdAt,
    author: lowerAddress(input.signer.address, "signer address"),
    subjectRef: lowerAddress(input.subjectRef, "subjectRef"),
    consentId: typeof input.consentId === "string" ? input.consentId.toLowerCase() : null,
    prev: typeof input.prev === "string" ? input.prev.toLowerCase() : null,
    nonce: toBase64(sodium.randombytes_buf(NONCE_BYTES)),
  };
  const parsed = recordHeaderSchema.safeParse(headerInput);
  if (!parsed.success) throw new MalformedEnvelope(`invalid header: ${describeIssue(parsed.error)}`);
  const header = headerOf(parsed.data);

  const dek = sodium.crypto_aead_xchacha20poly1305_ietf_keygen();
  try {
    const ciphertext = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
      input.plaintext, headerBytes(header), null, fromBase64(header.nonce, NONCE_BYTES), dek);
    const keys: KeyEntry[] = [];
    for (const r of input.recipients) keys.push(await sealKey(dek, r));
    const unsigned = { ...header, ciphertext: toBase64(ciphertext) };
    const hash = contentHash(unsigned);
    const sig = (await input.signer.signDigest(hash)).toLowerCase();
    const envelope = parseEnvelope({ ...unsigned, sig, keys });
    if (recoverSigner(hash, sig) !== header.author) {
      throw new InvalidSignature("signer produced a signature that does not recover to its address");
    }
    return envelope;
  } finally {
    sodium.memzero(dek);
  }
}

/** sealRecord with plaintext = UTF-8 of the canonical JSON of `body`, padded with spaces to its size bucket. */
export function sealJson(input: SealJsonInput): Promise<RecordEnvelope> {
  const { body, ...rest } = input;
  return sealRecord({ ...rest, plaintext: padJsonPlaintext(canonicalBytes(body)) });
}

/**
 * Opens the DEK and checks it against the ciphertext and the signature. Order gives the most specific error:
 * structure (MalformedEnvelope) → key entry (NoKeyForRecipient) → sealed box (TamperedKey) → AEAD
 * (TamperedCiphertext) → author signature (InvalidSignature). Caller must memzero the returned DEK.
 */
async function unlock(value: unknown, recipientAddress: string, keyPair: X25519KeyPair) {
  const sodium = await ready();
  const envelope = parseEnvelope(value);
  const to = lowerAddress(recipientAddress, "recipient address");
  const entry = envelope.keys.find((k) => k.to === to);
  if (!entry) throw new NoKeyForRecipient();
  let dek: Uint8Array;
  try {
    dek = sodium.crypto_box_seal_open(fromBase64(entry.sealed, SEALED_DEK_BYTES), keyPair.publicKey, keyPair.privateKey);
  } catch {
    throw new TamperedKey();
  }
  if (dek.length !== DEK_BYTES) throw new TamperedKey();
  let plaintext: Uint8Array;
  try {
    plaintext = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
      null, fromBase64(envelope.ciphertext), headerBytes(envelope), fromBase64(envelope.nonce, NONCE_BYTES), dek);
  } catch {
    sodium.memzero(dek);
    throw new TamperedCiphertext();
  }
  const hash = contentHash(envelope);
  let signer: string;
  try {
    signer = recoverSigner(hash, envelope.sig);
  } catch (e) {
    sodium.memzero(dek);
    throw e instanceof InvalidSignature ? e : new InvalidSignature("signature is malformed");
  }
  if (signer !== envelope.author) {
    sodium.memzero(dek);
    throw new InvalidSignature();
  }
  return { envelope, dek, plaintext };
}

/** Decrypts the record for `recipientAddress`; verifies AEAD and the author's signature before returning. */
export async function openRecord(value: unknown, recipientAddress: string, keyPair: X25519KeyPair): Promise<Uint8Array> {
  const sodium = await ready();
  const { dek, plaintext } = await unlock(value, recipientAddress, keyPair);
  sodium.memzero(dek);
  return plaintext;
}

/** openRecord + strict UTF-8 + JSON.parse. The result is unvalidated: check it with the schema named in `schema`. */
export async function openJson(value: unknown, recipientAddress: string, keyPair: X25519KeyPair): Promise<unknown> {
  const bytes = await openRecord(value, recipientAddress, keyPair);
  try {
    return JSON.parse(fromUtf8(bytes));
  } catch {
    throw new MalformedEnvelope("plaintext is not JSON");
  }
}

/**
 * A current reader (holder) re-seals the DEK for a new recipient, e.g. when a resident grants TREATMENT to a new
 * counselor. The holder first proves the DEK belongs to this (authentic) envelope. contentHash is unchanged.
 */
export async function rewrapKey(
  value: unknown,
  holderKeyPair: X25519KeyPair,
  holderAddress: string,
  newRecipient: Recipient,
): Promise<KeyEntry> {
  const sodium = await ready();
  const { dek } = await unlock(value, holderAddress, holderKeyPair);
  try {
    return await sealKey(dek, newRecipient);
  } finally {
    sodium.memzero(dek);
  }
}

/** New envelope with `entry` added (replacing none): refuses a duplicate `to` or more than 16 keys. */
export function addKeyEntry(value: unknown, entry: KeyEntry): RecordEnvelope {
  const envelope = parseEnvelope(value);
  if (envelope.keys.some((k) => k.to === entry.to)) throw new MalformedEnvelope("a key for this recipient exists already");
  return parseEnvelope({ ...envelope, keys: [...envelope.keys, entry] });
}

/** New envelope without the key entry for `address` (the server stops serving it; a copy already taken is not undone). */
export function removeKeyEntry(value: unknown, address: string): RecordEnvelope {
  const envelope = parseEnvelope(value);
  const to = lowerAddress(address, "recipient address");
  return parseEnvelope({ ...envelope, keys: envelope.keys.filter((k) => k.to !== to) });
}

/** What the amendment rules read of the version being amended (a stored version: its contentHash is known). */
export interface AmendedVersion {
  id: string;
  kind: string;
  author: string;
  subjectRef: string;
  createdAt: string;
  contentHash: string;
}

/** Which amendment rule a version breaks: `prev` (not linked to this version), `same` (id, kind, author or
 *  subjectRef changed), `time` (created before the version it amends). */
export type AmendmentRule = "prev" | "same" | "time";

/**
 * The amendment rules (docs/FORMATS.md §2.5), once: `next` amends `previous` iff next.prev = previous.contentHash,
 * id, kind, author and subjectRef are the same, and next is not created earlier. null when it does.
 */
export function amendmentFault(
  previous: AmendedVersion,
  next: Pick<RecordEnvelope, "prev" | "id" | "kind" | "author" | "subjectRef" | "createdAt">,
): { rule: AmendmentRule; reason: string } | null {
  if (next.prev !== previous.contentHash) return { rule: "prev", reason: "prev is not the previous version's contentHash" };
  for (const f of ["id", "kind", "author", "subjectRef"] as const) {
    if (previous[f] !== next[f]) return { rule: "same", reason: `${f} differs from the previous version` };
  }
  if (next.createdAt < previous.createdAt) return { rule: "time", reason: "createdAt is earlier than the previous version" };
  return null;
}

/**
 * Whether `next` is a valid amendment of `previous` (both whole envelopes): amendmentFault over the previous
 * version's contentHash. (Signatures are checked separately with verifyEnvelope.)
 */
export function checkAmendment(previous: unknown, next: unknown): { ok: true } | { ok: false; reason: string } {
  let a: RecordEnvelope, b: RecordEnvelope;
  try {
    a = parseEnvelope(previous);
    b = parseEnvelope(next);
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
  const fault = amendmentFault({ ...a, contentHash: contentHashHex(a) }, b);
  return fault ? { ok: false, reason: fault.reason } : { ok: true };
}

/**
 * SHA-256 of the canonical {contentHash, recipient, sealed[, pk]}, 64 hex: the commitment to one sealed key in the log
 * (a record leaf's `keys`, or a "key-added" leaf; docs/FORMATS.md (Audit formats) §Sealed-key leaf). `pk` (the key
 * it is sealed to) is committed when the entry names it; entries written before it existed hash as they always did.
 */
export function keyEntryHash(contentHash: string, recipient: string, sealed: string, pk?: string | null): string {
  return toHex(sha256(canonicalBytes(pk ? { contentHash, recipient, sealed, pk } : { contentHash, recipient, sealed })));
}
