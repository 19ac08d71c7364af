import type { InstrumentDefinition } from "../types.js";
import { PHQ_FREQUENCY } from "./phq-scale.js";

// PHQ-9: Kroenke, Spitzer & Williams 2001. zh-CN wording follows the Chinese version in common use
// in Chinese primary care and community screening (Wang et al. 2014 validation).
export const phq9: InstrumentDefinition = {
  id: "phq9",
  name: { zh: "患者健康问卷（PHQ-9）", en: "Patient Health Questionnaire (PHQ-9)" },
  instructions: {
    zh: "在过去两周里，您有多少时间受到以下问题的困扰？",
    en: "Over the last 2 weeks, how often have you been bothered by any of the following problems?",
  },
  items: [
    { id: "phq9_1", text: { zh: "做事时提不起劲或没有兴趣", en: "Little interest or pleasure in doing things" } },
    { id: "phq9_2", text: { zh: "感到心情低落、沮丧或绝望", en: "Feeling down, depressed, or hopeless" } },
    {
      id: "phq9_3",
      text: { zh: "入睡困难、睡不安稳或睡眠过多", en: "Trouble falling or staying asleep, or sleeping too much" },
    },
    { id: "phq9_4", text: { zh: "感觉疲倦或没有活力", en: "Feeling tired or having little energy" } },
    { id: "phq9_5", text: { zh: "食欲不振或吃太多", en: "Poor appetite or overeating" } },
    {
      id: "phq9_6",
      text: {
        zh: "觉得自己很糟，或觉得自己很失败，或让自己或家人失望",
        en: "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
      },
    },
    {
      id: "phq9_7",
      text: {
        zh: "对事物专注有困难，例如阅读报纸或看电视时",
        en: "Trouble concentrating on things, such as reading the newspaper or watching television",
      },
    },
    {
      id: "phq9_8",
      text: {
        zh: "动作或说话速度缓慢到别人已经察觉？或正好相反——烦躁或坐立不安、动来动去的情况比平常更多",
        en:
          "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety " +
          "or restless that you have been moving around a lot more than usual",
      },
    },
    {
      id: "phq9_9",
      text: {
        zh: "有不如死掉或用某种方式伤害自己的念头",
        en: "Thoughts that you would be better off dead or of hurting yourself in some way",
      },
    },
  ],
  options: PHQ_FREQUENCY,
  scoring: { method: "sum", multiplier: 1 },
  bands: [
    {
      min: 0,
      max: 4,
      band: "minimal",
      label: { zh: "没有或极轻微抑郁", en: "Minimal or no depression" },
      interpretation: {
        zh: "您最近的情绪总体平稳。如果以后感到不舒服，随时可以找社区咨询师聊聊。",
        en: "Your mood has been mostly steady lately. If you start to feel unwell, you can talk to a community counselor at any time.",
      },
    },
    {
      min: 5,
      max: 9,
      band: "mild",
      label: { zh: "轻度抑郁", en: "Mild depression" },
      interpretation: {
        zh: "您最近有一些情绪低落。多和家人朋友聊聊、保持作息规律会有帮助；过两周可以再做一次这份问卷。",
        en: "You have had some low mood lately. Talking with family or friends and keeping a regular routine can help; you can take this questionnaire again in two weeks.",
      },
    },
    {
      min: 10,
      max: 14,
      band: "moderate",
      label: { zh: "中度抑郁", en: "Moderate depression" },
      interpretation: {
        zh: "您最近的情绪低落比较明显。建议您和社区咨询师或医生谈一谈，他们可以帮助您。",
        en: "Your low mood has been quite noticeable lately. We suggest you talk with a community counselor or a doctor; they can help you.",
      },
    },
    {
      min: 15,
      max: 19,
      band: "moderately_severe",
      label: { zh: "中重度抑郁", en: "Moderately severe depression" },
      interpretation: {
        zh: "您最近的情绪困扰比较重。请尽快和咨询师或医生联系，得到专业的帮助。",
        en: "Your low mood has been heavy lately. Please contact a counselor or a doctor soon to get professional help.",
      },
    },
    {
      min: 20,
      max: 27,
      band: "severe",
      label: { zh: "重度抑郁", en: "Severe depression" },
      interpretation: {
        zh: "您最近的情绪困扰很重。请尽快去看医生或联系咨询师，也可以请家人陪您一起去。",
        en: "Your low mood has been very heavy lately. Please see a doctor or contact a counselor as soon as you can; a family member can go with you.",
      },
    },
  ],
  crisisRules: [{ item: "phq9_9", op: ">", value: 0, reason: "phq9.item9" }],
  positiveScreen: {
    op: ">=",
    value: 10,
    meaning: { zh: "总分≥10：建议进一步评估抑郁", en: "Total ≥ 10: further assessment for depression advised" },
  },
  source: {
    original:
      "Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief depression severity measure. " +
      "J Gen Intern Med. 2001;16(9):606–613.",
    chinese:
      "Wang W, Bian Q, Zhao Y, et al. Reliability and validity of the Chinese version of the Patient Health " +
      "Questionnaire (PHQ-9) in the general population. Gen Hosp Psychiatry. 2014;36(5):539–544.",
    cutoffs: "Kroenke et al. 2001: 5, 10, 15, 20 = mild, moderate, moderately severe, severe; ≥ 10 screens positive.",
    licence:
      "Developed by Drs Spitzer, Williams, Kroenke and colleagues with an educational grant from Pfizer; " +
      "no permission required to reproduce, translate, display or distribute (phqscreeners.com).",
  },
};
