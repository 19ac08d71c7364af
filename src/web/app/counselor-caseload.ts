// The counsellor's caseload: each resident by the name she chose (her identity entry, opened in this page), risk
// flags (PHQ-9 item 9 above 0 in her latest PHQ-9, wearable stress warnings, open alerts), last contact (my latest
// record or a past appointment) and the next appointment. Everything is opened here with my X25519 key after the
// server's logged key release; the server only serves ciphertext, metadata and its consent decisions.
import { openIdentity } from "../../crypto/identity.js";
import { openJson } from "../../crypto/envelope.js";
import type { CounselorKeys } from "../../crypto/keys.js";
import type { ApiClient } from "../../client/index.js";
import { Purpose } from "../../consent/index.js";
import { lang, t } from "./i18n.js";
import { h, p, shortAddr } from "./ui.js";
import { clock, when } from "./zone.js";
import { item9 } from "./counselor-measures.js";
import "./counselor-words.js";

export interface RecordMeta { recordId: string; version: number; contentHash: string; kind: string; schema: string; author: string; createdAt: string; erased: boolean }
export interface Booking { bookingId: string; slotId: string; subjectRef: string; start: string; end: string; place?: string | null; status: string; cancelReason: string | null; sealedDetails: unknown }
export interface Alert { alertId: string; kind: string; level: string; subjectRef: string; ackedAt: string | null }

export interface Case {
  subject: string;
  grantId: string;
  /** The name she chose to share (identity entry), if any. */
  name?: string;
  item9: number;
  wearable: number;
  openAlerts: number;
  lastContact?: string;
  next?: { start: string; end: string };
}

/** One record version's plaintext, opened in the page after the logged key release. */
export async function openRecord<T>(api: ApiClient, ck: CounselorKeys, recordId: string, contentHash: string): Promise<{ body: T; envelope: any }> {
  const chain = await api.get<{ versions: Array<{ contentHash: string; envelope: any }> }>(`/v1/records/${recordId}`);
  const v = chain.versions.find((x) => x.contentHash === contentHash);
  if (!v) throw new Error("version not found");
  const key = await api.get<{ recipient: string; sealed: string }>(`/v1/records/${recordId}/versions/${contentHash}/key`);
  const envelope = { ...v.envelope, keys: [{ to: key.recipient, sealed: key.sealed }] };
  const body = (envelope.kind === "identity" ? await openIdentity(envelope, ck.address, ck.x25519) : await openJson(envelope, ck.address, ck.x25519)) as T;
  return { body, envelope: v.envelope };
}

/** The newest version of each record, erased ones left out. */
export function latestVersions(records: RecordMeta[]): RecordMeta[] {
  const latest = new Map<string, RecordMeta>();
  for (const r of records) if (!r.erased && (latest.get(r.recordId)?.version ?? 0) < r.version) latest.set(r.recordId, r);
  return [...latest.values()];
}

/** Names residents shared with me, by relationship address (a failure to open one leaves that resident unnamed). */
export async function sharedNames(api: ApiClient, ck: CounselorKeys): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const list = await api.get<{ identities: Array<{ subject: string; recordId: string; contentHash: string }> }>("/v1/counselors/me/identities").catch(() => ({ identities: [] }));
  for (const i of list.identities) {
    try {
      const { body } = await openRecord<{ displayName?: string; name?: string }>(api, ck, i.recordId, i.contentHash);
      const n = body.displayName ?? body.name;
      if (n) out.set(i.subject, n);
    } catch {
      /* consent withdrawn since the listing, or a damaged entry: shown unnamed */
    }
  }
  return out;
}

export const caseName = (c: { subject: string; name?: string }) => c.name ?? t("noNameShared", { addr: shortAddr(c.subject) });

export async function loadCaseload(api: ApiClient, ck: CounselorKeys): Promise<{ cases: Case[]; names: Map<string, string>; bookings: Booking[]; alerts: Alert[] }> {
  const me = api.address!;
  const consents = await api.get<{ items: Array<{ subject: string; grantId: string; purpose: number; state: string }> }>(`/v1/consents?grantee=${me}`);
  const seen = new Map<string, Case>();
  for (const v of consents.items)
    if (v.state === "active" && (v.purpose === Purpose.TREATMENT || v.purpose === Purpose.EMERGENCY) && !seen.has(v.subject))
      seen.set(v.subject, { subject: v.subject, grantId: v.grantId, item9: 0, wearable: 0, openAlerts: 0 });
  const [names, bookings, alerts] = await Promise.all([
    sharedNames(api, ck),
    api.get<{ bookings: Booking[] }>("/v1/bookings").then((r) => r.bookings),
    api.get<{ alerts: Alert[] }>("/v1/alerts").then((r) => r.alerts),
  ]);
  const now = Date.now();
  for (const c of seen.values()) {
    c.name = names.get(c.subject);
    const open = alerts.filter((a) => a.subjectRef === c.subject && !a.ackedAt);
    c.wearable = open.filter((a) => a.kind === "wearable_warning").length;
    c.openAlerts = open.length - c.wearable;
    const mine = bookings.filter((b) => b.subjectRef === c.subject && b.status === "booked");
    const next = mine.filter((b) => Date.parse(b.start) > now).sort((a, b) => Date.parse(a.start) - Date.parse(b.start))[0];
    if (next) c.next = { start: next.start, end: next.end };
    const contacts = mine.filter((b) => Date.parse(b.start) <= now).map((b) => b.start);
    const records = latestVersions((await api.get<{ records: RecordMeta[] }>(`/v1/records?subject=${c.subject}`)).records);
    contacts.push(...records.filter((r) => r.author === me).map((r) => r.createdAt));
    c.lastContact = contacts.sort().at(-1);
    // Item 9 from her latest PHQ-9 only: an old answer she has since moved past is not a current flag.
    const phq = records.filter((r) => r.schema === "anxin.assessment.phq9.v1").sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0];
    if (phq) c.item9 = await openRecord<{ instrument: string; answers?: Record<string, number> }>(api, ck, phq.recordId, phq.contentHash).then((r) => item9(r.body), () => 0);
  }
  const cases = [...seen.values()].sort((a, b) => Number(b.item9 > 0 || b.openAlerts > 0) - Number(a.item9 > 0 || a.openAlerts > 0) || caseName(a).localeCompare(caseName(b), "zh-CN"));
  return { cases, names, bookings, alerts };
}

/** The flags of one case, in words; none → one calm line. */
export function flagList(c: Case): HTMLElement {
  const flags: string[] = [];
  if (c.item9 > 0) flags.push(t("flagItem9", { n: c.item9 }));
  if (c.wearable > 0) flags.push(t("flagWearable", { n: c.wearable }));
  if (c.openAlerts > 0) flags.push(t("flagAlerts", { n: c.openAlerts }));
  if (flags.length === 0) return p(t("riskNone"), "note risk-none");
  return h("ul", { class: "flags", "aria-label": t("riskFlags") }, ...flags.map((f) => h("li", { class: "flag" }, f)));
}

/** Last contact and next appointment as two facts. */
export function caseFacts(c: Case): HTMLElement {
  return h(
    "dl",
    { class: "case-facts" },
    h("dt", {}, t("lastContact")),
    h("dd", { class: "last-contact" }, c.lastContact ? when(c.lastContact, lang()) : t("never")),
    h("dt", {}, t("nextAppointment")),
    h("dd", { class: "next-appointment" }, c.next ? `${when(c.next.start, lang())} – ${clock(c.next.end)}` : t("noneBooked")),
  );
}
