// Administrator (管理方): accredit, suspend and reinstate counsellors; appoint and dismiss auditors; register and
// deregister matching services; read the registry's history. Each action is one form; the server's operator key
// sends the registry transaction once the signed-in admin (AUTHORITY_ROLE on chain) asks.
import { isAddress } from "ethers";
import { formatDate } from "../../consent/index.js";
import { lang, t } from "./i18n.js";
import { actions, busy, button, errorText, facts, field, h, p, screen, select, shortAddr, show, startShell, status, type Screen } from "./ui.js";
import { keyScreen, type StaffSession } from "./staff.js";

let me: StaffSession;

interface Action {
  key: string;
  path: string;
  fields: Array<"encryptionKey" | "validDays" | "reason">;
  danger?: boolean;
}
const ACTIONS: Action[] = [
  { key: "accredit", path: "/v1/admin/counselors", fields: ["encryptionKey", "validDays"] },
  { key: "suspend", path: "/v1/admin/counselors/suspend", fields: ["reason"], danger: true },
  { key: "reinstate", path: "/v1/admin/counselors/reinstate", fields: [] },
  { key: "appointAuditor", path: "/v1/admin/auditors", fields: [] },
  { key: "dismissAuditor", path: "/v1/admin/auditors/dismiss", fields: [], danger: true },
  { key: "registerMatcher", path: "/v1/admin/matchers", fields: [] },
  { key: "deregisterMatcher", path: "/v1/admin/matchers/deregister", fields: [], danger: true },
];
const REASONS = ["complaint_review", "license_lapsed", "misconduct", "requested", "other"];

const home: Screen = () =>
  screen(
    "adminHome",
    p(t("signedInAs", { addr: shortAddr(me.wallet.address) })),
    h("ul", { class: "tasks" }, ...ACTIONS.map((a) => h("li", {}, button(a.key, () => show(form(a)), "task", { "data-action": a.key }))), h("li", {}, button("registry", () => show(registryScreen), "task"))),
  );

const back = () => button("back", () => show(home), "secondary");

function form(a: Action): Screen {
  return () => {
    const addr = field("address", { id: "admin-address", autocomplete: "off", spellcheck: "false" });
    const enc = a.fields.includes("encryptionKey") ? field("encKey", { id: "admin-enckey", autocomplete: "off", spellcheck: "false" }, "encKeyHint") : undefined;
    const days = a.fields.includes("validDays") ? field("validDays", { id: "admin-days", type: "number", min: 1, max: 3650, value: "365", inputmode: "numeric" }) : undefined;
    const reason = a.fields.includes("reason") ? select("reason", REASONS.map((r) => [r, t(`reason_${r}`)]), { id: "admin-reason" }) : undefined;
    const go = button(a.key, async () => {
      const address = addr.input.value.trim();
      if (!isAddress(address)) return status(t("badAddress"), "error");
      if (enc && !/^0x[0-9a-fA-F]{64}$/.test(enc.input.value.trim())) return status(t("badEncKey"), "error");
      await busy(go, "working", async () => {
        const body: Record<string, unknown> = { address };
        if (enc) body.encryptionKey = enc.input.value.trim();
        if (days) body.validDays = Number(days.input.value);
        if (reason) body.reason = reason.input.value;
        const r = await me.api.post<{ txHash: string; block: number }>(a.path, body);
        status(t("adminDone", { what: t(a.key), addr: shortAddr(address.toLowerCase()), block: r.block }), "ok");
        await show(home);
      });
    }, a.danger ? "danger" : "primary");
    return screen(
      a.key,
      p(t(`${a.key}Lead`), "lead"),
      h("form", { class: "stack", onsubmit: (e: Event) => (e.preventDefault(), go.click()) }, addr.wrap, enc?.wrap, days?.wrap, reason?.wrap, actions(go, back())),
    );
  };
}

const registryScreen: Screen = async () => {
  const res = await me.api.get<{ events: Array<{ event: string; account: string; block: number; at: number }> }>("/v1/admin/registry");
  return screen(
    "registry",
    res.events.length
      ? h("ul", { class: "cards", id: "registry" }, ...res.events.map((e) => h("li", { class: "card" }, h("h2", {}, `${t(`ev_${e.event}`)} · ${shortAddr(e.account)}`), facts([[t("evAt"), formatDate(e.at, lang(), true)], [t("evAccount"), e.account], [t("evBlock"), String(e.block)]]))))
      : p(t("noEvents")),
    actions(back()),
  );
};

async function main() {
  startShell({ titleKey: "roleAdmin" });
  await show(() => keyScreen("admin", (s) => ((me = s), void show(home))));
}
void main().catch((e) => status(errorText(e), "error"));
