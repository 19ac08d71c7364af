// Scope = a salted commitment to the data categories a grant covers. The salt is per grant so that two
// relationships of one resident with the same categories never share an on-chain scope value (unlinkability).
import { AbiCoder, getBytes, hexlify, keccak256, randomBytes } from "ethers";

export const DATA_CATEGORIES = [
  "assessment",
  "consultation_note",
  "care_plan",
  "referral",
  "wearable_summary",
  "identity",
  "need",
] as const;
export type DataCategory = (typeof DATA_CATEGORIES)[number];

export const SCOPE_DOMAIN_TAG = "anxin.scope.v1";

export function isDataCategory(s: unknown): s is DataCategory {
  return typeof s === "string" && (DATA_CATEGORIES as readonly string[]).includes(s);
}

/** Sorted (by code unit, all ASCII), de-duplicated, validated; at least one category. */
export function canonicalCategories(categories: readonly string[]): DataCategory[] {
  if (categories.length === 0) throw new RangeError("a scope needs at least one data category");
  for (const c of categories) {
    if (!isDataCategory(c)) throw new RangeError("unknown data category");
  }
  return [...new Set(categories as readonly DataCategory[])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function newScopeSalt(): string {
  return hexlify(randomBytes(32));
}

function saltBytes(scopeSalt: string | Uint8Array): Uint8Array {
  const b = getBytes(scopeSalt);
  if (b.length !== 32) throw new RangeError("scope salt must be 32 bytes");
  return b;
}

/**
 * scope = keccak256(abi.encode(string "anxin.scope.v1", string join(sorted categories, ","), bytes32 scopeSalt)).
 * Returns 0x-prefixed lowercase hex.
 */
export function scopeHash(categories: readonly string[], scopeSalt: string | Uint8Array): string {
  const joined = canonicalCategories(categories).join(",");
  const encoded = AbiCoder.defaultAbiCoder().encode(
    ["string", "string", "bytes32"],
    [SCOPE_DOMAIN_TAG, joined, saltBytes(scopeSalt)],
  );
  return keccak256(encoded);
}

/**
 * True iff (categories, scopeSalt) opens the on-chain `scope` commitment and `kind` is among the categories.
 * Malformed input (unknown category, bad salt) is "not covered", never an exception: callers gate access on it.
 */
export function scopeCovers(
  categories: readonly string[],
  scopeSalt: string | Uint8Array,
  scope: string,
  kind: string,
): boolean {
  if (!isDataCategory(kind)) return false;
  let expected: string;
  try {
    expected = scopeHash(categories, scopeSalt);
  } catch {
    return false;
  }
  return expected === scope.toLowerCase() && categories.includes(kind);
}
