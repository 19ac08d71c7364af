// The demo community (社区): three counselors, twenty residents and their self-assessments. Entirely synthetic:
// names, ID numbers and phone numbers are invented and marked 演示 (demo); no real person is described.
// Places come from the city the demo runs in (`anxin demo --city`): each persona lives in a district "slot" that
// communityFor() maps onto that city's districts and streets.
import type { InstrumentId } from "../assess/index.js";
import type { Category, Language, Modality, Places, Slot } from "../deid/index.js";

export interface DemoCounselor {
  label: string;
  /** The public profile the authority publishes with the accreditation (invented, marked 演示). */
  publicProfile: { displayName: string; title: string; organisation: string };
  /** District slots served in person (mapped onto the city's districts like the residents'). */
  slots?: number[];
  profile: {
    specialties: Category[];
    languages: Language[];
    modalities: Modality[];
    districts: string[];
    capacity: number;
    availability: Slot[];
    gender: "female" | "male";
  };
}

export interface DemoPersona {
  /** Shown on the demo's console only (client side); "{d}" stands for the district's name. */
  label: string;
  identity: { name: string; idNumber: string; phone: string };
  age: number;
  /** Which of the city's districts the persona lives in (see communityFor). */
  slot: number;
  languages: Language[];
  categories: Category[];
  modalities: Modality[];
  availability: Slot[];
  counselorGender?: "female" | "male";
  instrument: InstrumentId;
  answers: number[];
}
export interface DemoResident extends DemoPersona {
  /** Street (街道) or district code: generalized to the district by deriveNeed before anything leaves. */
  place: string;
}

export const COUNSELORS: DemoCounselor[] = [
  {
    label: "李老师 (普通话/上海话, 老年与哀伤)",
    publicProfile: { displayName: "李静（演示）", title: "二级心理咨询师", organisation: "社区心理健康服务中心（演示）" },
    slots: [7, 3, 0, 6, 5],
    profile: {
      specialties: ["depression", "grief", "elderly_loneliness", "sleep"],
      languages: ["mandarin", "shanghainese"],
      modalities: ["in_person", "phone", "video"],
      districts: [],
      capacity: 8,
      availability: ["mon_am", "tue_am", "wed_am", "thu_pm", "fri_am"],
      gender: "female",
    },
  },
  {
    label: "陈老师 (普通话/粤语, 焦虑与家庭)",
    publicProfile: { displayName: "陈家明（演示）", title: "心理治疗师", organisation: "社区心理健康服务中心（演示）" },
    slots: [2, 7, 3],
    profile: {
      specialties: ["anxiety", "family", "couple", "work_stress", "sleep"],
      languages: ["mandarin", "cantonese"],
      modalities: ["in_person", "video"],
      districts: [],
      capacity: 7,
      availability: ["mon_eve", "tue_eve", "wed_eve", "sat_am", "sat_pm"],
      gender: "male",
    },
  },
  {
    label: "张老师 (普通话, 青少年与职场)",
    publicProfile: { displayName: "张晓雯（演示）", title: "二级心理咨询师", organisation: "社区心理健康服务中心（演示）" },
    slots: [8, 1, 9, 4, 11],
    profile: {
      specialties: ["youth_study_stress", "anxiety", "depression", "parenting", "work_stress"],
      languages: ["mandarin"],
      modalities: ["in_person", "phone", "video"],
      districts: [],
      capacity: 7,
      availability: ["tue_pm", "thu_pm", "thu_eve", "fri_eve", "sun_pm"],
      gender: "female",
    },
  },
];

const id = (n: number) => `31010419${String(40 + n).padStart(2, "0")}0101${String(1000 + n).slice(-4)}`;
const phone = (n: number) => `1390000${String(n).padStart(4, "0")}`;

