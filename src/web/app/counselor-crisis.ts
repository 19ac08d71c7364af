// The counselor's side of the crisis path: districts served (chosen by name from the city's division data) and
// weekly on-call hours on the profile form, and 回电 on an alert (the number opened here with my X25519 key).
import { openCallback, telLink } from "../../crypto/callback.js";
import type { CounselorKeys } from "../../crypto/keys.js";
import type { ApiClient } from "../../client/index.js";
import type { PlaceList } from "../../deid/geo.js";
import { LABELS } from "../../deid/vocab.js";
import { bi, t } from "./i18n.js";
import { busy, button, h, p } from "./ui.js";
import { setZone } from "./zone.js";
import "./crisis-words.js";

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
type Window = { day: (typeof DAYS)[number]; from: string; to: string };

/** Districts and on-call hours for the profile form; `districts()` and `hours()` read what is ticked now. */
export async function profileExtras(api: ApiClient, current: { districts?: string[] } | null) {
  const places = await api.get<PlaceList & { timeZone: string }>("/v1/places");
  setZone(places.timeZone);
  const mine = new Set(current?.districts ?? []);
  const districts = h(
    "fieldset",
    { class: "checks", id: "served-districts" },
    h("legend", {}, t("servedDistricts")),
    h("ul", {}, ...places.districts.map((d) => h("li", {}, h("label", { class: "choice" }, h("input", { type: "checkbox", name: "district", value: d.code, checked: mine.has(d.code) }), h("span", {}, d.name))))),
  );
  const oc = await api.get<{ hours: Window[]; timeZone: string }>("/v1/counselors/me/on-call");
  const rows = DAYS.map((day) => {
    const w = oc.hours.find((x) => x.day === day);
    const label = bi(LABELS.weekday[day as keyof typeof LABELS.weekday]);
    const on = h("input", { type: "checkbox", name: "oncall-day", value: day, checked: !!w, id: `oncall-${day}` });
    const from = h("input", { type: "time", id: `oncall-${day}-from`, value: w?.from ?? "09:00", "aria-label": t("onCallFrom", { day: label }) });
    const to = h("input", { type: "time", id: `oncall-${day}-to`, value: w?.to ?? "17:00", "aria-label": t("onCallTo", { day: label }) });
    return { day, on, from, to, el: h("li", { class: "oncall-row" }, h("label", { class: "choice", for: `oncall-${day}` }, on, h("span", {}, label)), from, to) };
  });
  const onCall = h("fieldset", { class: "checks", id: "on-call" }, h("legend", {}, t("onCallTitle", { tz: oc.timeZone })), h("ul", {}, ...rows.map((r) => r.el)));
  return {
    el: [districts, onCall],
    districts: () => [...districts.querySelectorAll<HTMLInputElement>('input[name="district"]:checked')].map((i) => i.value),
    hours: (): Window[] => rows.filter((r) => r.on.checked).map((r) => ({ day: r.day, from: (r.from as HTMLInputElement).value, to: (r.to as HTMLInputElement).value })),
  };
}

/** 回电: fetch the number sealed to me (logged), open it here, and offer it as a tel: link. */
export function callBackButton(api: ApiClient, keys: CounselorKeys, alertId: string): HTMLElement {
  const slot = h("span", { class: "callback-slot" });
  const b = button("callBack", async () => {
    await busy(b, "working", async () => {
      try {
        const got = await api.get<{ sealed: string }>(`/v1/alerts/${alertId}/callback`);
        const number = await openCallback(got.sealed, keys.x25519);
        slot.replaceChildren(h("a", { class: "call", href: telLink(number), "data-callback": alertId }, t("callBackNumber", { number })));
        b.remove();
      } catch (e) {
        if ((e as { status?: number }).status !== 404) throw e;
        slot.replaceChildren(p(t("callBackNone"), "note"));
      }
    });
  }, "secondary", { "data-callback-button": alertId });
  return h("span", {}, b, slot);
}
