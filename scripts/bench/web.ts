// The resident page on a slow phone: emulated 3G (1.6 Mbit/s down, 750 kbit/s up, 150 ms RTT, the Lighthouse "3G"
// profile) and 4× CPU slowdown, a cold cache, measured until the welcome screen is usable (its heading is drawn and
// its first button can be pressed). The same run loads the page once more with compression refused
// (Accept-Encoding: identity) as the baseline, and reports the JavaScript bytes that crossed the network.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/http/logger.js";
import { startServer } from "../../src/http/server.js";
import { chooseChromium } from "../../test/helpers/chromium.js";

const THREE_G = { offline: false, latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8 };
const CPU_SLOWDOWN = 4;


async function loadOnce(url: string, compressed: boolean): Promise<{ readyMs: number; jsBytes: number; jsFiles: number }> {
  const choice = await chooseChromium(); // Debian's, CHROMIUM_PATH, or the npm registry's (as the browser tests)
  const browser = await chromium.launch({ executablePath: choice.executablePath, env: { ...process.env, ...choice.env }, args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"] });
  try {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "zh-CN" });
    const page = await ctx.newPage();
    const cdp = await ctx.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    await cdp.send("Network.emulateNetworkConditions", THREE_G);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: CPU_SLOWDOWN });
    if (!compressed) await cdp.send("Network.setExtraHTTPHeaders", { headers: { "Accept-Encoding": "identity" } });
    const scripts = new Map<string, number>();
    let jsBytes = 0;
    cdp.on("Network.responseReceived", (e: any) => e.type === "Script" && scripts.set(e.requestId, 0));
    cdp.on("Network.loadingFinished", (e: any) => scripts.has(e.requestId) && (jsBytes += e.encodedDataLength));
    const t0 = performance.now();
    await page.goto(url, { waitUntil: "commit" });
    await page.waitForFunction(() => !!document.querySelector("main h1") && !!document.querySelector("main button:not([disabled])"), undefined, { timeout: 120_000, polling: 50 });
    const readyMs = performance.now() - t0;
    await page.waitForLoadState("networkidle");
    return { readyMs: Math.round(readyMs), jsBytes, jsFiles: scripts.size };
  } finally {
    await browser.close();
  }
}

export async function benchWeb() {
  const dataDir = mkdtempSync(path.join(tmpdir(), "anxin-bench-web-"));
  const srv = await startServer(loadConfig({}, { dataDir, port: 0, anvilPort: 0, logLevel: "warn" }), createLogger("warn"));
  try {
    const url = `${srv.url}/resident.html`;
    await loadOnce(url, true); // warm the server (bundle build, first file reads); the browser's cache is off anyway
    const plain = await loadOnce(url, false);
    const runs = [await loadOnce(url, true), await loadOnce(url, true), await loadOnce(url, true)].sort((a, b) => a.readyMs - b.readyMs);
    const median = runs[1];
    return {
      profile: "3G: 1.6 Mbit/s down, 750 kbit/s up, 150 ms RTT; CPU 4× slower; cold cache; 390×844",
      readyMs: median.readyMs,
      readyRunsMs: runs.map((r) => r.readyMs),
      jsTransferredBytes: median.jsBytes,
      jsFiles: median.jsFiles,
      uncompressedReadyMs: plain.readyMs,
      uncompressedJsBytes: plain.jsBytes,
      ratio: Number((median.readyMs / plain.readyMs).toFixed(2)),
    };
  } finally {
    await srv.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await benchWeb(), null, 2));
