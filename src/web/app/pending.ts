// What the resident entered that the server has not acknowledged yet. Kept in this device's IndexedDB as the
// sealed record envelope (encrypted to her vault key, which is derived from her seed: nothing in clear), removed
// once the server answered 2xx; resent after the next unlock, and she is told so.
import type { RecordEnvelope } from "../../crypto/index.js";
import { kv } from "./store.js";

const KEY = "resident.pending";

export interface PendingItem {
  id: string;
  /** When she entered it (ms since epoch). */
  at: number;
  kind: "assessment";
  envelope: RecordEnvelope;
}

export async function pendingItems(): Promise<PendingItem[]> {
  return (await kv.get<PendingItem[]>(KEY)) ?? [];
}

export async function keepPending(kind: PendingItem["kind"], envelope: RecordEnvelope): Promise<string> {
  const list = await pendingItems();
  const id = envelope.id;
  if (!list.some((x) => x.id === id)) list.push({ id, at: Date.now(), kind, envelope });
  await kv.set(KEY, list);
  return id;
}

export async function acknowledged(id: string): Promise<void> {
  await kv.set(KEY, (await pendingItems()).filter((x) => x.id !== id));
}

export async function forgetPending(): Promise<void> {
  await kv.del(KEY);
}
