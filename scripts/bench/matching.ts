// Benchmark: optimal class-level min-cost flow vs the greedy baseline, 10,000 needs × 1,000 counselors
// (capacities 1–12), on a deterministic generator. Two instances: "realistic" (needs drawn from four personas with
// correlated attributes, counselors from six specialty profiles, so many needs share a class) and "unstructured"
// (independent uniform attributes: almost every need is its own class).
// The optimal solver is also timed against the reference pipeline (the previous solver: classic flow, cold restart
// every column-generation round) in the same run, alternating, and both optima are compared: on a shared machine the
// ratio is the figure to trust, with the load average reported beside it.
// Run directly: node --import tsx scripts/bench/matching.ts
import { loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import {
  ageBand,
  CATEGORIES,
  LANGUAGES,
  SLOTS,
  generalizePlace,
  isUrgent,
  type Category,
  type Language,
  type Modality,
  type Need,
} from "../../src/deid/index.js";
import { DEFAULT_WEIGHTS, greedySolve, solve, type Counselor, type MatchResult } from "../../src/matching/index.js";
import { cityPlaces, LEGACY_SHANGHAI_ZONES } from "../../src/deid/divisions.js";

/** Shanghai with the six zones of the first release: the instance the figures in BENCHMARKS.md were measured on. */
const PLACES = await cityPlaces("310000", LEGACY_SHANGHAI_ZONES);

/** Small deterministic PRNG (mulberry32): the instance is identical on every run and machine. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  function weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((s, [, w]) => s + w, 0);
    let r = next() * total;
    for (const [x, w] of items) if ((r -= w) < 0) return x;
    return items[items.length - 1][0];
  }
  const hex = (bytes: number) => Array.from({ length: bytes }, () => int(0, 255).toString(16).padStart(2, "0")).join("");
  function sample<T>(xs: readonly T[], k: number): T[] {
    const c = [...xs];
    for (let i = c.length - 1; i > 0; i--) {
      const j = int(0, i);
      [c[i], c[j]] = [c[j], c[i]];
    }
    return c.slice(0, k);
  }
  return { next, int, weighted, hex, sample };
}

const DISTRICTS = PLACES.districts();
// Rough resident weights (Pudong largest, Chongming smallest).
const DISTRICT_WEIGHTS: [string, number][] = DISTRICTS.map((d) => [d, d === "310115" ? 5 : d === "310151" ? 0.5 : 1.5]);
const AVAILABILITY_TEMPLATES: string[][] = [
  ["mon_eve", "tue_eve", "wed_eve", "thu_eve", "fri_eve"],
  ["sat_am", "sat_pm", "sun_am", "sun_pm"],
  ["mon_am", "tue_am", "wed_am", "thu_am", "fri_am"],
  ["mon_pm", "wed_pm", "fri_pm"],
  ["tue_pm", "thu_pm", "sat_am"],
  ["sat_eve", "sun_eve", "wed_eve"],
];
const MODALITY_TEMPLATES: [Modality[], number][] = [
  [["phone", "video"], 25], [["in_person"], 20], [["in_person", "phone"], 20], [["in_person", "phone", "video"], 25], [["video"], 10],
];

const WEEKDAY_AM = AVAILABILITY_TEMPLATES[2];
const WEEKDAY_PM = AVAILABILITY_TEMPLATES[3];
const WEEKDAY_EVE = AVAILABILITY_TEMPLATES[0];
const WEEKEND = AVAILABILITY_TEMPLATES[1];
const MIXED = AVAILABILITY_TEMPLATES[4];

type Persona = {
  categories: [Category[], number][];
  languages: [Language[], number][];
  modalities: [Modality[], number][];
  availability: [string[], number][];
  ages: [number, number];
  gender: [Need["preferences"], number][];
};
// Who asks for help in a community centre, roughly: attributes are correlated within a persona, which is what
// makes needs collide into classes in practice.
const PERSONAS: [Persona, number][] = [
  [{ // older residents
    categories: [[["elderly_loneliness"], 50], [["elderly_loneliness", "depression"], 20], [["grief"], 15], [["sleep"], 15]],
    languages: [[["mandarin", "shanghainese"], 60], [["mandarin"], 30], [["shanghainese"], 5], [["cantonese"], 2], [["chinese_sign_language"], 3]],
    modalities: [[["in_person"], 50], [["in_person", "phone"], 50]],
    availability: [[WEEKDAY_AM, 70], [WEEKDAY_PM, 30]],
    ages: [60, 90],
    gender: [[{}, 70], [{ counselorGender: "female" }, 30]],
  }, 25],
  [{ // pupils and students
    categories: [[["youth_study_stress"], 60], [["anxiety", "youth_study_stress"], 30], [["depression"], 10]],
    languages: [[["mandarin"], 90], [["english", "mandarin"], 10]],
    modalities: [[["video"], 40], [["phone", "video"], 40], [["in_person", "phone", "video"], 20]],
    availability: [[WEEKEND, 60], [WEEKDAY_EVE, 40]],
    ages: [10, 24],
    gender: [[{}, 85], [{ counselorGender: "female" }, 15]],
  }, 20],
  [{ // working adults
    categories: [[["anxiety"], 30], [["depression"], 25], [["work_stress"], 20], [["sleep"], 10], [["anxiety", "depression"], 15]],
    languages: [[["mandarin"], 85], [["english", "mandarin"], 8], [["mandarin", "shanghainese"], 7]],
    modalities: [[["phone", "video"], 50], [["in_person", "phone", "video"], 30], [["video"], 20]],
    availability: [[WEEKDAY_EVE, 60], [WEEKEND, 40]],
    ages: [25, 59],
    gender: [[{}, 70], [{ counselorGender: "female" }, 20], [{ counselorGender: "male" }, 10]],
  }, 35],
  [{ // families
    categories: [[["family"], 35], [["couple"], 25], [["parenting"], 25], [["grief"], 10], [["trauma"], 5]],
    languages: [[["mandarin"], 80], [["mandarin", "shanghainese"], 15], [["cantonese", "mandarin"], 5]],
    modalities: [[["in_person", "phone"], 50], [["in_person", "phone", "video"], 50]],
    availability: [[WEEKEND, 50], [MIXED, 50]],
    ages: [25, 64],
    gender: [[{}, 80], [{ counselorGender: "female" }, 20]],
  }, 20],
];

const SPECIALTY_PROFILES: [Category[], number][] = [
  [["elderly_loneliness", "depression", "grief"], 20],
  [["youth_study_stress", "anxiety", "parenting"], 20],
  [["anxiety", "depression", "work_stress", "sleep"], 25],
  [["family", "couple", "parenting"], 15],
  [["trauma", "grief", "anxiety"], 10],
  [["anxiety", "depression", "family", "substance_use"], 10],
];

export function generateNeeds(count: number, seed: number, structured = true): Need[] {
  const r = prng(seed);
  const out: Need[] = [];
  for (let x = 0; x < count; x++) {
    let categories: Category[];
    let languages: Language[];
    let modalities: Modality[];
    let district: string;
    let availability: string[];
    let age: number;
    let preferences: Need["preferences"];
    if (structured) {
      const p = r.weighted(PERSONAS);
      categories = r.weighted(p.categories);
      languages = r.weighted(p.languages);
      modalities = r.weighted(p.modalities);
      availability = r.weighted(p.availability);
      age = r.int(p.ages[0], p.ages[1]);
      preferences = r.weighted(p.gender);
      const d = r.weighted(DISTRICT_WEIGHTS);
      const g = r.next();
      district = g < 0.1 ? generalizePlace(d, "zone", PLACES) : g < 0.12 ? "310000" : d;
    } else {
      categories = r.sample(CATEGORIES, r.int(1, 3));
      languages = r.next() < 0.8 ? ["mandarin", ...r.sample(LANGUAGES.filter((l) => l !== "mandarin"), r.int(0, 1))] : r.sample(LANGUAGES, 1);
      modalities = r.sample(["in_person", "phone", "video"] as Modality[], r.int(1, 3));
      district = r.sample(DISTRICTS, 1)[0];
      availability = r.sample(SLOTS, r.int(2, 8));
      age = r.int(10, 90);
      preferences = r.weighted([[{}, 70], [{ counselorGender: "female" }, 22], [{ counselorGender: "male" }, 8]] as const);
    }
    out.push({
      needId: r.hex(16),
      categories,
      severityBand: r.weighted([["minimal", 1], ["mild", 4], ["moderate", 4], ["moderately_severe", 2], ["severe", 1]] as const),
      urgency: r.weighted([["routine", 70], ["soon", 22], ["urgent", 6], ["crisis", 2]] as const),
      languages,
      modalities,
      district,
      ageBand: ageBand(age, 0),
      availability,
      preferences,
    } as Need);
  }
  return out;
}

export function generateCounselors(count: number, seed: number, structured = true): Counselor[] {
  const r = prng(seed);
  const out: Counselor[] = [];
  for (let x = 0; x < count; x++) {
    const home = r.weighted(DISTRICT_WEIGHTS);
    const languages: Language[] = ["mandarin"];
    if (r.next() < 0.35) languages.push("shanghainese");
    if (r.next() < 0.1) languages.push("english");
    if (r.next() < 0.03) languages.push("cantonese");
    if (r.next() < 0.02) languages.push("chinese_sign_language");
    out.push({
      counselorId: `0x${r.hex(20)}`,
      specialties: structured ? r.weighted(SPECIALTY_PROFILES) : r.sample(CATEGORIES, r.int(1, 5)),
      languages,
      modalities: structured ? r.weighted(MODALITY_TEMPLATES.filter(([m]) => m.length > 1)) : r.sample(["in_person", "phone", "video"] as Modality[], r.int(1, 3)),
      districts: structured ? (r.next() < 0.2 ? [generalizePlace(home, "zone", PLACES)] : [home]) : r.sample(DISTRICTS, r.int(1, 3)),
      capacity: r.int(1, 12),
      availability: structured
        ? [...new Set([...AVAILABILITY_TEMPLATES[r.int(0, 5)], ...AVAILABILITY_TEMPLATES[r.int(0, 5)]])]
        : r.sample(SLOTS, r.int(3, 12)),
      gender: r.next() < 0.65 ? "female" : "male",
      accredited: r.next() < 0.97,
    } as Counselor);
  }
  return out;
}

interface RunFigures {
  needs: number;
  counselors: number;
  totalCapacity: number;
  urgentNeeds: number;
  needClasses: number;
  counselorClasses: number;
  feasiblePairs: number;
  arcs: number;
  rounds: number;
  phases: number;
  optimalSeconds: number;
  optimalSecondsFirstRun: number;
  /** CPU time of the process during the median run (user + system), less sensitive to other load than wall time. */
  optimalCpuSeconds: number;
  referenceSeconds: number;
  referenceCpuSeconds: number;
  /** Reference time / optimal time (medians of the same run). */
  speedup: number;
  /** Both pipelines reach the same lexicographic optimum (served, urgent served, cost + soft penalties). */
  sameOptimum: boolean;
  loadAverage: [number, number];
  optimalCost: number;
  optimalServed: number;
  optimalUrgentServed: number;
  greedySeconds: number;
  greedySecondsFirstRun: number;
  greedyCost: number;
  greedyServed: number;
  greedyUrgentServed: number;
}

