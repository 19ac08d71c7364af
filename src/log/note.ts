// C2SP signed-note (c2sp.org/signed-note), tlog-checkpoint (c2sp.org/tlog-checkpoint) and Ed25519 cosignature/v1
// (c2sp.org/tlog-cosignature). Pure: keys are node:crypto KeyObjects, nothing is read or written here.
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import { HASH_SIZE } from "./hash.js";
import { sha256 } from "./sha256.js";

/** Signature types of the key id (the byte after "\n" in the hashed key). */
export const ALG_ED25519 = 0x01;
export const ALG_COSIGNATURE_V1 = 0x04;

const SIG_PREFIX = "\u2014 "; // "— "
const PKCS8_ED25519 = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_ED25519 = Buffer.from("302a300506032b6570032100", "hex");
const enc = new TextEncoder();

export class NoteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NoteError";
  }
}

/** A key name: non-empty, no whitespace, no "+" (signed-note §Signatures). */
export function isKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name);
}

/** keyID = SHA-256(name ‖ "\n" ‖ alg ‖ public key)[:4]. */
export function keyId(name: string, alg: number, publicKey: Uint8Array): Uint8Array {
  return sha256(Buffer.concat([enc.encode(name + "\n"), Uint8Array.of(alg), publicKey])).slice(0, 4);
}

export interface Ed25519Signer {
  name: string;
  alg: number;
  publicKey: Uint8Array;
  id: Uint8Array;
  key: KeyObject;
}

export interface NoteVerifier {
  name: string;
  alg: number;
  publicKey: Uint8Array;
  id: Uint8Array;
}

export function signerFromSeed(name: string, seed: Uint8Array, alg = ALG_ED25519): Ed25519Signer {
  if (!isKeyName(name)) throw new NoteError("a key name must be non-empty without spaces or '+'");
  if (seed.length !== 32) throw new NoteError("an Ed25519 seed is 32 bytes");
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: "der", type: "pkcs8" });
  const spki = createPublicKey(key).export({ format: "der", type: "spki" });
  const publicKey = new Uint8Array(spki.subarray(spki.length - 32));
  return { name, alg, publicKey, id: keyId(name, alg, publicKey), key };
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");

/** Private key text as golang.org/x/mod/sumdb/note writes it: PRIVATE+KEY+<name>+<hash>+<base64(alg ‖ seed)>. */
export function encodeSignerKey(name: string, seed: Uint8Array, alg = ALG_ED25519): string {
  const s = signerFromSeed(name, seed, alg);
  return `PRIVATE+KEY+${name}+${hex(s.id)}+${b64(Buffer.concat([Uint8Array.of(alg), seed]))}`;
}

export function parseSignerKey(text: string): Ed25519Signer {
  const parts = splitPlus(text.trim(), 5); // base64 may itself contain "+"
  if (parts.length !== 5 || parts[0] !== "PRIVATE" || parts[1] !== "KEY") throw new NoteError("not a PRIVATE+KEY+<name>+<hash>+<key> signer key");
  const raw = Buffer.from(parts[4], "base64");
  if (raw.length !== 33 || (raw[0] !== ALG_ED25519 && raw[0] !== ALG_COSIGNATURE_V1)) throw new NoteError("the signer key is not an Ed25519 key");
  const s = signerFromSeed(parts[2], raw.subarray(1), raw[0]);
  if (hex(s.id) !== parts[3]) throw new NoteError("the signer key's hash does not match its name and key");
  return s;
}

/** Verifier key (vkey): <name>+<hex key id>+<base64(alg ‖ public key)>. */
export function vkeyOf(v: Pick<NoteVerifier, "name" | "alg" | "publicKey">): string {
  return `${v.name}+${hex(keyId(v.name, v.alg, v.publicKey))}+${b64(Buffer.concat([Uint8Array.of(v.alg), v.publicKey]))}`;
}

export function parseVkey(vkey: string, expectAlg?: number): NoteVerifier {
  const parts = splitPlus(vkey.trim(), 3);
  if (parts.length !== 3 || !isKeyName(parts[0]) || !/^[0-9a-f]{8}$/.test(parts[1])) throw new NoteError("a vkey is <name>+<8 hex>+<base64 key>");
  const raw = Buffer.from(parts[2], "base64");
  if (raw.length !== 33 || (raw[0] !== ALG_ED25519 && raw[0] !== ALG_COSIGNATURE_V1)) throw new NoteError("the vkey is not an Ed25519 or cosignature/v1 key");
  if (expectAlg !== undefined && raw[0] !== expectAlg) throw new NoteError(`the vkey has signature type ${raw[0]}, expected ${expectAlg}`);
  const publicKey = new Uint8Array(raw.subarray(1));
  const id = keyId(parts[0], raw[0], publicKey);
  if (hex(id) !== parts[1]) throw new NoteError("the vkey's hash does not match its name and key");
  return { name: parts[0], alg: raw[0], publicKey, id };
}

/** Splits on the first n-1 "+" only. */
function splitPlus(s: string, n: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (out.length < n - 1) {
    const i = rest.indexOf("+");
    if (i < 0) break;
    out.push(rest.slice(0, i));
    rest = rest.slice(i + 1);
  }
  return [...out, rest];
}

function publicKeyObject(pub: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519, pub]), format: "der", type: "spki" });
}

// ---- checkpoints -------------------------------------------------------------------------------------------

export interface Checkpoint {
  origin: string;
  size: number;
  root: Uint8Array;
  /** Extension lines (without their newlines), empty for ours. */
  extensions: string[];
}

