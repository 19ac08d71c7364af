// Booking done right, on the resident's side: a confirmation screen (time in the city's zone, counsellor, way of
// meeting) before anything is booked, 我的预约 with reschedule and cancel, an .ics file, and the next
// appointment as a reminder on the home screen. Details are sealed in the page; the server sees a slot id only.
import { sealJson, openJson } from "../../crypto/envelope.js";
import { fromBase64 } from "../../crypto/encoding.js";
import { walletSigner, type RelationshipKeys } from "../../crypto/keys.js";
import type { ApiClient } from "../../client/index.js";
import { LABELS } from "../../deid/vocab.js";
import { bi, lang, t } from "./i18n.js";
import { actions, busy, button, confirmScreen, download, facts, h, p, screen, select, show, status, type Screen } from "./ui.js";
import { addressDetails } from "./plain.js";
import { counselorWord, knowPeople } from "./resident-people.js";
import { clock, when } from "./zone.js";
import { bookingIcs } from "./ics.js";
import type { Counterparty } from "./store.js";
import "./crisis-words.js";

export interface BookingDeps {
  apiFor(counterparty: string): Promise<ApiClient>;
  rel(counterparty: string): Promise<RelationshipKeys>;
  treatmentCounselors(): Promise<Counterparty[]>;
  /** The counsellor's X25519 key as CounselorRegistry on chain has it (a different key from the server is refused). */
  counselorKey(api: ApiClient, counselor: string, served: string): Promise<Uint8Array>;
  /** Called after a booking is made (the page records it in the relationship vault). */
  booked(counselor: string, slot: { slotId: string; start: string; end: string }): Promise<void>;
  home: Screen;
  needCounselor: Screen;
}

interface Slot { slotId: string; start: string; end: string; taken: boolean }
interface Booking { bookingId: string; slotId: string; counselorId: string; start: string; end: string; status: string; cancelReason: string | null; sealedDetails: unknown }
interface Details { slotId: string; start: string; end: string; modality?: string }

const span = (s: { start: string; end: string }) => `${when(s.start, lang())} – ${clock(s.end)}`;
const modalityLabel = (m?: string) => (m && m in LABELS.modality ? bi(LABELS.modality[m as keyof typeof LABELS.modality]) : "—");

async function sealDetails(d: BookingDeps, counselor: string, api: ApiClient, body: Details) {
  const me = await d.rel(counselor);
  const ck = await api.get<{ x25519PublicKey: string }>(`/v1/vault/recipients/${counselor}`);
  return sealJson({
    kind: "care_plan",
    schema: "anxin.booking.v1",
    subjectRef: me.address,
    body: { ...body },
    recipients: [{ address: me.address, x25519PublicKey: me.x25519.publicKey }, { address: counselor, x25519PublicKey: await d.counselorKey(api, counselor, ck.x25519PublicKey) }],
    signer: walletSigner(me.wallet),
  });
}

async function detailsOf(d: BookingDeps, counselor: string, b: Booking): Promise<Details | undefined> {
  const me = await d.rel(counselor);
  return (await openJson(b.sealedDetails, me.address, me.x25519).catch(() => undefined)) as Details | undefined;
}

function icsButton(b: { bookingId: string; start: string; end: string }, counselor: string, how?: string) {
  return button("bookIcs", () => download(`anxin-${b.bookingId.slice(0, 8)}.ics`, bookingIcs({ ...b, summary: t("bookSummary"), description: `${t("bookWho")} ${counselorWord(counselor)} · ${t("bookHow")} ${modalityLabel(how)}` }), "text/calendar"), "secondary", { "data-ics": b.bookingId });
}

/** 我的预约 and the free times of her counsellor. */
export function bookScreen(d: BookingDeps): Screen {
  const self: Screen = async () => {
    const c = (await d.treatmentCounselors())[0];
    if (!c) return d.needCounselor();
    await knowPeople([c.address]);
    const api = await d.apiFor(c.address);
    const [slots, mine] = await Promise.all([
      api.get<{ slots: Slot[] }>(`/v1/counselors/${c.address}/slots`),
      api.get<{ bookings: Booking[] }>("/v1/bookings"),
    ]);
    const now = Date.now();
    const cards: HTMLElement[] = [];
    for (const b of mine.bookings.filter((x) => Date.parse(x.end) > now)) {
      const det = await detailsOf(d, c.address, b);
      const live = b.status === "booked";
      cards.push(
        h("li", { class: "card booking", "data-booking": b.bookingId, "data-status": b.status },
          h("h2", {}, span(b)),
          facts([[t("bookWho"), counselorWord(b.counselorId)], [t("bookHow"), modalityLabel(det?.modality)]]),
          live ? null : p(t(b.cancelReason === "consent_withdrawn" ? "bookWithdrawn" : "bookCancelled"), "note"),
          live ? actions(button("bookReschedule", () => show(rescheduleScreen(d, c.address, b, det, self)), "secondary"), button("bookCancel", () => show(cancelScreen(d, c.address, b, self)), "danger"), icsButton(b, c.address, det?.modality)) : null,
          addressDetails(b.counselorId),
        ),
      );
    }
    const free = slots.slots.filter((s) => !s.taken);
    return screen(
      "bookTitle",
      h("h2", {}, t("myAppointments")),
      cards.length ? h("ul", { class: "cards", id: "my-bookings" }, ...cards) : p(t("noBookings")),
      h("h2", {}, t("freeTimes")),
      free.length ? h("ul", { class: "tasks", id: "slots" }, ...free.map((s) => h("li", {}, h("button", { type: "button", class: "task", "data-slot": s.slotId, onclick: () => show(confirmBook(d, c.address, s, self)) }, span(s))))) : p(t("noSlots")),
      actions(button("home", () => show(d.home), "secondary")),
    );
  };
  return self;
}

