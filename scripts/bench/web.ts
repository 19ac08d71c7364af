// The resident page on a slow phone, a cold cache and 4× CPU slowdown (Emulation.setCPUThrottlingRate), measured
// until the welcome screen is usable (its heading is drawn and its first button can be pressed). Two network
// profiles, both Lighthouse's mobile default "mobileSlow4G" (named "mobile3G" before Lighthouse 6; 150 ms RTT,
// 1.6 Mbit/s down, 750 kbit/s up):
//  - "fast3g": as Lighthouse applies it with --throttling-method=devtools, which is Chrome DevTools' "Fast 3G"
//    preset: 562.5 ms per request (150 × 3.75), 1.6 × 0.9 Mbit/s down, 750 × 0.9 kbit/s up. The goal is measured here.
//  - "rtt150": the profile's own figures put straight into Network.emulateNetworkConditions (lighter: CDP adds the
//    latency once per request, where a real 150 ms link pays it for DNS, TCP and each round trip).
// The same run loads the page once more with compression refused (Accept-Encoding: identity) as the baseline, and
// reports the JavaScript bytes that crossed the network (the encoded bytes, as on the wire).
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/http/logger.js";
import { startServer } from "../../src/http/server.js";
import { chooseChromium } from "../../test/helpers/chromium.js";

const MBIT = (1024 * 1024) / 8;
export const PROFILES = {
  fast3g: { offline: false, latency: 150 * 3.75, downloadThroughput: 1.6 * MBIT * 0.9, uploadThroughput: 0.75 * MBIT * 0.9 },
  rtt150: { offline: false, latency: 150, downloadThroughput: 1.6 * MBIT, uploadThroughput: 0.75 * MBIT },
};
type Profile = keyof typeof PROFILES;
const CPU_SLOWDOWN = 4;


async function loadOnce(url: string, compressed: boolean, profile: Profile): Promise<{ readyMs: number; jsBytes: number; jsBytesAtReady: number; jsFiles: number; pageReadyMs: number; lastByteMs: number; requests: string[] }> {
  const choice = await chooseChromium(); // Debian's, CHROMIUM_PATH, or the npm registry's (as the browser tests)
  const browser = await chromium.launch({ executablePath: choice.executablePath, env: { ...process.env, ...choice.env }, args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"] });
  try {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "zh-CN" });
    const page = await ctx.newPage();
    const cdp = await ctx.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    await cdp.send("Network.emulateNetworkConditions", PROFILES[profile]);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: CPU_SLOWDOWN });
    if (!compressed) await cdp.send("Network.setExtraHTTPHeaders", { headers: { "Accept-Encoding": "identity" } });
    const scripts = new Map<string, number>();
    let jsBytes = 0;
    let jsBytesAtReady = 0;
    cdp.on("Network.responseReceived", (e: any) => e.type === "Script" && scripts.set(e.requestId, 0));
    cdp.on("Network.loadingFinished", (e: any) => scripts.has(e.requestId) && (jsBytes += e.encodedDataLength));
    const t0 = performance.now();
    await page.goto(url, { waitUntil: "commit" });
    await page.waitForFunction(
      () => {
        const w = window as unknown as { readyAt?: number };
        if (!w.readyAt && document.querySelector("main h1") && document.querySelector("main button:not([disabled])")) w.readyAt = performance.now();
        return !!w.readyAt;
      },
      undefined,
      { timeout: 120_000, polling: 50 },
    );
    const readyMs = performance.now() - t0;
    jsBytesAtReady = jsBytes;
    // In the page's own clock (from navigation start): when it was ready, and when the last byte it had asked for by
    // then arrived. What lies between is the (slowed) CPU's part; before it, the network's.
    const inPage = await page.evaluate(() => {
      const readyAt = (window as unknown as { readyAt: number }).readyAt;
      const entries = performance.getEntriesByType("resource") as PerformanceResourceTiming[];
      const before = entries.filter((e) => e.responseEnd <= readyAt);
      const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
      return {
        readyAt,
        lastByteAt: Math.max(nav.responseEnd, ...before.map((e) => e.responseEnd)),
        requests: before.map((e) => new URL(e.name).pathname),
      };
    });
    await page.waitForLoadState("networkidle");
    return { readyMs: Math.round(readyMs), jsBytes, jsBytesAtReady, jsFiles: scripts.size, pageReadyMs: Math.round(inPage.readyAt), lastByteMs: Math.round(inPage.lastByteAt), requests: inPage.requests };
  } finally {
    await browser.close();
  }
}

export async function benchWeb() {
  const dataDir = mkdtempSync(path.join(tmpdir(), "anxin-bench-web-"));
  const srv = await startServer(loadConfig({}, { dataDir, port: 0, anvilPort: 0, logLevel: "warn" }), createLogger("warn"));
  try {
    const url = `${srv.url}/resident.html`;
    await loadOnce(url, true, "fast3g"); // warm the server (bundle build, first file reads); the browser's cache is off anyway
    const plain = await loadOnce(url, false, "fast3g");
    const three = async (p: Profile) => [await loadOnce(url, true, p), await loadOnce(url, true, p), await loadOnce(url, true, p)].sort((a, b) => a.readyMs - b.readyMs);
    const runs = await three("fast3g");
    const light = await three("rtt150");
    const median = runs[1];
    return {
      profile: "Lighthouse mobileSlow4G as DevTools applies it (= DevTools \"Fast 3G\"): 562.5 ms per request, 1.44 Mbit/s down, 675 kbit/s up; CPU 4× slower; cold cache; 390×844",
      readyMs: median.readyMs,
      readyRunsMs: runs.map((r) => r.readyMs),
      jsTransferredBytes: median.jsBytes,
      jsTransferredAtReadyBytes: median.jsBytesAtReady,
      jsFiles: median.jsFiles,
      pageReadyMs: median.pageReadyMs,
      networkDoneMs: median.lastByteMs,
      requestsBeforeReady: median.requests,
      rtt150ReadyMs: light[1].readyMs,
      rtt150RunsMs: light.map((r) => r.readyMs),
      uncompressedReadyMs: plain.readyMs,
      uncompressedJsBytes: plain.jsBytes,
      ratio: Number((median.readyMs / plain.readyMs).toFixed(2)),
      loadAverage: loadavg().map((x) => Number(x.toFixed(1))),
    };
  } finally {
    await srv.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await benchWeb(), null, 2));