// Three language groups (普通话 only; 普通话+上海话; 普通话+粤语) so the k = 5 gate has to hold the first needs
// of each group until five similar ones have arrived. Resident 20 answers PHQ-9 item 9 with 2: the crisis path.
const R = (
  n: number,
  label: string,
  name: string,
  age: number,
  slot: number,
  languages: Language[],
  categories: Category[],
  instrument: InstrumentId,
  answers: number[],
  more: Partial<Pick<DemoResident, "modalities" | "availability" | "counselorGender">> = {},
): DemoPersona => ({
  label,
  identity: { name: `${name}（演示）`, idNumber: id(n), phone: phone(n) },
  age,
  slot,
  languages,
  categories,
  modalities: more.modalities ?? ["in_person", "video"],
  availability: more.availability ?? ["mon_am", "wed_am", "thu_pm"],
  counselorGender: more.counselorGender,
  instrument,
  answers,
});

const SH: Language[] = ["mandarin", "shanghainese"];
const YUE: Language[] = ["mandarin", "cantonese"];
const PTH: Language[] = ["mandarin"];

export const RESIDENTS: DemoPersona[] = [
  R(1, "退休教师, 74岁, {d}, 上海话", "王秀兰", 74, 0, SH, ["elderly_loneliness", "grief"], "phq9", [1, 2, 1, 1, 0, 1, 1, 0, 0], { modalities: ["in_person", "phone"] }),
  R(2, "大学生, 20岁, {d}", "刘子涵", 20, 1, PTH, ["youth_study_stress", "anxiety"], "gad7", [2, 2, 1, 2, 1, 1, 1], { availability: ["tue_pm", "thu_pm", "fri_eve"] }),
  R(3, "程序员, 31岁, {d}, 粤语", "陈嘉怡", 31, 2, YUE, ["work_stress", "sleep"], "pss10", [3, 2, 3, 1, 2, 3, 1, 2, 3, 2], { modalities: ["video"], availability: ["mon_eve", "wed_eve"] }),
  R(4, "独居老人, 81岁, {d}, 上海话", "周国华", 81, 3, SH, ["elderly_loneliness", "depression"], "who5", [1, 2, 1, 2, 1], { modalities: ["in_person", "phone"], availability: ["tue_am", "wed_am"] }),
  R(5, "中学生家长, 42岁, {d}", "赵敏", 42, 4, PTH, ["parenting", "anxiety"], "gad7", [1, 2, 2, 1, 1, 2, 1], { availability: ["thu_eve", "sun_pm"] }),
  R(6, "外企职员, 36岁, {d}, 粤语", "黄志明", 36, 2, YUE, ["anxiety", "work_stress"], "gad7", [2, 1, 2, 2, 1, 1, 2], { availability: ["tue_eve", "sat_am"] }),
  R(7, "退休工人, 68岁, {d}, 上海话", "孙建平", 68, 5, SH, ["grief", "sleep"], "phq9", [1, 1, 2, 1, 1, 0, 1, 1, 0]),
  R(8, "研究生, 25岁, {d}", "吴雨桐", 25, 1, PTH, ["youth_study_stress", "depression"], "phq9", [2, 1, 1, 2, 1, 2, 1, 0, 0], { availability: ["tue_pm", "fri_eve"] }),
  R(9, "新手妈妈, 29岁, {d}", "郑丽娜", 29, 6, PTH, ["parenting", "sleep"], "k10", [2, 3, 2, 2, 2, 1, 2, 2, 1, 2], { counselorGender: "female" }),
  R(10, "广东来沪, 45岁, {d}, 粤语", "梁伟强", 45, 7, YUE, ["family", "couple"], "phq9", [1, 1, 1, 1, 1, 1, 0, 0, 0], { availability: ["mon_eve", "sat_pm"] }),
  R(11, "丧偶老人, 77岁, {d}, 上海话", "钱玉珍", 77, 8, SH, ["grief", "elderly_loneliness"], "phq9", [2, 1, 2, 1, 1, 1, 1, 1, 0], { modalities: ["in_person", "phone"] }),
  R(12, "外卖骑手, 27岁, {d}", "马骏", 27, 9, PTH, ["work_stress", "sleep"], "pss10", [2, 3, 2, 2, 2, 3, 2, 2, 2, 3], { modalities: ["phone", "video"], availability: ["sun_pm", "thu_eve"] }),
  R(13, "港籍教师, 52岁, {d}, 粤语", "林慧敏", 52, 0, YUE, ["anxiety", "family"], "gad7", [1, 1, 2, 1, 2, 1, 1], { availability: ["wed_eve", "sat_am"] }),
  R(14, "退休医生, 71岁, {d}, 上海话", "徐德明", 71, 6, SH, ["sleep", "depression"], "k10", [2, 2, 1, 2, 2, 1, 2, 1, 2, 1], { availability: ["mon_am", "fri_am"] }),
  R(15, "高三学生, 17岁, {d}", "何思远", 17, 10, PTH, ["youth_study_stress", "anxiety"], "gad7", [2, 2, 2, 1, 1, 2, 1], { modalities: ["video"], availability: ["sun_pm", "fri_eve"] }),
  R(16, "夫妻矛盾, 39岁, {d}, 粤语", "罗嘉欣", 39, 2, YUE, ["couple", "family"], "phq9", [1, 2, 1, 1, 0, 1, 1, 0, 0], { availability: ["tue_eve", "wed_eve"] }),
  R(17, "社区志愿者, 66岁, {d}, 上海话", "沈桂英", 66, 7, SH, ["elderly_loneliness"], "who5", [2, 2, 1, 2, 2], { availability: ["tue_am", "thu_pm"] }),
  R(18, "银行柜员, 33岁, {d}", "杨帆", 33, 11, PTH, ["work_stress", "anxiety"], "pss10", [3, 2, 3, 2, 1, 2, 2, 2, 3, 2], { availability: ["thu_pm", "thu_eve"] }),
  R(19, "失业青年, 24岁, {d}", "许浩然", 24, 4, PTH, ["depression", "work_stress"], "phq9", [2, 2, 1, 2, 1, 2, 1, 0, 0], { availability: ["tue_pm", "sun_pm"] }),
  R(20, "夜班护士, 34岁, {d}", "蒋婷", 34, 5, PTH, ["depression", "sleep"], "phq9", [2, 2, 2, 1, 1, 2, 1, 1, 2], { availability: ["sat_am", "sat_pm"] }),
];

