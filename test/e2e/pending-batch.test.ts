// Results queued on the device are resent through POST /v1/records:batch (issue 20, part 3): three results kept
// while the network was down go out in one request after the next unlock, one answer per item; the one the server
// refuses is named to her (when she entered it, and why) and stays sealed on the device; the others are stored.
import { expect } from "chai";
import type { Browser, Page } from "playwright-core";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { createResidentInPage, launch, newPage } from "./browser.js";

const PASS = "我的安心密码123";

describe("web: a resident's queued results are resent in one batch (browser)", function () {
  this.timeout(400_000);
  let srv: TestServer;
  let browser: Browser;
  let page: Page;
  const records = async () => (await srv.ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM records"))[0].n;
  const pending = () =>
    page.evaluate(
      () =>
        new Promise<string>((resolve, reject) => {
          const req = indexedDB.open("anxin", 1);
          req.onsuccess = () => {
            const g = req.result.transaction("kv").objectStore("kv").get("resident.pending");
            g.onsuccess = () => resolve(JSON.stringify(g.result ?? []));
            g.onerror = () => reject(g.error);
          };
        }),
    ).then((s) => JSON.parse(s) as Array<{ id: string; at: number; envelope: { sig: string; ciphertext: string } }>);

  before(async () => {
    [srv, browser] = await Promise.all([startTestServer(), launch()]);
    page = await newPage(browser, "zh-CN", { width: 390, height: 844 });
  });
  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  async function who5() {
    await page.getByRole("button", { name: "做一次心理评估" }).click();
    await page.locator('[data-instrument="who5"]').click();
    for (let i = 0; i < 5; i++) {
      await page.locator("label.choice").nth(2).click();
      await page.getByRole("button", { name: i === 4 ? "看结果" : "下一步" }).click();
    }
    await page.getByRole("heading", { name: "您的结果" }).waitFor();
    await page.locator("#result-saved").waitFor({ timeout: 30_000 });
  }

  it("sends three kept results in one request; the refused one is named and kept, the others are stored", async () => {
    await createResidentInPage(page, srv.url, PASS);

    // The network drops every single write: three results stay on the device, sealed.
    await page.route("**/v1/records", (r) => r.abort("connectionreset"));
    for (let i = 0; i < 3; i++) {
      await who5();
      expect(await page.locator("#result-saved").innerText()).to.equal("结果还没有送到服务器。它已经加密存在这台设备上，下次打开时会自动再送一次。");
      await page.getByRole("button", { name: "回到首页" }).first().click();
    }
    const kept = await pending();
    expect(kept).to.have.length(3);
    expect(await records()).to.equal(0);
    // The second one is damaged on the device (its signature no longer matches): the server must refuse it alone.
    const bad = kept[1];
    const flipped = bad.envelope.sig.slice(0, -4) + (bad.envelope.sig.endsWith("0000") ? "1111" : "0000");
    await page.evaluate(
      ({ list }) =>
        new Promise<void>((resolve, reject) => {
          const req = indexedDB.open("anxin", 1);
          req.onsuccess = () => {
            const t = req.result.transaction("kv", "readwrite");
            t.objectStore("kv").put(list, "resident.pending");
            t.oncomplete = () => resolve();
            t.onerror = () => reject(t.error);
          };
        }),
      { list: kept.map((x) => (x.id === bad.id ? { ...x, envelope: { ...x.envelope, sig: flipped } } : x)) },
    );
    await page.unroute("**/v1/records");

    const writes: Array<{ path: string; items?: number }> = [];
    const answers: Array<{ status: number }[]> = [];
    page.on("request", (r) => {
      const u = new URL(r.url());
      if (r.method() === "POST" && u.pathname.startsWith("/v1/records")) writes.push({ path: u.pathname, items: (r.postDataJSON() as { records?: unknown[] }).records?.length });
    });
    page.on("response", async (r) => {
      if (new URL(r.url()).pathname === "/v1/records:batch") answers.push(((await r.json()) as { results: { status: number }[] }).results);
    });
    await page.reload();
    await page.getByLabel("密码", { exact: true }).fill(PASS);
    await page.getByRole("button", { name: "打开", exact: true }).click();
    const status = page.locator(".status.error");
    await status.getByText("上次没有送到的 2 份评估结果，现在已经保存好了。", { exact: false }).waitFor({ timeout: 60_000 });

    // One request carried all three; no single-record writes were needed (she has no counsellor yet).
    expect(writes).to.deep.equal([{ path: "/v1/records:batch", items: 3 }]);
    expect(answers).to.have.length(1);
    const [r0, r1, r2] = answers[0].map((x) => x.status);
    expect([r0, r2]).to.deep.equal([201, 201]);
    expect(r1).to.be.within(400, 499);
    expect(await records()).to.equal(2);
    // She is told which one and why, and that it is not lost.
    const text = await status.innerText();
    expect(text.match(/的评估结果服务器没有接受：/g)).to.have.length(1);
    expect(text).to.include("它仍加密存在这台设备上，没有丢失。");
    expect(text).to.not.include(bad.envelope.sig);
    // Nothing lost: the refused result is still on the device, still sealed; the stored ones are gone from it.
    const left = await pending();
    expect(left.map((x) => x.id)).to.deep.equal([bad.id]);
    expect(left[0].envelope.ciphertext).to.equal(bad.envelope.ciphertext);
  });
});
