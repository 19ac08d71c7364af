import type { InstrumentDefinition } from "../types.js";

// K10: Kessler et al. 2002. Options score 1–5, so the total is 10–50. Bands: the clinical interpretation
// used with K10 in Australian primary care (likely well / mild / moderate / severe).
export const k10: InstrumentDefinition = {
  id: "k10",
  name: { zh: "凯斯勒心理困扰量表（K10）", en: "Kessler Psychological Distress Scale (K10)" },
  instructions: {
    zh: "以下问题询问您在过去30天里的感受。请选择每种感受出现的频率。",
    en: "These questions concern how you have been feeling over the past 30 days. Please indicate how often you had each feeling.",
  },
  items: [
    {
      id: "k10_1",
      text: { zh: "您有多经常无缘无故地感到疲惫？", en: "About how often did you feel tired out for no good reason?" },
    },
    { id: "k10_2", text: { zh: "您有多经常感到紧张？", en: "About how often did you feel nervous?" } },
    {
      id: "k10_3",
      text: {
        zh: "您有多经常感到紧张得无论如何都平静不下来？",
        en: "About how often did you feel so nervous that nothing could calm you down?",
      },
    },
    { id: "k10_4", text: { zh: "您有多经常感到没有希望？", en: "About how often did you feel hopeless?" } },
    { id: "k10_5", text: { zh: "您有多经常感到坐立不安或烦躁？", en: "About how often did you feel restless or fidgety?" } },
    {
      id: "k10_6",
      text: {
        zh: "您有多经常感到烦躁得坐都坐不住？",
        en: "About how often did you feel so restless you could not sit still?",
      },
    },
    { id: "k10_7", text: { zh: "您有多经常感到情绪低落、沮丧？", en: "About how often did you feel depressed?" } },
    {
      id: "k10_8",
      text: { zh: "您有多经常感到做任何事情都很吃力？", en: "About how often did you feel that everything was an effort?" },
    },
    {
      id: "k10_9",
      text: {
        zh: "您有多经常感到伤心得无论如何都高兴不起来？",
        en: "About how often did you feel so sad that nothing could cheer you up?",
      },
    },
    { id: "k10_10", text: { zh: "您有多经常感到自己一无是处？", en: "About how often did you feel worthless?" } },
  ],
  options: [
    { value: 1, label: { zh: "几乎没有", en: "None of the time" } },
    { value: 2, label: { zh: "很少时间", en: "A little of the time" } },
    { value: 3, label: { zh: "有些时间", en: "Some of the time" } },
    { value: 4, label: { zh: "大部分时间", en: "Most of the time" } },
    { value: 5, label: { zh: "所有时间", en: "All of the time" } },
  ],
  scoring: { method: "sum", multiplier: 1 },
  bands: [
    {
      min: 10,
      max: 19,
      band: "minimal",
      label: { zh: "心理状况良好", en: "Likely to be well" },
      interpretation: {
        zh: "您最近的心理状况总体良好。如果以后感到不舒服，随时可以找社区咨询师聊聊。",
        en: "You seem to be doing well lately. If you start to feel unwell, you can talk to a community counselor at any time.",
      },
    },
    {
      min: 20,
      max: 24,
      band: "mild",
      label: { zh: "轻度心理困扰", en: "Likely to have a mild disorder" },
      interpretation: {
        zh: "您最近有一些心理上的困扰。多休息、和亲友聊天会有帮助；需要时可以找社区咨询师聊聊。",
        en: "You have had some distress lately. Rest and chatting with family or friends can help; a community counselor is there if you need one.",
      },
    },
    {
      min: 25,
      max: 29,
      band: "moderate",
      label: { zh: "中度心理困扰", en: "Likely to have a moderate disorder" },
      interpretation: {
        zh: "您最近的心理困扰比较明显。建议您和社区咨询师或医生谈一谈，他们可以帮助您。",
        en: "Your distress has been quite noticeable lately. We suggest you talk with a community counselor or a doctor; they can help you.",
      },
    },
    {
      min: 30,
      max: 50,
      band: "severe",
      label: { zh: "重度心理困扰", en: "Likely to have a severe disorder" },
      interpretation: {
        zh: "您最近的心理困扰很重。请尽快联系咨询师或去看医生，也可以请家人陪您一起去。",
        en: "Your distress has been very heavy lately. Please contact a counselor or see a doctor soon; a family member can go with you.",
      },
    },
  ],
  crisisRules: [],
  positiveScreen: {
    op: ">=",
    value: 20,
    meaning: { zh: "总分≥20：可能存在心理困扰，建议进一步评估", en: "Total ≥ 20: likely distress, further assessment advised" },
  },
  source: {
    original:
      "Kessler RC, Andrews G, Colpe LJ, et al. Short screening scales to monitor population prevalences and " +
      "trends in non-specific psychological distress. Psychol Med. 2002;32(6):959–976.",
    chinese:
      "周成超, 楚洁, 王婷, 等. 简易心理状况评定量表Kessler10的信度和效度评价. 中国临床心理学杂志. 2008;16(6):627–629.",
    cutoffs:
      "10–19 likely well, 20–24 mild, 25–29 moderate, 30–50 severe (clinical interpretation used with the K10 in " +
      "Australian primary care, CRUfAD). An alternative population grouping is 10–15/16–21/22–29/30–50 " +
      "(Andrews G, Slade T. Aust N Z J Public Health. 2001;25(6):494–497).",
    licence: "Free of charge (Kessler; distributed by the National Comorbidity Survey, Harvard Medical School).",
  },
};
