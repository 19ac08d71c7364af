// Auditor (审计员): run a verification, read the report, download proof bundles, review break-glass events.
import { formatDate } from "../../consent/index.js";
import { RouteTable } from "./api.js";
import { lang, t } from "./i18n.js";
import { actions, busy, button, download, errorText, facts, h, notAvailable, p, screen, shortAddr, show, startShell, status, type Screen } from "./ui.js";
import { keyScreen, type StaffSession } from "./staff.js";

let routes: RouteTable;
let me: StaffSession;
const R = { verify: "/v1/audit/verify", bundle: "/v1/audit/bundle", breakGlass: "/v1/audit/break-glass" };

const home: Screen = () => {
  const out = h("div", { class: "result", id: "verify-result", "aria-live": "polite" });
  const run = button("runVerify", async () => {
    await busy(run, "verifying", async () => {
      const r = await me.api.post<any>(R.verify, {});
      const ok = r.ok ?? r.passed ?? r.status === "passed";
      out.replaceChildren(
        h("p", { class: `verdict ${ok ? "pass" : "fail"}`, id: "verdict" }, ok ? t("verifyPassed") : t("verifyFailed")),
        h("h2", {}, t("report")),
        facts(Object.entries(r).filter(([, v]) => typeof v !== "object").map(([k, v]) => [k, String(v)])),
        ...(Array.isArray(r.checks) ? [h("ul", {}, ...r.checks.map((c: any) => h("li", {}, `${c.ok ?? c.passed ? "✔" : "✘"} ${c.name ?? c.id ?? ""} ${c.detail ?? ""}`)))] : []),
      );
      if (routes.has("GET", R.bundle)) out.append(actions(button("proofBundle", async () => download("anxin-proof-bundle.json", JSON.stringify(await me.api.get(R.bundle), null, 2)), "secondary")));
    });
  });
  return screen(
    "auditorHome",
    p(t("signedInAs", { addr: shortAddr(me.wallet.address) })),
    routes.has("POST", R.verify) ? actions(run) : notAvailable(R.verify),
    out,
    actions(button("breakGlass", () => show(breakGlass), "secondary")),
  );
};

const breakGlass: Screen = async () => {
  if (!routes.has("GET", R.breakGlass)) return screen("breakGlass", notAvailable(R.breakGlass), actions(button("back", () => show(home), "secondary")));
  const res = await me.api.get<any>(R.breakGlass);
  const list: any[] = Array.isArray(res) ? res : res.events ?? [];
  return screen(
    "breakGlass",
    list.length
      ? h("ul", { class: "cards" }, ...list.map((e) => h("li", { class: "card" }, facts([["grant", String(e.grantId ?? "")], ["counselor", shortAddr(String(e.grantee ?? e.counselor ?? ""))], ["at", e.blockTime ? formatDate(e.blockTime, lang(), true) : String(e.at ?? "")]]))))
      : p(t("noBreakGlass")),
    actions(button("back", () => show(home), "secondary")),
  );
};

async function main() {
  startShell({ titleKey: "roleAuditor" });
  routes = await RouteTable.load();
  await show(() => keyScreen("auditor", (s) => ((me = s), void show(home))));
}
void main().catch((e) => status(errorText(e), "error"));
