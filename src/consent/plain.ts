// Plain-language consent screen text (zh-CN default, en). Short sentences, one idea each, for elderly residents.
import { DATA_CATEGORIES, canonicalCategories, type DataCategory } from "./scope.js";
import { Purpose, isPurpose } from "./types.js";

export type Lang = "zh-CN" | "en";
export const LANGS: readonly Lang[] = ["zh-CN", "en"];

export type GranteeRole = "counselor" | "matching_service" | "research_team" | "care_team";

export const CATEGORY_LABELS: Record<Lang, Record<DataCategory, string>> = {
  "zh-CN": {
    assessment: "评估结果",
    consultation_note: "咨询记录",
    care_plan: "服务计划",
    referral: "转介信息",
    wearable_summary: "手环健康摘要",
    identity: "身份信息（姓名、联系方式）",
    need: "求助需求",
  },
  en: {
    assessment: "assessment results",
    consultation_note: "counselling notes",
    care_plan: "care plan",
    referral: "referral details",
    wearable_summary: "wearable health summary",
    identity: "identity (name, contact details)",
    need: "request for help",
  },
};

export const PURPOSE_LABELS: Record<Lang, Record<Purpose, string>> = {
  "zh-CN": {
    [Purpose.TREATMENT]: "心理咨询",
    [Purpose.MATCHING]: "为您找到合适的咨询师",
    [Purpose.RESEARCH_AGGREGATE]: "匿名统计研究，不会显示您是谁",
    [Purpose.MONITORING]: "根据手环数据关心您的身心状况",
    [Purpose.EMERGENCY]: "紧急情况下保护您的安全",
  },
  en: {
    [Purpose.TREATMENT]: "counselling",
    [Purpose.MATCHING]: "finding a suitable counsellor for you",
    [Purpose.RESEARCH_AGGREGATE]: "anonymous statistics; nobody will see who you are",
    [Purpose.MONITORING]: "looking after your wellbeing using your wearable data",
    [Purpose.EMERGENCY]: "keeping you safe in an emergency",
  },
};

export const ROLE_LABELS: Record<Lang, Record<GranteeRole, string>> = {
  "zh-CN": { counselor: "咨询师", matching_service: "匹配服务", research_team: "研究团队", care_team: "照护团队" },
  en: { counselor: "counsellor", matching_service: "matching service", research_team: "research team", care_team: "care team" },
};

export interface GrantExplanationInput {
  purpose: Purpose;
  granteeRole: GranteeRole;
  /** Display label such as "王医生"; empty for services. Never put it on chain. */
  granteeName?: string;
  categories: readonly string[];
  notBefore: number;
  /** Exclusive end: the last active second is notAfter - 1, and that is the date shown. */
  notAfter: number;
}

export interface GrantExplanation {
  title: string;
  who: string;
  what: string;
  why: string;
  until: string;
  howToWithdraw: string;
  sensitiveNotice: string;
}

export interface PlainOptions {
  /** Offset for shown dates; China Standard Time (+08:00, no DST) by default. */
  utcOffsetMinutes?: number;
}

const EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

function parts(unixSeconds: number, offsetMinutes: number) {
  const d = new Date((unixSeconds + offsetMinutes * 60) * 1000);
  return {
    y: d.getUTCFullYear(),
    m: d.getUTCMonth(),
    day: d.getUTCDate(),
    hh: String(d.getUTCHours()).padStart(2, "0"),
    mm: String(d.getUTCMinutes()).padStart(2, "0"),
  };
}

/** "2027年5月29日" / "29 May 2027"; with time "2027年5月29日 14:00" / "29 May 2027, 14:00". */
export function formatDate(unixSeconds: number, lang: Lang, withTime = false, opts: PlainOptions = {}): string {
  const p = parts(unixSeconds, opts.utcOffsetMinutes ?? 480);
  if (lang === "zh-CN") return `${p.y}年${p.m + 1}月${p.day}日${withTime ? ` ${p.hh}:${p.mm}` : ""}`;
  return `${p.day} ${EN_MONTHS[p.m]} ${p.y}${withTime ? `, ${p.hh}:${p.mm}` : ""}`;
}

function listCategories(categories: readonly string[], lang: Lang): string {
  const set = new Set(canonicalCategories(categories));
  // Fixed display order (most familiar first), not the hashing order.
  const labels = DATA_CATEGORIES.filter((c) => set.has(c)).map((c) => CATEGORY_LABELS[lang][c]);
  if (lang === "zh-CN") return labels.join("、");
  if (labels.length <= 1) return labels.join("");
  return `${labels.slice(0, -1).join(", ")} and ${labels[labels.length - 1]}`;
}

export function explainGrant(input: GrantExplanationInput, lang: Lang = "zh-CN", opts: PlainOptions = {}): GrantExplanation {
  if (!isPurpose(input.purpose)) throw new RangeError("unknown purpose");
  if (!(input.notAfter > input.notBefore)) throw new RangeError("notAfter must be after notBefore");
  const role = ROLE_LABELS[lang][input.granteeRole];
  if (role === undefined) throw new RangeError("unknown grantee role");
  const name = input.granteeName?.trim() ?? "";
  const emergency = input.purpose === Purpose.EMERGENCY;
  const what = listCategories(input.categories, lang);
  const why = PURPOSE_LABELS[lang][input.purpose];
  // Break-glass windows are hours long: show the time; ordinary grants show dates only.
  const from = formatDate(input.notBefore, lang, emergency, opts);
  const to = formatDate(input.notAfter - 1, lang, emergency, opts);

  if (lang === "zh-CN") {
    const who = name ? `${name}（${role}）` : role;
    return {
      title: emergency ? "紧急查看通知" : `同意书：${PURPOSE_LABELS[lang][input.purpose].split("，")[0]}`,
      who: emergency ? `紧急情况下，${who}可以查看您的信息。` : `您同意${who}查看您的信息。`,
      what: `可以查看：${what}。`,
      why: `用途：${why}。`,
      until: `有效期：${from} 至 ${to}。`,
      howToWithdraw: emergency
        ? "紧急查看到期自动结束。您也可以随时撤回。每一次查看都有记录。"
        : "您随时可以撤回。在“我的同意”里点“撤回”。撤回后，对方将立即无法再查看。",
      sensitiveNotice: "这些是心理健康信息，属于敏感个人信息。我们加密保存，只给您同意的人看。",
    };
  }
  const who = name ? `${name} (${role})` : `the ${role}`;
  return {
    title: emergency ? "Emergency access notice" : `Consent: ${why.split(";")[0]}`,
    who: emergency ? `In an emergency, ${who} may see your information.` : `You allow ${who} to see your information.`,
    what: `They may see: ${what}.`,
    why: `Purpose: ${why}.`,
    until: `Valid from ${from} until ${to}.`,
    howToWithdraw: emergency
      ? "Emergency access ends by itself. You can also withdraw it at any time. Every look is recorded."
      : "You can withdraw at any time. Go to “My consents” and tap “Withdraw”. After that, they can no longer see it.",
    sensitiveNotice: "This is mental-health information. It is sensitive. We keep it encrypted and show it only to people you allow.",
  };
}
