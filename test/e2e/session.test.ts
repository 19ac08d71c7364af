// No silent failure (issue 18, part 4), with sessions of one minute (ANXIN_SESSION_TTL_SECONDS=60): three minutes
// over an assessment and it is still saved (the page signed in again by itself and retried); a result the server
// never received stays sealed on the device, and after a reload she is told and it is sent.
import { expect } from "chai";
import type { Browser, Page } from "playwright-core";
import { loadConfig } from "../../src/config.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { createResidentInPage, launch, newPage } from "./browser.js";

describe("web: resident sessions expire without losing anything (browser)", function () {
  this.timeout(600_000);
  let srv: TestServer;
  let browser: Browser;
  let page: Page;
  const seen: Array<{ method: string; path: string; status: number }> = [];
  const records = async () => (await srv.ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM records"))[0].n;

  before(async () => {
    // The setting exists and is what the server runs with here.
    expect(loadConfig({ ANXIN_SESSION_TTL_SECONDS: "60" }, {}).sessionTtlSeconds).to.equal(60);
    [srv, browser] = await Promise.all([startTestServer({ config: { sessionTtlSeconds: 60 } }), launch()]);
    page = await newPage(browser, "zh-CN", { width: 390, height: 844 });
    page.on("response", (r) => {
      const u = new URL(r.url());
      if (u.pathname.startsWith("/v1/")) seen.push({ method: r.request().method(), path: u.pathname, status: r.status() });
    });
  });
  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  async function answerWho5(from: number, to: number) {
    for (let i = from; i < to; i++) {
      await page.locator("label.choice").nth(2).click();
      await page.getByRole("button", { name: i === 4 ? "看结果" : "下一步" }).click();
    }
  }

  it("takes three minutes over an assessment; the expired session is renewed by itself and the result is saved", async () => {
    await createResidentInPage(page, srv.url);
    // Signed in to her own vault now (the access log asks it).
    await page.getByRole("button", { name: "谁看过我的信息" }).click();
    await page.getByRole("heading", { name: "谁看过我的信息" }).waitFor();
    await page.getByRole("button", { name: "回到首页" }).first().click();
    const loginsBefore = seen.filter((s) => s.path === "/v1/auth/login").length;
    await page.getByRole("button", { name: "做一次心理评估" }).click();
    await page.locator('[data-instrument="who5"]').click();
    await answerWho5(0, 2);
    await page.waitForTimeout(185_000); // the real expiry: a minute's session, three minutes of thinking
    await answerWho5(2, 5);
    await page.getByRole("heading", { name: "您的结果" }).waitFor();
    await page.locator("#result-saved").waitFor({ timeout: 30_000 });
    expect(await page.locator("#result-saved").innerText()).to.equal("结果已经加密保存。只有您同意的咨询师能看到。");
    expect(await records()).to.equal(1);
    // What happened on the wire: the old session was refused, she was signed in again, the record was accepted.
    const after = seen.slice(seen.findIndex((s) => s.method === "POST" && s.path === "/v1/records"));
    expect(after[0].status).to.equal(401);
    expect(seen.filter((s) => s.path === "/v1/auth/login").length).to.be.above(loginsBefore);
    expect(after.some((s) => s.method === "POST" && s.path === "/v1/records" && s.status === 201)).to.equal(true);
    expect(await page.locator(".status.error").count()).to.equal(0);
  });

  it("a result the server never got stays sealed on the device; after a reload she is told and it is sent", async () => {
    await page.getByRole("button", { name: "回到首页" }).first().click();
    await page.route("**/v1/records", (r) => r.abort("connectionreset"));
    await page.getByRole("button", { name: "做一次心理评估" }).click();
    await page.locator('[data-instrument="who5"]').click();
    await answerWho5(0, 5);
    await page.getByRole("heading", { name: "您的结果" }).waitFor();
    expect(await page.locator("#result-saved").innerText()).to.equal("结果还没有送到服务器。它已经加密存在这台设备上，下次打开时会自动再送一次。");
    // Kept sealed: the stored envelope carries no answers or score in clear.
    const kept = await page.evaluate(
      () =>
        new Promise<string>((resolve, reject) => {
          const req = indexedDB.open("anxin", 1);
          req.onsuccess = () => {
            const g = req.result.transaction("kv").objectStore("kv").get("resident.pending");
            g.onsuccess = () => resolve(JSON.stringify(g.result ?? null));
            g.onerror = () => reject(g.error);
          };
        }),
    );
    const items = JSON.parse(kept) as Array<{ envelope: { ciphertext: string } }>;
    expect(items).to.have.length(1);
    expect(items[0].envelope.ciphertext).to.be.a("string");
    expect(kept).to.not.match(/"total"|"answers"|"band"/);
    expect(await records()).to.equal(1);
    await page.unroute("**/v1/records");
    await page.reload();
    await page.getByLabel("密码", { exact: true }).fill("我的安心密码123");
    await page.getByRole("button", { name: "打开", exact: true }).click();
    await page.getByText("上次没有送到的 1 份评估结果，现在已经保存好了。").waitFor({ timeout: 30_000 });
    expect(await records()).to.equal(2);
  });
});
