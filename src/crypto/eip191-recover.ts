// EIP-191 (personal_sign) signer recovery over a 32-byte hash with libsecp256k1 (the `secp256k1` package's
// prebuilt native binding): ~60 µs per signature against ~440 µs for our table-based BigInt check and ~3 ms for
// ethers. The signature check is on every record write, so it decides the write rate. When the native binding cannot
// load (another platform without a prebuild), `nativeRecovery` is false and callers use eip191-verify.ts instead.
// Accepted form, as everywhere in Anxin: 65 bytes r‖s‖v, v ∈ {27, 28}, 0 < s ≤ n/2 (libsecp256k1 rejects r or s = 0
// or ≥ n; it does not enforce low s, so we do).
import { createRequire } from "node:module";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { eip191Digest32 } from "./eip191-verify.js";

interface Binding {
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean): Uint8Array;
}

function loadBinding(): Binding | null {
  if (process.env.ANXIN_NO_NATIVE_SECP256K1 === "1") return null;
  try {
    const require = createRequire(import.meta.url);
    // bindings.js is the native build only (index.js would fall back to a slow pure-JS curve silently).
    return require("secp256k1/bindings.js") as Binding;
  } catch {
    return null;
  }
}

const binding = loadBinding();
export const nativeRecovery = binding !== null;

/** 0x7fff…a0: s above it is the high-s twin of a valid signature (malleable), refused. */
const HALF_N = Uint8Array.from(Buffer.from("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0", "hex"));

function lowS(sig: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) {
    const a = sig[32 + i], b = HALF_N[i];
    if (a !== b) return a < b;
  }
  return true;
}

/** Lowercase 0x address of the EIP-191 signer of `hash` (32 bytes), or null if `sig` is not an accepted signature. */
export function recoverEip191Signer(hash: Uint8Array, sig: Uint8Array): string | null {
  if (!binding) throw new Error("native secp256k1 is not available (check nativeRecovery first)");
  if (hash.length !== 32 || sig.length !== 65 || (sig[64] !== 27 && sig[64] !== 28) || !lowS(sig)) return null;
  let pub: Uint8Array;
  try {
    pub = binding.ecdsaRecover(sig.subarray(0, 64), sig[64] - 27, eip191Digest32(hash), false);
  } catch {
    return null; // r or s out of range, or no curve point with that x and parity
  }
  return "0x" + Buffer.from(keccak_256(pub.subarray(1)).subarray(12)).toString("hex");
}
