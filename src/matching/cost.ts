// The cost model: which (need, counselor) pairs are allowed, and how good each allowed pair is.
// Needs and counselors are first reduced to bitmask "features" so the model can be evaluated millions of times;
// pairCost below is the single function that defines the model (docs/matching.md explains it in plain words).
import {
  CATEGORIES,
  LANGUAGES,
  MODALITIES,
  NATIONAL,
  SLOTS,
  URGENCIES,
  placeContains,
  placeLevel,
  generalizePlace,
  type Need,
  type PlaceHierarchy,
  type Urgency,
} from "../deid/index.js";
import type { Counselor } from "./counselor.js";

/** Integer weights (so total costs are exact integers). All must be non-negative safe integers. */
export interface CostWeights {
  /** Per need category the counselor does not list as a specialty. */
  specialtyMissPerCategory: number;
  /** Extra when the counselor covers none of the need's categories. */
  noSpecialtyMatch: number;
  /** In-person distance bands: local = serves the resident's area; near = same zone; far is not allowed in person. */
  distance: { local: number; near: number };
  /** The resident would accept in person, but this pair can only meet by phone/video. */
  remoteInsteadOfInPerson: number;
  /** Waiting: no weekly slot in common (an appointment needs rearranging) / only one slot in common. */
  noCommonSlot: number;
  oneCommonSlot: number;
  /** Waiting costs are multiplied by this factor of the need's urgency: the more urgent, the less it may wait. */
  urgencyWaitFactor: Record<Urgency, number>;
  /** The resident asked for a counselor of the other gender. */
  genderMismatch: number;
  /** The resident speaks a language besides Mandarin and the pair shares only Mandarin. */
  dialectMiss: number;
  /**
   * Soft penalty for leaving a need unassigned, by urgency (on top of the solver's lexicographic big-M tiers):
   * decides which of two needs of the same tier is served when not both can be.
   */
  unassigned: Record<Urgency, number>;
}

export const DEFAULT_WEIGHTS: CostWeights = {
  specialtyMissPerCategory: 30,
  noSpecialtyMatch: 40,
  distance: { local: 0, near: 12 },
  remoteInsteadOfInPerson: 15,
  noCommonSlot: 40,
  oneCommonSlot: 10,
  urgencyWaitFactor: { routine: 1, soon: 2, urgent: 3, crisis: 4 },
  genderMismatch: 20,
  dialectMiss: 10,
  unassigned: { routine: 0, soon: 100, urgent: 0, crisis: 100 },
};

export function validateWeights(w: CostWeights): void {
  const vals = [
    w.specialtyMissPerCategory,
    w.noSpecialtyMatch,
    w.distance.local,
    w.distance.near,
    w.remoteInsteadOfInPerson,
    w.noCommonSlot,
    w.oneCommonSlot,
    w.genderMismatch,
    w.dialectMiss,
    ...URGENCIES.map((u) => w.urgencyWaitFactor[u]),
    ...URGENCIES.map((u) => w.unassigned[u]),
  ];
  for (const v of vals)
    if (!Number.isSafeInteger(v) || v < 0 || v > 1_000_000) throw new RangeError("weights must be integers in 0..1e6");
}

// ---- features -------------------------------------------------------------------------------------------------

const bit = <T extends string>(list: readonly T[], xs: readonly T[]): number =>
  xs.reduce((m, x) => m | (1 << list.indexOf(x)), 0);

const MANDARIN = 1 << LANGUAGES.indexOf("mandarin");
const IN_PERSON = 1 << MODALITIES.indexOf("in_person");
const REMOTE = (1 << MODALITIES.indexOf("phone")) | (1 << MODALITIES.indexOf("video"));

/**
 * The in-person areas of one instance (the districts of needs that accept meeting in person), numbered so that
 * a counselor's reach is a bitset over them. Built per solve: a city has any number of districts.
 */
export class AreaIndex {
  readonly codes: string[] = [];
  readonly #id = new Map<string, number>();
  constructor(
    readonly places: PlaceHierarchy = NATIONAL,
    codes: Iterable<string> = [],
  ) {
    for (const c of codes) this.add(c);
  }
  add(code: string): number {
    let i = this.#id.get(code);
    if (i === undefined) {
      placeLevel(code, this.places); // unknown codes fail here, not deep in the solver
      i = this.codes.length;
      this.codes.push(code);
      this.#id.set(code, i);
    }
    return i;
  }
  id(code: string): number | undefined {
    return this.#id.get(code);
  }
  static of(needs: readonly Need[], places: PlaceHierarchy = NATIONAL): AreaIndex {
    return new AreaIndex(places, needs.filter((n) => n.modalities.includes("in_person")).map((n) => n.district));
  }
}

/** The zone of an area (its zone, or the next coarser unit where it has none); null for a city or coarser. */
function zoneOf(code: string, h: PlaceHierarchy): string | null {
  const lvl = placeLevel(code, h);
  if (lvl === "city" || lvl === "province") return null;
  const z = generalizePlace(code, "zone", h);
  return placeLevel(z, h) === "zone" ? z : null;
}

