import { startTestServer, type TestServer } from "../helpers/server.js";
import { launch, newPage } from "./browser.js";
describe("debug", function () {
  this.timeout(300_000);
  it("walks", async () => {
    const srv: TestServer = await startTestServer({});
    const browser = await launch();
    try {
      const page = await newPage(browser, "zh-CN", { width: 390, height: 844 });
      await page.addInitScript({ content: "window.__name = (f) => f;" });
      await page.goto(`${srv.url}/resident.html`);
      await page.getByRole("heading", { name: "欢迎使用安心" }).waitFor();
      for (const size of ["standard", "xlarge"]) {
        await page.locator(`button.size[data-size="${size}"]`).click();
        const out = await page.evaluate(() => {
          document.documentElement.style.fontSize = "200%";
          const w = document.documentElement.clientWidth;
          const res: string[] = [];
          for (const el of document.querySelectorAll<HTMLElement>("body *")) {
            const r = el.getBoundingClientRect();
            if (r.right > w + 0.5) res.push(`${el.tagName}.${el.className} right=${Math.round(r.right)} w=${Math.round(r.width)} "${(el.textContent ?? "").slice(0, 15)}"`);
          }
          document.documentElement.style.fontSize = "";
          return { w, res };
        });
        console.log(size, out.w, out.res.join("\n"));
      }
      await page.screenshot({ path: "/tmp/elder/dbg.png", fullPage: true });
    } finally {
      await browser.close();
      await srv.stop();
    }
  });
});
