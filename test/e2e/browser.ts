// Shared set-up of the browser tests: Chromium (Debian's, or the npm one: test/helpers/chromium.ts) through
// playwright-core, axe-core checks, screenshots.
import { chromium, type Browser, type Page } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";
import { expect } from "chai";
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Wallet } from "ethers";
import type { TestServer } from "../helpers/server.js";
import { chooseChromium } from "../helpers/chromium.js";

let announced = false;

/** `extraArgs`: e.g. the fake camera and microphone of the consultation tests. */
export async function launch(extraArgs: string[] = []): Promise<Browser> {
  const choice = await chooseChromium();
  if (!announced) console.log(`      browser: ${choice.source}`);
  announced = true;
  return chromium.launch({
    executablePath: choice.executablePath,
    env: { ...process.env, ...choice.env } as Record<string, string>,
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", ...extraArgs],
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
/** Screenshots are documentation: rewritten only when asked (UPDATE_SCREENSHOTS=1), never by a CI run. */
export const UPDATE_SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === "1";

export async function screenshot(page: Page, name: string): Promise<void> {
  if (!UPDATE_SCREENSHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  // A window as tall as the page: the fixed crisis button then sits at the bottom as a user sees it, not mid-page.
  const vp = page.viewportSize()!;
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  if (height > vp.height) await page.setViewportSize({ width: vp.width, height });
  try {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), animations: "disabled" });
  } finally {
    if (height > vp.height) await page.setViewportSize(vp);
  }
}

const CJK = /[\u4e00-\u9fff]/;

/** Switches the page language with its own buttons and waits until the screen is re-rendered in it. */
export async function switchLang(page: Page, l: "zh-CN" | "en"): Promise<void> {
  await page.locator(`button.lang[lang="${l}"]`).click();
  await page.waitForFunction(
    ([want, cjk]) => document.documentElement.lang === want && new RegExp(cjk).test(document.querySelector("main h1")?.textContent ?? "") === (want === "zh-CN"),
    [l, CJK.source] as const,
    { timeout: 30_000 },
  );
}

/** axe-core on the current screen in zh-CN, then in English, then back to zh-CN. */
export async function expectNoAxeViolationsBoth(page: Page, what: string): Promise<void> {
  await expectNoAxeViolations(page, `${what} (zh-CN)`);
  await switchLang(page, "en");
  await expectNoAxeViolations(page, `${what} (en)`);
  await switchLang(page, "zh-CN");
}

/**
 * 200% zoom on a narrow window (640 CSS px wide, the root font doubled): the main content must not scroll
 * sideways and every button or link target must stay at least 44 × 44 CSS px (WCAG 2.5.5).
 */
export async function expectUsableAtZoom(page: Page, what: string): Promise<void> {
  const before = page.viewportSize()!;
  await page.setViewportSize({ width: 640, height: 900 });
  await page.evaluate(() => (document.documentElement.style.fontSize = "200%"));
  try {
    const r = await page.evaluate(() => {
      const doc = document.scrollingElement as HTMLElement;
      const main = document.querySelector("main") as HTMLElement;
      const small: string[] = [];
      for (const el of document.querySelectorAll<HTMLElement>("button, a.task, a.call, select, input[type=text], input[type=password], input[type=number]")) {
        const b = el.getBoundingClientRect();
        if (b.width === 0 && b.height === 0) continue; // not rendered (closed dialog, display: none)
        if (b.height < 44 || b.width < 44) small.push(`${el.tagName.toLowerCase()} "${(el.textContent ?? "").trim().slice(0, 20)}" ${Math.round(b.width)}×${Math.round(b.height)}`);
      }
      return { page: doc.scrollWidth - doc.clientWidth, main: main.scrollWidth - main.clientWidth, small };
    });
    expect(r.page, `${what}: the page scrolls sideways at 200%`).to.be.at.most(0);
    expect(r.main, `${what}: the main content scrolls sideways at 200%`).to.be.at.most(0);
    expect(r.small, `${what}: targets smaller than 44px at 200%`).to.deep.equal([]);
  } finally {
    await page.evaluate(() => (document.documentElement.style.fontSize = ""));
    await page.setViewportSize(before);
  }
}

/** A staff JSON keystore for the page's key screen (a cheap scrypt cost keeps tests short; the page reads any). */
export async function keyFile(wallet: Wallet, pass: string) {
  const { encryptWalletJson } = await import("../../src/crypto/index.js");
  return { name: "key.json", mimeType: "application/json", buffer: Buffer.from(await encryptWalletJson(wallet, pass, { scryptN: 1 << 12 })) };
}

/** Opens a staff page's key file and signs in; resolves once `heading` (the role's home) shows. */
export async function staffSignIn(page: Page, url: string, wallet: Wallet, heading: string): Promise<void> {
  await page.goto(url);
  await page.getByRole("heading", { name: "打开您的工作钥匙" }).waitFor();
  await page.getByLabel("钥匙文件").setInputFiles(await keyFile(wallet, "staff-pass-123"));
  await page.getByLabel("钥匙密码").fill("staff-pass-123");
  await page.getByRole("button", { name: "打开并登录" }).click();
  await page.getByRole("heading", { name: heading }).waitFor({ timeout: 30_000 });
}

/** A new resident as she starts in the page: a key under `pass`, the 24 characters copied and checked; resolves on
 * her home screen. Returns the 24 characters. */
export async function createResidentInPage(page: Page, url: string, pass = "我的安心密码123"): Promise<string[]> {
  await page.goto(`${url}/resident.html`);
  await page.getByRole("button", { name: "创建我的钥匙" }).click();
  await page.getByLabel("密码", { exact: true }).fill(pass);
  await page.getByLabel("再输入一次密码").fill(pass);
  await page.getByRole("button", { name: "创建我的钥匙" }).click();
  await page.getByRole("heading", { name: "请抄下找回用的24个字" }).waitFor({ timeout: 30_000 });
  const words = await page.locator("#recovery-words li").allInnerTexts();
  await page.getByRole("button", { name: "我已经抄好了" }).click();
  for (const box of await page.locator("input[data-position]").all()) await box.fill(words[Number(await box.getAttribute("data-position")) - 1]!);
  await page.getByRole("button", { name: "检查", exact: true }).click();
  await page.getByRole("heading", { name: "您想做什么？" }).waitFor();
  return words;
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