export interface NeedFeatures {
  categories: number;
  languages: number;
  modalities: number;
  slots: number;
  area: number; // index into the instance's AreaIndex; -1: never in person
  urgency: number; // index into URGENCIES
  genderPref: number; // 0 none, 1 female, 2 male
}
export interface CounselorFeatures {
  specialties: number;
  languages: number;
  modalities: number;
  slots: number;
  /** Bitset (32 areas a word): area a is served in person (the counselor serves it or an area containing it). */
  local: Uint32Array;
  /** Bitset: area a is in the same zone as an area served, or contains one. */
  near: Uint32Array;
  gender: number; // 1 female, 2 male
  open: boolean; // accredited and capacity > 0
}

// Features only keep what pairCost can observe, so more needs/counselors fall into one class: the area matters
// only to a pair that could meet in person, so it is dropped for remote-only needs and counselors.
/** Need features over `areas`: compare them only with counselor features over the same index. */
export function needFeatures(n: Need, areas: AreaIndex): NeedFeatures {
  const inPerson = n.modalities.includes("in_person");
  return {
    categories: bit(CATEGORIES, n.categories),
    languages: bit(LANGUAGES, n.languages),
    modalities: bit(MODALITIES, n.modalities),
    slots: bit(SLOTS, n.availability as (typeof SLOTS)[number][]),
    area: inPerson ? (areas.id(n.district) ?? areas.add(n.district)) : -1,
    urgency: URGENCIES.indexOf(n.urgency),
    genderPref: n.preferences.counselorGender === "female" ? 1 : n.preferences.counselorGender === "male" ? 2 : 0,
  };
}

/** Counselor features over `areas`; compute them after every need's features (needs may add areas). */
export function counselorFeatures(c: Counselor, areas: AreaIndex): CounselorFeatures {
  const words = Math.max(1, Math.ceil(areas.codes.length / 32));
  const local = new Uint32Array(words);
  const near = new Uint32Array(words);
  const h = areas.places;
  if (c.modalities.includes("in_person")) areas.codes.forEach((area, i) => {
    const za = zoneOf(area, h);
    for (const s of c.districts) {
      if (placeContains(s, area, h)) local[i >>> 5] |= 1 << (i & 31);
      else if (placeContains(area, s, h) || (za !== null && za === zoneOf(s, h))) near[i >>> 5] |= 1 << (i & 31);
    }
  });
  for (let w = 0; w < words; w++) near[w] &= ~local[w];
  return {
    specialties: bit(CATEGORIES, c.specialties),
    languages: bit(LANGUAGES, c.languages),
    modalities: bit(MODALITIES, c.modalities),
    slots: bit(SLOTS, c.availability as (typeof SLOTS)[number][]),
    local,
    near,
    gender: c.gender === "female" ? 1 : 2,
    open: c.accredited && c.capacity > 0,
  };
}

export function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Why a pair costs what it costs; filled by pairCost when asked (for explanations and tests). */
export interface PairBreakdown {
  specialty: number;
  locality: number;
  waiting: number;
  preference: number;
  dialect: number;
  band: "local" | "near" | "far";
  inPerson: boolean;
}

/**
 * THE cost model. null = the pair is not allowed (a hard constraint fails); otherwise a non-negative integer,
 * lower is better:
 *   hard:   counselor accredited with an open slot; a common language; a common modality, where in person
 *           counts only if the counselor serves the resident's area or its zone (a deployment's grouping of districts) ("far" is phone/video only).
 *   cost =  specialty   30 per category not covered, +40 if none is covered
 *         + locality    in person: 0 local / 12 near; only remote although in person was acceptable: 15
 *         + waiting     (40 if no weekly slot in common, 10 if just one) × urgency factor 1/2/3/4
 *         + preference  20 if the counselor's gender is not the one asked for
 *         + dialect     10 if the resident speaks a dialect/language besides Mandarin and the pair shares only Mandarin
 * (numbers are DEFAULT_WEIGHTS; every one comes from `w`.)
 */
export function pairCost(n: NeedFeatures, c: CounselorFeatures, w: CostWeights, out?: PairBreakdown): number | null {
  if (!c.open) return null;
  const languages = n.languages & c.languages;
  if (languages === 0) return null;
  const modes = n.modalities & c.modalities;
  if (modes === 0) return null;
  const word = n.area >>> 5;
  const areaBit = 1 << (n.area & 31);
  const band = n.area < 0 || word >= c.local.length ? "far" : c.local[word] & areaBit ? "local" : c.near[word] & areaBit ? "near" : "far";
  const inPerson = (modes & IN_PERSON) !== 0 && band !== "far";
  if (!inPerson && (modes & REMOTE) === 0) return null;

  const covered = popcount(n.categories & c.specialties);
  const specialty =
    (popcount(n.categories) - covered) * w.specialtyMissPerCategory + (covered === 0 ? w.noSpecialtyMatch : 0);
  const locality = inPerson
    ? band === "local"
      ? w.distance.local
      : w.distance.near
    : n.modalities & IN_PERSON
      ? w.remoteInsteadOfInPerson
      : 0;
  const overlap = popcount(n.slots & c.slots);
  const urgency = URGENCIES[n.urgency];
  const waiting = (overlap === 0 ? w.noCommonSlot : overlap === 1 ? w.oneCommonSlot : 0) * w.urgencyWaitFactor[urgency];
  const preference = n.genderPref !== 0 && n.genderPref !== c.gender ? w.genderMismatch : 0;
  const dialects = n.languages & ~MANDARIN;
  const dialect = dialects !== 0 && (languages & dialects) === 0 ? w.dialectMiss : 0;

  if (out) Object.assign(out, { specialty, locality, waiting, preference, dialect, band, inPerson });
  return specialty + locality + waiting + preference + dialect;
}

