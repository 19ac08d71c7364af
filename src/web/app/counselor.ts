// Counsellor (咨询师): home with the open-alert count, caseload (counselor-caseload.ts), calendar
// (counselor-calendar.ts), write / amend / read encrypted records from templates (counselor-notes.ts) in plain words
// with score charts (counselor-measures.ts), alerts, emergency access (with the warning), availability and capacity.
import { sealJson } from "../../crypto/envelope.js";
import { counselorKeys, walletSigner, type CounselorKeys } from "../../crypto/keys.js";
import { formatDate, newScopeSalt, scopeHash } from "../../consent/index.js";
import { Interface, hexlify, isAddress, randomBytes } from "ethers";
import { GENDERS, LABELS, SLOTS } from "../../deid/vocab.js";
import { bi, lang, t } from "./i18n.js";
import { actions, busy, button, errorText, field, h, p, screen, select, shortAddr, show, startShell, status, type Screen } from "./ui.js";
import { keyScreen, type StaffSession } from "./staff.js";
import { KeyDirectoryError, residentKey } from "../../client/key-directory.js";
import { chainNotice, keyRefusal, pageChain } from "./trusted-chain.js";
import { callBackButton, profileExtras } from "./counselor-crisis.js";
import { bookingsList } from "./counselor-bookings.js";
import { initConsultations } from "./consultation-counselor.js";
import { clock, fromCityWallClock, when as cityTime } from "./zone.js";
import { caseFacts, caseName, flagList, latestVersions, loadCaseload, openRecord, type RecordMeta } from "./counselor-caseload.js";
import { calendarScreen } from "./counselor-calendar.js";
import { TEMPLATES, noteForm, noteView, templateOf, templateTitle, type NoteBody } from "./counselor-notes.js";
import { assessmentBody, measuresSection, type Assessment } from "./counselor-measures.js";
import "./counselor-words.js";

let me: StaffSession;
let ck: CounselorKeys;
const R = {
  consents: "/v1/consents",
  records: "/v1/records",
  recipients: "/v1/vault/recipients",
  alerts: "/v1/alerts",
  slots: "/v1/counselors/me/slots",
  profile: "/v1/counselors/me/profile",
  emergency: "/v1/consents/emergency",
  account: "/v1/chain/account",
  fund: "/v1/chain/fund",
  transactions: "/v1/chain/transactions",
};

interface Case {
  subject: string;
  grantId: string;
  /** The name she chose to share, when she did (counselor-caseload.ts). */
  name?: string;
}

const home: Screen = async () => {
  // The open-alert count first thing in the day: unacknowledged alerts of every kind sent to me.
  const open = (await me.api.get<{ alerts: Array<{ ackedAt: string | null }> }>(R.alerts).catch(() => ({ alerts: [] }))).alerts.filter((a) => !a.ackedAt).length;
  const alertsButton = button("alerts", () => show(alertsScreen), open ? "task alerts-open" : "task", { "data-open-alerts": open });
  alertsButton.textContent = open ? t("alertsCount", { n: open }) : t("alerts");
  return screen(
    "counselorHome",
    p(t("signedInAs", { addr: shortAddr(me.wallet.address) })),
    p(open ? t("homeAlertsOpen", { n: open }) : t("homeAlertsNone"), open ? "alert-count open" : "alert-count", "alert-count"),
    h("ul", { class: "tasks" },
      h("li", {}, button("caseload", () => show(caseloadScreen), "task")),
      h("li", {}, button("calendar", () => show(calendarScreen(me.api, ck, back)), "task")),
      h("li", {}, alertsButton),
      h("li", {}, button("emergency", () => show(emergencyScreen()), "task")),
      h("li", {}, button("availability", () => show(availabilityScreen), "task")),
    ),
  );
};

const kindLabel = (kind: string) => t(({ assessment: "kindAssessment", consultation_note: "kindNote", care_plan: "kindPlan", wearable_summary: "kindWearable" } as Record<string, string>)[kind] ?? "kindOther");

const back = () => button("back", () => show(home), "secondary");

const caseloadScreen: Screen = async () => {
  const { cases } = await loadCaseload(me.api, ck);
  const flagged = (c: (typeof cases)[number]) => c.item9 > 0 || c.openAlerts > 0 || c.wearable > 0;
  return screen(
    "caseload",
    p(t("caseloadLeadNamed"), "lead"),
    cases.length
      ? h("ul", { class: "cards" }, ...cases.map((c) => h("li", { class: `card case${flagged(c) ? " flagged" : ""}`, "data-subject": c.subject }, h("h2", {}, caseName(c)), flagList(c), caseFacts(c), actions(button("writeRecord", () => show(writeScreen(c))), button("readRecords", () => show(readScreen(c)), "secondary")))))
      : p(t("noCases")),
    actions(back()),
  );
};

