// Plain-word building blocks of the resident pages: addresses only behind 详细信息, the age band as buttons, the
// consent receipt as a page to print (its JSON behind 详细信息).
import { lang, t } from "./i18n.js";
import { actions, button, download, h, p, show, type Screen } from "./ui.js";

/** A closed 详细信息 toggle holding `rows` (what staff may need to check; never read aloud while closed). */
export function details(...rows: Array<HTMLElement | string>): HTMLElement {
  return h("details", { class: "details" }, h("summary", {}, t("details")), ...rows.map((r) => (typeof r === "string" ? p(r, "mono") : r)));
}

/** The full address for staff to check, behind 详细信息. */
export function addressDetails(address: string): HTMLElement {
  return details(h("p", { class: "mono" }, `${t("addressLabel")}：${address}`));
}

/** 5-year bands (the need keeps exactly a 5-year band: src/deid/age.ts); each button stands for its middle age. */
const BANDS: Array<[() => string, number]> = [
  [() => t("ageUnder40"), 35],
  ...[40, 45, 50, 55, 60, 65, 70, 75].map((lo): [() => string, number] => [() => `${lo}–${lo + 4}${lang() === "en" ? "" : " 岁"}`, lo + 2]),
  [() => t("age80plus"), 85],
];

/** The age band chosen with big buttons (radios in labels); nothing is pre-selected. */
export function ageChoice(): { wrap: HTMLElement; value: () => number | undefined; first: HTMLInputElement } {
  const items = BANDS.map(([label, age]) => {
    const input = h("input", { type: "radio", name: "need-age", value: String(age) });
    return { input, li: h("li", {}, h("label", { class: "choice" }, input, h("span", {}, label()))) };
  });
  const wrap = h("fieldset", { class: "choices age-bands", id: "need-age" }, h("legend", {}, t("ageBandsLegend")), h("ul", {}, ...items.map((i) => i.li)));
  return {
    wrap,
    first: items[0].input,
    value: () => {
      const c = items.find((i) => i.input.checked);
      return c ? Number(c.input.value) : undefined;
    },
  };
}

/** The consent receipt as a page: the readable text (?format=text), 打印回执, and the JSON behind 详细信息. */
export function receiptScreen(text: string, json: unknown, grantId: string, back: Screen): Screen {
  return () =>
    h(
      "section",
      { class: "screen receipt" },
      h("h1", {}, t("receiptTitle")),
      p(t("receiptLead"), "lead no-print"),
      h("div", { class: "receipt-text", id: "receipt-text" }, ...text.split(/\n+/).filter((l) => l.trim()).map((l) => p(l))),
      actions(button("receiptPrint", () => window.print(), "primary no-print"), button("backToConsents", () => void show(back), "secondary no-print")),
      h(
        "details",
        { class: "details no-print" },
        h("summary", {}, t("details")),
        h("h2", {}, t("receiptJson")),
        h("pre", { class: "mono receipt-json no-read" }, JSON.stringify(json, null, 2)),
        actions(button("receiptDownload", () => download(`consent-receipt-${grantId.slice(2, 10)}.json`, JSON.stringify(json, null, 2)), "secondary")),
      ),
    );
}