/** Nothing is booked until she confirms the time, the counsellor and the way of meeting here. */
function confirmBook(d: BookingDeps, counselor: string, s: Slot, back: Screen): Screen {
  return async () => {
    await knowPeople([counselor]);
    const how = select("bookHow", Object.entries(LABELS.modality).map(([k, v]) => [k, bi(v)]), { id: "book-how" });
    const yes = button("bookYes", async () => {
      await busy(yes, "working", async () => {
        const api = await d.apiFor(counselor);
        const sealedDetails = await sealDetails(d, counselor, api, { slotId: s.slotId, start: s.start, end: s.end, modality: how.input.value });
        const r = await api.post<{ bookingId: string }>("/v1/bookings", { slotId: s.slotId, sealedDetails });
        await d.booked(counselor, s);
        await show(() => screen("bookedTitle", facts([[t("bookWhen"), span(s)], [t("bookWho"), counselorWord(counselor)], [t("bookHow"), modalityLabel(how.input.value)]]), actions(icsButton({ bookingId: r.bookingId, start: s.start, end: s.end }, counselor, how.input.value), button("myAppointments", () => show(back)), button("home", () => show(d.home), "secondary"))));
      });
    });
    return screen("bookConfirmTitle", facts([[t("bookWhen"), span(s)], [t("bookWho"), counselorWord(counselor)]]), h("div", { class: "stack" }, how.wrap), actions(yes, button("back", () => show(back), "secondary")), addressDetails(counselor));
  };
}

function rescheduleScreen(d: BookingDeps, counselor: string, b: Booking, det: Details | undefined, back: Screen): Screen {
  return async () => {
    const api = await d.apiFor(counselor);
    const free = (await api.get<{ slots: Slot[] }>(`/v1/counselors/${counselor}/slots`)).slots.filter((s) => !s.taken);
    const move = (s: Slot) => async (ev: Event) => {
      await busy(ev.currentTarget as HTMLButtonElement, "working", async () => {
        const sealedDetails = await sealDetails(d, counselor, api, { slotId: s.slotId, start: s.start, end: s.end, modality: det?.modality });
        await api.put(`/v1/bookings/${b.bookingId}`, { slotId: s.slotId, sealedDetails });
        status(t("bookMoved", { when: span(s) }), "ok");
        await show(back);
      });
    };
    return screen("bookReschedule", p(span(b), "lead"), h("h2", {}, t("bookPickNew")), free.length ? h("ul", { class: "tasks", id: "slots" }, ...free.map((s) => h("li", {}, h("button", { type: "button", class: "task", "data-slot": s.slotId, onclick: move(s) }, span(s))))) : p(t("noSlots")), actions(button("back", () => show(back), "secondary")));
  };
}

function cancelScreen(d: BookingDeps, counselor: string, b: Booking, back: Screen): Screen {
  return confirmScreen({
    titleKey: "bookCancel",
    lines: () => [span(b), t("bookCancelConfirm")],
    confirmKey: "bookCancelYes",
    cancelKey: "bookKeep",
    danger: true,
    onCancel: () => void show(back),
    onConfirm: async (btn) => {
      await busy(btn, "working", async () => {
        await (await d.apiFor(counselor)).delete(`/v1/bookings/${b.bookingId}`);
        status(t("bookCancelled"), "ok");
        await show(back);
      });
    },
  });
}

/** The next appointment, shown on the home screen (in-app reminder); null when none is booked. */
export async function nextBookingReminder(d: BookingDeps): Promise<HTMLElement | null> {
  const mine = await d.treatmentCounselors();
  await knowPeople(mine.map((c) => c.address));
  for (const c of mine) {
    const api = await d.apiFor(c.address);
    const next = (await api.get<{ bookings: Booking[] }>("/v1/bookings")).bookings.find((b) => b.status === "booked" && Date.parse(b.end) > Date.now());
    if (next) {
      const det = await detailsOf(d, c.address, next);
      return p(t("bookReminder", { when: span(next), who: counselorWord(next.counselorId), how: modalityLabel(det?.modality) }), "reminder", "booking-reminder");
    }
  }
  return null;
}
