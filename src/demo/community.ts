// The demo community (社区): three counselors, twenty residents and their self-assessments. Entirely synthetic:
// names, ID numbers and phone numbers are invented and marked 演示 (demo); no real person is described.
import type { InstrumentId } from "../assess/index.js";
import type { Category, Language, Modality, Slot } from "../deid/index.js";

export interface DemoCounselor {
  label: string;
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

export interface DemoResident {
  /** Shown on the demo's console only (client side); it reaches the server sealed inside the identity vault. */
  label: string;
  identity: { name: string; idNumber: string; phone: string };
  age: number;
  /** Street (街道) or district code: generalized to the district by deriveNeed before anything leaves. */
  place: string;
  languages: Language[];
  categories: Category[];
  modalities: Modality[];
  availability: Slot[];
  counselorGender?: "female" | "male";
  instrument: InstrumentId;
  answers: number[];
}

export const COUNSELORS: DemoCounselor[] = [
  {
    label: "李老师 (普通话/上海话, 老年与哀伤)",
    profile: {
      specialties: ["depression", "grief", "elderly_loneliness", "sleep"],
      languages: ["mandarin", "shanghainese"],
      modalities: ["in_person", "phone", "video"],
      districts: ["sh.z.central", "sh.z.west"],
      capacity: 8,
      availability: ["mon_am", "tue_am", "wed_am", "thu_pm", "fri_am"],
      gender: "female",
    },
  },
  {
    label: "陈老师 (普通话/粤语, 焦虑与家庭)",
    profile: {
      specialties: ["anxiety", "family", "couple", "work_stress", "sleep"],
      languages: ["mandarin", "cantonese"],
      modalities: ["in_person", "video"],
      districts: ["sh.z.east", "sh.z.central"],
      capacity: 7,
      availability: ["mon_eve", "tue_eve", "wed_eve", "sat_am", "sat_pm"],
      gender: "male",
    },
  },
  {
    label: "张老师 (普通话, 青少年与职场)",
    profile: {
      specialties: ["youth_study_stress", "anxiety", "depression", "parenting", "work_stress"],
      languages: ["mandarin"],
      modalities: ["in_person", "phone", "video"],
      districts: ["sh.z.north", "sh.z.southwest"],
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
  place: string,
  languages: Language[],
  categories: Category[],
  instrument: InstrumentId,
  answers: number[],
  more: Partial<Pick<DemoResident, "modalities" | "availability" | "counselorGender">> = {},
): DemoResident => ({
  label,
  identity: { name: `${name}（演示）`, idNumber: id(n), phone: phone(n) },
  age,
  place,
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

export const RESIDENTS: DemoResident[] = [
  R(1, "退休教师, 74岁, 徐汇, 上海话", "王秀兰", 74, "sh.xuhui.tianlin", SH, ["elderly_loneliness", "grief"], "phq9", [1, 2, 1, 1, 0, 1, 1, 0, 0], { modalities: ["in_person", "phone"] }),
  R(2, "大学生, 20岁, 杨浦", "刘子涵", 20, "sh.yangpu.wujiaochang", PTH, ["youth_study_stress", "anxiety"], "gad7", [2, 2, 1, 2, 1, 1, 1], { availability: ["tue_pm", "thu_pm", "fri_eve"] }),
  R(3, "程序员, 31岁, 浦东, 粤语", "陈嘉怡", 31, "sh.pudong.zhangjiang", YUE, ["work_stress", "sleep"], "pss10", [3, 2, 3, 1, 2, 3, 1, 2, 3, 2], { modalities: ["video"], availability: ["mon_eve", "wed_eve"] }),
  R(4, "独居老人, 81岁, 静安, 上海话", "周国华", 81, "sh.jingan.jiangninglu", SH, ["elderly_loneliness", "depression"], "who5", [1, 2, 1, 2, 1], { modalities: ["in_person", "phone"], availability: ["tue_am", "wed_am"] }),
  R(5, "中学生家长, 42岁, 闵行", "赵敏", 42, "sh.minhang.xinzhuang", PTH, ["parenting", "anxiety"], "gad7", [1, 2, 2, 1, 1, 2, 1], { availability: ["thu_eve", "sun_pm"] }),
  R(6, "外企职员, 36岁, 浦东, 粤语", "黄志明", 36, "sh.pudong.lujiazui", YUE, ["anxiety", "work_stress"], "gad7", [2, 1, 2, 2, 1, 1, 2], { availability: ["tue_eve", "sat_am"] }),
  R(7, "退休工人, 68岁, 普陀, 上海话", "孙建平", 68, "sh.putuo.changfeng", SH, ["grief", "sleep"], "phq9", [1, 1, 2, 1, 1, 0, 1, 1, 0]),
  R(8, "研究生, 25岁, 杨浦", "吴雨桐", 25, "sh.yangpu.kongjianglu", PTH, ["youth_study_stress", "depression"], "phq9", [2, 1, 1, 2, 1, 2, 1, 0, 0], { availability: ["tue_pm", "fri_eve"] }),
  R(9, "新手妈妈, 29岁, 长宁", "郑丽娜", 29, "sh.changning.xinhualu", PTH, ["parenting", "sleep"], "k10", [2, 3, 2, 2, 2, 1, 2, 2, 1, 2], { counselorGender: "female" }),
  R(10, "广东来沪, 45岁, 黄浦, 粤语", "梁伟强", 45, "sh.huangpu.laoximen", YUE, ["family", "couple"], "phq9", [1, 1, 1, 1, 1, 1, 0, 0, 0], { availability: ["mon_eve", "sat_pm"] }),
  R(11, "丧偶老人, 77岁, 虹口, 上海话", "钱玉珍", 77, "sh.hongkou.ouyanglu", SH, ["grief", "elderly_loneliness"], "phq9", [2, 1, 2, 1, 1, 1, 1, 1, 0], { modalities: ["in_person", "phone"] }),
  R(12, "外卖骑手, 27岁, 宝山", "马骏", 27, "sh.baoshan.dachang", PTH, ["work_stress", "sleep"], "pss10", [2, 3, 2, 2, 2, 3, 2, 2, 2, 3], { modalities: ["phone", "video"], availability: ["sun_pm", "thu_eve"] }),
  R(13, "港籍教师, 52岁, 徐汇, 粤语", "林慧敏", 52, "sh.xuhui.xujiahui", YUE, ["anxiety", "family"], "gad7", [1, 1, 2, 1, 2, 1, 1], { availability: ["wed_eve", "sat_am"] }),
  R(14, "退休医生, 71岁, 长宁, 上海话", "徐德明", 71, "sh.changning.hongqiao", SH, ["sleep", "depression"], "k10", [2, 2, 1, 2, 2, 1, 2, 1, 2, 1], { availability: ["mon_am", "fri_am"] }),
  R(15, "高三学生, 17岁, 嘉定", "何思远", 17, "sh.jiading.xinchenglu", PTH, ["youth_study_stress", "anxiety"], "gad7", [2, 2, 2, 1, 1, 2, 1], { modalities: ["video"], availability: ["sun_pm", "fri_eve"] }),
  R(16, "夫妻矛盾, 39岁, 浦东, 粤语", "罗嘉欣", 39, "sh.pudong.huamu", YUE, ["couple", "family"], "phq9", [1, 2, 1, 1, 0, 1, 1, 0, 0], { availability: ["tue_eve", "wed_eve"] }),
  R(17, "社区志愿者, 66岁, 黄浦, 上海话", "沈桂英", 66, "sh.huangpu.waitan", SH, ["elderly_loneliness"], "who5", [2, 2, 1, 2, 2], { availability: ["tue_am", "thu_pm"] }),
  R(18, "银行柜员, 33岁, 松江", "杨帆", 33, "sh.songjiang.fangsong", PTH, ["work_stress", "anxiety"], "pss10", [3, 2, 3, 2, 1, 2, 2, 2, 3, 2], { availability: ["thu_pm", "thu_eve"] }),
  R(19, "失业青年, 24岁, 闵行", "许浩然", 24, "sh.minhang.gumei", PTH, ["depression", "work_stress"], "phq9", [2, 2, 1, 2, 1, 2, 1, 0, 0], { availability: ["tue_pm", "sun_pm"] }),
  R(20, "夜班护士, 34岁, 普陀", "蒋婷", 34, "sh.putuo.zhenru", PTH, ["depression", "sleep"], "phq9", [2, 2, 2, 1, 1, 2, 1, 1, 2], { availability: ["sat_am", "sat_pm"] }),
];

/** The resident whose PHQ-9 item 9 is answered 2: the crisis path (hotlines, alert; never pooled). */
export const CRISIS_RESIDENT = 19;

/** What shapes the community a run plays (room for more choices; today there is one community). */
export interface CommunityOptions {}

export interface Community {
  counselors: DemoCounselor[];
  residents: DemoResident[];
  /** Index into `residents` of the crisis case. */
  crisisResident: number;
}

/** The community a demo run plays. */
export function demoCommunity(_opts: CommunityOptions = {}): Community {
  return { counselors: COUNSELORS, residents: RESIDENTS, crisisResident: CRISIS_RESIDENT };
}
