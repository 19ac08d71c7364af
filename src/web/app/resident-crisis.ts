// The resident's side of the crisis path: the alert to the on-duty counselors (besides her own), who was told and
// when in plain words, a callback number sealed on her device to the told counselors only, and the break-glass
// notices (every emergency access opened on any of her addresses) on the home screen.
import { sealCallback } from "../../crypto/callback.js";
import { fromBase64 } from "../../crypto/encoding.js";
import type { ApiClient } from "../../client/index.js";
import { lang, short, t } from "./i18n.js";
import { actions, busy, button, field, h, p, select, status } from "./ui.js";
import { when } from "./zone.js";
import { kv } from "./store.js";
import "./crisis-words.js";
import { breakGlassNotices, type BreakGlassNotice as Notice } from "../../client/notifications.js";
import { knowPeople, nameOf } from "./resident-people.js";
import { addressDetails } from "./plain.js";

export interface Told {
  tier: string;
  step: number;
  at: string;
  acknowledgedAt: string | null;
  counselor?: string;
  crisisLine?: string;
}
export interface AlertTrail {
  alertId: string;
  kind: string;
  createdAt: string;
  told: Told[];
  escalating: boolean;
  nextStepAt: string | null;
  callbacks: Array<{ counselor: string; expiresAt: string }>;
}

const AREA_KEY = "resident.area";
/** The district she chose on the need form: crisis alerts go to the on-call counselors there (none: the city). */
export const rememberArea = (district: string) => kv.set(AREA_KEY, district);

/** Raises the crisis alert of her vault address, routed to the on-duty counselors; returns its id. */
export async function raiseOnCall(vault: ApiClient, level: string, instrument: string): Promise<string> {
  const area = await kv.get<string>(AREA_KEY);
  const a = await vault.post<{ alertId: string }>("/v1/alerts", { kind: "crisis", level, instrument, subjectRef: vault.address, lang: short(), ...(area ? { area } : {}) });
  return a.alertId;
}

const TOLD_KEY: Record<string, string> = { care: "crisisToldCare", on_call: "crisisToldOnCall", fallback: "crisisToldFallback", crisis_line: "crisisToldLine" };

/** "Who has been told": one line per rung with its time, acknowledgements, the next step, and the callback form. */
export async function trailCard(api: ApiClient, alertId: string): Promise<HTMLElement> {
  const list = await api.get<{ alerts: AlertTrail[] }>("/v1/alerts");
  const a = list.alerts.find((x) => x.alertId === alertId);
  const box = h("div", { class: "told-box", id: "crisis-told", role: "status" }, h("h2", {}, t("crisisToldTitle")));
  if (!a) return box;
  const lines = a.told.map((x) => h("li", { "data-tier": x.tier }, t("crisisToldAt", { when: when(x.at, lang()), what: t(TOLD_KEY[x.tier] ?? "crisisToldCare", { line: x.crisisLine ?? "" }) })));
  for (const x of a.told) if (x.acknowledgedAt) lines.push(h("li", { class: "ok-text", "data-acked": "1" }, t("crisisAcked", { when: when(x.acknowledgedAt, lang()) })));
  box.append(h("ul", { class: "plain-list" }, ...lines));
  if (a.nextStepAt) box.append(p(t("crisisNextStep", { when: when(a.nextStepAt, lang()) }), "note"));
  box.append(p(t("crisisOnlyLevel"), "note"));
  const counselors = [...new Set(a.told.filter((x) => x.counselor).map((x) => x.counselor!))];
  box.append(callbackForm(api, a.alertId, counselors));
  return box;
}

function callbackForm(api: ApiClient, alertId: string, counselors: string[]): HTMLElement {
  const num = field("callbackNumber", { type: "tel", id: "callback-number", autocomplete: "tel", inputmode: "tel" });
  const hours = select("callbackHours", [1, 4, 24].map((n) => [String(n), t("hours", { n })]), { id: "callback-hours" });
  hours.input.value = "4";
  const go = button("callbackShare", async () => {
    if (!/^\+?\d[\d -]{2,19}$/.test(num.input.value.trim())) return status(t("callbackBad"), "error");
    if (!counselors.length) return status(t("callbackNone"), "error");
    await busy(go, "encrypting", async () => {
      const sealed: Record<string, string> = {};
      for (const c of counselors) {
        const k = await api.get<{ x25519PublicKey: string }>(`/v1/vault/recipients/${c}`);
        sealed[c] = await sealCallback(num.input.value, fromBase64(k.x25519PublicKey));
      }
      const r = await api.post<{ sharedWith: string[]; expiresAt: string }>(`/v1/alerts/${alertId}/callback`, { sealed, expiresInSeconds: Number(hours.input.value) * 3600 });
      num.input.value = "";
      status(t("callbackShared", { n: r.sharedWith.length, until: when(r.expiresAt, lang()) }), "ok");
    });
  });
  return h("div", { class: "stack callback" }, h("h3", {}, t("callbackTitle")), p(t("callbackLead"), "note"), num.wrap, hours.wrap, actions(go));
}

/** Break-glass notices of every address she holds (the vault and each relationship), newest first. */
export async function noticesCard(apis: ApiClient[], communityLine: string): Promise<HTMLElement | null> {
  const items: Notice[] = [];
  for (const api of apis) items.push(...(await breakGlassNotices(api)));
  if (!items.length) return null;
  items.sort((a, b) => b.at.localeCompare(a.at));
  // The counsellor by the name the authority published and the page verified (resident-people.ts); never hex.
  await knowPeople(items.map((n) => n.counselor));
  const who = (n: Notice) => {
    const name = nameOf(n.counselor);
    return name ? t("noticeNamed", { name }) : t("noticeSomeone");
  };
  const ask = (n: Notice) => {
    const out = h("p", { class: "note", hidden: true });
    const b = button("noticeAsk", () => {
      out.textContent = t("noticeAskText", { line: communityLine });
      out.hidden = false;
      out.append(" ", h("a", { class: "call", href: `tel:${communityLine.replace(/-/g, "")}` }, `${t("call")} ${communityLine}`));
    }, "secondary", { "data-grant": n.grantId });
    return [b, out];
  };
  return h(
    "div",
    { class: "warning-box notices", id: "emergency-notices", role: "note" },
    h("h2", {}, t("noticeTitle")),
    h("ul", { class: "cards" }, ...items.map((n) =>
      h("li", { class: "card notice", "data-grant": n.grantId },
        p(t("noticeText", { who: who(n), when: when(n.notBefore, lang()), until: when(n.notAfter, lang()), hours: Math.round((n.notAfter - n.notBefore) / 360) / 10 })),
        p(t("noticeWhy"), "note"),
        addressDetails(n.counselor),
        ...ask(n),
      ),
    )),
  );
}
