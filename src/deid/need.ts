// The anonymized need (DESIGN format 7) and the derivation from an intake. deriveNeed is the only place that sees
// exact values (street, age); it keeps only enums and generalized codes, so the result can leave the resident's
// trust boundary. Strict schemas: an unknown key is an error, never silently carried along.
import { z } from "zod";
import { ageBand, AGE_BAND_LABELS } from "./age.js";
import { codeLevel, coarsenPlace, isPlaceCode } from "./geo.js";
import {
  CATEGORIES,
  GENDERS,
  INSTRUMENTS,
  LANGUAGES,
  MAX_CATEGORIES_PER_NEED,
  MODALITIES,
  SEVERITY_BANDS,
  SLOTS,
  URGENCIES,
  type SeverityBand,
  type Urgency,
} from "./vocab.js";

/** An array of distinct values, min..max long. */
export function uniqueArray<T extends z.ZodType>(item: T, min: number, max: number) {
  return z
    .array(item)
    .min(min)
    .max(max)
    .refine((a) => new Set(a).size === a.length, { message: "duplicate value" });
}

export const CategorySchema = z.enum(CATEGORIES);
export const LanguageSchema = z.enum(LANGUAGES);
export const ModalitySchema = z.enum(MODALITIES);
export const SlotSchema = z.enum(SLOTS as [string, ...string[]]);
export const SeveritySchema = z.enum(SEVERITY_BANDS);
export const UrgencySchema = z.enum(URGENCIES);
export const GenderSchema = z.enum(GENDERS);
/**
 * A place a need or a counselor's service area may carry: a division code (or a deployment's zone) at district level
 * or coarser, never a street. The form is checked here; whether the deployment serves it is the service's check.
 */
export const AreaCodeSchema = z
  .string()
  .max(48)
  .refine((c) => isPlaceCode(c) && codeLevel(c) !== "street", "must be a district, zone, city or province code (never a street)");
/** What a resident names at intake: a street (街道/镇/乡, 9 digits) or a district/county (6 digits). */
export const IntakePlaceSchema = z
  .string()
  .max(16)
  .refine((c) => isPlaceCode(c) && (codeLevel(c) === "street" || codeLevel(c) === "district"), "place must be a street or district code");

export const NeedSchema = z.strictObject({
  needId: z.string().regex(/^[0-9a-f]{32}$/, "needId must be 16 random bytes as lowercase hex"),
  categories: uniqueArray(CategorySchema, 1, MAX_CATEGORIES_PER_NEED),
  severityBand: SeveritySchema,
  urgency: UrgencySchema,
  languages: uniqueArray(LanguageSchema, 1, LANGUAGES.length),
  modalities: uniqueArray(ModalitySchema, 1, MODALITIES.length),
  district: AreaCodeSchema,
  ageBand: z.enum(AGE_BAND_LABELS),
  availability: uniqueArray(SlotSchema, 1, SLOTS.length),
  preferences: z.strictObject({ counselorGender: GenderSchema.optional() }),
});
export type Need = z.infer<typeof NeedSchema>;

export const AssessmentResultSchema = z.strictObject({
  instrument: z.enum(INSTRUMENTS),
  severityBand: SeveritySchema,
  crisis: z.boolean(),
});

/** What the intake form collects. It holds exact values and never leaves the resident's side / the gate. */
export const IntakeSchema = z.strictObject({
  assessments: z.array(AssessmentResultSchema).max(10),
  categories: uniqueArray(CategorySchema, 1, MAX_CATEGORIES_PER_NEED),
  requestedUrgency: UrgencySchema.optional(),
  languages: uniqueArray(LanguageSchema, 1, LANGUAGES.length),
  modalities: uniqueArray(ModalitySchema, 1, MODALITIES.length),
  /** Exact street (街道/镇) or district code. */
  place: IntakePlaceSchema,
  age: z.number().int().min(0).max(130),
  availability: uniqueArray(SlotSchema, 1, SLOTS.length),
  preferences: z.strictObject({ counselorGender: GenderSchema.optional() }),
});
export type Intake = z.infer<typeof IntakeSchema>;

/** Fills `out` with random values; defaults to the platform CSPRNG. Injected so tests can be deterministic. */
export type FillRandom = (out: Uint32Array<ArrayBuffer>) => Uint32Array<ArrayBuffer>;
export const cryptoFill: FillRandom = (out) => globalThis.crypto.getRandomValues(out);

/** 16 random bytes as hex: a need id is unlinkable to the resident and to their other needs. */
export function randomNeedId(fill: FillRandom = cryptoFill): string {
  const w = fill(new Uint32Array(4));
  return Array.from(w, (x) => (x >>> 0).toString(16).padStart(8, "0")).join("");
}

const SEVERITY_RANK = Object.fromEntries(SEVERITY_BANDS.map((s, i) => [s, i])) as Record<SeverityBand, number>;
const URGENCY_RANK = Object.fromEntries(URGENCIES.map((u, i) => [u, i])) as Record<Urgency, number>;

/** Urgency implied by the assessments: a crisis flag wins; severe → urgent; moderately severe → soon. */
export function urgencyFromAssessments(a: Intake["assessments"]): Urgency {
  if (a.some((r) => r.crisis)) return "crisis";
  const worst = a.reduce((m, r) => Math.max(m, SEVERITY_RANK[r.severityBand]), 0);
  if (worst >= SEVERITY_RANK.severe) return "urgent";
  if (worst >= SEVERITY_RANK.moderately_severe) return "soon";
  return "routine";
}

const sorted = <T extends string>(a: readonly T[], order: readonly string[]): T[] =>
  [...a].sort((x, y) => order.indexOf(x) - order.indexOf(y));

/**
 * Derive the anonymized need from an intake: the worst assessment band, the higher of the assessed and requested
 * urgency, district-level place, 5-year age band; arrays in vocabulary order so identical needs compare equal.
 * Throws a zod error on a malformed intake (the error never echoes values: see docs/FORMATS.md (Anonymized need)).
 */
export function deriveNeed(intake: unknown, fill: FillRandom = cryptoFill): Need {
  const i = IntakeSchema.parse(intake);
  const worst = i.assessments.reduce((m, r) => Math.max(m, SEVERITY_RANK[r.severityBand]), 0);
  const assessed = urgencyFromAssessments(i.assessments);
  const requested = i.requestedUrgency ?? "routine";
  const urgency = URGENCY_RANK[requested] > URGENCY_RANK[assessed] ? requested : assessed;
  const need: Need = {
    needId: randomNeedId(fill),
    categories: sorted(i.categories, CATEGORIES),
    severityBand: SEVERITY_BANDS[worst],
    urgency,
    languages: sorted(i.languages, LANGUAGES),
    modalities: sorted(i.modalities, MODALITIES),
    district: coarsenPlace(i.place, "district"),
    ageBand: ageBand(i.age, 0),
    availability: sorted(i.availability, SLOTS),
    preferences: i.preferences.counselorGender ? { counselorGender: i.preferences.counselorGender } : {},
  };
  return NeedSchema.parse(need);
}
