// Counsellor (咨询师): caseload, write / amend / read encrypted records (sealed and opened in the page), alerts,
// emergency access (with the warning), availability and capacity.
import { sealJson, openJson } from "../../crypto/envelope.js";
import { counselorKeys, walletSigner, type CounselorKeys } from "../../crypto/keys.js";
import { fromBase64 } from "../../crypto/encoding.js";
import { formatDate } from "../../consent/index.js";
import { RouteTable } from "./api.js";
import { bi, lang, t } from "./i18n.js";
import { actions, busy, button, errorText, facts, field, h, notAvailable, p, screen, select, shortAddr, show, startShell, status, textarea, type Screen } from "./ui.js";
import { keyScreen, type StaffSession } from "./staff.js";

let routes: RouteTable;
let me: StaffSession;
let ck: CounselorKeys;
const R = { clients: "/v1/match/clients", consents: "/v1/consents", records: "/v1/records", recipients: "/v1/vault/recipients", alerts: "/v1/alerts", slots: "/v1/counselors/me/slots", profile: "/v1/counselors/me/profile", emergency: "/v1/consents/emergency" };

interface Case {
  subject: string;
  grantId: string;
}

/** Residents whose TREATMENT (or MONITORING) consent to me is active now. */
async function caseload(): Promise<Case[]> {
  const res = await me.api.get<{ items: Array<{ subject: string; grantId: string; purpose: number; state: string }> }>(`${R.consents}?grantee=${me.api.address}`);
  const seen = new Map<string, Case>();
  for (const v of res.items) if (v.state === "active" && (v.purpose === 0 || v.purpose === 4) && !seen.has(v.subject)) seen.set(v.subject, { subject: v.subject, grantId: v.grantId });
  return [...seen.values()];
}

const home: Screen = () =>
  screen(
    "counselorHome",
    p(t("signedInAs", { addr: shortAddr(me.wallet.address) })),
    h("ul", { class: "tasks" },
      h("li", {}, button("caseload", () => show(caseloadScreen), "task")),
      h("li", {}, button("alerts", () => show(alertsScreen), "task")),
      h("li", {}, button("emergency", () => show(emergencyScreen), "task")),
      h("li", {}, button("availability", () => show(availabilityScreen), "task")),
    ),
  );

const back = () => button("back", () => show(home), "secondary");

const caseloadScreen: Screen = async () => {
  const cases = await caseload();
  return screen(
    "caseload",
    p(t("caseloadLead"), "lead"),
    cases.length
      ? h("ul", { class: "cards" }, ...cases.map((c) => h("li", { class: "card", "data-subject": c.subject }, h("h2", {}, `${t("resident")} ${shortAddr(c.subject)}`), actions(button("writeRecord", () => show(writeScreen(c))), button("readRecords", () => show(readScreen(c)), "secondary")))))
      : p(t("noCases")),
    actions(back()),
  );
};

function writeScreen(c: Case, prev?: { envelope: any; contentHash: string; text: string }): Screen {
  return () => {
    const kind = select("recordKind", [["consultation_note", lang() === "en" ? "Counselling note" : "咨询记录"], ["care_plan", lang() === "en" ? "Care plan" : "服务计划"]], { id: "record-kind" });
    if (prev) kind.input.value = prev.envelope.kind;
    const text = textarea("recordText", { id: "record-text" });
    if (prev) text.input.value = prev.text;
    const save = button("saveRecord", async () => {
      await busy(save, "encrypting", async () => {
        const rk = await me.api.get<{ address: string; x25519PublicKey: string }>(`${R.recipients}/${c.subject}`);
        const envelope = await sealJson({
          kind: (prev?.envelope.kind ?? kind.input.value) as "consultation_note",
          schema: "anxin.note.v1",
          subjectRef: c.subject,
          consentId: c.grantId,
          id: prev?.envelope.id,
          prev: prev?.contentHash ?? null,
          body: { text: text.input.value },
          recipients: [
            { address: ck.address, x25519PublicKey: ck.x25519.publicKey },
            { address: c.subject, x25519PublicKey: fromBase64(rk.x25519PublicKey) },
          ],
          signer: walletSigner(ck.wallet),
        });
        await me.api.post(R.records, envelope);
        status(t("saved"), "ok");
        await show(readScreen(c));
      });
    });
    return screen(prev ? "amend" : "writeRecord", p(`${t("resident")} ${shortAddr(c.subject)}`), h("div", { class: "stack" }, prev ? null : kind.wrap, text.wrap), actions(save, button("back", () => show(caseloadScreen), "secondary")));
  };
}

