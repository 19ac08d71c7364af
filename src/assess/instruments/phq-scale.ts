import type { InstrumentDefinition } from "../types.js";

/** The PHQ family's answer scale (PHQ-9, GAD-7): how often over the last two weeks, scored 0–3. */
export const PHQ_FREQUENCY: InstrumentDefinition["options"] = [
  { value: 0, label: { zh: "完全不会", en: "Not at all" } },
  { value: 1, label: { zh: "好几天", en: "Several days" } },
  { value: 2, label: { zh: "一半以上的天数", en: "More than half the days" } },
  { value: 3, label: { zh: "几乎每天", en: "Nearly every day" } },
];
