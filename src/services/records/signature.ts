// Envelope signature checks at write rate. ethers' verifyMessage recovers the public key on every call (~3 ms of
// BigInt curve arithmetic); a counselor writes many records, so we recover once per author, cache that public key
// with an 8-bit window precomputed, and afterwards verify r,s directly (~1 ms). The check is exactly equivalent to
// "recover(EIP-191(contentHash), sig) == author": R = u1·G + u2·Q must have x = r AND the y parity named by v.
// Depends on @noble/curves, the secp256k1 library that ethers itself uses (installed with ethers).
import { secp256k1 } from "@noble/curves/secp256k1";
import { invert, mod } from "@noble/curves/abstract/modular";
import { computeAddress, getBytes, hashMessage, SigningKey } from "ethers";
import { contentHash, parseEnvelope, toHex0x, type RecordEnvelope } from "../../crypto/index.js";

const N = secp256k1.CURVE.n;
const HALF_N = N >> 1n;
const G = secp256k1.ProjectivePoint.BASE;
type Point = InstanceType<typeof secp256k1.ProjectivePoint>;

function toBig(bytes: Uint8Array): bigint {
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return BigInt("0x" + (hex || "0"));
}

export type SignatureCheck = { ok: true; contentHash: string } | { ok: false; reason: string };

export class SignatureVerifier {
  readonly #keys = new Map<string, Point>();
  constructor(private readonly maxKeys = 10_000) {}

  /** Whether `sig` (0x, 65 bytes r‖s‖v) is `author`'s EIP-191 signature over the 32 bytes `hash`. */
  verify(hash: Uint8Array, sig: string, author: string): boolean {
    const bytes = getBytes(sig);
    if (bytes.length !== 65) return false;
    const r = toBig(bytes.subarray(0, 32));
    const s = toBig(bytes.subarray(32, 64));
    const v = bytes[64];
    if (v !== 27 && v !== 28) return false;
    if (r === 0n || r >= N || s === 0n || s > HALF_N) return false;
    const digest = getBytes(hashMessage(hash));
    const Q = this.#keys.get(author);
    if (!Q) return this.#recoverAndRemember(digest, sig, author);
    const si = invert(s, N);
    const R = G.multiply(mod(toBig(digest) * si, N)).add(Q.multiply(mod(r * si, N)));
    if (R.equals(secp256k1.ProjectivePoint.ZERO)) return false;
    const a = R.toAffine();
    // Recovery with v ∈ {27,28} assumes R.x = r (not r + n) and y parity = v − 27; require the same.
    return a.x === r && (a.y & 1n) === BigInt(v - 27);
  }

  #recoverAndRemember(digest: Uint8Array, sig: string, author: string): boolean {
    let pub: string;
    try {
      pub = SigningKey.recoverPublicKey(digest, sig);
    } catch {
      return false;
    }
    const Q = secp256k1.ProjectivePoint.fromHex(pub.slice(2));
    if (computeAddress(pub).toLowerCase() !== author) return false;
    Q._setWindowSize(8);
    if (this.#keys.size >= this.maxKeys) this.#keys.delete(this.#keys.keys().next().value!);
    this.#keys.set(author, Q);
    return true;
  }

  /** Structure (zod) + signature by the author. */
  check(value: unknown): SignatureCheck & { envelope?: RecordEnvelope } {
    let envelope: RecordEnvelope;
    try {
      envelope = parseEnvelope(value);
    } catch (e) {
      return { ok: false, reason: (e as Error).message };
    }
    const hash = contentHash(envelope);
    if (!this.verify(hash, envelope.sig, envelope.author)) return { ok: false, reason: "signature is not by the author" };
    return { ok: true, contentHash: toHex0x(hash), envelope };
  }
}
