// fast-check generators for needs and counselors drawn from small attribute pools, so random instances have both
// collisions (classes) and infeasible pairs.
import fc from "fast-check";
import type { Need } from "../../../src/deid/index.js";
import type { Counselor } from "../../../src/matching/index.js";

const hex = (len: number) => fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: len, maxLength: len });
const subset = <T>(xs: readonly T[], min = 1) => fc.subarray([...xs], { minLength: min });

export const needArb: fc.Arbitrary<Need> = fc.record({
  needId: hex(32),
  categories: subset(["anxiety", "depression", "grief", "elderly_loneliness"] as const).map((a) => a.slice(0, 3)),
  severityBand: fc.constantFrom("mild", "moderate", "severe" as const),
  urgency: fc.constantFrom("routine", "routine", "soon", "urgent", "crisis" as const),
  languages: fc.constantFrom(["mandarin"], ["mandarin", "shanghainese"], ["cantonese"], ["english"]),
  modalities: subset(["in_person", "phone", "video"] as const),
  district: fc.constantFrom("310104", "310105", "310115", "310000.z.west", "310000"),
  ageBand: fc.constantFrom("30-34", "60-64", "80+"),
  availability: subset(["mon_am", "tue_pm", "sat_am", "sun_eve"] as const),
  preferences: fc.constantFrom({}, { counselorGender: "female" as const }, { counselorGender: "male" as const }),
}) as fc.Arbitrary<Need>;

export const counselorArb: fc.Arbitrary<Counselor> = fc.record({
  counselorId: hex(40).map((h) => `0x${h}`),
  specialties: subset(["anxiety", "depression", "grief", "elderly_loneliness", "family"] as const, 0),
  languages: fc.constantFrom(["mandarin"], ["mandarin", "shanghainese"], ["mandarin", "cantonese"], ["english", "mandarin"]),
  modalities: subset(["in_person", "phone", "video"] as const),
  districts: fc.constantFrom(["310104"], ["310115"], ["310000.z.west"], ["310000"], []),
  capacity: fc.integer({ min: 0, max: 3 }),
  availability: subset(["mon_am", "tue_pm", "sat_am", "sun_eve"] as const, 0),
  gender: fc.constantFrom("female", "male" as const),
  accredited: fc.constant(true), // overridden in instanceArb
}) as fc.Arbitrary<Counselor>;

/** Unique ids (the solver rejects duplicates, which is tested separately). */
export const instanceArb = (maxNeeds: number, maxCounselors: number) =>
  fc
    .record({
      needs: fc.array(needArb, { minLength: 0, maxLength: maxNeeds, size: "max" }),
      counselors: fc.array(fc.tuple(counselorArb, fc.integer({ min: 0, max: 9 })), { minLength: 0, maxLength: maxCounselors, size: "max" }),
    })
    .map(({ needs, counselors }) => ({
      needs: needs.map((n, i) => ({ ...n, needId: i.toString(16).padStart(32, "0") })),
      // one in ten counselors not accredited (derived from the drawn integer, so shrinking stays deterministic)
      counselors: counselors.map(([c, r], i) => ({ ...c, accredited: r !== 0, counselorId: `0x${i.toString(16).padStart(40, "0")}` })),
    }));
