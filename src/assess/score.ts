import { AssessmentInputError, type AssessmentInputProblems } from "./errors.js";
import { INSTRUMENTS, isInstrumentId } from "./instruments/index.js";
import type {
  BandDefinition,
  Bilingual,
  Comparison,
  InstrumentDefinition,
  InstrumentId,
  ScoredAssessment,
} from "./types.js";

/** Answers either in item order, or keyed by item id (e.g. { phq9_1: 0, … }). */
export type Answers = readonly unknown[] | Readonly<Record<string, unknown>>;

export function compare(a: number, op: Comparison, b: number): boolean {
  switch (op) {
    case ">":
      return a > b;
    case ">=":
      return a >= b;
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case "==":
      return a === b;
  }
}

/** The raw-sum range an instrument can produce: [items × lowest option, items × highest option]. */
export function rawRange(def: InstrumentDefinition): { min: number; max: number } {
  const values = def.options.map((o) => o.value);
  return { min: def.items.length * Math.min(...values), max: def.items.length * Math.max(...values) };
}

/**
 * Checks that a definition is scoreable: unique item ids, integer options, reverse/crisis items exist, and
 * bands cover the raw range exactly once. Returns the problems found (empty when sound).
 */
export function checkDefinition(def: InstrumentDefinition): string[] {
  const problems: string[] = [];
  const ids = new Set(def.items.map((i) => i.id));
  if (ids.size !== def.items.length) problems.push("duplicate item ids");
  if (!def.options.every((o) => Number.isInteger(o.value))) problems.push("non-integer option value");
  for (const r of def.reverseItems ?? []) if (!ids.has(r)) problems.push(`reverse item ${r} is not an item`);
  for (const c of def.crisisRules) if (!ids.has(c.item)) problems.push(`crisis item ${c.item} is not an item`);
  const { min, max } = rawRange(def);
  const sorted = [...def.bands].sort((a, b) => a.min - b.min);
  let next = min;
  for (const b of sorted) {
    if (b.min !== next) problems.push(`bands leave a gap or overlap at ${next}`);
    if (b.max < b.min) problems.push(`band ${b.band} is empty`);
    next = b.max + 1;
  }
  if (next !== max + 1) problems.push(`bands end at ${next - 1}, range ends at ${max}`);
  return problems;
}

function bandFor(def: InstrumentDefinition, raw: number): BandDefinition {
  const band = def.bands.find((b) => raw >= b.min && raw <= b.max);
  // Unreachable for a definition that passes checkDefinition (the tests check all of ours).
  if (!band) throw new RangeError(`${def.id}: no band for raw score`);
  return band;
}

/** Reads the answers into item-id order, or throws AssessmentInputError listing every offending item. */
function readAnswers(def: InstrumentDefinition, answers: Answers): Record<string, number> {
  const problems: AssessmentInputProblems = { missing: [], outOfRange: [], nonInteger: [], unknown: [] };
  const allowed = new Set(def.options.map((o) => o.value));
  const byId: Record<string, unknown> = {};
  if (Array.isArray(answers)) {
    def.items.forEach((item, i) => (byId[item.id] = answers[i]));
    for (let i = def.items.length; i < answers.length; i++) problems.unknown.push(`#${i + 1}`);
  } else if (answers !== null && typeof answers === "object") {
    const ids = new Set(def.items.map((i) => i.id));
    for (const key of Object.keys(answers)) {
      if (ids.has(key)) byId[key] = (answers as Record<string, unknown>)[key];
      else problems.unknown.push(key);
    }
  } else {
    throw new AssessmentInputError(def.id, {
      ...problems,
      missing: def.items.map((i) => i.id),
    });
  }
  const out: Record<string, number> = {};
  for (const item of def.items) {
    const v = byId[item.id];
    if (v === undefined || v === null) problems.missing.push(item.id);
    else if (typeof v !== "number" || !Number.isInteger(v)) problems.nonInteger.push(item.id);
    else if (!allowed.has(v)) problems.outOfRange.push(item.id);
    else out[item.id] = v;
  }
  if (problems.missing.length || problems.outOfRange.length || problems.nonInteger.length || problems.unknown.length) {
    throw new AssessmentInputError(def.id, problems);
  }
  return out;
}

const CRISIS_INTERPRETATION: Bilingual = {
  zh: "您提到有过伤害自己或不想活的念头。您并不孤单，请现在就拨打全国心理援助热线 12356；如有危险，请立即拨打 110 或 120。",
  en: "You said you have had thoughts of hurting yourself or of being better off dead. You are not alone: please call the national mental-health helpline 12356 now; if you are in danger, call 110 or 120 right away.",
};

/**
 * Scores one completed questionnaire. All-or-nothing: an incomplete, out-of-range or non-integer answer set
 * throws AssessmentInputError naming the items, never a partial score.
 */
export function score(instrumentId: InstrumentId, answers: Answers): ScoredAssessment {
  if (!isInstrumentId(instrumentId)) {
    throw new AssessmentInputError(String(instrumentId), { missing: [], outOfRange: [], nonInteger: [], unknown: [] });
  }
  const def = INSTRUMENTS[instrumentId];
  const given = readAnswers(def, answers);
  const values = def.options.map((o) => o.value);
  const flip = Math.min(...values) + Math.max(...values);
  const reverse = new Set(def.reverseItems ?? []);
  let raw = 0;
  for (const item of def.items) {
    const v = given[item.id];
    raw += reverse.has(item.id) ? flip - v : v;
  }
  const band = bandFor(def, raw);
  const reasons = def.crisisRules.filter((r) => compare(given[r.item], r.op, r.value)).map((r) => r.reason);
  const flag = reasons.length > 0;
  return {
    instrument: def.id,
    raw,
    total: raw * def.scoring.multiplier,
    band: band.band,
    bandLabel: { ...band.label },
    positiveScreen: compare(raw, def.positiveScreen.op, def.positiveScreen.value),
    crisis: { flag, reasons },
    answers: Object.freeze({ ...given }),
    // In a crisis the band's advice ("take it again in two weeks") would undercut the message: replace it.
    interpretation: flag
      ? {
          zh: `${CRISIS_INTERPRETATION.zh}本次问卷结果：${band.label.zh}。`,
          en: `${CRISIS_INTERPRETATION.en} Result of this questionnaire: ${band.label.en}.`,
        }
      : { ...band.interpretation },
  };
}
