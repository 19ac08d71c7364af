// The counsellor's bookings, with why one was cancelled: a withdrawn consent cancels future bookings for both
// sides, and the counsellor is told here (not left with a slot that still says 已被预约).
import type { ApiClient } from "../../client/index.js";
import { lang, t } from "./i18n.js";
import { h, p, shortAddr } from "./ui.js";
import { clock, when } from "./zone.js";
import "./crisis-words.js";
import { joinControl } from "./consultation-counselor.js";

interface Booking { bookingId: string; subjectRef: string; start: string; end: string; status: string; cancelReason: string | null; sealedDetails?: unknown }

export async function bookingsList(api: ApiClient): Promise<HTMLElement> {
  const list = (await api.get<{ bookings: Booking[] }>("/v1/bookings")).bookings.filter((b) => Date.parse(b.end) > Date.now());
  const joins = await Promise.all(list.map((b) => joinControl(api, b).catch(() => null)));
  const state = (b: Booking) => (b.status === "booked" ? t("bookStateBooked") : t(b.cancelReason === "consent_withdrawn" ? "counselorBookingWithdrawn" : "counselorBookingCancelled"));
  return h(
    "div",
    {},
    h("h2", {}, t("counselorBookings")),
    list.length
      ? h("ul", { class: "cards", id: "counselor-bookings" }, ...list.map((b, i) => h("li", { class: `card booking status-${b.status}`, "data-booking": b.bookingId, "data-reason": b.cancelReason ?? "" }, p(t("counselorBookingLine", { when: `${when(b.start, lang())} – ${clock(b.end)}`, who: shortAddr(b.subjectRef), state: state(b) })), joins[i])))
      : p(t("noBookings")),
  );
}
