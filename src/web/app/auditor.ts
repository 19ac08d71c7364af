// Auditor (审计员): run the verification (POST /v1/audit/verify) and read a plain verdict and the named checks,
// download a record's offline proof bundle, review break-glass (emergency) access. Hashes, ids and pseudonymous
// addresses only: the auditor never sees contents or identities.
import { formatDate } from "../../consent/index.js";
import { lang, t } from "./i18n.js";
import { actions, busy, button, download, errorText, facts, field, h, p, screen, shortAddr, show, startShell, status, type Screen } from "./ui.js";
import { keyScreen, type StaffSession } from "./staff.js";

let me: StaffSession;
const R = { verify: "/v1/audit/verify", bundle: "/v1/audit/bundle", emergency: "/v1/audit/emergency", checkpoint: "/v1/log/checkpoint" };

interface Report {
  ok: boolean;
  generatedAt: string;
  log: { size: number; root: string };
  chain: { chainId?: number; latest?: { size: number; root: string } };
  checks: Array<{ id: string; name: string; ok: boolean; failures: Array<{ code: string; detail: string }>; moreFailures: number }>;
  stats: Record<string, unknown> & { emergencyReview?: unknown[] };
}

const back = () => button("back", () => show(home), "secondary");

const home: Screen = () =>
  screen(
    "auditorHome",
    p(t("signedInAs", { addr: shortAddr(me.wallet.address) })),
    h("ul", { class: "tasks" },
      h("li", {}, button("runVerify", () => show(verifyScreen), "task")),
      h("li", {}, button("proofBundle", () => show(bundleScreen), "task")),
      h("li", {}, button("breakGlass", () => show(breakGlassScreen), "task")),
    ),
  );

/** Runs the verification when opened; the verdict comes first, in words, then each check by name. */
const verifyScreen: Screen = async () => {
  status(t("verifying"));
  const r = await me.api.post<Report>(R.verify, {});
  status("");
  const failed = r.checks.filter((c) => !c.ok);
  const stat = (k: string) => (r.stats[k] === null || r.stats[k] === undefined ? "—" : String(r.stats[k]));
  return screen(
    "report",
    h("p", { class: `verdict ${r.ok ? "pass" : "fail"}`, id: "verdict" }, r.ok ? t("verifyPassed") : t("verifyFailed")),
    p(r.ok ? t("verifyPassedLead") : t("verifyFailedLead", { names: failed.map((c) => checkName(c.id, c.name)).join("、") }), "lead"),
    h("h2", {}, t("checks")),
    h(
      "ul",
      { class: "cards", id: "checks" },
      ...r.checks.map((c) =>
        h(
          "li",
          { class: `card check ${c.ok ? "pass" : "fail"}`, "data-check": c.id },
          h("h3", {}, `${c.ok ? "✔" : "✘"} ${checkName(c.id, c.name)}${lang() === "en" ? ": " : "："}${c.ok ? t("checkOk") : t("checkFailed", { n: c.failures.length + c.moreFailures })}`),
          c.failures.length ? h("ul", {}, ...c.failures.slice(0, 20).map((f) => h("li", { class: "mono" }, `${f.code}: ${f.detail}`))) : null,
        ),
      ),
    ),
    h("h2", {}, t("reportFacts")),
    facts([
      [t("reportAt"), formatDate(Math.floor(Date.parse(r.generatedAt) / 1000), lang(), true)],
      [t("reportLogSize"), String(r.log.size)],
      [t("reportRoot"), r.log.root],
      [t("reportAnchored"), r.chain.latest ? String(r.chain.latest.size) : "—"],
      [t("reportRecords"), stat("records")],
      [t("reportReleases"), stat("releases")],
      [t("reportRefusals"), stat("refusals")],
      [t("reportTombstones"), stat("tombstones")],
      [t("reportDelay"), typeof r.stats.maxAnchorDelaySeconds === "number" ? String(Math.round(r.stats.maxAnchorDelaySeconds * 10) / 10) : "—"],
      [t("reportEmergency"), String(r.stats.emergencyReview?.length ?? 0)],
    ]),
    actions(
      button("downloadReport", () => download(`anxin-audit-report-${r.generatedAt.slice(0, 10)}.json`, JSON.stringify(r, null, 2)), "secondary"),
      button("runAgain", () => show(verifyScreen)),
      back(),
    ),
  );
};

function checkName(id: string, fallback: string): string {
  const k = `check_${id}`;
  const s = t(k);
  return s === k ? fallback : s;
}

const bundleScreen: Screen = () => {
  const id = field("recordId", { id: "record-id", autocomplete: "off", spellcheck: "false", inputmode: "text" }, "recordIdHint");
  const go = button("downloadBundle", async () => {
    const rid = id.input.value.trim().toLowerCase();
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(rid)) return status(t("badRecordId"), "error");
    await busy(go, "working", async () => {
      const b = await me.api.get(`${R.bundle}/${rid}`);
      download(`anxin-proof-bundle-${rid}.json`, JSON.stringify(b, null, 2));
      status(t("bundleDownloaded"), "ok");
    });
  });
  return screen("proofBundle", p(t("bundleLead"), "lead"), h("form", { class: "stack", onsubmit: (e: Event) => (e.preventDefault(), go.click()) }, id.wrap, actions(go, back())));
};

const breakGlassScreen: Screen = async () => {
  const res = await me.api.get<{ grants: Array<Record<string, any>>; releases: Array<Record<string, any>> }>(R.emergency);
  const when = (s: number | string | null | undefined) => (s === null || s === undefined ? "—" : formatDate(typeof s === "number" ? s : Math.floor(Date.parse(s) / 1000), lang(), true));
  const releasesOf = (g: string) => res.releases.filter((r) => r.grantId === g);
  return screen(
    "breakGlass",
    p(t("breakGlassLead"), "lead"),
    res.grants.length
      ? h(
          "ul",
          { class: "cards", id: "break-glass" },
          ...res.grants.map((g) =>
            h(
              "li",
              { class: "card", "data-grant": g.grantId },
              h("h2", {}, `${t("roleCounselor")} ${shortAddr(String(g.counselor))} → ${t("resident")} ${shortAddr(String(g.subject))}`),
              facts([
                [t("bgFrom"), when(Number(g.notBefore))],
                [t("bgUntil"), when(Number(g.notAfter))],
                [t("bgRevoked"), g.revokedAt ? when(Number(g.revokedAt)) : "—"],
                [t("bgReleases"), String(releasesOf(String(g.grantId)).length)],
                [t("bgGrant"), String(g.grantId)],
                [t("bgTx"), String(g.txHash ?? "—")],
              ]),
            ),
          ),
        )
      : p(t("noBreakGlass")),
    actions(back()),
  );
};

async function main() {
  startShell({ titleKey: "roleAuditor" });
  await show(() => keyScreen("auditor", (s) => ((me = s), void show(home))));
}
void main().catch((e) => status(errorText(e), "error"));
