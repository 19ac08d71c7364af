// Measures a resident screen as an elderly resident's phone shows it, in each text size (标准 / 大 / 特大):
// smallest text, smallest target, smallest line height, sideways scroll (also at 200 % text), whether the crisis
// bar covers anything at the end of the screen, and axe-core (WCAG 2.0/2.1/2.2 A and AA) violations.
import { AxeBuilder } from "@axe-core/playwright";
import { expect } from "chai";
import { readFileSync, writeFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { UPDATE_SCREENSHOTS } from "./browser.js";

export type Size = "standard" | "large" | "xlarge";
export const SIZES: Size[] = ["standard", "large", "xlarge"];

export interface Measure {
  bodyPx: number;
  minTextPx: number;
  minText: string;
  minTargetPx: number;
  minTarget: string;
  minLineHeight: number;
  sideways: number;
  sidewaysAt200: number;
  coveredByCrisis: string[];
  axe: string[];
}

/** One row per screen and size, for the table in docs/web.md. */
export const ROWS: Array<{ screen: string; size: Size; m: Measure }> = [];

async function setSize(page: Page, s: Size): Promise<void> {
  // Behind a modal dialog the top bar is inert: set what its buttons set (elder.ts applyTextSize) directly.
  if (await page.locator("dialog[open]").count()) {
    await page.evaluate((want) => {
      document.documentElement.dataset.textSize = want;
      document.documentElement.classList.toggle("elder", want !== "standard");
    }, s);
  } else await page.locator(`button.size[data-size="${s}"]`).click();
  await page.waitForFunction((want) => document.documentElement.dataset.textSize === want, s);
}

async function raw(page: Page): Promise<Omit<Measure, "axe" | "sidewaysAt200">> {
  return page.evaluate(() => {
    const visible = (el: Element) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
    let minTextPx = Infinity;
    let minText = "";
    let minLineHeight = Infinity;
    const root = document.querySelector("dialog[open]") ?? document.body;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || !n.textContent?.trim() || el.closest("script, style, noscript, .skip") || !visible(el)) continue;
      const cs = getComputedStyle(el);
      const fs = parseFloat(cs.fontSize);
      if (fs < minTextPx) [minTextPx, minText] = [fs, `${el.tagName.toLowerCase()} "${n.textContent.trim().slice(0, 16)}"`];
      if (cs.lineHeight !== "normal") minLineHeight = Math.min(minLineHeight, parseFloat(cs.lineHeight) / fs);
    }
    let minTargetPx = Infinity;
    let minTarget = "";
    const targets = root.querySelectorAll<HTMLElement>("button, a[href], select, textarea, input:not([type=radio]):not([type=checkbox]):not([type=hidden]), label.choice, summary");
    for (const el of targets) {
      if (el.closest(".skip") || !visible(el)) continue;
      const b = el.getBoundingClientRect();
      const m = Math.min(b.width, b.height);
      if (m < minTargetPx) [minTargetPx, minTarget] = [m, `${el.tagName.toLowerCase()} "${(el.textContent ?? "").trim().slice(0, 12)}" ${Math.round(b.width)}×${Math.round(b.height)}`];
    }
    const doc = document.scrollingElement as HTMLElement;
    const sideways = doc.scrollWidth - doc.clientWidth;
    // At the end of the screen nothing is under the crisis bar.
    window.scrollTo(0, doc.scrollHeight);
    const bar = document.getElementById("crisis-bar");
    const covered: string[] = [];
    if (bar && !document.querySelector("dialog[open]")) {
      const r = bar.getBoundingClientRect();
      for (const el of document.querySelectorAll<HTMLElement>("main *, .status, footer .footnote, footer .staff-link")) {
        if (!visible(el) || el.children.length) continue;
        const e = el.getBoundingClientRect();
        if (e.bottom > r.top + 0.5 && e.top < r.bottom && e.right > r.left && e.left < r.right) covered.push(`${el.tagName.toLowerCase()} "${(el.textContent ?? "").trim().slice(0, 16)}"`);
      }
    }
    window.scrollTo(0, 0);
    return { bodyPx: parseFloat(getComputedStyle(document.body).fontSize), minTextPx, minText, minTargetPx: Math.round(minTargetPx * 10) / 10, minTarget, minLineHeight: Math.round(minLineHeight * 100) / 100, sideways, coveredByCrisis: covered };
  });
}

