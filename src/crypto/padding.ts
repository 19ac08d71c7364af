// Size buckets for record plaintexts (docs/FORMATS.md §2.2, padding): a sealed JSON record is padded with trailing
// spaces to the Padmé length of its size (Nikitin et al., PURBs, PETS 2019), at least MIN_PADDED_BYTES. Padmé
// leaks O(log log L) bits of the length and costs at most 12.5 % (every record under 1 KiB costs the same 1 KiB), so
// ciphertext lengths no longer tell one resident's assessments, or one burst of copies, apart from another's.
// JSON ignores trailing whitespace: padded and unpadded (older) records open the same way.
import { MAX_PLAINTEXT_BYTES } from "./envelope-schema.js";

export const MIN_PADDED_BYTES = 1024;
const SPACE = 0x20;

/** The Padmé length of L: keep the top ⌊log₂ E⌋+1 bits of L (E = ⌊log₂ L⌋), rounding up. */
export function padmeLength(length: number): number {
  if (!Number.isInteger(length) || length < 0) throw new RangeError("length must be a non-negative integer");
  if (length <= MIN_PADDED_BYTES) return MIN_PADDED_BYTES;
  const e = Math.floor(Math.log2(length));
  const s = Math.floor(Math.log2(e)) + 1;
  const mask = 2 ** (e - s) - 1;
  return Math.ceil((length + mask) / (mask + 1)) * (mask + 1);
}

/** The plaintext padded with spaces to its bucket (never past the format's plaintext limit). */
export function padJsonPlaintext(plaintext: Uint8Array): Uint8Array {
  const target = Math.min(padmeLength(plaintext.length), Math.max(plaintext.length, MAX_PLAINTEXT_BYTES));
  if (target <= plaintext.length) return plaintext;
  const out = new Uint8Array(target).fill(SPACE);
  out.set(plaintext);
  return out;
}