const who = (c: Case) => p(c.name ? caseName(c) : `${t("resident")} ${shortAddr(c.subject)}`, "case-name");

interface Prev { envelope: any; contentHash: string; body: NoteBody }

/** A note from a template (counselor-notes.ts): its fields are sealed in this page to me and the resident. */
function writeScreen(c: Case, prev?: Prev, tplId?: string): Screen {
  return () => {
    const tpl = prev ? templateOf(prev.body, prev.envelope.schema) : TEMPLATES.find((x) => x.id === tplId) ?? TEMPLATES[0]!;
    const choose = select("noteTemplate", TEMPLATES.map((x) => [x.id, t(x.label)]), { id: "record-template" });
    choose.input.value = tpl.id;
    choose.input.addEventListener("change", () => void show(writeScreen(c, undefined, choose.input.value)));
    const kind = select("recordKind", [["consultation_note", lang() === "en" ? "Counselling note" : "咨询记录"], ["care_plan", lang() === "en" ? "Care plan" : "服务计划"]], { id: "record-kind" });
    if (prev) kind.input.value = prev.envelope.kind;
    const form = noteForm(tpl, prev?.body);
    const save = button("saveRecord", async () => {
      const body = form.body();
      if (!body) return status(t("fillOneField"), "error");
      await busy(save, "encrypting", async () => {
        // The resident's key only with its owner's signature and its log leaf, checked against the chain (trusted-chain.ts).
        const chain = await pageChain(me.api);
        let residentPk: Uint8Array;
        try {
          residentPk = await residentKey(me.api, chain.reader, c.subject);
        } catch (e) {
          if (e instanceof KeyDirectoryError) throw new Error(keyRefusal(e));
          throw e;
        } finally {
          chain.reader.destroy();
        }
        const envelope = await sealJson({
          kind: (prev?.envelope.kind ?? (tpl.id === "free" ? kind.input.value : tpl.kind)) as "consultation_note",
          schema: prev?.envelope.schema ?? tpl.schema,
          subjectRef: c.subject,
          consentId: c.grantId,
          id: prev?.envelope.id,
          prev: prev?.contentHash ?? null,
          body: body as never,
          recipients: [
            { address: ck.address, x25519PublicKey: ck.x25519.publicKey },
            { address: c.subject, x25519PublicKey: residentPk },
          ],
          signer: walletSigner(ck.wallet),
        });
        await me.api.post(R.records, envelope);
        status(t("saved"), "ok");
        await show(readScreen(c));
      });
    });
    const notice = h("div", {});
    void pageChain(me.api).then((c) => (notice.append(chainNotice(c.viaServer, c.rpcUrl)), c.reader.destroy()), () => undefined);
    return screen(prev ? "amend" : "writeRecord", who(c), notice, h("div", { class: "stack" }, prev ? null : choose.wrap, prev || tpl.id !== "free" ? null : kind.wrap), form.el, actions(save, button("back", () => show(caseloadScreen), "secondary")));
  };
}

const noteKindTitle = (kind: string) => (kind === "care_plan" ? (lang() === "en" ? "Care plan" : "服务计划") : lang() === "en" ? "Counselling note" : "咨询记录");

