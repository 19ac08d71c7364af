// FHIR R4 export of a resident's own assessments and wearable day summaries (PIPL Art. 45 portability). Pure:
// built on the client from decrypted records; the server never sees these resources. Pseudonymous like the
// Consent export: the subject is a ledger address, no identity. Codes and their public sources: docs/FORMATS.md.
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { INSTRUMENTS } from "./instruments/index.js";
import type { InstrumentId, Lang, ScoredAssessment } from "./types.js";
import type { DailyAggregate } from "./wearable/stress.js";

export const FHIR_EXPORT_SYSTEMS = {
  loinc: "http://loinc.org",
  ucum: "http://unitsofmeasure.org",
  observationCategory: "http://terminology.hl7.org/CodeSystem/observation-category",
  pseudonym: "urn:anxin:pseudonym",
  recordId: "urn:anxin:record-id",
  /** Project-local codes where LOINC has none we could verify (docs/FORMATS.md lists which and why). */
  local: "urn:anxin:code",
} as const;

interface Coding {
  system: string;
  code: string;
  display: string;
}
const loinc = (code: string, display: string): Coding => ({ system: FHIR_EXPORT_SYSTEMS.loinc, code, display });
const local = (code: string, display: string): Coding => ({ system: FHIR_EXPORT_SYSTEMS.local, code, display });

/** Total-score codes. PHQ-9 and GAD-7 totals are LOINC; WHO-5, PSS-10 and K10 use local codes (see FORMATS.md). */
export const TOTAL_CODE: Record<InstrumentId, Coding> = {
  phq9: loinc("44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]"),
  gad7: loinc("70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]"),
  who5: local("who5-total", "WHO-5 Well-Being Index percentage score (0–100)"),
  pss10: local("pss10-total", "Perceived Stress Scale 10 item total score"),
  k10: local("k10-total", "Kessler Psychological Distress Scale (K10) total score"),
};

/** LOINC item codes in item order (the PHQ-9 and GAD-7 panels); the other instruments have local item codes. */
export const ITEM_CODES: Partial<Record<InstrumentId, readonly string[]>> = {
  phq9: ["44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3", "44260-8"],
  gad7: ["69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"],
};

/** Wearable day metrics. RMSSD and the stress index have no LOINC code: local codes, never SDNN's. */
export const WEARABLE_CODES = {
  restingHr: { coding: [loinc("40443-4", "Heart rate --resting"), loinc("8867-4", "Heart rate")], unit: "/min", unitText: "beats/minute" },
  sdnn: { coding: [loinc("80404-7", "R-R interval.standard deviation (Heart rate variability)")], unit: "ms", unitText: "ms" },
  rmssd: { coding: [local("hrv-rmssd", "Heart rate variability, root mean square of successive differences (RMSSD)")], unit: "ms", unitText: "ms" },
  sleepMinutes: { coding: [loinc("93832-4", "Sleep duration")], unit: "min", unitText: "min" },
  stressIndex: { coding: [local("wearable-stress-index", "Anxin wearable stress index (0–100, against the person's own baseline)")], unit: "1", unitText: "score" },
} as const;

/** A FHIR id from any stable text: 64 hex characters of SHA-256 (the id pattern allows [A-Za-z0-9-.]{1,64}). */
const fhirId = (...parts: string[]) => bytesToHex(sha256(utf8ToBytes(parts.join("\u0000"))));
/** The same digest as a UUID-shaped urn for Bundle.entry.fullUrl. */
const urnUuid = (id: string) => `urn:uuid:${id.slice(0, 8)}-${id.slice(8, 12)}-5${id.slice(13, 16)}-8${id.slice(17, 20)}-${id.slice(20, 32)}`;

const subjectRef = (address: string) => ({ type: "Patient", identifier: { system: FHIR_EXPORT_SYSTEMS.pseudonym, value: address.toLowerCase() } });

export interface AssessmentRecord {
  recordId: string;
  /** ISO-8601 instant the record was written. */
  createdAt: string;
  subjectRef: string;
  body: ScoredAssessment;
}

export interface WearableSummaryRecord {
  recordId: string;
  createdAt: string;
  subjectRef: string;
  /** Day figures (any of them may be absent in older summaries, which held only the index). */
  days: Array<Partial<DailyAggregate> & { date: string; index?: number | null }>;
}

type Resource = Record<string, unknown> & { resourceType: string; id: string };

