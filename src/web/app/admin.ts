// Administrator (管理方): accredit and suspend counsellors, appoint auditors, register matching services.
import { isAddress } from "ethers";
import { RouteTable } from "./api.js";
import { t } from "./i18n.js";
import { actions, busy, button, errorText, field, h, notAvailable, p, screen, shortAddr, show, startShell, status, type Screen } from "./ui.js";
import { keyScreen, type StaffSession } from "./staff.js";

let routes: RouteTable;
let me: StaffSession;
const ACTIONS: Array<[string, string, boolean]> = [
  ["accredit", "/v1/admin/counselors", true],
  ["suspend", "/v1/admin/counselors/suspend", false],
  ["appointAuditor", "/v1/admin/auditors", false],
  ["registerMatcher", "/v1/admin/matchers", false],
];

const home: Screen = () =>
  screen(
    "adminHome",
    p(t("signedInAs", { addr: shortAddr(me.wallet.address) })),
    h("ul", { class: "tasks" }, ...ACTIONS.map(([k, path, enc]) => h("li", {}, button(k, () => show(form(k, path, enc)), "task")))),
  );

function form(key: string, path: string, withKey: boolean): Screen {
  return () => {
    if (!routes.has("POST", path)) return screen(key, notAvailable(path), actions(button("back", () => show(home), "secondary")));
    const addr = field("address", { id: "admin-address", autocomplete: "off", spellcheck: "false" });
    const enc = withKey ? field("encKey", { id: "admin-enckey", autocomplete: "off", spellcheck: "false" }) : undefined;
    const go = button("submit", async () => {
      if (!isAddress(addr.input.value)) return status(t("badAddress"), "error");
      await busy(go, "working", async () => {
        await me.api.post(path, { address: addr.input.value, ...(enc ? { encryptionKey: enc.input.value } : {}) });
        status(t("done"), "ok");
      });
    });
    return screen(key, h("div", { class: "stack" }, addr.wrap, enc?.wrap), actions(go, button("back", () => show(home), "secondary")));
  };
}

async function main() {
  startShell({ titleKey: "roleAdmin" });
  routes = await RouteTable.load();
  await show(() => keyScreen("admin", (s) => ((me = s), void show(home))));
}
void main().catch((e) => status(errorText(e), "error"));
