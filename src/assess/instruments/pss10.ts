import type { InstrumentDefinition } from "../types.js";

// PSS-10: Cohen, Kamarck & Mermelstein 1983; 10-item form Cohen & Williamson 1988. Items 4, 5, 7 and 8 are
// positively worded and reverse-scored (4 − answer). Cohen published no cut-offs: the 0–13/14–26/27–40
// bands are the widely used scoring guide's, and their need-band mapping is ours (docs/assessments.md).
export const pss10: InstrumentDefinition = {
  id: "pss10",
  name: { zh: "知觉压力量表（PSS-10）", en: "Perceived Stress Scale (PSS-10)" },
  instructions: {
    zh: "以下问题询问您在最近一个月里的感受和想法。请选择每种情况出现的频率。",
    en: "The questions in this scale ask you about your feelings and thoughts during the last month. Please indicate how often you felt or thought a certain way.",
  },
  items: [
    {
      id: "pss10_1",
      text: {
        zh: "因为一些意外发生的事情而感到心烦意乱",
        en: "How often have you been upset because of something that happened unexpectedly?",
      },
    },
    {
      id: "pss10_2",
      text: {
        zh: "感觉无法控制自己生活中重要的事情",
        en: "How often have you felt that you were unable to control the important things in your life?",
      },
    },
    { id: "pss10_3", text: { zh: "感到紧张不安和有压力", en: "How often have you felt nervous and \"stressed\"?" } },
    {
      id: "pss10_4",
      text: {
        zh: "对于自己处理个人问题的能力感到有信心",
        en: "How often have you felt confident about your ability to handle your personal problems?",
      },
    },
    { id: "pss10_5", text: { zh: "感到事情顺心如意", en: "How often have you felt that things were going your way?" } },
    {
      id: "pss10_6",
      text: {
        zh: "发现自己无法应付所有必须做的事情",
        en: "How often have you found that you could not cope with all the things that you had to do?",
      },
    },
    {
      id: "pss10_7",
      text: { zh: "能够控制生活中让人烦恼的事情", en: "How often have you been able to control irritations in your life?" },
    },
    { id: "pss10_8", text: { zh: "觉得自己能够掌控局面", en: "How often have you felt that you were on top of things?" } },
    {
      id: "pss10_9",
      text: {
        zh: "因为发生了超出自己控制的事情而生气",
        en: "How often have you been angered because of things that were outside of your control?",
      },
    },
    {
      id: "pss10_10",
      text: {
        zh: "感到困难的事情堆积如山，自己无法克服",
        en: "How often have you felt difficulties were piling up so high that you could not overcome them?",
      },
    },
  ],
  options: [
    { value: 0, label: { zh: "从不", en: "Never" } },
    { value: 1, label: { zh: "几乎不", en: "Almost never" } },
    { value: 2, label: { zh: "有时", en: "Sometimes" } },
    { value: 3, label: { zh: "经常", en: "Fairly often" } },
    { value: 4, label: { zh: "总是", en: "Very often" } },
  ],
  reverseItems: ["pss10_4", "pss10_5", "pss10_7", "pss10_8"],
  scoring: { method: "sum", multiplier: 1 },
  bands: [
    {
      min: 0,
      max: 13,
      band: "minimal",
      label: { zh: "压力较低", en: "Low perceived stress" },
      interpretation: {
        zh: "您最近感到的压力不大，请继续保持。",
        en: "You have not felt much stress lately. Keep it up.",
      },
    },
    {
      min: 14,
      max: 26,
      band: "moderate",
      label: { zh: "中等压力", en: "Moderate perceived stress" },
      interpretation: {
        zh: "您最近感到有一定压力。适当休息、和亲友聊天会有帮助；需要时可以找社区咨询师聊聊。",
        en: "You have felt some stress lately. Rest and chatting with family or friends can help; a community counselor is there if you need one.",
      },
    },
    {
      min: 27,
      max: 40,
      band: "severe",
      label: { zh: "压力较高", en: "High perceived stress" },
      interpretation: {
        zh: "您最近感到的压力很大。建议您和社区咨询师谈一谈，一起想办法减轻压力。",
        en: "You have felt a lot of stress lately. We suggest you talk with a community counselor to find ways to ease it.",
      },
    },
  ],
  crisisRules: [],
  positiveScreen: {
    op: ">=",
    value: 27,
    meaning: { zh: "总分≥27：压力较高", en: "Total ≥ 27: high perceived stress" },
  },
  source: {
    original:
      "Cohen S, Kamarck T, Mermelstein R. A global measure of perceived stress. J Health Soc Behav. " +
      "1983;24(4):385–396. Cohen S, Williamson G. Perceived stress in a probability sample of the United States. " +
      "In: Spacapan S, Oskamp S, eds. The Social Psychology of Health. Sage; 1988:31–67.",
    chinese:
      "Leung DYP, Lam TH, Chan SSC. Three versions of Perceived Stress Scale: validation in a sample of Chinese " +
      "cardiac patients who smoke. BMC Public Health. 2010;10:513. Lu W, Bian Q, Wang W, et al. Chinese version of " +
      "the Perceived Stress Scale-10: a psychometric study in Chinese university students. PLoS One. 2017;12(12):e0189543.",
    cutoffs:
      "No cut-offs from the authors. 0–13 low, 14–26 moderate, 27–40 high follow the widely circulated PSS scoring " +
      "guide (e.g. State of New Hampshire Employee Assistance Program); ≥ 27 as a positive screen is our choice.",
    licence:
      "Free for non-profit academic and clinical use without permission (Cohen laboratory terms); commercial use is " +
      "licensed through Mind Garden. Confirm the terms before a commercial deployment.",
  },
};