/** QuestionnaireResponse (answers as given) plus an Observation of the total, derived from it. */
export function assessmentToFhir(rec: AssessmentRecord, lang: Lang = "zh"): Resource[] {
  const r = rec.body;
  const def = INSTRUMENTS[r.instrument];
  if (!def) throw new RangeError(`unknown instrument ${String(r.instrument)}`);
  const qrId = fhirId("qr", rec.recordId);
  const items = def.items.map((it, i) => ({ it, code: ITEM_CODES[r.instrument]?.[i] }));
  const qr: Resource = {
    resourceType: "QuestionnaireResponse",
    id: qrId,
    identifier: { system: FHIR_EXPORT_SYSTEMS.recordId, value: rec.recordId },
    questionnaire: `urn:anxin:questionnaire:${r.instrument}`,
    status: "completed",
    subject: subjectRef(rec.subjectRef),
    authored: rec.createdAt,
    author: subjectRef(rec.subjectRef),
    item: items.map(({ it }) => ({ linkId: it.id, text: it.text[lang], answer: [{ valueInteger: r.answers[it.id] }] })),
  };
  const total: Resource = {
    resourceType: "Observation",
    id: fhirId("total", rec.recordId),
    status: "final",
    category: [{ coding: [{ system: FHIR_EXPORT_SYSTEMS.observationCategory, code: "survey", display: "Survey" }] }],
    code: { coding: [TOTAL_CODE[r.instrument]], text: def.name[lang] },
    subject: subjectRef(rec.subjectRef),
    effectiveDateTime: rec.createdAt,
    valueInteger: r.total,
    interpretation: [{ text: r.bandLabel[lang] }],
    derivedFrom: [{ reference: urnUuid(qrId), type: "QuestionnaireResponse" }],
    component: items.map(({ it, code }) => ({
      code: { coding: [code ? loinc(code, it.text.en) : local(it.id, it.text.en)], text: it.text[lang] },
      valueInteger: r.answers[it.id],
    })),
  };
  return [qr, total];
}

/** One Observation per day and metric present (resting HR, SDNN, RMSSD, sleep, stress index). */
export function wearableToFhir(rec: WearableSummaryRecord, utcOffsetMinutes = 480): Resource[] {
  const out: Resource[] = [];
  const sign = utcOffsetMinutes < 0 ? "-" : "+";
  const a = Math.abs(utcOffsetMinutes);
  const tz = `${sign}${String(Math.floor(a / 60)).padStart(2, "0")}:${String(a % 60).padStart(2, "0")}`;
  for (const d of rec.days) {
    const values: Array<[keyof typeof WEARABLE_CODES, number | null | undefined, string]> = [
      ["restingHr", d.restingHr, "vital-signs"],
      ["sdnn", d.sdnn, "vital-signs"],
      ["rmssd", d.rmssd, "vital-signs"],
      ["sleepMinutes", d.sleepMinutes, "activity"],
      ["stressIndex", d.index, "survey"],
    ];
    for (const [metric, v, category] of values) {
      if (typeof v !== "number" || !Number.isFinite(v)) continue;
      const c = WEARABLE_CODES[metric];
      out.push({
        resourceType: "Observation",
        id: fhirId("wearable", rec.recordId, d.date, metric),
        status: "final",
        category: [{ coding: [{ system: FHIR_EXPORT_SYSTEMS.observationCategory, code: category }] }],
        code: { coding: [...c.coding] },
        subject: subjectRef(rec.subjectRef),
        effectivePeriod: { start: `${d.date}T00:00:00${tz}`, end: `${d.date}T23:59:59${tz}` },
        valueQuantity: { value: Math.round(v * 10) / 10, unit: c.unitText, system: FHIR_EXPORT_SYSTEMS.ucum, code: c.unit },
        ...(metric === "stressIndex" ? { note: [{ text: "Reference value to prompt a check-in; not a diagnosis." }] } : {}),
      });
    }
  }
  return out;
}

/** A collection Bundle of the resources (fullUrl: a urn:uuid made from the resource id). */
export function fhirBundle(resources: Resource[], at: string): Record<string, unknown> {
  return {
    resourceType: "Bundle",
    id: fhirId("bundle", at, ...resources.map((r) => r.id)),
    type: "collection",
    timestamp: at,
    entry: resources.map((r) => ({ fullUrl: urnUuid(r.id), resource: r })),
  };
}
