// Page shell shared by every role: top bar (brand, 中文 / English, read aloud), one screen at a time in <main>,
// an aria-live status line, and (resident pages) the crisis-help button and dialog. No inline scripts or handlers
// (the CSP allows only 'self' scripts): everything is built here with DOM calls.
import { crisisResources } from "../../assess/crisis.js";
import { lang, setLang, t, type Lang } from "./i18n.js";
import { readAloud, stopReading, isReading } from "./speech.js";
import { actionError, applyTextSize, clearFieldErrors, keepTyped, reserveCrisisSpace, showPassToggle, textSizeControl } from "./elder.js";
import { readableText } from "./read-text.js";

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | boolean | number | ((e: Event) => void) | undefined>;

/** Element builder: h("button", { class: "primary", onclick: fn }, "text"). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.replace(/^on/, ""), v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

export type Screen = () => HTMLElement | Promise<HTMLElement>;

interface ShellOptions {
  /** Page title key (document title and brand line). */
  titleKey: string;
  crisis?: boolean;
  /** A small link at the bottom to the staff pages (the residents' page, which is the landing page). */
  staffLink?: boolean;
}

let current: Screen | undefined;
let shell: ShellOptions;
let mainEl: HTMLElement;
let statusEl: HTMLElement;
let topbarEl: HTMLElement;
let crisisButton: HTMLElement | undefined;

/** Builds the page skeleton once. */
export function startShell(opts: ShellOptions): void {
  shell = opts;
  document.body.replaceChildren();
  const skip = h("a", { class: "skip", href: "#main" });
  topbarEl = h("header", { class: "topbar" });
  mainEl = h("main", { id: "main", tabindex: "-1" });
  statusEl = h("div", { class: "status", role: "status", "aria-live": "polite" });
  const footer = h("footer", { class: "footer" });
  document.body.append(skip, topbarEl, mainEl, footer);
  mainEl.after(statusEl);
  if (opts.crisis) {
    crisisButton = h("button", { type: "button", class: "crisis-button", id: "crisis-button", onclick: openCrisis });
    footer.append(h("div", { class: "crisis-bar", id: "crisis-bar" }, crisisButton));
    document.body.classList.add("has-crisis");
  }
  applyTextSize();
  renderChrome();
}

function renderChrome(): void {
  document.documentElement.lang = lang();
  document.title = `${t("brand")} · ${t(shell.titleKey)}`;
  (document.querySelector("a.skip") as HTMLElement).textContent = t("skip");
  const langButtons = (["zh-CN", "en"] as Lang[]).map((l) =>
    h(
      "button",
      { type: "button", class: "lang", lang: l, "aria-pressed": String(lang() === l), onclick: () => switchLang(l) },
      l === "zh-CN" ? "中文" : "English",
    ),
  );
  topbarEl.replaceChildren(
    h("a", { class: "brand", href: shell.crisis ? "/" : "/?staff" }, h("span", { class: "brand-name" }, t("brand")), h("span", { class: "brand-role" }, t(shell.titleKey))),
    h(
      "nav",
      { class: "tools", "aria-label": t("tools") },
      h("div", { class: "lang-switch", role: "group", "aria-label": t("language") }, ...langButtons),
      textSizeControl(),
      h("button", { type: "button", class: "read-aloud", id: "read-aloud", onclick: toggleRead }, isReading() ? t("stopReading") : t("readAloud")),
    ),
  );
  if (shell.staffLink) {
    document.querySelector("footer.footer .staff-link")?.remove();
    document.querySelector("footer.footer")!.append(h("p", { class: "staff-link" }, h("a", { href: "/?staff" }, t("staffEntry"))));
  }
  const footer = document.querySelector("footer.footer")!;
  let note = footer.querySelector(".footnote");
  if (!note) {
    note = h("p", { class: "footnote" });
    footer.prepend(note);
  }
  note.textContent = t("footer");
  if (crisisButton) crisisButton.textContent = t("crisisButton");
  reserveCrisisSpace();
}

async function switchLang(l: Lang): Promise<void> {
  stopReading();
  setLang(l);
  renderChrome();
  // The screen is rebuilt in the new language; what she typed is put back (elder.ts keepTyped).
  const was = current;
  const restore = keepTyped(mainEl);
  if (was) await show(was, { keepFocus: true });
  if (was && current === was) restore(mainEl);
  (document.querySelector(`button.lang[lang="${l}"]`) as HTMLElement | null)?.focus();
}