/** Sideways scroll with the root text doubled (200 % text) on this viewport. */
async function sidewaysAt200(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const root = document.documentElement;
    const before = root.style.fontSize;
    root.style.fontSize = "200%";
    await new Promise((r) => requestAnimationFrame(() => r(null)));
    const doc = document.scrollingElement as HTMLElement;
    const d = doc.scrollWidth - doc.clientWidth;
    root.style.fontSize = before;
    return d;
  });
}

/** Measures `screen` in all three sizes, asserts the elder-mode rules, and leaves the page in `keep`. */
export async function measureScreen(page: Page, screen: string, keep: Size = "xlarge"): Promise<void> {
  for (const size of SIZES) {
    await setSize(page, size);
    const m = { ...(await raw(page)), sidewaysAt200: await sidewaysAt200(page), axe: [] as string[] };
    const r = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]).analyze();
    m.axe = r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    ROWS.push({ screen, size, m });
    const what = `${screen} (${size})`;
    expect(m.axe, `${what}: axe`).to.deep.equal([]);
    expect(m.sideways, `${what}: sideways scroll`).to.be.at.most(0);
    expect(m.sidewaysAt200, `${what}: sideways scroll at 200 % text`).to.be.at.most(0);
    expect(m.coveredByCrisis, `${what}: under the crisis bar`).to.deep.equal([]);
    expect(m.minLineHeight, `${what}: line height`).to.be.at.least(1.3);
    expect(m.minTargetPx, `${what}: smallest target ${m.minTarget}`).to.be.at.least(size === "standard" ? 44 : 60);
    if (size === "large") expect(m.minTextPx, `${what}: smallest text ${m.minText}`).to.be.at.least(20);
    if (size === "xlarge") {
      expect(m.bodyPx, `${what}: body text`).to.be.at.least(30);
      expect(m.minTextPx, `${what}: smallest text ${m.minText}`).to.be.at.least(24);
    }
  }
  await setSize(page, keep);
}

/**
 * The measured table (Markdown); written into docs/web.md between the `<!-- {section}:start/end -->` markers when
 * UPDATE_SCREENSHOTS=1. Each test file writes its own section (elder.test.ts the walk, crisis.test.ts the crisis
 * route), so running one file never drops the other's rows.
 */
export function writeTable(section = "elder-table"): string {
  const START = `<!-- ${section}:start -->`;
  const END = `<!-- ${section}:end -->`;
  const label: Record<Size, string> = { standard: "标准", large: "大", xlarge: "特大" };
  const lines = [
    "| screen | size | body px | smallest text px | smallest target px | min line height | sideways scroll px (at 200 % text) | under crisis bar | axe |",
    "|---|---|---|---|---|---|---|---|---|",
    ...ROWS.map(({ screen, size, m }) => `| ${screen} | ${label[size]} | ${m.bodyPx} | ${m.minTextPx} | ${m.minTargetPx} | ${m.minLineHeight} | ${m.sideways} (${m.sidewaysAt200}) | ${m.coveredByCrisis.length} | ${m.axe.length} |`),
  ];
  const table = lines.join("\n");
  if (UPDATE_SCREENSHOTS) {
    const doc = readFileSync("docs/web.md", "utf8");
    const i = doc.indexOf(START);
    const j = doc.indexOf(END);
    if (i >= 0 && j > i) writeFileSync("docs/web.md", `${doc.slice(0, i + START.length)}\n${table}\n${doc.slice(j)}`);
  }
  return table;
}
