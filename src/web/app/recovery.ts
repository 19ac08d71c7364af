// Recovery people can do: the sheet with the 24 characters and their QR code (and a check that they were kept), the
// backup cards (any k of n restore; one alone reveals nothing), and restoring from either, typed or scanned with
// the camera. A code that fails its checksum is refused here and never reaches the key store.
import { parseSeedQr, parseSeedText, seedQr, seedToWords, wordAt } from "../../crypto/seed-words.js";
import { CardError, cardQr, cardWords, combineCards, parseCardQr, parseCardWords, splitSeed, type ParsedCard, type ShareCard } from "../../crypto/share-cards.js";
import { formatDate } from "../../consent/index.js";
import { lang, t } from "./i18n.js";
import { qrSvg, startScanner, type Scanner } from "./qr.js";
import { actions, button, facts, h, p, screen, select, show, status, type Screen } from "./ui.js";
import "./recovery-words.js";

export interface RecoveryDeps {
  home: Screen;
  welcome: Screen;
  seed: () => Uint8Array;
  /** A seed that passed its checksum (or a legacy code): the resident's page checks the server, then asks for a passphrase. */
  found: (seed: Uint8Array, legacy: boolean, back: Screen) => Promise<void>;
}

let deps: RecoveryDeps;
export function initRecovery(d: RecoveryDeps): void {
  deps = d;
}

const now = () => Math.floor(Date.now() / 1000);

/** An error shown beside its field (and announced), in the page's language. */
function fieldError(id: string): { el: HTMLElement; say(text: string): void; clear(): void } {
  const el = h("p", { class: "field-error", id, role: "alert" });
  return { el, say: (text) => ((el.textContent = text), status(text, "error")), clear: () => (el.textContent = "") };
}

/** The grid of characters, numbered; never read aloud (class no-read). */
function wordGrid(words: string[], id: string): HTMLElement {
  return h("ol", { class: "code-grid words no-read", id, lang: "zh-CN" }, ...words.map((w) => h("li", {}, w)));
}

// ---------------- the sheet ----------------

export function sheetScreen(first: boolean): Screen {
  return () => {
    const seed = deps.seed();
    const words = seedToWords(seed);
    return h(
      "section",
      { class: "screen recovery-sheet" },
      h("h1", {}, t("sheetTitle")),
      p(t("sheetLead"), "lead"),
      p(t("sheetKeep"), "warning"),
      h("h2", {}, t("sheetWords")),
      wordGrid(words, "recovery-words"),
      h("figure", { class: "qr-box no-read" }, qrSvg(seedQr(seed), t("sheetWords"), 200), h("figcaption", {}, t("sheetQrNote"))),
      facts([[t("sheetDate"), formatDate(now(), lang())]]),
      actions(button("print", () => window.print(), "secondary no-print"), button("sheetDone", () => show(checkScreen(words, first)), "primary no-print")),
    );
  };
}

/** Two random positions of the sheet: the resident writes what her paper says there. */
function checkScreen(words: string[], first: boolean): Screen {
  const a = 1 + (crypto.getRandomValues(new Uint32Array(1))[0] % 24);
  let b = 1 + (crypto.getRandomValues(new Uint32Array(1))[0] % 23);
  if (b >= a) b++;
  const [x, y] = a < b ? [a, b] : [b, a];
  return () => {
    const err = fieldError("check-error");
    const box = (n: number) => {
      const id = `check-${n}`;
      const input = h("input", { id, type: "text", class: "one-char", maxlength: 4, autocomplete: "off", spellcheck: "false", lang: "zh-CN", "aria-describedby": "check-error", "data-position": n });
      return { input, wrap: h("div", { class: "field" }, h("label", { for: id }, t("checkPos", { n })), input) };
    };
    const bx = box(x);
    const by = box(y);
    const go = button("checkGo", () => {
      if (wordAt(words, x, bx.input.value) && wordAt(words, y, by.input.value)) {
        status(t("checkOk"), "ok");
        return void show(deps.home);
      }
      err.say(t("checkWrong"));
    });
    return screen(
      "checkTitle",
      p(t("checkLead"), "lead"),
      h("form", { class: "stack", onsubmit: (e: Event) => (e.preventDefault(), go.click()) }, bx.wrap, by.wrap, err.el, actions(go, button("checkBack", () => show(sheetScreen(first)), "secondary"))),
    );
  };
}

// ---------------- backup cards ----------------

const holderKey = (i: number) => (i <= 3 ? `cardFor${i}` : "cardForN");

export const cardsScreen: Screen = () => {
  const total = select("cardsHowMany", [2, 3, 4, 5].map((n) => [String(n), String(n)]), { id: "cards-n" });
  const need = select("cardsNeeded", [2, 3, 4, 5].map((n) => [String(n), String(n)]), { id: "cards-k" });
  total.input.value = "3";
  need.input.value = "2";
  const err = fieldError("cards-error");
  const out = h("div", { id: "cards" });
  const make = button("cardsMake", async () => {
    const n = Number(total.input.value);
    const k = Number(need.input.value);
    if (k > n) return err.say(t("cardsBad"));
    err.clear();
    const cards = await splitSeed(deps.seed(), k, n);
    out.replaceChildren(...cards.map(cardView), actions(button("cardsPrint", () => window.print(), "secondary no-print")));
  });
  return screen("cardsTitle", p(t("cardsLead"), "lead"), h("div", { class: "stack no-print" }, total.wrap, need.wrap, err.el, actions(make, button("home", () => show(deps.home), "secondary"))), out);
};

