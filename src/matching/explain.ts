// Plain-words reasons for one assignment, for the resident (zh-CN first, en beside). Only facts both sides
// already agreed to share: categories covered, common languages, how and where they can meet, common times.
import { LABELS, NATIONAL, placeLabel, type Need, type PlaceHierarchy, type Category, type Language, type Modality, type Slot } from "../deid/index.js";
import type { Counselor } from "./counselor.js";
import type { PairBreakdown } from "./cost.js";

const zhList = (xs: string[]) => xs.join("、");
function enList(xs: string[]): string {
  if (xs.length <= 1) return xs.join("");
  return `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1]}`;
}
function slotLabel(s: Slot): { zh: string; en: string } {
  const [d, p] = s.split("_") as [keyof typeof LABELS.weekday, keyof typeof LABELS.partOfDay];
  return { zh: `${LABELS.weekday[d].zh}${LABELS.partOfDay[p].zh}`, en: `${LABELS.weekday[d].en} ${LABELS.partOfDay[p].en}` };
}

export function explainPair(need: Need, c: Counselor, b: PairBreakdown, places: PlaceHierarchy = NATIONAL): { zh: string; en: string } {
  const zh: string[] = [];
  const en: string[] = [];

  const covered = need.categories.filter((x) => c.specialties.includes(x)) as Category[];
  const missed = need.categories.filter((x) => !c.specialties.includes(x)) as Category[];
  if (covered.length > 0) {
    zh.push(`擅长您关心的${zhList(covered.map((x) => LABELS.category[x].zh))}方面`);
    en.push(`has experience with ${enList(covered.map((x) => LABELS.category[x].en))}, which you asked about`);
  }
  if (missed.length > 0) {
    zh.push(`${zhList(missed.map((x) => LABELS.category[x].zh))}不是其主要专长`);
    en.push(`${enList(missed.map((x) => LABELS.category[x].en))} is not their main specialty`);
  }

  const langs = need.languages.filter((x) => c.languages.includes(x)) as Language[];
  zh.push(`可以用${zhList(langs.map((x) => LABELS.language[x].zh))}和您交流`);
  en.push(`speaks ${enList(langs.map((x) => LABELS.language[x].en))} with you`);

  const place = placeLabel(need.district, places);
  const modes = need.modalities.filter((x) => c.modalities.includes(x)) as Modality[];
  const remote = modes.filter((x) => x !== "in_person");
  const ways: { zh: string[]; en: string[] } = { zh: [], en: [] };
  if (b.inPerson) {
    ways.zh.push(b.band === "local" ? `面谈（服务您所在的${place.zh}）` : `面谈（在${place.zh}附近）`);
    ways.en.push(b.band === "local" ? `in person (they serve ${place.en}, where you are)` : `in person (near ${place.en})`);
  }
  for (const r of remote) {
    ways.zh.push(LABELS.modality[r].zh);
    ways.en.push(LABELS.modality[r].en);
  }
  zh.push(`可以${ways.zh.join("或")}咨询`);
  en.push(`can meet ${ways.en.join(" or ")}`);
  if (!b.inPerson && need.modalities.includes("in_person")) {
    zh.push("对方不在您附近提供面谈，所以安排为远程咨询");
    en.push("they do not see clients in person near you, so sessions are remote");
  }

  const common = need.availability.filter((s) => c.availability.includes(s)) as Slot[];
  if (common.length > 0) {
    const shown = common.slice(0, 3).map(slotLabel);
    zh.push(`你们都有空的时间：${zhList(shown.map((s) => s.zh))}${common.length > 3 ? "等" : ""}`);
    en.push(`you are both free on ${enList(shown.map((s) => s.en))}${common.length > 3 ? " and more" : ""}`);
  } else {
    zh.push("你们的常规时间暂时对不上，需要另约时间");
    en.push("your usual times do not overlap yet, so a time will be arranged");
  }

  const pref = need.preferences.counselorGender;
  if (pref) {
    if (pref === c.gender) {
      zh.push(`是您希望的${LABELS.gender[pref].zh}咨询师`);
      en.push(`is a ${LABELS.gender[pref].en} counselor, as you asked`);
    } else {
      zh.push(`不是您希望的${LABELS.gender[pref].zh}咨询师，但在其他方面最合适`);
      en.push(`is not the ${LABELS.gender[pref].en} counselor you asked for, but fits best otherwise`);
    }
  }
  return { zh: `这位咨询师${zh.join("；")}。`, en: `This counselor ${en.join("; ")}.` };
}
