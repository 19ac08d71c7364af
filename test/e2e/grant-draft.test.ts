// Grants drafted in the browser carry the same time jitter as the CLI's (docs/FORMATS.md §Time jitter): the
// client's draftGrant, bundled for the browser as the pages bundle it, runs in Debian's Chromium on its Web Crypto,
// and its start and end offsets pass the checks the Node unit test applies and are indistinguishable (two-sample
// Kolmogorov–Smirnov) from drafts made in Node by the same function the CLI calls.
import { expect } from "chai";
import { Wallet } from "ethers";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { draftGrant } from "../../src/client/index.js";
import { Purpose } from "../../src/consent/index.js";
import { expectTimeJitter, ksCritical, ksStatistic, offsetsOf, type Offsets } from "../helpers/jitter.js";
import { launch, newPage } from "./browser.js";

const N = 3000;
const DAYS = 365;

/** src/client as an IIFE for the page (platform browser, like src/http/web-bundle.ts): window.anxinClient. */
async function clientBundle(): Promise<string> {
  const esbuild = await import("esbuild");
  const r = await esbuild.build({
    stdin: { contents: 'export { draftGrant } from "./src/client/grants.ts";', resolveDir: path.resolve("."), loader: "ts" },
    bundle: true,
    write: false,
    format: "iife",
    globalName: "anxinClient",
    platform: "browser",
    target: "es2022",
    logLevel: "warning",
  });
  return r.outputFiles[0].text;
}

describe("web: grant drafting in the browser (Chromium)", function () {
  this.timeout(120_000);
  let browser: Browser;
  let page: Page;

  before(async () => {
    const [b, code] = await Promise.all([launch(), clientBundle()]);
    browser = b;
    page = await newPage(browser);
    await page.setContent("<!doctype html><html lang=en><title>draft</title><main></main></html>");
    await page.addScriptTag({ content: code });
  });
  after(async () => {
    await browser?.close();
  });

  it("draws notBefore = now − U[0, 3600) and notAfter = notBefore + days + U[0, 86400), as the CLI does", async () => {
    const subject = Wallet.createRandom().address;
    const grantee = Wallet.createRandom().address;
    const now = Math.floor(Date.now() / 1000);
    const inPage = await page.evaluate(
      ({ subject, grantee, now, n, days, purpose }) => {
        const c = (globalThis as unknown as { anxinClient: { draftGrant: typeof draftGrant } }).anxinClient;
        // The page's own Web Crypto, not Node's: this is what a resident's browser draws from.
        if (typeof process !== "undefined") throw new Error("not a browser");
        return Array.from({ length: n }, () => {
          const b = c.draftGrant({ subject, grantee, purpose, categories: ["assessment", "consultation_note"], days, now });
          return { notBefore: b.grant.notBefore, notAfter: b.grant.notAfter, salt: b.grant.salt };
        });
      },
      { subject, grantee, now, n: N, days: DAYS, purpose: Purpose.TREATMENT },
    );
    const browserOffsets: Offsets[] = inPage.map((w) => offsetsOf(w, now, DAYS));
    expectTimeJitter(browserOffsets, "browser draftGrant");
    expect(new Set(inPage.map((w) => w.salt)).size, "fresh salt per grant").to.equal(N);

    // The same function in Node (what `anxin consent grant` calls): the two samples come from one distribution.
    const nodeOffsets = Array.from({ length: N }, () => offsetsOf(draftGrant({ subject, grantee, purpose: Purpose.TREATMENT, categories: ["assessment"], days: DAYS, now }).grant, now, DAYS));
    expectTimeJitter(nodeOffsets, "Node draftGrant");
    const crit = ksCritical(N, N);
    expect(ksStatistic(browserOffsets.map((o) => o.start), nodeOffsets.map((o) => o.start)), "start offsets: browser vs Node").to.be.below(crit);
    expect(ksStatistic(browserOffsets.map((o) => o.end), nodeOffsets.map((o) => o.end)), "end offsets: browser vs Node").to.be.below(crit);
  });
});
