// What the resident entered that the server has not acknowledged yet. Kept in this device's IndexedDB as the
// sealed record envelope (encrypted to her vault key, which is derived from her seed: nothing in clear), removed
// once the server answered 2xx; resent after the next unlock, and she is told so. The resend is one request for
// the whole queue (POST /v1/records:batch, 256 per request), with one answer per item.
import type { RecordEnvelope } from "../../crypto/index.js";
import { syncRecords, type ApiClient, type Problem, type SyncResult } from "../../client/index.js";
import { formatDate } from "../../consent/index.js";
import { addWords, lang, t } from "./i18n.js";
import { errorText } from "./ui.js";
import { kv } from "./store.js";

const KEY = "resident.pending";

addWords({
  pendingRefused: [
    "{when} 的评估结果服务器没有接受：{why} 它仍加密存在这台设备上，没有丢失。",
    "The result from {when} was not accepted by the server: {why} It stays encrypted on this device; nothing is lost.",
  ],
  pendingInvalid: ["内容没有通过服务器的检查。", "its content did not pass the server's checks."],
});

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

export interface FlushOutcome {
  /** Stored by the server (now or by an earlier try) and followed up: removed from the device. */
  sent: PendingItem[];
  /** Refused by the server, each with its problem: kept sealed on the device, and she is told which and why. */
  refused: Array<{ item: PendingItem; status: number; problem?: Problem }>;
  /** Not answered (the network, a server error) or their follow-up failed: kept for the next time. */
  left: PendingItem[];
}

/**
 * Sends the queue through POST /v1/records:batch. An item the server stored (or already held) is handed to
 * `followUp` (the counsellors' copies) and removed from the device once that succeeds; nothing else is removed.
 */
export async function flushPending(api: ApiClient, followUp: (item: PendingItem) => Promise<void>): Promise<FlushOutcome> {
  const items = await pendingItems();
  const out: FlushOutcome = { sent: [], refused: [], left: [] };
  let answered = 0;
  const settle = async (item: PendingItem, r: SyncResult) => {
    if (r.status >= 200 && r.status < 300) {
      try {
        await followUp(item);
        await acknowledged(item.id);
        out.sent.push(item);
      } catch {
        out.left.push(item);
      }
    } else if (r.status >= 400 && r.status < 500 && r.status !== 401 && r.status !== 408 && r.status !== 429) out.refused.push({ item, status: r.status, problem: r.problem });
    else out.left.push(item);
  };
  try {
    // Each batch is settled as soon as it is answered: a later batch lost to the network costs no earlier answer.
    await syncRecords(api, items.map((x) => x.envelope), async (_done, results) => {
      for (const r of results) await settle(items[answered++], r);
    });
  } catch {
    out.left.push(...items.slice(answered));
  }
  return out;
}

/** One sentence per refused item (when she entered it, and why), in the page's language. */
export function refusalText(out: FlushOutcome): string {
  return out.refused
    .map((x) => t("pendingRefused", { when: formatDate(Math.floor(x.item.at / 1000), lang(), true), why: x.status === 400 || x.status === 422 ? t("pendingInvalid") : errorText({ status: x.status, problem: x.problem }) }))
    .join(" ");
}
