// Envelope signature checks at write rate. With libsecp256k1 (src/crypto/eip191-recover.ts) recovery costs ~60 µs
// and is all we do. Without the native binding, ethers' verifyMessage would cost ~3 ms of BigInt arithmetic per
// call; a counselor writes many records, so we then recover once per author (with ethers), cache a precomputed table
// of that public key, and afterwards check r,s against it (src/crypto/eip191-verify.ts, ~0.4 ms). Both are exactly
// "recover(EIP-191(contentHash), sig) == author" for v ∈ {27,28} and low s (unit-tested against ethers).
import { computeAddress, getBytes, hashMessage, SigningKey } from "ethers";
import { nativeRecovery, recoverEip191Signer } from "../../native/secp256k1.js";
import { precomputePublicKey, verifyEip191, type PointTable } from "../../crypto/eip191-verify.js";
import { createHash } from "node:crypto";
import { canonicalJson, contentHash, parseEnvelope, toHex0x, type RecordEnvelope } from "../../crypto/index.js";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = N >> 1n;

export type SignatureCheck = { ok: true; contentHash: string } | { ok: false; reason: string };

export class SignatureVerifier {
  readonly #keys = new Map<string, PointTable>();
  /** A key table is ~0.2 MB: bounded so that many one-off authors cannot exhaust memory (oldest dropped first). */
  constructor(
    private readonly maxKeys = 1_000,
    readonly native = nativeRecovery,
  ) {}

  /** Whether `sig` (0x, 65 bytes r‖s‖v) is `author`'s EIP-191 signature over the 32 bytes `hash`. */
  verify(hash: Uint8Array, sig: string, author: string): boolean {
    if (this.native) {
      if (!/^0x[0-9a-fA-F]{130}$/.test(sig)) return false;
      return recoverEip191Signer(hash, Buffer.from(sig.slice(2), "hex")) === author.toLowerCase();
    }
    const Q = this.#keys.get(author);
    if (Q) return verifyEip191(Q, hash, sig);
    return this.#recoverAndRemember(hash, sig, author);
  }

  #recoverAndRemember(hash: Uint8Array, sig: string, author: string): boolean {
    let pub: string;
    try {
      const bytes = getBytes(sig);
      if (bytes.length !== 65 || (bytes[64] !== 27 && bytes[64] !== 28)) return false;
      const s = BigInt("0x" + Buffer.from(bytes.subarray(32, 64)).toString("hex"));
      if (s === 0n || s > HALF_N) return false;
      pub = SigningKey.recoverPublicKey(getBytes(hashMessage(hash)), sig);
    } catch {
      return false;
    }
    if (computeAddress(pub).toLowerCase() !== author) return false;
    if (this.#keys.size >= this.maxKeys) this.#keys.delete(this.#keys.keys().next().value!);
    this.#keys.set(author, precomputePublicKey(getBytes(pub)));
    return true;
  }

  /**
   * Signature by the author of an envelope whose structure was already validated (the route's zod schema). Also
   * returns `stored`, the canonical JSON of the envelope without keys (what records.envelope holds): contentHash is
   * over that same text minus its "sig" member, so one serialisation serves both, hashed with node's native SHA-256.
   */
  checkParsed(envelope: RecordEnvelope): SignatureCheck & { stored?: string } {
    const { keys: _keys, ...withoutKeys } = envelope;
    const stored = canonicalJson(withoutKeys);
    const text = withoutSigMember(stored, envelope.sig);
    const hash = text !== null ? new Uint8Array(createHash("sha256").update(text).digest()) : contentHash(envelope);
    if (!this.verify(hash, envelope.sig, envelope.author)) return { ok: false, reason: "signature is not by the author" };
    return { ok: true, contentHash: toHex0x(hash), stored };
  }

  /** Structure (zod) + signature by the author. */
  check(value: unknown): SignatureCheck & { envelope?: RecordEnvelope } {
    let envelope: RecordEnvelope;
    try {
      envelope = parseEnvelope(value);
    } catch (e) {
      return { ok: false, reason: (e as Error).message };
    }
    const r = this.checkParsed(envelope);
    return r.ok ? { ...r, envelope } : r;
  }
}

/**
 * `stored` without its `"sig":"0x…"` member. In canonical JSON the members are sorted, "sig" is neither first
 * ("author") nor last ("v"), so it appears as `,"sig":"…"`; a quote inside a string value is always escaped, so the
 * text cannot occur anywhere else. null (caller serialises afresh) if that ever does not hold.
 */
function withoutSigMember(stored: string, sig: string): string | null {
  const member = ',"sig":' + JSON.stringify(sig);
  const at = stored.indexOf(member);
  if (at < 0 || stored.indexOf(member, at + 1) >= 0) return null;
  return stored.slice(0, at) + stored.slice(at + member.length);
}
