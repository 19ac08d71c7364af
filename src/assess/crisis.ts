import type { Bilingual, Lang, ScoredAssessment } from "./types.js";

export interface Hotline {
  id: string;
  name: string;
  number: string;
  note: string;
}

interface HotlineEntry {
  id: string;
  name: Bilingual;
  number: string;
  note: Bilingual;
}

/**
 * A local crisis line a deployment configures for its city (ANXIN_LOCAL_HOTLINES): shown after the national lines.
 * `source` says where the number was checked (a public page or document), so no number is ever shown unsourced.
 */
export interface LocalHotline {
  id: string;
  name: Bilingual;
  number: string;
  note?: Bilingual;
  source: string;
}

// Order matters: emergencies first for anyone in danger, then the national helpline; these three hold in every
// city of China. A city's own lines come only from the deployment's configuration (never a built-in guess: a
// Beijing line was once shown to Shanghai residents).
// Numbers change: re-check them before each release (docs/assessments.md lists when they were checked).
const HOTLINES: readonly HotlineEntry[] = [
  {
    id: "police",
    name: { zh: "报警电话", en: "Police" },
    number: "110",
    note: { zh: "有生命危险或正在发生危险时，立即拨打", en: "Call now if a life is in danger or danger is happening" },
  },
  {
    id: "ambulance",
    name: { zh: "急救电话", en: "Ambulance (medical emergency)" },
    number: "120",
    note: { zh: "已经受伤、服药过量等医疗急救", en: "Injury, overdose or any medical emergency" },
  },
  {
    id: "national-12356",
    name: { zh: "全国心理援助热线", en: "National mental-health helpline" },
    number: "12356",
    note: { zh: "全国统一心理援助热线，倾听和支持", en: "National psychological assistance line: someone to listen and help (Chinese)" },
  },
];

/**
 * Hotlines to show a resident in crisis, in their language; emergency numbers first. The message says a counselor
 * was told only when one really was (an alert reached at least one counselor), never on a bare tap of the button.
 */
export function crisisResources(
  lang: Lang = "zh",
  opts: { counselorNotified?: boolean; local?: readonly LocalHotline[] } = {},
): { lang: Lang; hotlines: Hotline[]; message: string } {
  const l: Lang = lang === "en" ? "en" : "zh";
  return {
    lang: l,
    hotlines: hotlines(l, opts.local),
    message: RESIDENT_MESSAGE[l] + (opts.counselorNotified ? NOTIFIED[l] : ""),
  };
}

function hotlines(l: Lang, local: readonly LocalHotline[] = []): Hotline[] {
  const national = HOTLINES.map((h) => ({ id: h.id, name: h.name[l], number: h.number, note: h.note[l] }));
  const known = new Set(national.map((h) => h.number));
  const own = local.filter((h) => !known.has(h.number)).map((h) => ({ id: `local-${h.id}`, name: h.name[l], number: h.number, note: h.note?.[l] ?? "" }));
  return [...national, ...own];
}

const RESIDENT_MESSAGE: Bilingual = {
  zh: "您并不孤单，现在就可以得到帮助。请拨打全国心理援助热线 12356。如果您或身边的人有危险，请立即拨打 110 或 120。",
  en: "You are not alone, and help is available now. Please call the national mental-health helpline 12356. If you or someone near you is in danger, call 110 or 120 right away.",
};

const NOTIFIED: Bilingual = { zh: "我们也已通知您的咨询师。", en: " We have also let your counselor know." };

/** A counselor's own judgement of risk, recorded in a session; it needs no questionnaire. */
export interface CounselorRiskMark {
  kind: "counselor_mark";
  level: "high" | "imminent";
}

export type CrisisLevel = "none" | "elevated" | "high" | "imminent";

export interface CrisisDecision {
  alert: boolean;
  level: CrisisLevel;
  reasons: string[];
  /** Shown to the resident at once, with `hotlines`. */
  message: Bilingual;
  /** Sent to the resident's counselor(s); carries no identity or answers. */
  counselorMessage: Bilingual;
  /** Consent purposes whose active grantees are alerted (the services layer resolves who they are). */
  notifyPurposes: ("TREATMENT" | "MONITORING")[];
  offerEmergencyGrant: boolean;
  hotlines: Hotline[];
}

const COUNSELOR_MESSAGE: Record<Exclude<CrisisLevel, "none">, Bilingual> = {
  elevated: {
    zh: "危机提示：一位由您负责的居民在问卷中报告了自伤或轻生的念头。请今天内联系并进行风险评估。",
    en: "Crisis alert: a resident in your care reported thoughts of self-harm or of being better off dead. Please make contact and assess risk today.",
  },
  high: {
    zh: "危机警报：一位由您负责的居民多次出现自伤或轻生的念头，或被评估为高风险。请立即联系。",
    en: "Crisis alert: a resident in your care reports frequent thoughts of self-harm or was marked high risk. Please make contact now.",
  },
  imminent: {
    zh: "紧急危机：一位由您负责的居民被评估为有迫切危险。请立即联系，必要时拨打 110/120，并可启用紧急授权。",
    en: "Imminent crisis: a resident in your care was assessed to be in immediate danger. Act now, call 110/120 if needed; an emergency grant is available.",
  },
};

function isRiskMark(x: ScoredAssessment | CounselorRiskMark): x is CounselorRiskMark {
  return (x as CounselorRiskMark).kind === "counselor_mark";
}

/**
 * Decides the crisis path. Any crisis flag (PHQ-9 item 9 > 0, or a counselor's risk mark) alerts: the resident
 * sees the hotlines now, the TREATMENT/MONITORING counselor is alerted, and an EMERGENCY grant is offered.
 * PHQ-9 item 9 answered 1 ("several days") is "elevated"; 2 or 3 is "high". A counselor mark keeps its level.
 */
export function decideCrisis(input: ScoredAssessment | CounselorRiskMark, lang: Lang = "zh", local: readonly LocalHotline[] = []): CrisisDecision {
  let level: CrisisLevel = "none";
  let reasons: string[] = [];
  if (isRiskMark(input)) {
    if (input.level !== "high" && input.level !== "imminent") throw new TypeError("unknown counselor risk level");
    level = input.level;
    reasons = [`counselor.${input.level}`];
  } else if (input.crisis.flag) {
    reasons = [...input.crisis.reasons];
    const item9 = input.instrument === "phq9" ? input.answers["phq9_9"] : undefined;
    level = item9 !== undefined && item9 >= 2 ? "high" : "elevated";
  }
  const { hotlines } = crisisResources(lang, { local });
  if (level === "none") {
    return {
      alert: false,
      level,
      reasons,
      message: { zh: "", en: "" },
      counselorMessage: { zh: "", en: "" },
      notifyPurposes: [],
      offerEmergencyGrant: false,
      hotlines: [],
    };
  }
  return {
    alert: true,
    level,
    reasons,
    message: { ...RESIDENT_MESSAGE },
    counselorMessage: { ...COUNSELOR_MESSAGE[level] },
    notifyPurposes: ["TREATMENT", "MONITORING"],
    offerEmergencyGrant: true,
    hotlines,
  };
}