/** Her records in plain words, newest first, with the measures (PHQ-9, GAD-7, WHO-5) charted above them. */
function readScreen(c: Case): Screen {
  return async () => {
    const list = await me.api.get<{ records: RecordMeta[] }>(`${R.records}?subject=${c.subject}`);
    // Newest version of each record, opened here with my X25519 key after the server's logged key release.
    const latest = latestVersions(list.records).filter((r) => r.schema !== "anxin.booking.v1").sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
    const cards: HTMLElement[] = [];
    const measures: Assessment[] = [];
    for (const r of latest) {
      let opened: { body: any; envelope: any };
      try {
        opened = await openRecord(me.api, ck, r.recordId, r.contentHash);
      } catch (e) {
        // No key sealed to me (another counsellor's record) or consent withdrawn: say so on this card only.
        cards.push(h("li", { class: "card record", "data-record": r.recordId }, h("h2", {}, kindLabel(r.kind)), p(errorText(e), "note")));
        continue;
      }
      const body = opened.body;
      const date = p(cityTime(r.createdAt, lang()), "note");
      if (r.kind === "assessment") {
        const a: Assessment = { instrument: String(body.instrument ?? ""), total: Number(body.total ?? 0), band: String(body.band ?? ""), answers: body.answers, at: r.createdAt };
        measures.push(a);
        cards.push(h("li", { class: "card record assessment", "data-record": r.recordId }, h("h2", {}, kindLabel(r.kind)), date, ...assessmentBody(a)));
        continue;
      }
      const title = templateOf(body, r.schema).id === "free" ? noteKindTitle(r.kind) : templateTitle(body, r.schema);
      cards.push(
        h("li", { class: "card record", "data-record": r.recordId, "data-schema": r.schema },
          h("h2", {}, `${title} · ${t("version")} ${r.version}`),
          date,
          ...noteView(body, r.schema),
          r.author === me.api.address ? actions(button("amend", () => show(writeScreen(c, { envelope: opened.envelope, contentHash: r.contentHash, body })), "secondary")) : null,
        ),
      );
    }
    return screen(
      "records",
      who(c),
      measuresSection(measures),
      h("h2", {}, t("otherRecords")),
      cards.length ? h("ul", { class: "cards" }, ...cards) : p(t("noRecords")),
      actions(button("writeRecord", () => show(writeScreen(c))), button("back", () => show(caseloadScreen), "secondary")),
    );
  };
}

const alertsScreen: Screen = async () => {
  const res = await me.api.get<{ alerts: Array<{ alertId: string; kind: string; level: string; subjectRef: string; message: { zh: string; en: string }; createdAt: string; ackedAt: string | null; emergencyOffer: boolean; tier: string }> }>(R.alerts);
  const cards = res.alerts.map((a) =>
    h(
      "li",
      { class: `card alert level-${a.level}`, "data-alert": a.alertId },
      h("h2", {}, `${t(`level_${a.level}`)} · ${t(`tier_${a.tier}`)} · ${t("resident")} ${shortAddr(a.subjectRef)}`),
      p(bi(a.message)),
      p(formatDate(Math.floor(Date.parse(a.createdAt) / 1000), lang(), true), "note"),
      actions(
        a.ackedAt
          ? p(t("acked"), "ok-text")
          : button("ack", async (ev) => {
              await busy(ev.currentTarget as HTMLButtonElement, "working", async () => {
                await me.api.post(`${R.alerts}/${a.alertId}/ack`, {});
                status(t("ackedNow"), "ok");
                await show(alertsScreen);
              });
            }),
        a.kind !== "wearable_warning" ? callBackButton(me.api, ck, a.alertId) : null,
        a.level === "imminent" || a.level === "high" ? button("emergency", () => show(emergencyScreen(a.subjectRef)), "danger") : null,
      ),
    ),
  );
  return screen("alerts", cards.length ? h("ul", { class: "cards" }, ...cards) : p(t("noAlerts")), actions(back()));
};

// ---------------- emergency (break-glass) access ----------------

const OPEN_EMERGENCY = new Interface(["function openEmergency(address subject, bytes32 scope, uint64 duration, bytes32 salt) returns (bytes32)"]);
const EMERGENCY_CATEGORIES = ["assessment", "consultation_note", "care_plan"];

/** The warning first; opening needs an address, a duration ≤ 24 h and the box ticked that the counsellor understands. */
function emergencyScreen(subject = ""): Screen {
  return () => {
    const who = field("emergencySubject", { id: "emergency-subject", autocomplete: "off", spellcheck: "false", value: subject });
    const hours = select("emergencyHours", [1, 2, 4, 8, 12, 24].map((n) => [String(n), t("hours", { n })]), { id: "emergency-hours" });
    hours.input.value = "4";
    const ack = h("input", { type: "checkbox", id: "emergency-ack" });
    const open = button("emergencyOpen", async () => {
      const addr = who.input.value.trim().toLowerCase();
      if (!isAddress(addr)) return status(t("badAddress"), "error");
      if (!ack.checked) return status(t("emergencyAckFirst"), "error");
      await busy(open, "emergencyOpening", async () => {
        const g = await openEmergency(addr, Number(hours.input.value) * 3600);
        status(t("emergencyOpened", { until: formatDate(g.notAfter, lang(), true) }), "ok");
        await show(emergencyOpenScreen({ subject: addr, grantId: g.grantId }, g.notAfter));
      });
    }, "danger");
    return screen(
      "emergency",
      h("div", { class: "warning-box", role: "note", id: "emergency-warning" }, h("h2", {}, t("emergencyWarnTitle")), p(t("emergencyWarn")), h("ul", {}, h("li", {}, t("emergencyWarn1")), h("li", {}, t("emergencyWarn2")), h("li", {}, t("emergencyWarn3")))),
      h("div", { class: "stack" }, who.wrap, hours.wrap, h("label", { class: "choice", for: "emergency-ack" }, ack, h("span", {}, t("emergencyAck")))),
      actions(open, back()),
    );
  };
}