/** Where slot s lives in Shanghai (the districts the demo community was first written for). */
const SHANGHAI_SLOTS = ["310104", "310110", "310115", "310106", "310112", "310107", "310105", "310101", "310109", "310113", "310114", "310117"];

/** A district's short name for a label: 徐汇区 → 徐汇, 新宾满族自治县 stays whole (too short to trim safely). */
const shortName = (name: string) => (name.length > 2 && /[区]$/.test(name) ? name.slice(0, -1) : name);

/**
 * The community placed in a city: slot s is the city's (s mod n)-th district (in Shanghai the districts it was
 * written for), each resident on one of that district's streets; counselors serve their slots' districts.
 */
export function communityFor(places: Places): { counselors: DemoCounselor[]; residents: DemoResident[] } {
  const all = places.districts().length ? places.districts() : [places.city];
  const districtOf = (slot: number) => (places.city === "310000" ? SHANGHAI_SLOTS[slot] : all[slot % all.length]);
  const residents = RESIDENTS.map((r, i) => {
    const d = districtOf(r.slot);
    const streets = places.streets(d);
    const place = streets.length ? streets[i % streets.length] : d;
    return { ...r, label: r.label.replace("{d}", shortName(places.label(d).zh)), place };
  });
  const counselors = COUNSELORS.map((c) => ({ ...c, profile: { ...c.profile, districts: [...new Set((c.slots ?? []).map(districtOf))] } }));
  return { counselors, residents };
}

/** The resident whose PHQ-9 item 9 is answered 2: the crisis path (hotlines, alert; never pooled). */
export const CRISIS_RESIDENT = 19;

/** What shapes the community a run plays. */
export interface CommunityOptions {
  /** The city it lives in (its districts and streets); the run passes the places of its --city. */
  places: Places;
}

export interface Community {
  /** The city it lives in. */
  places: Places;
  counselors: DemoCounselor[];
  residents: DemoResident[];
  /** Index into `residents` of the crisis case. */
  crisisResident: number;
}

/** The community a demo run plays. */
export function demoCommunity(opts: CommunityOptions): Community {
  return { places: opts.places, ...communityFor(opts.places), crisisResident: CRISIS_RESIDENT };
}
