import type { InstrumentDefinition } from "../types.js";
import { PHQ_FREQUENCY } from "./phq-scale.js";

// GAD-7: Spitzer, Kroenke, Williams & Löwe 2006. zh-CN wording follows the Chinese version validated by
// He et al. 2010 and used in Chinese general-hospital and community screening.
export const gad7: InstrumentDefinition = {
  id: "gad7",
  name: { zh: "广泛性焦虑量表（GAD-7）", en: "Generalized Anxiety Disorder scale (GAD-7)" },
  instructions: {
    zh: "在过去两周里，您有多少时间受到以下问题的困扰？",
    en: "Over the last 2 weeks, how often have you been bothered by the following problems?",
  },
  items: [
    { id: "gad7_1", text: { zh: "感觉紧张、焦虑或急切", en: "Feeling nervous, anxious, or on edge" } },
    { id: "gad7_2", text: { zh: "不能够停止或控制担忧", en: "Not being able to stop or control worrying" } },
    { id: "gad7_3", text: { zh: "对各种各样的事情担忧过多", en: "Worrying too much about different things" } },
    { id: "gad7_4", text: { zh: "很难放松下来", en: "Trouble relaxing" } },
    { id: "gad7_5", text: { zh: "由于不安而无法静坐", en: "Being so restless that it is hard to sit still" } },
    { id: "gad7_6", text: { zh: "变得容易烦恼或急躁", en: "Becoming easily annoyed or irritable" } },
    {
      id: "gad7_7",
      text: { zh: "感到似乎将有可怕的事情发生而害怕", en: "Feeling afraid, as if something awful might happen" },
    },
  ],
  options: PHQ_FREQUENCY,
  scoring: { method: "sum", multiplier: 1 },
  bands: [
    {
      min: 0,
      max: 4,
      band: "minimal",
      label: { zh: "没有或极轻微焦虑", en: "Minimal anxiety" },
      interpretation: {
        zh: "您最近没有明显的紧张或担心。如果以后感到不舒服，随时可以找社区咨询师聊聊。",
        en: "You have not had much worry or tension lately. If that changes, you can talk to a community counselor at any time.",
      },
    },
    {
      min: 5,
      max: 9,
      band: "mild",
      label: { zh: "轻度焦虑", en: "Mild anxiety" },
      interpretation: {
        zh: "您最近有一些紧张和担心。适当活动、和亲友聊天会有帮助；过两周可以再做一次这份问卷。",
        en: "You have had some worry and tension lately. Gentle exercise and chatting with family or friends can help; you can take this questionnaire again in two weeks.",
      },
    },
    {
      min: 10,
      max: 14,
      band: "moderate",
      label: { zh: "中度焦虑", en: "Moderate anxiety" },
      interpretation: {
        zh: "您最近的紧张和担心比较明显。建议您和社区咨询师或医生谈一谈，他们可以帮助您。",
        en: "Your worry and tension have been quite noticeable lately. We suggest you talk with a community counselor or a doctor; they can help you.",
      },
    },
    {
      min: 15,
      max: 21,
      band: "severe",
      label: { zh: "重度焦虑", en: "Severe anxiety" },
      interpretation: {
        zh: "您最近的紧张和担心很重。请尽快联系咨询师或去看医生，也可以请家人陪您一起去。",
        en: "Your worry and tension have been very heavy lately. Please contact a counselor or see a doctor soon; a family member can go with you.",
      },
    },
  ],
  crisisRules: [],
  positiveScreen: {
    op: ">=",
    value: 10,
    meaning: { zh: "总分≥10：建议进一步评估焦虑", en: "Total ≥ 10: further assessment for anxiety advised" },
  },
  source: {
    original:
      "Spitzer RL, Kroenke K, Williams JBW, Löwe B. A brief measure for assessing generalized anxiety disorder: " +
      "the GAD-7. Arch Intern Med. 2006;166(10):1092–1097.",
    chinese:
      "He XY, Li CB, Qian J, Cui HS, Wu WY. Reliability and validity of a generalized anxiety disorder scale in " +
      "general hospital outpatients. Shanghai Arch Psychiatry. 2010;22(4):200–203.",
    cutoffs: "Spitzer et al. 2006: 5, 10, 15 = mild, moderate, severe; ≥ 10 screens positive.",
    licence: "Same terms as the PHQ family: no permission required to reproduce, translate, display or distribute.",
  },
};
