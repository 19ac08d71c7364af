// Adapter: loads libsecp256k1's prebuilt native binding (the `secp256k1` package) for the crypto core's
// eip191Recoverer. Set ANXIN_NATIVE_SECP256K1=false (src/config.ts) to use the pure-JS check instead.
import { createRequire } from "node:module";
import { eip191Recoverer, type EcdsaRecoverBinding, type Eip191Recover } from "../crypto/eip191-recover.js";
import { setting } from "../config.js";

/** The native binding, or null when it cannot load on this platform. */
export function loadNativeSecp256k1(): EcdsaRecoverBinding | null {
  try {
    const require = createRequire(import.meta.url);
    // bindings.js is the native build only (index.js would fall back to a slow pure-JS curve silently).
    return require("secp256k1/bindings.js") as EcdsaRecoverBinding;
  } catch {
    return null;
  }
}

// Process-wide, for code that is not handed a binding (the envelope-check worker thread builds its own verifier).
const binding = setting("nativeSecp256k1") ? loadNativeSecp256k1() : null;
/** Whether native recovery is available (and not switched off). */
export const nativeRecovery = binding !== null;
const recover: Eip191Recover | null = binding && eip191Recoverer(binding);

/** Lowercase 0x address of the EIP-191 signer of `hash`, or null if `sig` is not an accepted signature. */
export function recoverEip191Signer(hash: Uint8Array, sig: Uint8Array): string | null {
  if (!recover) throw new Error("native secp256k1 is not available (check nativeRecovery first)");
  return recover(hash, sig);
}
