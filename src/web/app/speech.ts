// Read aloud with the browser's own speech synthesis (nothing leaves the device): zh-CN voice when present.
let speaking = false;

function pickVoice(lang: string): SpeechSynthesisVoice | undefined {
  const voices = window.speechSynthesis?.getVoices() ?? [];
  const want = lang === "en" ? "en" : "zh";
  return voices.find((v) => v.lang === (lang === "en" ? "en-US" : "zh-CN")) ?? voices.find((v) => v.lang.toLowerCase().startsWith(want));
}

export function readAloud(text: string, lang: string, onEnd: () => void): void {
  const synth = window.speechSynthesis;
  if (!synth || typeof SpeechSynthesisUtterance === "undefined") {
    onEnd();
    return;
  }
  synth.cancel();
  const u = new SpeechSynthesisUtterance(text);
  u.lang = lang === "en" ? "en-US" : "zh-CN";
  const v = pickVoice(lang);
  if (v) u.voice = v;
  u.rate = 0.9; // a little slower than default: easier to follow
  u.onend = u.onerror = () => {
    speaking = false;
    onEnd();
  };
  speaking = true;
  synth.speak(u);
}

export function stopReading(): void {
  speaking = false;
  window.speechSynthesis?.cancel();
}

export function isReading(): boolean {
  return speaking;
}
