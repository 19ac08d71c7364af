// Landing page: residents land on their own page directly; staff (counsellor, auditor, administrator) come here
// through the small 工作人员入口 link at the bottom of the residents' page (/?staff).
import "./words-elder.js";
import { t } from "./i18n.js";
import { h, p, screen, show, startShell } from "./ui.js";

const ROLES: Array<[string, string, string]> = [
  ["roleCounselor", "roleCounselorHint", "/counselor.html"],
  ["roleAuditor", "roleAuditorHint", "/auditor.html"],
  ["roleAdmin", "roleAdminHint", "/admin.html"],
];

if (!new URLSearchParams(location.search).has("staff")) {
  location.replace("/resident.html");
} else {
  startShell({ titleKey: "staffTitle" });
  void show(() =>
    screen(
      "staffTitle",
      p(t("staffLead"), "lead"),
      h("ul", { class: "tasks roles" }, ...ROLES.map(([k, hint, href]) => h("li", {}, h("a", { class: "task role-link", href }, h("span", { class: "role-name" }, t(k)), h("span", { class: "role-hint" }, t(hint)))))),
      h("p", {}, h("a", { href: "/resident.html", class: "resident-link" }, t("residentPage"))),
    ),
  );
}