/** 朗读 inside a modal dialog (the top bar's button is inert behind it). */
function readDialogButton(): HTMLButtonElement {
  const b: HTMLButtonElement = h("button", { type: "button", class: "secondary read-dialog", onclick: () => {
    if (isReading()) {
      stopReading();
      b.textContent = t("readAloud");
      return;
    }
    b.textContent = t("stopReading");
    readAloud(screenText(), lang(), () => (b.textContent = t("readAloud")));
  } }, t("readAloud"));
  return b;
}

function toggleRead(): void {
  const btn = document.getElementById("read-aloud")!;
  if (isReading()) {
    stopReading();
    btn.textContent = t("readAloud");
    return;
  }
  const text = screenText();
  btn.textContent = t("stopReading");
  readAloud(text, lang(), () => (btn.textContent = t("readAloud")));
}

/** What 朗读 reads: the open dialog if there is one, else the screen (src/web/app/read-text.ts: each item once,
 * buttons included, never a secret or an address). */
export function screenText(): string {
  const dlg = document.querySelector<HTMLElement>("dialog[open]");
  return readableText(dlg ?? mainEl);
}

/** Replaces the current screen; focuses its heading so screen readers announce it. */
export async function show(screen: Screen, opts: { keepFocus?: boolean } = {}): Promise<void> {
  stopReading();
  const rb = document.getElementById("read-aloud");
  if (rb) rb.textContent = t("readAloud");
  current = screen;
  // A result message set by the action that led here ("已撤回。") stays for the screen it led to.
  if (!opts.keepFocus && !heldStatus) status("");
  heldStatus = false;
  let el: HTMLElement;
  try {
    el = await screen();
  } catch (e) {
    el = h("section", {}, h("h1", {}, t("errorTitle")), h("p", { class: "error" }, errorText(e)));
  }
  if (current !== screen) return;
  mainEl.replaceChildren(el);
  if (!opts.keepFocus) {
    const h1 = mainEl.querySelector("h1");
    if (h1) {
      h1.setAttribute("tabindex", "-1");
      h1.focus();
    }
    window.scrollTo(0, 0);
  }
}

/** Re-renders the current screen (after data changed). */
export function refresh(): Promise<void> {
  return current ? show(current, { keepFocus: true }) : Promise.resolve();
}

let heldStatus = false;

export function status(text: string, kind: "info" | "error" | "ok" = "info"): void {
  statusEl.textContent = text;
  statusEl.className = `status ${kind}`;
  heldStatus = kind !== "info" && text !== "";
}

export function errorText(e: unknown): string {
  const err = e as { status?: number; problem?: { detail?: string; title?: string }; message?: string; name?: string };
  if (err?.name === "WrongPassphrase") return t("wrongPassphrase");
  if (err?.status === 401) return t("err401");
  if (err?.status === 403) return t("err403");
  if (err?.status === 404) return t("err404");
  if (err?.status === 429) return t("err429");
  if (err?.status && err.status >= 500) return t("err5xx");
  // The server's and the libraries' details are English: a zh-CN page says it in Chinese and keeps the detail out.
  if (lang() !== "en" && err?.message && /[\u4e00-\u9fff]/.test(err.message)) return err.message;
  const detail = err?.problem?.detail ?? err?.message ?? String(e);
  return lang() === "en" ? `${t("errGeneric")} (${detail})` : t("errWithDetail");
}

/** Runs an action behind a button: disables it, shows progress text, reports errors in words. */
export async function busy<T>(button: HTMLButtonElement | null, progressKey: string, fn: () => Promise<T>): Promise<T | undefined> {
  const old = button?.textContent;
  if (button) {
    button.disabled = true;
    button.textContent = t(progressKey);
  }
  status(t(progressKey));
  if (button) clearFieldErrors(button.closest("section") ?? document);
  try {
    const r = await fn();
    // Clear only the progress line: a result the action reported ("已撤回。") stays visible.
    if (statusEl.textContent === t(progressKey)) status("");
    return r;
  } catch (e) {
    status(errorText(e), "error");
    actionError(button, errorText(e));
    return undefined;
  } finally {
    if (button && button.isConnected) {
      button.disabled = false;
      button.textContent = old ?? "";
    }
  }
}

// ---- screen building blocks ----

export function screen(titleKey: string, ...children: Child[]): HTMLElement {
  return h("section", { class: "screen" }, h("h1", {}, t(titleKey)), ...children);
}

export function p(text: string, cls = "", id?: string): HTMLParagraphElement {
  return h("p", { class: cls || undefined, id }, text);
}

