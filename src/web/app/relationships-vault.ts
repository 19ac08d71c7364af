// Keeps the resident's relationship list (store.ts counterparties, with grant ids and bookings) in her own vault on
// the server, sealed to her seed (src/crypto/relationship-vault.ts): pushed whenever it changes, fetched and merged
// on unlock and after a restore, so every device restored from the seed is whole. The server sees ciphertext only.
import { mergeRelationships, openRelationships, sealRelationships, vaultKeys, type Relationship } from "../../crypto/index.js";
import { ApiClient } from "../../client/index.js";
import { kv, type Counterparty } from "./store.js";

const LIST = "resident.counterparties";
const VERSION = "resident.relationships.version";
const PATH = "/v1/vault/relationships";

type Api = () => Promise<ApiClient>;
let vaultApi: Api | undefined;
let seedOf: (() => Uint8Array) | undefined;

/** Wires the signed-in "vault" client and the open seed (resident.ts). */
export function initRelationshipVault(api: Api, seed: () => Uint8Array): void {
  vaultApi = api;
  seedOf = seed;
}

const local = async () => ((await kv.get<Relationship[]>(LIST)) ?? []) as Relationship[];

/** The sealed list stored for `seed`, or undefined when the server has none (a seed never used, or a typo). */
export async function fetchRelationships(seed: Uint8Array, api?: ApiClient): Promise<{ version: number; list: Relationship[] } | undefined> {
  const me = await vaultKeys(seed);
  const client = api ?? (await new ApiClient(location.origin).login(me.wallet));
  const res = await client.raw("GET", PATH);
  if (res.status === 404) return undefined;
  if (!res.ok) throw Object.assign(new Error(`relationship list: HTTP ${res.status}`), { status: res.status });
  const body = (await res.json()) as { version: number; sealed: string };
  return { version: body.version, list: await openRelationships(seed, me.address, body.version, body.sealed) };
}

/** Fetches, merges into this device's list and stores the merged list back when it grew. */
export async function syncRelationships(): Promise<void> {
  if (!vaultApi || !seedOf) return;
  const seed = seedOf();
  const api = await vaultApi();
  for (let attempt = 0; attempt < 3; attempt++) {
    const remote = await fetchRelationships(seed, api);
    const mine = await local();
    const merged = mergeRelationships(mine, remote?.list ?? []);
    await kv.set(LIST, merged);
    await kv.set(VERSION, remote?.version ?? 0);
    if (remote && JSON.stringify(merged) === JSON.stringify(mergeRelationships(remote.list, []))) return;
    const next = (remote?.version ?? 0) + 1;
    const me = await vaultKeys(seed);
    const res = await api.raw("PUT", PATH, { version: next, sealed: await sealRelationships(seed, me.address, next, merged) });
    if (res.ok) return void (await kv.set(VERSION, next));
    if (res.status !== 409) throw Object.assign(new Error(`relationship list: HTTP ${res.status}`), { status: res.status });
    // Another device stored first: fetch, merge, try again.
  }
}

/** Adds or extends one relationship on this device, then keeps the vault in step. */
export async function remember(r: Counterparty & { grants?: string[]; bookings?: Relationship["bookings"] }): Promise<void> {
  const entry = { ...r, address: r.address.toLowerCase() } as Relationship;
  await kv.set(LIST, mergeRelationships(await local(), [entry]));
  await syncRelationships();
}

/** The bookings this device knows for `counselor` (from the list; the server keeps them sealed). */
export async function bookingsWith(counselor: string): Promise<NonNullable<Relationship["bookings"]>> {
  return (await local()).find((r) => r.address === counselor.toLowerCase())?.bookings ?? [];
}
