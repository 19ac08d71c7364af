// Staff sign-in (counsellor, auditor, administrator): an ethers JSON keystore opened in the page, or a new one
// created and downloaded. The private key never leaves the browser; only SIWE signatures do.
import { Wallet } from "ethers";
import { decryptWalletJson, encryptWalletJson } from "../../crypto/keystore.js";
import { counselorKeys, x25519PublicKeyToBytes32 } from "../../crypto/keys.js";
import { ApiClient } from "../../client/index.js";
import { t } from "./i18n.js";
import { actions, busy, button, download, facts, field, h, p, screen, status } from "./ui.js";

export interface StaffSession {
  wallet: Wallet;
  api: ApiClient;
}

/** The key screen; calls onReady once signed in with `role` among the session's roles. */
export function keyScreen(role: string, onReady: (s: StaffSession) => void): HTMLElement {
  const file = h("input", { type: "file", id: "key-file", accept: ".json,application/json" });
  const pw = field("keyPassword", { type: "password", id: "key-password", autocomplete: "current-password" });
  const open = button("keyOpen", async () => {
    const f = file.files?.[0];
    if (!f) return status(t("keyNoFile"), "error");
    await busy(open, "keyOpening", async () => {
      const wallet = await decryptWalletJson(await f.text(), pw.input.value);
      const api = await new ApiClient(location.origin).login(wallet);
      if (!api.roles.includes(role)) throw new Error(t("notRole"));
      onReady({ wallet, api });
    });
  });
  const create = button("keyCreate", async () => {
    if (pw.input.value.length < 8) return status(t("passphraseShort"), "error");
    await busy(create, "encrypting", async () => {
      const w = Wallet.createRandom();
      const json = await encryptWalletJson(new Wallet(w.privateKey), pw.input.value);
      download(`anxin-key-${w.address.slice(2, 10).toLowerCase()}.json`, json);
      // What the administrator needs to accredit this key: the address, and (counsellors) the X25519 key records are sealed to.
      const enc = x25519PublicKeyToBytes32((await counselorKeys(w.privateKey)).x25519.publicKey);
      created.replaceChildren(h("h2", {}, t("keyCreatedTitle")), p(t("keyCreated")), facts([[t("address"), w.address], [t("encKey"), enc]]));
      status(t("keyCreatedShort"), "ok");
    });
  }, "secondary");
  const created = h("div", { class: "result", id: "key-created" });
  return screen(
    "keyTitle",
    p(t("keyLead"), "lead"),
    h("form", { class: "stack", onsubmit: (e: Event) => (e.preventDefault(), open.click()) }, h("div", { class: "field" }, h("label", { for: "key-file" }, t("keyFile")), file), pw.wrap, actions(open, create)),
    created,
  );
}
