// Hex for hashes: the crypto core's codec (one definition). Canonical form is lowercase without a 0x prefix; the
// decoder also takes the chain's 0x spelling and throws InvalidEncoding on odd length or a non-hex digit.
import { fromHexEitherPrefix } from "../crypto/encoding.js";

export { toHex } from "../crypto/encoding.js";

/** One argument only, so `proof.map(fromHex)` never passes an index as an expected length. */
export function fromHex(text: string): Uint8Array {
  return fromHexEitherPrefix(text);
}

/** True when `s` is 64 lowercase hex digits (a 32-byte hash in canonical form). */
export function isHash32Hex(s: unknown): s is string {
  return typeof s === "string" && /^[0-9a-f]{64}$/.test(s);
}
