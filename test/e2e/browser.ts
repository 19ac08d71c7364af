// Shared set-up of the browser tests: Debian's Chromium through playwright-core, axe-core checks, screenshots.
import { chromium, type Browser, type Page } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";
import { expect } from "chai";
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Wallet } from "ethers";
import type { TestServer } from "../helpers/server.js";

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
}

/** A fresh page (own IndexedDB) in the given language. */
export async function newPage(browser: Browser, lang: "zh-CN" | "en" = "zh-CN", viewport = { width: 1100, height: 900 }): Promise<Page> {
  const ctx = await browser.newContext({ viewport, locale: lang });
  const page = await ctx.newPage();
  await page.addInitScript((l) => localStorage.setItem("anxin.lang", l), lang);
  page.on("dialog", (d) => void d.accept());
  page.on("pageerror", (e) => console.error("page error:", e.message));
  return page;
}

/** axe-core WCAG 2.0 A/AA + 2.1 AA: zero violations, listed by rule and node when there are any. */
export async function expectNoAxeViolations(page: Page, what: string): Promise<void> {
  const r = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21aa"]).analyze();
  const text = r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`).join("\n");
  expect(r.violations, `${what}:\n${text}`).to.have.length(0);
}

export const SHOTS = path.resolve("docs/screenshots");

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** The operator key is shared with the server's own workers (relayer, checkpoints): retry a set-up transaction
 * whose nonce a worker took first. */
export async function retryNonce<T>(fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= 4 || !/nonce/i.test(String((e as Error).message))) throw e;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

/** Signs in and waits (briefly) until the chain-derived role is visible: role reads are cached for ~2 s. */
export async function loginAs(srv: TestServer, wallet: Wallet, role: string) {
  for (let i = 0; ; i++) {
    srv.ctx.roles.invalidate();
    const api = await srv.api().login(wallet);
    if (api.roles.includes(role) || i >= 20) return api;
    await new Promise((r) => setTimeout(r, 250));
  }
}
