import type { InstrumentDefinition } from "../types.js";

// WHO-5 Well-Being Index (WHO Europe 1998; Topp et al. 2015 review). A well-being scale, not a severity
// scale: higher is better, so low raw scores map to the need bands (our mapping, documented in
// docs/assessments.md). Bands and the screen are over the raw 0–25 sum; total = raw × 4 (0–100 %).
export const who5: InstrumentDefinition = {
  id: "who5",
  name: { zh: "世界卫生组织五项身心健康指数（WHO-5）", en: "WHO-5 Well-Being Index" },
  instructions: {
    zh: "请根据您过去两周的感受，选择最接近的一项。",
    en: "Please indicate for each statement which is closest to how you have been feeling over the last two weeks.",
  },
  items: [
    { id: "who5_1", text: { zh: "我感到快乐、心情舒畅", en: "I have felt cheerful and in good spirits" } },
    { id: "who5_2", text: { zh: "我感到平静和放松", en: "I have felt calm and relaxed" } },
    { id: "who5_3", text: { zh: "我感到充满活力、精力充沛", en: "I have felt active and vigorous" } },
    { id: "who5_4", text: { zh: "我醒来时感到神清气爽、休息得很好", en: "I woke up feeling fresh and rested" } },
    {
      id: "who5_5",
      text: { zh: "我的日常生活中充满了让我感兴趣的事情", en: "My daily life has been filled with things that interest me" },
    },
  ],
  options: [
    { value: 5, label: { zh: "所有时间", en: "All of the time" } },
    { value: 4, label: { zh: "大部分时间", en: "Most of the time" } },
    { value: 3, label: { zh: "一半以上时间", en: "More than half of the time" } },
    { value: 2, label: { zh: "一半以下时间", en: "Less than half of the time" } },
    { value: 1, label: { zh: "有时", en: "Some of the time" } },
    { value: 0, label: { zh: "从未有过", en: "At no time" } },
  ],
  scoring: { method: "sum", multiplier: 4 },
  bands: [
    {
      min: 13,
      max: 25,
      band: "minimal",
      label: { zh: "身心状态良好", en: "Good well-being" },
      interpretation: {
        zh: "您最近的身心状态不错，请继续保持。",
        en: "Your well-being has been good lately. Keep it up.",
      },
    },
    {
      min: 8,
      max: 12,
      band: "mild",
      label: { zh: "身心状态较差", en: "Low well-being" },
      interpretation: {
        zh: "您最近的精神和心情不太好。建议和社区咨询师聊一聊，看看是否需要进一步检查。",
        en: "Your spirits have been low lately. We suggest a chat with a community counselor to see whether a further check is needed.",
      },
    },
    {
      min: 0,
      max: 7,
      band: "moderate",
      label: { zh: "身心状态很差", en: "Very low well-being" },
      interpretation: {
        zh: "您最近的精神和心情很不好。请尽快和咨询师或医生谈一谈，他们可以帮助您。",
        en: "Your spirits have been very low lately. Please talk with a counselor or a doctor soon; they can help you.",
      },
    },
  ],
  crisisRules: [],
  positiveScreen: {
    op: "<",
    value: 13,
    meaning: {
      zh: "原始分<13（百分制<52）：身心状态较差，建议进行抑郁筛查",
      en: "Raw score < 13 (below 52 %): poor well-being, screening for depression advised",
    },
  },
  source: {
    original:
      "World Health Organization Regional Office for Europe. Wellbeing measures in primary health care: the " +
      "DepCare project. Copenhagen: WHO; 1998. Topp CW, Østergaard SD, Søndergaard S, Bech P. The WHO-5 " +
      "Well-Being Index: a systematic review of the literature. Psychother Psychosom. 2015;84(3):167–176.",
    chinese: "Chinese translation distributed with the WHO-5 (Psychiatric Research Unit, Mental Health Centre North Zealand).",
    cutoffs: "Raw < 13 indicates poor well-being and is an indication for depression testing; raw ≤ 7 (≤ 28 %) suggests likely depression (Topp et al. 2015).",
    licence: "Free to use without permission; the copyright notice of the Psychiatric Research Unit should be kept.",
  },
};
