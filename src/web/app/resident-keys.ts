// The resident's root seed: created or restored here, kept only as a passphrase-encrypted seed store in IndexedDB,
// held in memory while the page is open. Per-relationship keys are derived from it (src/crypto relationshipKeys).
import { decryptSeed, encryptSeed, generateSeed, relationshipKeys, type RelationshipKeys, type SeedStore } from "../../crypto/index.js";
import { kv } from "./store.js";

const STORE_KEY = "resident.seedstore";
let seed: Uint8Array | undefined;
const relCache = new Map<string, RelationshipKeys>();

export async function hasStoredKey(): Promise<boolean> {
  return !!(await kv.get<SeedStore>(STORE_KEY));
}

export function unlocked(): boolean {
  return !!seed;
}

export function currentSeed(): Uint8Array {
  if (!seed) throw new Error("locked");
  return seed;
}

/** A fresh seed (not yet saved). */
export async function newSeed(): Promise<Uint8Array> {
  return generateSeed();
}

/** Encrypts with production scrypt parameters (N = 2^15) and saves; the seed stays open in memory. */
export async function saveSeed(s: Uint8Array, passphrase: string): Promise<void> {
  const store = await encryptSeed(s, passphrase);
  await kv.set(STORE_KEY, store);
  seed = s;
  relCache.clear();
}

export async function unlock(passphrase: string): Promise<void> {
  const store = await kv.get<SeedStore>(STORE_KEY);
  if (!store) throw new Error("no key on this device");
  seed = await decryptSeed(store, passphrase);
  relCache.clear();
}

/** Opens an already-unwrapped seed (passkey unlock). */
export function open(s: Uint8Array): void {
  seed = s;
  relCache.clear();
}

export function lock(): void {
  seed?.fill(0);
  seed = undefined;
  relCache.clear();
}

export async function forget(): Promise<void> {
  lock();
  await kv.del(STORE_KEY);
  await kv.del("resident.counterparties");
  await kv.del("resident.relationships.version");
  await kv.del("resident.passkey");
}

export async function rel(counterparty: string): Promise<RelationshipKeys> {
  const k = counterparty.toLowerCase();
  let r = relCache.get(k);
  if (!r) {
    r = await relationshipKeys(currentSeed(), k);
    relCache.set(k, r);
  }
  return r;
}
