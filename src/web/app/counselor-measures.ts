// Records in plain words for the counsellor ("PHQ-9 抑郁量表 · 16 分 · 中重度", item 9 flagged on its own line) and
// measurement-based care: PHQ-9, GAD-7 and WHO-5 totals over time as an SVG line chart, each with a table beside it
// holding the same numbers (the table is what a screen reader reads; the chart is aria-hidden).
import { INSTRUMENTS } from "../../assess/instruments/index.js";
import type { InstrumentId } from "../../assess/types.js";
import { bi, lang, t } from "./i18n.js";
import { h, p } from "./ui.js";
import { when } from "./zone.js";
import "./counselor-words.js";

export interface Assessment {
  instrument: string;
  total: number;
  band: string;
  answers?: Record<string, number>;
  at: string;
}

const SHORT: Record<string, [string, string]> = {
  phq9: ["PHQ-9 抑郁量表", "PHQ-9 depression"],
  gad7: ["GAD-7 焦虑量表", "GAD-7 anxiety"],
  who5: ["WHO-5 身心健康指数", "WHO-5 well-being"],
  pss10: ["PSS-10 压力量表", "PSS-10 stress"],
  k10: ["K10 心理困扰量表", "K10 distress"],
};
/** Short level words for the symptom scales; WHO-5 (higher is better) keeps its own band labels. */
const LEVEL: Record<string, [string, string]> = {
  minimal: ["无或极轻", "minimal"],
  mild: ["轻度", "mild"],
  moderate: ["中度", "moderate"],
  moderately_severe: ["中重度", "moderately severe"],
  severe: ["重度", "severe"],
};
const pick = (x: [string, string]) => (lang() === "en" ? x[1] : x[0]);

export const instrumentName = (id: string) => (SHORT[id] ? pick(SHORT[id]) : id.toUpperCase());

export function levelWord(id: string, band: string): string {
  const def = INSTRUMENTS[id as InstrumentId];
  if (id === "who5" && def) {
    const b = def.bands.find((x) => x.band === band);
    if (b) return bi(b.label);
  }
  return LEVEL[band] ? pick(LEVEL[band]) : band;
}

/** PHQ-9 item 9 ("thoughts that you would be better off dead, or of hurting yourself"): its answer, or 0. */
export const item9 = (a: Pick<Assessment, "instrument" | "answers">) => (a.instrument === "phq9" ? Number(a.answers?.phq9_9 ?? 0) : 0);

/** "PHQ-9 抑郁量表 · 16 分 · 中重度". */
export const plainLine = (a: Assessment) => `${instrumentName(a.instrument)} · ${t("pointsUnit", { n: a.total })} · ${levelWord(a.instrument, a.band)}`;

/** One assessment as a record card body: the plain line, and item 9 as a flag of its own when above 0. */
export function assessmentBody(a: Assessment): HTMLElement[] {
  const out = [h("p", { class: "record-text" }, plainLine(a))];
  const n = item9(a);
  if (n > 0) out.push(h("p", { class: "flag flag-item9", role: "note" }, t("item9Flag", { n })));
  return out;
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag: string, attrs: Record<string, string | number>, ...kids: Element[]): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...kids);
  return el;
}

/** Score range of each charted instrument (WHO-5 is shown 0–100 as scored). */
const RANGE: Record<string, number> = { phq9: 27, gad7: 21, who5: 100 };
export const CHARTED = Object.keys(RANGE);

/** Line chart of one instrument's totals in time order; points labelled with their score. */
export function chart(id: string, points: Assessment[]): SVGElement {
  const W = 320, H = 160, L = 36, R = 12, T = 12, B = 28;
  const max = RANGE[id] ?? Math.max(...points.map((x) => x.total), 1);
  const x = (i: number) => L + (points.length === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (points.length - 1));
  const y = (v: number) => T + (H - T - B) * (1 - v / max);
  const grid = [0, max / 2, max].map((v) => svg("g", {}, svg("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "grid" }), Object.assign(svg("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end", class: "axis" }), { textContent: String(Math.round(v)) })));
  const line = svg("polyline", { points: points.map((pt, i) => `${x(i)},${y(pt.total)}`).join(" "), class: "trend" });
  const dots = points.map((pt, i) => svg("g", {}, svg("circle", { cx: x(i), cy: y(pt.total), r: 4, class: item9(pt) > 0 ? "dot flagged" : "dot" }), Object.assign(svg("text", { x: x(i), y: y(pt.total) - 8, "text-anchor": "middle", class: "value" }), { textContent: String(pt.total) })));
  // The first and the last date only (the table has every one), anchored inwards so neither is cut off.
  const ends = points.length === 1 ? [0] : [0, points.length - 1];
  const dates = ends.map((i) => Object.assign(svg("text", { x: x(i), y: H - 8, "text-anchor": points.length === 1 ? "middle" : i === 0 ? "start" : "end", class: "axis" }), { textContent: when(points[i]!.at, lang(), false).replace(/^\d{4}年|\s\d{4}$/, "") }));
  return svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "measure-chart", "aria-hidden": "true", focusable: "false", "data-instrument": id }, ...grid, line, ...dots, ...dates);
}

/** The measures section: per instrument a figure (chart + the same numbers as a table). */
export function measuresSection(all: Assessment[]): HTMLElement {
  const by = CHARTED.map((id) => [id, all.filter((a) => a.instrument === id).sort((a, b) => Date.parse(a.at) - Date.parse(b.at))] as const).filter(([, v]) => v.length > 0);
  return h(
    "section",
    { class: "measures", id: "measures", "aria-labelledby": "measures-title" },
    h("h2", { id: "measures-title" }, t("measuresTitle")),
    p(t("measuresLead"), "note"),
    by.length === 0
      ? p(t("measuresNone"))
      : h(
          "div",
          { class: "measure-list" },
          ...by.map(([id, pts]) =>
            h(
              "figure",
              { class: "measure", "data-instrument": id },
              h("figcaption", {}, t("measureChart", { name: instrumentName(id) })),
              h("div", { class: "measure-row" },
                chart(id, pts),
                h(
                  "table",
                  { class: "measure-table" },
                  h("caption", {}, t("measureTable", { name: instrumentName(id) })),
                  h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("measureDate")), h("th", { scope: "col" }, t("measureScore")), h("th", { scope: "col" }, t("measureBand")))),
                  h("tbody", {}, ...pts.map((a) => h("tr", { class: item9(a) > 0 ? "flagged" : "" }, h("td", {}, when(a.at, lang(), false)), h("td", {}, String(a.total)), h("td", {}, levelWord(id, a.band) + (item9(a) > 0 ? ` · ${t("flagItem9", { n: item9(a) })}` : ""))))),
                ),
              ),
            ),
          ),
        ),
  );
}
