// Shared types of the assessment module. Pure data: no I/O.

/** A text shown to residents in both of our languages; zh-CN is the default. */
export interface Bilingual {
  zh: string;
  en: string;
}

export type Lang = "zh" | "en";

export type InstrumentId = "phq9" | "gad7" | "who5" | "pss10" | "k10";

/** Need severity bands used by matching (shared/DESIGN.md, anonymized need `severityBand`). */
export type SeverityBand = "minimal" | "mild" | "moderate" | "moderately_severe" | "severe";

export interface InstrumentItem {
  id: string;
  text: Bilingual;
}

export interface ResponseOption {
  value: number;
  label: Bilingual;
}

/** Bands are over the raw sum (after reverse scoring, before any multiplier); inclusive bounds. */
export interface BandDefinition {
  min: number;
  max: number;
  band: SeverityBand;
  label: Bilingual;
  /** Plain words for an elderly reader. */
  interpretation: Bilingual;
}

export type Comparison = ">" | ">=" | "<" | "<=" | "==";

/** A crisis rule fires on one item's answer (as given, before reverse scoring). */
export interface ItemCrisisRule {
  item: string;
  op: Comparison;
  value: number;
  /** Stable code, e.g. "phq9.item9" — returned in crisis.reasons. */
  reason: string;
}

/** Positive screen rule over the raw sum. */
export interface ScreenRule {
  op: Comparison;
  value: number;
  meaning: Bilingual;
}

export interface Scoring {
  method: "sum";
  /** total = raw × multiplier (WHO-5 uses 4 to give a 0–100 percentage). */
  multiplier: number;
}

export interface SourceCitation {
  original: string;
  chinese?: string;
  cutoffs: string;
  licence: string;
}

export interface InstrumentDefinition {
  id: InstrumentId;
  name: Bilingual;
  instructions: Bilingual;
  items: readonly InstrumentItem[];
  options: readonly ResponseOption[];
  reverseItems?: readonly string[];
  scoring: Scoring;
  bands: readonly BandDefinition[];
  crisisRules: readonly ItemCrisisRule[];
  positiveScreen: ScreenRule;
  source: SourceCitation;
}

export interface ScoredAssessment {
  instrument: InstrumentId;
  /** Sum after reverse scoring. */
  raw: number;
  /** raw × multiplier; equals raw except for WHO-5 (0–100). */
  total: number;
  band: SeverityBand;
  bandLabel: Bilingual;
  positiveScreen: boolean;
  crisis: { flag: boolean; reasons: string[] };
  /** Item answers as given (before reverse scoring), keyed by item id: crisis rules read them. */
  answers: Readonly<Record<string, number>>;
  interpretation: Bilingual;
}