/** The checkpoint note body: origin, decimal size, base64 root, each ending in "\n". */
export function formatCheckpoint(c: Pick<Checkpoint, "origin" | "size" | "root"> & { extensions?: string[] }): string {
  if (!c.origin || /[\n]/.test(c.origin)) throw new NoteError("the origin must be one non-empty line");
  if (!Number.isSafeInteger(c.size) || c.size < 0) throw new NoteError("the size must be a non-negative integer");
  if (c.root.length !== HASH_SIZE) throw new NoteError("the root must be 32 bytes");
  return [c.origin, String(c.size), b64(c.root), ...(c.extensions ?? [])].map((l) => l + "\n").join("");
}

export function parseCheckpoint(body: string): Checkpoint {
  if (!body.endsWith("\n")) throw new NoteError("a checkpoint body ends with a newline");
  const lines = body.slice(0, -1).split("\n");
  if (lines.length < 3) throw new NoteError("a checkpoint has an origin, a size and a root hash line");
  const [origin, size, root, ...extensions] = lines;
  if (!origin) throw new NoteError("empty origin line");
  if (!/^(0|[1-9][0-9]{0,15})$/.test(size) || !Number.isSafeInteger(Number(size))) throw new NoteError("the size line is not a decimal without leading zeros");
  const r = Buffer.from(root, "base64");
  if (r.length !== HASH_SIZE || b64(r) !== root) throw new NoteError("the root line is not a base64 SHA-256 hash");
  if (extensions.some((e) => e === "")) throw new NoteError("empty extension line");
  return { origin, size: Number(size), root: new Uint8Array(r), extensions };
}

// ---- notes -------------------------------------------------------------------------------------------------

export interface NoteSignature {
  name: string;
  id: Uint8Array;
  /** Signature bytes after the 4-byte key id. */
  sig: Uint8Array;
  line: string;
}

/** A signature line "— <name> <base64(keyid ‖ sig)>\n" by `s` on the note `body`. */
export function signNoteLine(body: string, s: Ed25519Signer): string {
  if (s.alg !== ALG_ED25519) throw new NoteError("a note signature needs an Ed25519 (type 0x01) key");
  const sig = sign(null, enc.encode(body), s.key);
  return `${SIG_PREFIX}${s.name} ${b64(Buffer.concat([s.id, sig]))}\n`;
}

/** Splits a note into body and signature lines (signed-note §Format). Does not verify. */
export function splitNote(text: string): { body: string; signatures: NoteSignature[] } {
  const at = text.lastIndexOf("\n\n");
  if (at < 0 || !text.endsWith("\n")) throw new NoteError("a signed note is a body, a blank line and signature lines");
  const body = text.slice(0, at + 1);
  const sigText = text.slice(at + 2);
  const signatures: NoteSignature[] = [];
  for (const line of sigText.slice(0, -1).split("\n")) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/]+=*)$/u.exec(line);
    if (!m) throw new NoteError("malformed signature line");
    const raw = Buffer.from(m[2], "base64");
    if (raw.length < 5) throw new NoteError("a signature is a key id and signature bytes");
    signatures.push({ name: m[1], id: new Uint8Array(raw.subarray(0, 4)), sig: new Uint8Array(raw.subarray(4)), line: line + "\n" });
  }
  if (signatures.length === 0) throw new NoteError("the note has no signature");
  return { body, signatures };
}

function sameId(a: Uint8Array, b: Uint8Array) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** True when the note carries a valid signature by `v` (an Ed25519 note key). */
export function noteSignedBy(body: string, signatures: NoteSignature[], v: NoteVerifier): boolean {
  return signatures.some(
    (s) => s.name === v.name && sameId(s.id, v.id) && s.sig.length === 64 && verify(null, enc.encode(body), publicKeyObject(v.publicKey), s.sig),
  );
}

// ---- cosignature/v1 ------------------------------------------------------------------------------------------

export function cosignedMessage(body: string, timestamp: number): Uint8Array {
  return enc.encode(`cosignature/v1\ntime ${timestamp}\n${body}`);
}

/** A cosignature line: "— <name> base64(keyid ‖ u64 timestamp ‖ Ed25519 signature)\n". */
export function cosignLine(body: string, s: Ed25519Signer, timestamp: number): string {
  if (s.alg !== ALG_COSIGNATURE_V1) throw new NoteError("a cosignature needs a cosignature/v1 (type 0x04) key");
  const ts = Buffer.alloc(8);
  ts.writeBigUInt64BE(BigInt(timestamp));
  const sig = sign(null, cosignedMessage(body, timestamp), s.key);
  return `${SIG_PREFIX}${s.name} ${b64(Buffer.concat([s.id, ts, sig]))}\n`;
}

/** The timestamp of a valid cosignature by `v` among `signatures`, or undefined. */
export function cosignedBy(body: string, signatures: NoteSignature[], v: NoteVerifier): { timestamp: number; line: string } | undefined {
  for (const s of signatures) {
    if (s.name !== v.name || !sameId(s.id, v.id) || s.sig.length !== 72) continue;
    const t = Buffer.from(s.sig.subarray(0, 8)).readBigUInt64BE();
    if (t > BigInt(Number.MAX_SAFE_INTEGER)) continue;
    if (verify(null, cosignedMessage(body, Number(t)), publicKeyObject(v.publicKey), s.sig.subarray(8))) return { timestamp: Number(t), line: s.line };
  }
  return undefined;
}