/** Signs openEmergency with the counsellor's own key in the page, has the server broadcast it, then registers
 * the scope opening (categories + salts) so the vault can check what the access covers. */
async function openEmergency(subject: string, durationSeconds: number): Promise<{ grantId: string; notAfter: number }> {
  await me.api.post(R.fund, {});
  const acct = await me.api.get<{ chainId: number; consentLedger: string; nonce: number; maxFeePerGas: string; maxPriorityFeePerGas: string }>(R.account);
  const scopeSalt = newScopeSalt();
  const scope = scopeHash(EMERGENCY_CATEGORIES, scopeSalt);
  const salt = hexlify(randomBytes(32));
  const raw = await me.wallet.signTransaction({
    type: 2,
    chainId: acct.chainId,
    nonce: acct.nonce,
    to: acct.consentLedger,
    data: OPEN_EMERGENCY.encodeFunctionData("openEmergency", [subject, scope, durationSeconds, salt]),
    gasLimit: 300_000,
    maxFeePerGas: BigInt(acct.maxFeePerGas) * 2n,
    maxPriorityFeePerGas: BigInt(acct.maxPriorityFeePerGas),
  });
  const tx = await me.api.post<{ txHash: string; block: number; status: number }>(R.transactions, { rawTransaction: raw });
  if (tx.status !== 1) throw new Error("transaction reverted");
  const list = await me.api.get<{ items: Array<{ grantId: string; subject: string; blockNumber: number | null; txHash: string | null; notAfter: number | null }> }>(`${R.consents}?grantee=${me.api.address}&emergency=true`);
  const g = list.items.find((x) => x.txHash?.toLowerCase() === tx.txHash.toLowerCase() || (x.subject === subject && x.blockNumber === tx.block));
  if (!g) throw new Error("the emergency access is not indexed yet");
  await me.api.post(R.emergency, { grantId: g.grantId, categories: EMERGENCY_CATEGORIES, scopeSalt, salt });
  return { grantId: g.grantId, notAfter: g.notAfter ?? 0 };
}

function emergencyOpenScreen(c: Case, until: number): Screen {
  return () =>
    screen(
      "emergencyOpenTitle",
      h("div", { class: "warning-box", role: "note" }, p(t("emergencyOpenLead", { addr: shortAddr(c.subject), until: formatDate(until, lang(), true) })), p(t("emergencyOpenAudit"))),
      actions(button("readRecords", () => show(readScreen(c))), back()),
    );
}

// ---------------- availability & capacity ----------------

function checks(name: string, legendKey: string, options: Array<[string, string]>, checked: string[]): HTMLElement {
  return h(
    "fieldset",
    { class: "checks" },
    h("legend", {}, t(legendKey)),
    h("ul", {}, ...options.map(([v, label]) => h("li", {}, h("label", { class: "choice" }, h("input", { type: "checkbox", name, value: v, checked: checked.includes(v) }), h("span", {}, label))))),
  );
}
const picked = (name: string) => [...document.querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)].map((i) => i.value);

