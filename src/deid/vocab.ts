// Closed vocabularies of the anonymized need (DESIGN format 7). Every field of a need is drawn from these lists,
// so a need can never carry free text. Order matters only for display; codes are stable wire values.

export const CATEGORIES = [
  "anxiety",
  "depression",
  "grief",
  "family",
  "couple",
  "parenting",
  "elderly_loneliness",
  "youth_study_stress",
  "work_stress",
  "sleep",
  "trauma",
  "substance_use",
] as const;
export type Category = (typeof CATEGORIES)[number];

/** A resident may name at most this many categories; it bounds the sensitivity of per-category counts. */
export const MAX_CATEGORIES_PER_NEED = 3;

export const SEVERITY_BANDS = ["minimal", "mild", "moderate", "moderately_severe", "severe"] as const;
export type SeverityBand = (typeof SEVERITY_BANDS)[number];

export const URGENCIES = ["routine", "soon", "urgent", "crisis"] as const;
export type Urgency = (typeof URGENCIES)[number];

/** Urgent and crisis needs never wait in the pool: they take the emergency path. */
export function isUrgent(u: Urgency): boolean {
  return u === "urgent" || u === "crisis";
}

export const LANGUAGES = [
  "mandarin",
  "cantonese",
  "shanghainese",
  "minnan",
  "sichuanese",
  "english",
  "chinese_sign_language",
] as const;
export type Language = (typeof LANGUAGES)[number];

export const MODALITIES = ["in_person", "phone", "video"] as const;
export type Modality = (typeof MODALITIES)[number];

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export const PARTS_OF_DAY = ["am", "pm", "eve"] as const;
/** Weekly availability slots, e.g. "mon_am": recurring, so they carry no exact date. */
export const SLOTS = WEEKDAYS.flatMap((d) => PARTS_OF_DAY.map((p) => `${d}_${p}` as const));
export type Slot = (typeof SLOTS)[number];

export const GENDERS = ["female", "male"] as const;
export type Gender = (typeof GENDERS)[number];

export const INSTRUMENTS = ["phq9", "gad7", "who5", "pss10", "k10"] as const;
export type Instrument = (typeof INSTRUMENTS)[number];

/** Display labels for explanations shown to residents (zh-CN first, en beside). */
export const LABELS: {
  category: Record<Category, { zh: string; en: string }>;
  language: Record<Language, { zh: string; en: string }>;
  modality: Record<Modality, { zh: string; en: string }>;
  weekday: Record<(typeof WEEKDAYS)[number], { zh: string; en: string }>;
  partOfDay: Record<(typeof PARTS_OF_DAY)[number], { zh: string; en: string }>;
  gender: Record<Gender, { zh: string; en: string }>;
} = {
  category: {
    anxiety: { zh: "焦虑", en: "anxiety" },
    depression: { zh: "抑郁", en: "depression" },
    grief: { zh: "哀伤", en: "grief" },
    family: { zh: "家庭关系", en: "family relationships" },
    couple: { zh: "婚恋关系", en: "couple relationships" },
    parenting: { zh: "亲子教养", en: "parenting" },
    elderly_loneliness: { zh: "老年孤独", en: "loneliness in later life" },
    youth_study_stress: { zh: "青少年学业压力", en: "study stress" },
    work_stress: { zh: "工作压力", en: "work stress" },
    sleep: { zh: "睡眠问题", en: "sleep problems" },
    trauma: { zh: "创伤", en: "trauma" },
    substance_use: { zh: "物质使用", en: "substance use" },
  },
  language: {
    mandarin: { zh: "普通话", en: "Mandarin" },
    cantonese: { zh: "粤语", en: "Cantonese" },
    shanghainese: { zh: "上海话", en: "Shanghainese" },
    minnan: { zh: "闽南语", en: "Minnan" },
    sichuanese: { zh: "四川话", en: "Sichuanese" },
    english: { zh: "英语", en: "English" },
    chinese_sign_language: { zh: "中国手语", en: "Chinese Sign Language" },
  },
  modality: {
    in_person: { zh: "面谈", en: "in person" },
    phone: { zh: "电话", en: "by phone" },
    video: { zh: "视频", en: "by video" },
  },
  weekday: {
    mon: { zh: "周一", en: "Monday" },
    tue: { zh: "周二", en: "Tuesday" },
    wed: { zh: "周三", en: "Wednesday" },
    thu: { zh: "周四", en: "Thursday" },
    fri: { zh: "周五", en: "Friday" },
    sat: { zh: "周六", en: "Saturday" },
    sun: { zh: "周日", en: "Sunday" },
  },
  partOfDay: {
    am: { zh: "上午", en: "morning" },
    pm: { zh: "下午", en: "afternoon" },
    eve: { zh: "晚上", en: "evening" },
  },
  gender: {
    female: { zh: "女性", en: "female" },
    male: { zh: "男性", en: "male" },
  },
};
