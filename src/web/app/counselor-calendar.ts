// The counsellor's calendar: a day and a week of bookings in the city's time zone (zone.ts), each with the
// resident's chosen name, the way of meeting (from the booking's sealed details, opened here) and the place (the
// slot's place for 面谈; 线上 / 电话 otherwise). Cancelled bookings stay visible with why, so no slot says
// 已被预约 after she withdrew.
import { openJson } from "../../crypto/envelope.js";
import type { CounselorKeys } from "../../crypto/keys.js";
import type { ApiClient } from "../../client/index.js";
import { LABELS } from "../../deid/vocab.js";
import { bi, lang, t } from "./i18n.js";
import { actions, button, h, p, screen, show, type Screen } from "./ui.js";
import { clock, timeZone } from "./zone.js";
import { caseName, sharedNames, type Booking } from "./counselor-caseload.js";
import "./counselor-words.js";
import "./crisis-words.js";

type View = "day" | "week";
const WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

/** "YYYY-MM-DD" of an instant in the city's zone. */
export function cityDay(at: string | number | Date): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: timeZone(), year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(at));
}
/** Calendar arithmetic on "YYYY-MM-DD" (no zone involved: these are the city's dates). */
const addDays = (d: string, n: number) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const weekdayIndex = (d: string) => (new Date(`${d}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday = 0
const dayLabel = (d: string) => {
  const [, m, day] = d.split("-").map(Number);
  const wd = bi(LABELS.weekday[WEEK[weekdayIndex(d)]!]);
  return lang() === "en" ? `${wd} ${day}/${m}` : `${wd} ${m}月${day}日`;
};

interface Entry { b: Booking; name: string; modality?: string }

function placeOf(e: Entry): string {
  if (e.modality === "video") return t("placeOnline");
  if (e.modality === "phone") return t("placePhone");
  return e.b.place ?? t("placeUnset");
}
const state = (b: Booking) => (b.status === "booked" ? t("bookStateBooked") : t(b.cancelReason === "consent_withdrawn" ? "counselorBookingWithdrawn" : "counselorBookingCancelled"));

function entryCard(e: Entry): HTMLElement {
  const how = e.modality && e.modality in LABELS.modality ? bi(LABELS.modality[e.modality as keyof typeof LABELS.modality]) : "—";
  return h(
    "li",
    { class: `card cal-entry status-${e.b.status}`, "data-booking": e.b.bookingId, "data-modality": e.modality ?? "" },
    h("p", { class: "cal-time" }, `${clock(e.b.start)} – ${clock(e.b.end)} · ${e.name}`),
    h("dl", { class: "case-facts" }, h("dt", {}, t("calHow")), h("dd", {}, how), h("dt", {}, t("calWhere")), h("dd", { class: "cal-place" }, placeOf(e)), h("dt", {}, t("calState")), h("dd", {}, state(e.b))),
  );
}

export function calendarScreen(api: ApiClient, ck: CounselorKeys, back: () => HTMLElement, view: View = "week", anchor = cityDay(Date.now())): Screen {
  return async () => {
    const [list, names] = await Promise.all([api.get<{ bookings: Booking[] }>("/v1/bookings").then((r) => r.bookings), sharedNames(api, ck)]);
    const first = view === "day" ? anchor : addDays(anchor, -weekdayIndex(anchor));
    const days = view === "day" ? [first] : WEEK.map((_, i) => addDays(first, i));
    const inRange = list.filter((b) => days.includes(cityDay(b.start))).sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
    const entries: Entry[] = [];
    for (const b of inRange) {
      const d = (await openJson(b.sealedDetails, ck.address, ck.x25519).catch(() => undefined)) as { modality?: string } | undefined;
      entries.push({ b, name: caseName({ subject: b.subjectRef, name: names.get(b.subjectRef) }), modality: d?.modality });
    }
    const step = view === "day" ? 1 : 7;
    const go = (v: View, a: string) => () => show(calendarScreen(api, ck, back, v, a));
    const toggle = (v: View, key: string) => button(key, go(v, anchor), view === v ? "primary" : "secondary", { "aria-pressed": view === v ? "true" : "false", "data-view": v });
    const range = view === "day" ? dayLabel(first) : t("calendarRange", { from: dayLabel(first), to: dayLabel(days[6]!) });
    const dayBlock = (d: string, heading: boolean) => {
      const mine = entries.filter((e) => cityDay(e.b.start) === d);
      return h(
        "section",
        { class: "cal-day", "data-day": d },
        heading ? h("h3", {}, dayLabel(d)) : null,
        mine.length ? h("ul", { class: "cards" }, ...mine.map(entryCard)) : p(t("calendarEmptyDay"), "note"),
      );
    };
    return screen(
      "calendar",
      actions(toggle("day", "calendarDay"), toggle("week", "calendarWeek")),
      actions(button("calendarPrev", go(view, addDays(anchor, -step)), "secondary"), button("calendarToday", go(view, cityDay(Date.now())), "secondary"), button("calendarNext", go(view, addDays(anchor, step)), "secondary")),
      h("h2", { id: "cal-range" }, range),
      h("div", { class: `calendar view-${view}`, id: "calendar" }, ...(view === "day" ? [dayBlock(first, false)] : days.map((d) => dayBlock(d, true)))),
      actions(back()),
    );
  };
}