export function button(labelKey: string, onclick: (e: Event) => void, cls = "primary", extra: Attrs = {}): HTMLButtonElement {
  return h("button", { type: "button", class: cls, onclick, ...extra }, t(labelKey));
}

export function actions(...children: Child[]): HTMLElement {
  return h("div", { class: "actions" }, ...children);
}

let fieldSeq = 0;
/** A labelled input with an optional hint; returns the wrapper and the input. */
export function field(labelKey: string, attrs: Attrs = {}, hintKey?: string): { wrap: HTMLElement; input: HTMLInputElement } {
  const id = (attrs.id as string) ?? `f${++fieldSeq}`;
  const hintId = hintKey ? `${id}-hint` : undefined;
  const input = h("input", { id, type: "text", ...attrs, "aria-describedby": hintId });
  const row = attrs.type === "password" ? h("div", { class: "pass-row" }, input, showPassToggle(input)) : input;
  const wrap = h("div", { class: "field" }, h("label", { for: id }, t(labelKey)), hintKey ? h("p", { class: "hint", id: hintId! }, t(hintKey)) : null, row);
  return { wrap, input };
}

export function textarea(labelKey: string, attrs: Attrs = {}): { wrap: HTMLElement; input: HTMLTextAreaElement } {
  const id = (attrs.id as string) ?? `f${++fieldSeq}`;
  const input = h("textarea", { id, rows: 6, ...attrs });
  return { wrap: h("div", { class: "field" }, h("label", { for: id }, t(labelKey)), input), input };
}

export function select(labelKey: string, options: Array<[string, string]>, attrs: Attrs = {}): { wrap: HTMLElement; input: HTMLSelectElement } {
  const id = (attrs.id as string) ?? `f${++fieldSeq}`;
  const input = h("select", { id, ...attrs }, ...options.map(([v, label]) => h("option", { value: v }, label)));
  return { wrap: h("div", { class: "field" }, h("label", { for: id }, t(labelKey)), input), input };
}

/** A definition list of facts: [[labelKey or text, value]]. */
export function facts(rows: Array<[string, string]>): HTMLElement {
  return h("dl", { class: "facts" }, ...rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

/** An in-page confirmation (never window.confirm: a full screen in large type, two plain choices). */
export function confirmScreen(o: { titleKey: string; lines: string[] | (() => string[]); confirmKey: string; cancelKey?: string; danger?: boolean; onConfirm: (btn: HTMLButtonElement) => Promise<void>; onCancel: () => void }): Screen {
  return () => {
    const yes: HTMLButtonElement = button(o.confirmKey, () => void o.onConfirm(yes), o.danger ? "danger" : "primary", { "data-confirm": "yes" });
    return h(
      "section",
      { class: "screen confirm" },
      h("h1", {}, t(o.titleKey)),
      h("div", { class: o.danger ? "warning-box" : "notice" }, ...(typeof o.lines === "function" ? o.lines() : o.lines).map((l) => p(l))),
      actions(yes, button(o.cancelKey ?? "cancelBack", o.onCancel, "secondary")),
    );
  };
}

export function notAvailable(what: string): HTMLElement {
  return h("p", { class: "notice" }, `${t("notAvailable")}${what ? ` (${what})` : ""}`);
}

export function download(filename: string, text: string, type = "application/json"): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h("a", { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function shortAddr(a: string): string {
  return `${a.slice(0, 6)}…${a.slice(-4)}`;
}

// ---- crisis help: always one tap away on resident screens ----

function openCrisis(): void {
  document.getElementById("crisis-dialog")?.remove();
  const res = crisisResources(lang() === "en" ? "en" : "zh");
  const close = h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, t("close"));
  const dialog = h(
    "dialog",
    { id: "crisis-dialog", class: "crisis-dialog", "aria-labelledby": "crisis-title" },
    h("h2", { id: "crisis-title" }, t("crisisTitle")),
    h("p", {}, res.message),
    h(
      "ul",
      { class: "hotlines" },
      ...res.hotlines.map((hl) =>
        h("li", {}, h("a", { class: "call", href: `tel:${hl.number.replace(/-/g, "")}` }, `${t("call")} ${hl.number}`), h("span", { class: "hl-name" }, `${hl.name}：${hl.note}`)),
      ),
    ),
    h("div", { class: "actions" }, readDialogButton(), close),
  );
  dialog.addEventListener("close", () => {
    dialog.remove();
    crisisButton?.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
}