const availabilityScreen: Screen = async () => {
  // The form starts from what is published (else the defaults), so a later save never drops districts or hours.
  type Profile = { specialties: string[]; languages: string[]; modalities: string[]; districts: string[]; capacity: number; availability: string[]; gender?: string };
  const cur = (await me.api.get<{ profile: Profile | null }>(R.profile).catch(() => ({ profile: null }))).profile;
  const cap = field("capacity", { type: "number", min: 0, max: 200, value: String(cur?.capacity ?? 10), id: "capacity", inputmode: "numeric" });
  const gender = select("gender", GENDERS.map((g) => [g, t(`gender_${g}`)]), { id: "gender" });
  if (cur?.gender) gender.input.value = cur.gender;
  const specialties = checks("specialty", "specialties", Object.entries(LABELS.category).map(([k, v]) => [k, bi(v)]), cur?.specialties ?? ["anxiety", "depression"]);
  const languages = checks("language", "languages", Object.entries(LABELS.language).map(([k, v]) => [k, bi(v)]), cur?.languages ?? ["mandarin"]);
  const modalities = checks("modality", "modalities", Object.entries(LABELS.modality).map(([k, v]) => [k, bi(v)]), cur?.modalities ?? ["in_person", "phone"]);
  const weekly = checks("weekly", "weekly", SLOTS.map((s) => { const [d, part] = s.split("_") as [keyof typeof LABELS.weekday, keyof typeof LABELS.partOfDay]; return [s, `${bi(LABELS.weekday[d])} ${bi(LABELS.partOfDay[part])}`]; }), cur?.availability ?? ["mon_am", "wed_am", "fri_am"]);
  const extras = await profileExtras(me.api, cur);
  const saveProfile = button("saveProfile", async () => {
    await busy(saveProfile, "working", async () => {
      await me.api.put(R.profile, { specialties: picked("specialty"), languages: picked("language"), modalities: picked("modality"), districts: extras.districts(), capacity: Number(cap.input.value), availability: picked("weekly"), gender: gender.input.value });
      const oc = await me.api.put<{ onCallNow: boolean }>("/v1/counselors/me/on-call", { hours: extras.hours() });
      status(t("onCallSaved", { now: t(oc.onCallNow ? "onCallYes" : "onCallNo") }), "ok");
    });
  });

  const mine = await me.api.get<{ slots: Array<{ slotId: string; start: string; end: string; taken: boolean; place?: string | null }> }>(`/v1/counselors/${me.api.address}/slots`);
  const when = (s: { start: string; end: string }) => `${cityTime(s.start, lang())} – ${clock(s.end)}`;
  const start = field("slotStart", { type: "datetime-local", id: "slot-start" });
  const mins = field("slotMinutes", { type: "number", min: 15, max: 240, value: "50", id: "slot-minutes", inputmode: "numeric" });
  // Where she receives residents in person (her workplace, shown on both sides' calendars); remembered for the next slot.
  const place = field("slotPlace", { id: "slot-place", maxlength: 200, value: mine.slots.at(-1)?.place ?? "" });
  const addSlot = button("addSlot", async () => {
    if (!start.input.value) return status(t("slotStartFirst"), "error");
    await busy(addSlot, "working", async () => {
      // The time typed is the city's wall-clock time (ANXIN_TIME_ZONE), whatever zone this device is set to.
      const s = new Date(fromCityWallClock(start.input.value));
      const e = new Date(s.getTime() + Number(mins.input.value) * 60_000);
      // PUT replaces the free slots: send the ones already offered plus the new one.
      const keep = mine.slots.filter((x) => !x.taken).map((x) => ({ slotId: x.slotId, start: x.start, end: x.end, place: x.place ?? null }));
      await me.api.put(R.slots, { slots: [...keep, { start: s.toISOString(), end: e.toISOString(), place: place.input.value.trim() || null }] });
      status(t("slotAdded", { when: formatDate(Math.floor(s.getTime() / 1000), lang(), true) }), "ok");
      await show(availabilityScreen);
    });
  });
  return screen(
    "availability",
    h("h2", {}, t("profileTitle")),
    h("div", { class: "stack" }, cap.wrap, gender.wrap, specialties, languages, modalities, weekly, ...extras.el),
    actions(saveProfile),
    h("h2", {}, t("slotsTitle")),
    mine.slots.length
      ? h("ul", { class: "cards", id: "my-slots" }, ...mine.slots.map((s) => h("li", { class: "card slot" }, p(`${when(s)} · ${s.taken ? t("slotTaken") : t("slotFree")}${s.place ? ` · ${s.place}` : ""}`))))
      : p(t("noSlotsYet")),
    h("div", { class: "stack" }, start.wrap, mins.wrap, place.wrap),
    actions(addSlot, back()),
    await bookingsList(me.api),
  );
};

async function main() {
  startShell({ titleKey: "roleCounselor" });
  await show(() =>
    keyScreen("counselor", async (s) => {
      me = s;
      ck = await counselorKeys(s.wallet);
      initConsultations(ck, home);
      void show(home);
    }),
  );
}
void main().catch((e) => status(errorText(e), "error"));