function timed(f: () => MatchResult, cpu?: number[]): [MatchResult, number] {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const r = f();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  cpu?.push((c.user + c.system) / 1e6);
  return [r, seconds];
}

/** The lexicographic objective: served, urgent served, pair costs + soft penalties of the unassigned. */
function objective(needs: readonly Need[], r: MatchResult): string {
  const un = new Set(r.unassigned);
  const soft = needs.filter((n) => un.has(n.needId)).reduce((s, n) => s + DEFAULT_WEIGHTS.unassigned[n.urgency], 0);
  return `${r.urgentServed}/${r.served}/${r.totalCost + soft}`;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Times: the first (cold) run and the median of `repeats` runs; both algorithms run on the same instance in the
// same process, explanations included.
function run(structured: boolean, nNeeds: number, nCounselors: number, repeats = 3): RunFigures {
  const needs = generateNeeds(nNeeds, 20250601, structured);
  const counselors = generateCounselors(nCounselors, 20250602, structured);
  const optTimes: number[] = [];
  const optCpu: number[] = [];
  const refTimes: number[] = [];
  const refCpu: number[] = [];
  const greedyTimes: number[] = [];
  let opt!: MatchResult;
  let ref!: MatchResult;
  let greedy!: MatchResult;
  const load1 = loadavg()[0];
  for (let k = 0; k < repeats; k++) {
    let t: number;
    [opt, t] = timed(() => solve(needs, counselors, undefined, { places: PLACES }), optCpu);
    optTimes.push(t);
    [ref, t] = timed(() => solve(needs, counselors, undefined, { places: PLACES, reference: true }), refCpu);
    refTimes.push(t);
    [greedy, t] = timed(() => greedySolve(needs, counselors, undefined, { places: PLACES }));
    greedyTimes.push(t);
  }
  const optimalSeconds = median(optTimes);
  const referenceSeconds = median(refTimes);
  const greedySeconds = median(greedyTimes);
  return {
    needs: needs.length,
    counselors: counselors.length,
    totalCapacity: counselors.reduce((s, c) => s + (c.accredited ? c.capacity : 0), 0),
    urgentNeeds: needs.filter((n) => isUrgent(n.urgency)).length,
    needClasses: opt.stats.needClasses,
    counselorClasses: opt.stats.counselorClasses,
    feasiblePairs: opt.stats.feasiblePairs,
    arcs: opt.stats.arcs,
    rounds: opt.stats.rounds,
    phases: opt.stats.phases,
    optimalSeconds,
    optimalSecondsFirstRun: optTimes[0],
    optimalCpuSeconds: median(optCpu),
    referenceSeconds,
    referenceCpuSeconds: median(refCpu),
    speedup: Math.round((referenceSeconds / optimalSeconds) * 100) / 100,
    sameOptimum: objective(needs, opt) === objective(needs, ref),
    loadAverage: [load1, loadavg()[0]],
    optimalCost: opt.totalCost,
    optimalServed: opt.served,
    optimalUrgentServed: opt.urgentServed,
    greedySeconds,
    greedySecondsFirstRun: greedyTimes[0],
    greedyCost: greedy.totalCost,
    greedyServed: greedy.served,
    greedyUrgentServed: greedy.urgentServed,
  };
}

/** Figures for `npm run bench`: the realistic instance at top level, the unstructured one beside it. */
export async function benchMatching(): Promise<RunFigures & { unstructured: RunFigures }> {
  const realistic = run(true, 10_000, 1_000);
  const unstructured = run(false, 10_000, 1_000);
  return { ...realistic, unstructured };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(JSON.stringify(await benchMatching(), null, 2));
}
