// Answering a questionnaire by voice where the browser offers speech recognition (Chrome's webkitSpeechRecognition):
// she says 「没有」「有几天」「一半以上」「几乎每天」 (or an option's own words); the answer is selected and what was
// heard is shown for her to confirm before 下一步. Without recognition the big answer buttons are the way.
import { bi, lang, t } from "./i18n.js";

interface Option {
  value: number;
  label: { zh: string; en: string };
}

/** Everyday ways to say the PHQ-9 / GAD-7 answers (keyed by the option's zh label). */
const SAID: Record<string, string[]> = {
  // No one-character words and no "天天": they occur inside unrelated sentences (今天天气…).
  完全不会: ["完全没有", "从来没有", "一天也没有", "没有", "不会", "not at all", "never"],
  好几天: ["有几天", "几天", "有时候", "several days", "some days"],
  一半以上的天数: ["一半以上", "超过一半", "一大半", "more than half"],
  几乎每天: ["几乎每天", "差不多每天", "每天", "nearly every day", "every day"],
};

const norm = (s: string) => s.toLowerCase().replace(/[\s，。！？、,.!?「」“”"']/g, "");

/** The option a spoken answer means, or undefined: its own words first (longest), then everyday synonyms. */
export function matchSpoken(heard: string, options: readonly Option[]): Option | undefined {
  const h = norm(heard);
  if (!h) return undefined;
  const byLabel = options
    .flatMap((o) => [o.label.zh, o.label.en].map((l) => ({ o, l: norm(l) })))
    .filter((x) => h.includes(x.l) || (h.length >= 2 && x.l === h))
    .sort((a, b) => b.l.length - a.l.length);
  if (byLabel[0]) return byLabel[0].o;
  const bySaid = options
    .flatMap((o) => (SAID[o.label.zh] ?? []).map((w) => ({ o, w: norm(w) })))
    .filter((x) => h.includes(x.w))
    .sort((a, b) => b.w.length - a.w.length);
  return bySaid[0]?.o;
}

type Recognizer = {
  lang: string;
  interimResults: boolean;
  maxAlternatives: number;
  onresult: ((e: { results: ArrayLike<ArrayLike<{ transcript: string }>> }) => void) | null;
  onerror: ((e: unknown) => void) | null;
  onend: (() => void) | null;
  start(): void;
  stop(): void;
};

function recognizerClass(): (new () => Recognizer) | undefined {
  const w = window as unknown as { SpeechRecognition?: new () => Recognizer; webkitSpeechRecognition?: new () => Recognizer };
  return w.SpeechRecognition ?? w.webkitSpeechRecognition;
}

/**
 * The 用说的回答 button and the line that shows what was heard, for the radio group `name`; null where the
 * browser has no speech recognition.
 */
export function voiceAnswer(options: readonly Option[], name: string): HTMLElement | null {
  const Rec = recognizerClass();
  if (!Rec) return null;
  const heardLine = document.createElement("p");
  heardLine.className = "voice-heard";
  heardLine.id = "voice-heard";
  heardLine.setAttribute("aria-live", "polite");
  const btn = document.createElement("button");
  btn.type = "button";
  btn.className = "secondary voice-answer";
  btn.textContent = t("voiceAnswer");
  btn.addEventListener("click", () => {
    const rec = new Rec();
    rec.lang = lang() === "en" ? "en-US" : "zh-CN";
    rec.interimResults = false;
    rec.maxAlternatives = 3;
    heardLine.textContent = t("voiceListening", { options: options.map((o) => `「${bi(o.label)}」`).join("") });
    rec.onresult = (e) => {
      const alts = Array.from(e.results[e.results.length - 1] ?? []).map((a) => a.transcript);
      const heard = alts[0] ?? "";
      const hit = alts.map((a) => matchSpoken(a, options)).find(Boolean);
      if (!hit) {
        heardLine.textContent = t("voiceNotUnderstood", { heard });
        return;
      }
      const radio = document.querySelector<HTMLInputElement>(`input[name="${name}"][value="${hit.value}"]`);
      if (radio) {
        radio.checked = true;
        radio.dispatchEvent(new Event("change", { bubbles: true }));
      }
      heardLine.textContent = t("voiceHeard", { heard, option: bi(hit.label) });
    };
    rec.onerror = () => (heardLine.textContent = t("voiceNotUnderstood", { heard: "" }));
    rec.start();
  });
  const box = document.createElement("div");
  box.className = "voice";
  box.append(btn, heardLine);
  return box;
}
