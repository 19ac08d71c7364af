// The text 朗读 speaks: headings, paragraphs, labels and buttons of one screen or dialog in reading order, each
// item once (a card's list item is not read again after its heading and paragraphs), never a secret (anything
// inside [data-secret] or .no-read: recovery words, share cards) and never an address (0x… hex is dropped), and
// only what is rendered (a closed 详细信息 is not read).
const ITEMS = "h1, h2, h3, h4, p, li, label, legend, dt, dd, th, td, button, a, summary, caption, figcaption";
/** Read whole; what is inside them is not read again. */
const WHOLE = new Set(["H1", "H2", "H3", "H4", "P", "LABEL", "LEGEND", "DT", "DD", "TH", "TD", "BUTTON", "A", "SUMMARY", "CAPTION", "FIGCAPTION"]);
const SILENT = "[hidden], .no-read, [data-secret], [aria-hidden='true'], .sr-skip";

/** Drops hex addresses and keys (0x…, shortened 0x1234…abcd, long bare hex) and the brackets they leave. */
export function withoutHex(s: string): string {
  return s
    .replace(/0x[0-9a-fA-F]{2,}(?:…[0-9a-fA-F]+)?/g, "")
    .replace(/\b[0-9a-fA-F]{16,}\b/g, "")
    .replace(/[（(]\s*[)）]/g, "")
    .replace(/[ \t]{2,}/g, " ")
    .trim();
}

function rendered(el: Element): boolean {
  return el.getClientRects().length > 0;
}

export function readableText(root: HTMLElement): string {
  const parts: string[] = [];
  for (const el of root.querySelectorAll<HTMLElement>(ITEMS)) {
    if (el.closest(SILENT) || !rendered(el)) continue;
    const outer = el.parentElement?.closest(ITEMS);
    if (outer && root.contains(outer) && WHOLE.has(outer.tagName)) continue; // read with its heading/paragraph/button
    let text: string;
    if (!WHOLE.has(el.tagName) && el.querySelector(ITEMS)) {
      // A list item holding headings or paragraphs: only its own loose text; the rest is read item by item.
      text = [...el.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent ?? "").join(" ");
    } else if (el.querySelector(SILENT)) {
      const copy = el.cloneNode(true) as HTMLElement;
      for (const x of copy.querySelectorAll(SILENT)) x.remove();
      text = copy.textContent ?? "";
    } else {
      text = el.innerText ?? el.textContent ?? "";
    }
    const s = withoutHex(text.replace(/\s+/g, " ").trim());
    if (s && parts[parts.length - 1] !== s) parts.push(s);
  }
  return parts.join("\n");
}