/** Convenience: the cost of one pair from the full objects (null = not allowed). */
export function costOf(need: Need, counselor: Counselor, w: CostWeights = DEFAULT_WEIGHTS, places: PlaceHierarchy = NATIONAL): number | null {
  const areas = AreaIndex.of([need], places);
  return pairCost(needFeatures(need, areas), counselorFeatures(counselor, areas), w);
}

/** Needs with equal keys have equal costs to every counselor and equal priority: the solver merges them. */
export function needClassKey(f: NeedFeatures): string {
  return `${f.categories}|${f.languages}|${f.modalities}|${f.slots}|${f.area}|${f.urgency}|${f.genderPref}`;
}
/** Counselors with equal keys have equal costs to every need: the solver merges them (capacities add up). */
export function counselorClassKey(f: CounselorFeatures): string {
  return `${f.specialties}|${f.languages}|${f.modalities}|${f.slots}|${f.local.join(",")}|${f.near.join(",")}|${f.gender}|${f.open}`;
}

/**
 * pairCost for every (need class, counselor class) pair at once, row-major, -1 where the pair is not allowed
 * (RangeError when a cost does not fit an int32).
 * The same model term by term, over flat typed arrays instead of one call per pair: the 10k × 1k benchmark
 * evaluates ten million pairs, and the per-call version was a fifth of the solve (a test compares the two).
 */
export function costMatrix(needF: readonly NeedFeatures[], counselorF: readonly CounselorFeatures[], w: CostWeights): Int32Array {
  const nN = needF.length;
  const nC = counselorF.length;
  const words = counselorF.reduce((m, c) => Math.max(m, c.local.length), 0);
  const spec = new Int32Array(nC);
  const lang = new Int32Array(nC);
  const mod = new Int32Array(nC);
  const slots = new Int32Array(nC);
  const gender = new Int32Array(nC);
  const open = new Uint8Array(nC);
  const local = new Uint32Array(nC * words);
  const near = new Uint32Array(nC * words);
  const localWords = new Int32Array(nC);
  counselorF.forEach((c, j) => {
    spec[j] = c.specialties; lang[j] = c.languages; mod[j] = c.modalities; slots[j] = c.slots; gender[j] = c.gender;
    open[j] = c.open ? 1 : 0;
    local.set(c.local, j * words);
    near.set(c.near, j * words);
    localWords[j] = c.local.length;
  });
  const out = new Int32Array(nN * nC);
  for (let i = 0; i < nN; i++) {
    const n = needF[i];
    const cats = popcount(n.categories);
    const factor = w.urgencyWaitFactor[URGENCIES[n.urgency]];
    const waitNone = w.noCommonSlot * factor;
    const waitOne = w.oneCommonSlot * factor;
    const dialects = n.languages & ~MANDARIN;
    const remoteLocality = n.modalities & IN_PERSON ? w.remoteInsteadOfInPerson : 0;
    const word = n.area >>> 5;
    const areaBit = 1 << (n.area & 31);
    const base = i * nC;
    for (let j = 0; j < nC; j++) {
      const languages = n.languages & lang[j];
      const modes = n.modalities & mod[j];
      if (open[j] === 0 || languages === 0 || modes === 0) { out[base + j] = -1; continue; }
      // band: 0 local, 1 near, 2 far
      const band = n.area < 0 || word >= localWords[j] ? 2 : local[j * words + word] & areaBit ? 0 : near[j * words + word] & areaBit ? 1 : 2;
      const inPerson = (modes & IN_PERSON) !== 0 && band !== 2;
      if (!inPerson && (modes & REMOTE) === 0) { out[base + j] = -1; continue; }
      const covered = popcount(n.categories & spec[j]);
      const overlap = popcount(n.slots & slots[j]);
      const cost =
        (cats - covered) * w.specialtyMissPerCategory + (covered === 0 ? w.noSpecialtyMatch : 0) +
        (inPerson ? (band === 0 ? w.distance.local : w.distance.near) : remoteLocality) +
        (overlap === 0 ? waitNone : overlap === 1 ? waitOne : 0) +
        (n.genderPref !== 0 && n.genderPref !== gender[j] ? w.genderMismatch : 0) +
        (dialects !== 0 && (languages & dialects) === 0 ? w.dialectMiss : 0);
      if (cost > 2 ** 31 - 1) throw new RangeError("pair cost too large");
      out[base + j] = cost;
    }
  }
  return out;
}
