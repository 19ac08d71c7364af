// 适老模式 (elder mode): an in-page text size (标准 / 大 / 特大; the root size is 100 / 125 / 150 %, so the 1.25rem
// body text is 20 / 25 / 30 px and every 3rem target is at least 60 CSS px from 大 up, as the MIIT 适老化 rules ask),
// show-passphrase toggles, and errors shown beside the field or button they concern, in the page's language.
import "./words-elder.js";
import { t } from "./i18n.js";

export type TextSize = "standard" | "large" | "xlarge";
const SIZES: TextSize[] = ["standard", "large", "xlarge"];
const KEY = "anxin.textSize";
const LABEL: Record<TextSize, string> = { standard: "sizeStandard", large: "sizeLarge", xlarge: "sizeXlarge" };

export function textSize(): TextSize {
  const s = localStorage.getItem(KEY) as TextSize | null;
  return s && SIZES.includes(s) ? s : "standard";
}

/** Sets the root size; `html.elder` (大 and 特大) switches on the 60 px targets. */
export function applyTextSize(s: TextSize = textSize()): void {
  localStorage.setItem(KEY, s);
  const root = document.documentElement;
  root.dataset.textSize = s;
  root.classList.toggle("elder", s !== "standard");
  reserveCrisisSpace();
}

/** The 字号 group of the top bar: three buttons, the current one pressed. */
export function textSizeControl(): HTMLElement {
  const group = document.createElement("div");
  group.className = "size-switch";
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", t("textSize"));
  const caption = document.createElement("span");
  caption.className = "size-caption";
  caption.setAttribute("aria-hidden", "true");
  caption.textContent = t("textSize");
  group.append(caption);
  for (const s of SIZES) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = `size size-${s}`;
    b.dataset.size = s;
    b.setAttribute("aria-pressed", String(textSize() === s));
    b.textContent = t(LABEL[s]);
    b.addEventListener("click", () => {
      applyTextSize(s);
      for (const o of group.querySelectorAll("button")) o.setAttribute("aria-pressed", String(o === b));
    });
    group.append(b);
  }
  return group;
}

/**
 * The crisis button is a bar fixed at the bottom; the page reserves its height (padding and scroll padding), so
 * the end of every screen and every focused control stay above it: it never covers content.
 */
export function reserveCrisisSpace(): void {
  const bar = document.getElementById("crisis-bar");
  if (!bar) return;
  const set = () => document.documentElement.style.setProperty("--crisis-h", `${Math.ceil(bar.getBoundingClientRect().height)}px`);
  set();
  if (!(bar as HTMLElement & { _watched?: boolean })._watched) {
    new ResizeObserver(set).observe(bar);
    (bar as HTMLElement & { _watched?: boolean })._watched = true;
  }
}

/** A 显示密码 toggle for a password input (a button with aria-pressed; its name stays the same). */
export function showPassToggle(input: HTMLInputElement): HTMLButtonElement {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "secondary show-pass";
  b.setAttribute("aria-pressed", "false");
  b.setAttribute("aria-controls", input.id);
  b.textContent = t("showPass");
  b.addEventListener("click", () => {
    const show = input.type === "password";
    input.type = show ? "text" : "password";
    b.setAttribute("aria-pressed", String(show));
  });
  return b;
}

/** Shows `text` right under the field of `input` (announced, linked by aria-describedby) and focuses the input. */
export function fieldError(input: HTMLElement, text: string): void {
  const wrap = (input.closest(".field, fieldset") as HTMLElement | null) ?? input.parentElement!;
  const id = `${input.id || wrap.id || "field"}-error`;
  let p = wrap.querySelector<HTMLElement>(":scope > .field-error");
  if (!p) {
    p = document.createElement("p");
    p.className = "field-error";
    p.id = id;
    p.setAttribute("role", "alert");
    wrap.append(p);
  }
  p.textContent = text;
  input.setAttribute("aria-invalid", "true");
  const ids = new Set((input.getAttribute("aria-describedby") ?? "").split(" ").filter(Boolean));
  ids.add(p.id);
  input.setAttribute("aria-describedby", [...ids].join(" "));
  input.focus();
}

/** Clears every field error of a screen (before a new try). */
export function clearFieldErrors(root: ParentNode = document): void {
  for (const p of root.querySelectorAll(".field-error, .action-error")) p.remove();
  for (const i of root.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
}

/** An error of an action, shown under its buttons (where she is looking), not only in the status line. */
export function actionError(button: HTMLElement | null, text: string): void {
  const row = button?.closest(".actions") ?? button?.parentElement;
  if (!row || !row.isConnected) return;
  let p = row.nextElementSibling as HTMLElement | null;
  if (!p?.classList.contains("action-error")) {
    p = document.createElement("p");
    p.className = "action-error";
    row.after(p);
  }
  p.textContent = text;
}

/**
 * What she typed or chose on the screen, kept across a re-render (a language switch rebuilds the screen): text,
 * passphrases, selects, radios and checkboxes, matched by id (or name and value). Restored in document order with
 * a change event, so dependent fields (a district's streets) are filled before their own value is put back.
 */
export function keepTyped(root: ParentNode): (into: ParentNode) => void {
  type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
  const controls = (r: ParentNode) => [...r.querySelectorAll<Control>("input, select, textarea")].filter((el) => !(el instanceof HTMLInputElement && (el.type === "file" || el.type === "hidden")));
  const choice = (el: Control): el is HTMLInputElement => el instanceof HTMLInputElement && (el.type === "radio" || el.type === "checkbox");
  // A page-given id, else name and value (radios), else its place on the screen (ui.ts numbers unnamed fields anew).
  const keyOf = (el: Control, i: number) => (el.id && !/^f\d+$/.test(el.id) ? `#${el.id}` : choice(el) && el.name ? `${el.name}=${el.value}` : `@${i}`);
  const kept = new Map<string, { value: string; checked?: boolean }>(controls(root).map((el, i) => [keyOf(el, i), choice(el) ? { checked: el.checked, value: el.value } : { value: el.value }]));
  return (into) => {
    controls(into).forEach((el, i) => {
      const k = kept.get(keyOf(el, i));
      if (!k) return;
      if (choice(el)) {
        if (k.checked === undefined || el.checked === k.checked) return;
        el.checked = k.checked;
      } else {
        if (el.value === k.value) return;
        el.value = k.value;
      }
      el.dispatchEvent(new Event("change", { bubbles: true }));
    });
  };
}
