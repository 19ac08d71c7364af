// EIP-191 (personal_sign) signer recovery over a 32-byte hash with libsecp256k1: ~60 µs per signature against
// ~440 µs for our table-based BigInt check and ~3 ms for ethers. The signature check is on every record write, so
// it decides the write rate. The core does no I/O: the native binding is loaded by an adapter (src/native/) and
// passed in; without one (another platform without a prebuild), callers use eip191-verify.ts instead.
// Accepted form, as everywhere in Anxin: 65 bytes r‖s‖v, v ∈ {27, 28}, 0 < s ≤ n/2 (libsecp256k1 rejects r or s = 0
// or ≥ n; it does not enforce low s, so we do).
import { keccak_256 } from "@noble/hashes/sha3.js";
import { eip191Digest32 } from "./eip191-verify.js";
import { isLowSBytes } from "./secp256k1.js";

/** The one libsecp256k1 call we need, as the `secp256k1` package's native binding (bindings.js) exposes it. */
export interface EcdsaRecoverBinding {
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean): Uint8Array;
}

/** Lowercase 0x address of the EIP-191 signer of `hash` (32 bytes), or null if `sig` is not an accepted signature. */
export type Eip191Recover = (hash: Uint8Array, sig: Uint8Array) => string | null;

/** EIP-191 signer recovery over `binding`. */
export function eip191Recoverer(binding: EcdsaRecoverBinding): Eip191Recover {
  return (hash, sig) => {
    if (hash.length !== 32 || sig.length !== 65 || (sig[64] !== 27 && sig[64] !== 28) || !isLowSBytes(sig)) return null;
    let pub: Uint8Array;
    try {
      pub = binding.ecdsaRecover(sig.subarray(0, 64), sig[64] - 27, eip191Digest32(hash), false);
    } catch {
      return null; // r or s out of range, or no curve point with that x and parity
    }
    return "0x" + Buffer.from(keccak_256(pub.subarray(1)).subarray(12)).toString("hex");
  };
}
