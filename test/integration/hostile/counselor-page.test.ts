// The hostile-server suite in Chromium: the counsellor page, loaded through the tampering proxy, reads the chain over
// the endpoint given by ?rpc= (past the proxy) and refuses to seal to a swapped resident key (b) or under an old
// checkpoint (d), naming the error on screen; through a faithful proxy it seals and says whose chain endpoint it read.
import { expect } from "chai";
import { Wallet } from "ethers";
import type { Browser, Page } from "playwright-core";
import { publishSignedKey } from "../../../src/client/index.js";
import { Purpose } from "../../../src/consent/index.js";
import { encryptWalletJson, ready, toBase64, x25519ToBytes32 } from "../../../src/crypto/index.js";
import { anchorerFor } from "../../../src/services/anchoring.js";
import { accreditCounselor, startTestServer, trustedChainOf, type TestServer } from "../../helpers/server.js";
import { grant, newResident } from "../matching/helpers.js";
import { launch, newPage } from "../../e2e/browser.js";
import { startTamperingProxy, type TamperingProxy } from "./proxy.js";

describe("hostile server: the counsellor page in Chromium refuses swapped keys and old checkpoints", function () {
  this.timeout(300_000);
  let srv: TestServer | undefined;
  let proxy: TamperingProxy | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let counselor: Wallet;
  let subject: string;

  before(async () => {
    [srv, browser] = await Promise.all([startTestServer({ config: { anchorIntervalSeconds: 3600 } }), launch()]);
    proxy = await startTamperingProxy(srv.url);
    srv.ctx.siweDomains.add(new URL(proxy.url).host); // to the page the proxy is the server
    counselor = (await accreditCounselor(srv)).wallet;
    const { keys, api } = await (await newResident()).as(srv, counselor.address);
    subject = keys.address;
    await grant(srv, keys, counselor.address, Purpose.TREATMENT, ["assessment", "consultation_note", "care_plan"]);
    await publishSignedKey(api, keys.wallet, keys.x25519.publicKey);
    await anchorerFor(srv.ctx).anchorNow();
    page = await newPage(browser, "en");
    const json = await encryptWalletJson(counselor, "counsellor-pass", { scryptN: 1 << 12 });
    await page.goto(`${proxy.url}/counselor.html?rpc=${encodeURIComponent(trustedChainOf(srv).rpcUrl)}`);
    await page.getByLabel("Key file").setInputFiles({ name: "key.json", mimeType: "application/json", buffer: Buffer.from(json) });
    await page.getByLabel("Key password").fill("counsellor-pass");
    await page.getByRole("button", { name: "Open and sign in" }).click();
    await page.getByRole("heading", { name: "What would you like to do?" }).waitFor({ timeout: 30_000 });
  });
  after(async () => {
    await browser?.close();
    await proxy?.close();
    await srv?.stop();
  });
  afterEach(() => {
    if (proxy) proxy.tamper = undefined;
  });

  async function tryToWrite(text: string): Promise<string> {
    for (let i = 0; i < 4 && !(await page.getByRole("heading", { name: "What would you like to do?" }).isVisible()); i++) {
      await page.getByRole("button", { name: "Back" }).last().click();
      await page.waitForTimeout(200);
    }
    await page.getByRole("button", { name: "My caseload" }).click();
    await page.locator(`li[data-subject="${subject}"]`).getByRole("button", { name: /write/i }).click();
    await page.locator("#chain-notice").waitFor();
    await page.locator("#record-text").fill(text);
    await page.getByRole("button", { name: /encrypt and save/i }).click();
    await page.waitForFunction(() => /Refusing to seal|saved/i.test(document.querySelector(".status")?.textContent ?? ""), undefined, { timeout: 30_000 });
    return (await page.locator(".status").innerText()).trim();
  }

  it("(b) a swapped resident key: Refusing to seal … (bad_key_signature); nothing stored", async () => {
    const attacker = (await ready()).crypto_box_keypair();
    proxy!.tamper = (p, body) =>
      p === `/v1/vault/recipients/${subject}` ? { ...body, x25519PublicKey: toBase64(attacker.publicKey), publication: { ...body.publication, x25519PublicKey: x25519ToBytes32(attacker.publicKey) } } : undefined;
    expect(await tryToWrite("swapped")).to.match(/Refusing to seal.*\(bad_key_signature\)/);
    expect(proxy!.rewritten).to.include(`/v1/vault/recipients/${subject}`);
    expect(await srv!.ctx.db.query("SELECT 1 FROM records")).to.have.length(0);
  });

  it("(d) an old checkpoint: Refusing to seal … (stale_checkpoint)", async () => {
    const old = { size: 1, root: (await srv!.api().get<{ proof: string[]; root: string }>("/v1/log/proof/inclusion?index=0&size=1")).root };
    proxy!.tamper = (p, body) => (p === "/v1/log/checkpoint" ? { ...body, local: old } : undefined);
    expect(await tryToWrite("stale")).to.match(/Refusing to seal.*\(stale_checkpoint\)/);
    expect(await srv!.ctx.db.query("SELECT 1 FROM records")).to.have.length(0);
  });

  it("control: through a faithful proxy it seals, and says it read the chain over the endpoint the user chose", async () => {
    expect(await tryToWrite("faithful")).to.not.match(/Refusing/);
    expect(await page.locator("#chain-notice").getAttribute("data-via-server")).to.equal("false");
    expect(await srv!.ctx.db.query("SELECT 1 FROM records")).to.have.length(1);
  });
});