function readScreen(c: Case): Screen {
  return async () => {
    const list = await me.api.get<{ records: Array<{ recordId: string; version: number; contentHash: string; kind: string; createdAt: string; erased: boolean }> }>(`${R.records}?subject=${c.subject}`);
    // Newest version of each record, opened here with my X25519 key after the server's logged key release.
    const latest = new Map<string, (typeof list.records)[number]>();
    for (const r of list.records) if (!r.erased && (latest.get(r.recordId)?.version ?? 0) < r.version) latest.set(r.recordId, r);
    const cards: HTMLElement[] = [];
    for (const r of latest.values()) {
      const chain = await me.api.get<{ versions: Array<{ contentHash: string; envelope: any }> }>(`${R.records}/${r.recordId}`);
      const v = chain.versions.find((x) => x.contentHash === r.contentHash)!;
      const key = await me.api.get<{ recipient: string; sealed: string }>(`${R.records}/${r.recordId}/versions/${r.contentHash}/key`);
      const body = (await openJson({ ...v.envelope, keys: [{ to: key.recipient, sealed: key.sealed }] }, ck.address, ck.x25519)) as { text?: string };
      cards.push(
        h("li", { class: "card record", "data-record": r.recordId },
          h("h2", {}, `${r.kind === "care_plan" ? (lang() === "en" ? "Care plan" : "服务计划") : lang() === "en" ? "Counselling note" : "咨询记录"} · ${t("version")} ${r.version}`),
          p(formatDate(Math.floor(Date.parse(r.createdAt) / 1000), lang(), true), "note"),
          h("p", { class: "record-text" }, body.text ?? ""),
          actions(button("amend", () => show(writeScreen(c, { envelope: v.envelope, contentHash: r.contentHash, text: body.text ?? "" })), "secondary")),
        ),
      );
    }
    return screen("records", p(`${t("resident")} ${shortAddr(c.subject)}`), cards.length ? h("ul", { class: "cards" }, ...cards) : p(t("noRecords")), actions(button("writeRecord", () => show(writeScreen(c))), button("back", () => show(caseloadScreen), "secondary")));
  };
}

const alertsScreen: Screen = async () => {
  const res = await me.api.get<{ alerts: any[] }>(R.alerts);
  return screen(
    "alerts",
    res.alerts.length
      ? h("ul", { class: "cards" }, ...res.alerts.map((a) => h("li", { class: `card alert level-${a.level}` }, h("h2", {}, `${a.level} · ${shortAddr(String(a.subjectRef ?? a.subject ?? ""))}`), p(a.message ? bi(a.message) : String(a.kind ?? "")), p(a.createdAt ?? a.at ?? "", "note"))))
      : p(t("noAlerts")),
    actions(back()),
  );
};

const emergencyScreen: Screen = () =>
  // Opening break-glass is an on-chain call by the counsellor's own key (ConsentLedger.openEmergency); the page
  // has no chain connection and the API relays only the scope registration, so it is shown but not offered.
  screen("emergency", h("div", { class: "warning-box", role: "note" }, p(t("emergencyWarn"))), notAvailable("ConsentLedger.openEmergency relay"), actions(back()));

const availabilityScreen: Screen = () => {
  const cap = field("capacity", { type: "number", min: 0, max: 100, value: "10", id: "capacity", inputmode: "numeric" });
  const start = field("slotStart", { type: "datetime-local", id: "slot-start" });
  const mins = field("slotMinutes", { type: "number", min: 15, max: 240, value: "50", id: "slot-minutes", inputmode: "numeric" });
  const save = button("saveAvailability", async () => {
    await busy(save, "working", async () => {
      if (routes.has("PUT", R.profile)) {
        await me.api.put(R.profile, { specialties: ["anxiety", "depression", "elderly_loneliness"], languages: ["mandarin"], modalities: ["in_person", "phone"], districts: [], capacity: Number(cap.input.value), availability: ["mon_am", "wed_am", "fri_am"], gender: "female" });
      }
      if (start.input.value && routes.has("PUT", R.slots)) {
        const s = new Date(start.input.value);
        const e = new Date(s.getTime() + Number(mins.input.value) * 60_000);
        await me.api.put(R.slots, { slots: [{ start: s.toISOString(), end: e.toISOString() }] });
      }
      status(t("done"), "ok");
    });
  });
  return screen("availability", h("div", { class: "stack" }, cap.wrap, start.wrap, mins.wrap), actions(save, back()));
};

async function main() {
  startShell({ titleKey: "roleCounselor" });
  routes = await RouteTable.load();
  await show(() =>
    keyScreen("counselor", async (s) => {
      me = s;
      ck = await counselorKeys(s.wallet);
      void show(home);
    }),
  );
}
void main().catch((e) => status(errorText(e), "error"));
void facts;
