// Scope = a salted commitment to the data categories a grant covers. The salt is per grant so that two
// relationships of one resident with the same categories never share an on-chain scope value (unlinkability).
import { AbiCoder, getBytes, hexlify, keccak256, randomBytes } from "ethers";
import { RECORD_KINDS } from "../crypto/envelope-schema.js";

/** What a grant can cover: every record kind, plus the anonymized need a matching service reads. */
export const DATA_CATEGORIES = [...RECORD_KINDS, "need"] as const;
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
  return opens(categories, scopeSalt, scope) && categories.includes(kind);
}

/** Openings already checked: every record write and key release asks again about the same few grants, and the ABI
 *  encoding + keccak was ~9% of a record write. The answer is a pure function of the key. Bounded: oldest out. */
const checked = new Map<string, boolean>();
const MAX_CHECKED = 10_000;

function opens(categories: readonly string[], scopeSalt: string | Uint8Array, scope: string): boolean {
  const salt = typeof scopeSalt === "string" ? scopeSalt : "b:" + Array.from(scopeSalt).join(".");
  const key = JSON.stringify([scope.toLowerCase(), salt, categories]);
  const known = checked.get(key);
  if (known !== undefined) return known;
  let ok: boolean;
  try {
    ok = scopeHash(categories, scopeSalt) === scope.toLowerCase();
  } catch {
    ok = false;
  }
  if (checked.size >= MAX_CHECKED) checked.delete(checked.keys().next().value!);
  checked.set(key, ok);
  return ok;
}
