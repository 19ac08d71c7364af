// The resident page takes phone exports as the phone gives them: an Apple Health export.zip and a Garmin .fit file
// are recognised by content and read in the browser (progress line), and only the daily index reaches the server;
// a Health Connect export, which needs SQLite, is refused with a reason (the CLI reads it).
import { expect } from "chai";
import { readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { createResidentInPage, expectNoAxeViolations, launch, newPage } from "./browser.js";

const fixture = (f: string) => readFileSync(new URL(`../fixtures/wearable/${f}`, import.meta.url));

describe("web: resident imports phone health exports (browser)", function () {
  this.timeout(150_000);
  let srv: TestServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    [srv, browser] = await Promise.all([startTestServer(), launch()]);
    page = await newPage(browser, "zh-CN");
    await createResidentInPage(page, srv.url);
  });
  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  /** Opens the wearable screen (its task wording may change; the file input's id does not). */
  async function openWearable() {
    await page.getByRole("heading", { name: "您想做什么？" }).waitFor();
    await page.getByRole("button", { name: /手环|健康数据/ }).first().click();
    await page.locator("#wearable-file").waitFor();
  }
  const importFile = async (name: string, mimeType: string) => {
    await page.locator("#wearable-file").setInputFiles({ name, mimeType, buffer: fixture(name) });
    await page.getByRole("button", { name: "导入", exact: true }).click();
  };
  const days = async () => (await srv.ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM wearable_index"))[0].n;

  it("an Apple Health export.zip: 21 days scored here, one warning, only the index stored", async () => {
    await openWearable();
    expect(await page.locator("#wearable-file").getAttribute("accept")).to.include(".zip").and.include(".fit").and.include(".xml");
    await importFile("export.zip", "application/zip");
    await page.locator("#wearable-result h2").waitFor({ timeout: 60_000 });
    const text = await page.locator("#wearable-result").innerText();
    expect(text).to.match(/天数\s*21/);
    expect(text).to.match(/提醒\s*1/);
    expect(await days()).to.equal(21);
    // The server holds the index only: no sample, no day figure.
    const cols = await srv.ctx.db.query<{ column_name: string }>("SELECT column_name FROM information_schema.columns WHERE table_name = 'wearable_index'");
    expect(cols.map((c) => c.column_name)).to.not.include.members(["sdnn", "rmssd", "heart_rate"]);
    await expectNoAxeViolations(page, "wearable export imported");
    await page.getByRole("button", { name: "回到首页" }).first().click();
  });

  it("a Garmin .fit file imports the same 21 days (the same dates are replaced, not added)", async () => {
    await openWearable();
    await importFile("garmin-monitoring.fit", "application/octet-stream");
    await page.locator("#wearable-result h2").waitFor({ timeout: 60_000 });
    expect(await page.locator("#wearable-result").innerText()).to.match(/天数\s*21/);
    expect(await days()).to.equal(21);
    await page.getByRole("button", { name: "回到首页" }).first().click();
  });

  it("a Health Connect export is refused with a reason, nothing uploaded", async () => {
    await openWearable();
    const before = await days();
    await importFile("health_connect_export.zip", "application/zip");
    await page.locator(".status.error").waitFor({ timeout: 30_000 });
    expect(await page.locator(".status.error").innerText()).to.match(/command line|anxin wearable import/);
    expect(await days()).to.equal(before);
  });
});