function cardView(c: ShareCard): HTMLElement {
  const title = t("cardTitle", { i: c.index, n: c.n });
  return h(
    "article",
    { class: "share-card", "data-card": c.index },
    h("h2", {}, title, " · ", t(holderKey(c.index))),
    p(t("cardRule", { k: c.k })),
    h("div", { class: "qr-box no-read" }, qrSvg(cardQr(c), title, 240)),
    h("h3", {}, t("cardWordsLabel")),
    wordGrid(cardWords(c), `card-words-${c.index}`),
    facts([[t("cardSet"), c.setId.toUpperCase()], [t("sheetDate"), formatDate(now(), lang())]]),
  );
}

// ---------------- restore ----------------

export const restoreScreen: Screen = () => {
  const code = h("textarea", { id: "restore-code", rows: 4, autocomplete: "off", spellcheck: "false", lang: "zh-CN", "aria-describedby": "restore-hint restore-error" });
  const err = fieldError("restore-error");
  const go = button("restore", async () => {
    const fromQr = parseSeedQr(code.value); // a sheet's QR read by another app and pasted here
    if (fromQr) return deps.found(fromQr, false, restoreScreen);
    const r = parseSeedText(code.value);
    if (!r.ok) return err.say(t(`restoreBad_${r.reason}`, { n: r.reason === "notInList" ? r.position! : r.count ?? 0, c: r.char ?? "" }));
    err.clear();
    if (r.legacy) status(t("restoreLegacyNote"), "info");
    await deps.found(r.seed, r.legacy, restoreScreen);
  });
  return screen(
    "restoreTitle",
    h(
      "form",
      { class: "stack", onsubmit: (e: Event) => (e.preventDefault(), go.click()) },
      h("div", { class: "field" }, h("label", { for: "restore-code" }, t("recoveryCode")), h("p", { class: "hint", id: "restore-hint" }, t("restoreLead")), code, err.el),
      actions(go, button("back", () => show(deps.welcome), "secondary")),
    ),
    h("h2", {}, t("restoreOther")),
    actions(button("cardsRestore", () => show(cardsRestoreScreen), "secondary"), button("assistedTitle", () => show(assistedScreen), "secondary")),
  );
};

const assistedScreen: Screen = () =>
  screen("assistedTitle", p(t("assistedLead"), "lead"), actions(button("cardsRestore", () => show(cardsRestoreScreen)), button("back", () => show(restoreScreen), "secondary")));

/** Any k cards of one set, scanned or typed, in any order; the seed is rebuilt on this device only. */
export const cardsRestoreScreen: Screen = () => {
  const cards = new Map<number, ShareCard>(); // by x-coordinate: the same card twice counts once
  let scanner: Scanner | undefined;
  let done = false;
  const err = fieldError("cards-restore-error");
  const progress = h("p", { class: "lead", id: "cards-progress", "aria-live": "polite" });
  const video = h("div", { class: "scanner-box no-print" });
  const update = () => {
    const k = cards.size ? [...cards.values()][0].k : 2;
    progress.textContent = t("cardsHave", { have: cards.size, need: Math.max(0, k - cards.size) });
  };
  const add = async (parsed: ParsedCard, fromCamera: boolean): Promise<boolean> => {
    if (done) return false;
    if (!parsed.ok) {
      if (!fromCamera) err.say(t(`cardBad_${parsed.reason}`, { n: parsed.position ?? parsed.count ?? 0 }));
      return false;
    }
    const c = parsed.card;
    const first = [...cards.values()][0];
    if (first && first.setId !== c.setId) return (err.say(t("cardsMixed")), false);
    const x = c.share[c.share.length - 1];
    if (cards.has(x)) {
      if (!fromCamera) err.say(t("cardsSame"));
      return false;
    }
    cards.set(x, c);
    err.clear();
    status(t("cardsGot"), "ok");
    update();
    if (cards.size >= c.k) {
      done = true;
      scanner?.stop();
      try {
        await deps.found(await combineCards([...cards.values()]), false, cardsRestoreScreen);
      } catch (e) {
        done = false;
        err.say(e instanceof CardError ? t(e.reason === "mixedSets" ? "cardsMixed" : "cardsHave", { have: cards.size, need: 1 }) : String(e));
      }
    }
    return true;
  };
  const scan = button("cardsScan", async () => {
    if (scanner) {
      scanner.stop();
      scanner = undefined;
      video.replaceChildren();
      scan.textContent = t("cardsScan");
      return;
    }
    try {
      scanner = await startScanner(video, (text) => void add(text.startsWith("AX1S:") ? { ok: false, reason: "version" } : parseCardQr(text), true));
      video.append(p(t("cardsScanning"), "hint"));
      scan.textContent = t("cardsScanStop");
    } catch {
      err.say(t("cardsNoCamera"));
    }
  });
  const typed = h("textarea", { id: "card-code", rows: 3, autocomplete: "off", spellcheck: "false", lang: "zh-CN", "aria-describedby": "cards-restore-error" });
  const addTyped = button("cardsAdd", async () => {
    if (await add(parseCardWords(typed.value), false)) typed.value = "";
  }, "secondary");
  update();
  return screen(
    "cardsRestoreTitle",
    p(t("cardsRestoreLead"), "lead"),
    progress,
    actions(scan),
    video,
    h("div", { class: "field" }, h("label", { for: "card-code" }, t("cardsType")), typed, err.el),
    actions(addTyped, button("back", () => (scanner?.stop(), show(restoreScreen)), "secondary")),
  );
};
