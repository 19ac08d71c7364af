// secp256k1 constants and the one signature-form rule every Anxin signature obeys (records, consents, sessions):
// 0 < s ≤ n/2, as OpenZeppelin's ECDSA and the ConsentLedger require (an s above n/2 is the malleable twin of a
// valid signature). The ledger's copy of HALF_N is ConsentAssembly.MAX_LOW_S.

/** Field prime p. */
export const SECP256K1_P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
/** Group order n. */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** n / 2 (floor): the largest accepted s. */
export const SECP256K1_HALF_N = SECP256K1_N >> 1n;
/** Generator coordinates. */
export const SECP256K1_GX = 0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n;
export const SECP256K1_GY = 0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n;

/** Whether s is in the accepted low half: 0 < s ≤ n/2. */
export function isLowS(s: bigint): boolean {
  return s > 0n && s <= SECP256K1_HALF_N;
}

/** The 32 big-endian bytes of n/2, for checks on signature bytes without a BigInt. */
const HALF_N_BYTES = Uint8Array.from(SECP256K1_HALF_N.toString(16).padStart(64, "0").match(/../g)!, (h) => parseInt(h, 16));

/** isLowS for the 32 big-endian bytes of s at `sig[offset..offset+32)` (the s of r‖s‖v is at offset 32). */
export function isLowSBytes(sig: Uint8Array, offset = 32): boolean {
  let zero = true;
  let below: boolean | undefined;
  for (let i = 0; i < 32; i++) {
    const a = sig[offset + i];
    if (a !== 0) zero = false;
    if (below === undefined && a !== HALF_N_BYTES[i]) below = a < HALF_N_BYTES[i];
  }
  return !zero && below !== false;
}
