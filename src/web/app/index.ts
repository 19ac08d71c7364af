// Landing page: the four roles, in big plain buttons.
import { t } from "./i18n.js";
import { h, p, screen, show, startShell } from "./ui.js";

const ROLES: Array<[string, string, string]> = [
  ["roleResident", "roleResidentHint", "/resident.html"],
  ["roleCounselor", "roleCounselorHint", "/counselor.html"],
  ["roleAuditor", "roleAuditorHint", "/auditor.html"],
  ["roleAdmin", "roleAdminHint", "/admin.html"],
];

startShell({ titleKey: "roleIndex", crisis: true });
void show(() =>
  screen(
    "indexTitle",
    p(t("indexLead"), "lead"),
    h("ul", { class: "tasks roles" }, ...ROLES.map(([k, hint, href]) => h("li", {}, h("a", { class: "task role-link", href }, h("span", { class: "role-name" }, t(k)), h("span", { class: "role-hint" }, t(hint)))))),
  ),
);
