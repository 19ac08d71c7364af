// Public surface of the assessment core (pure: no I/O, no adapters).
export type * from "./types.js";
export { AssessmentInputError, WearableImportError } from "./errors.js";
export type { AssessmentInputProblems, WearableLineError } from "./errors.js";
export { INSTRUMENTS, INSTRUMENT_IDS, isInstrumentId, phq9, gad7, who5, pss10, k10 } from "./instruments/index.js";
export { score, checkDefinition, rawRange, type Answers } from "./score.js";
export {
  crisisResources,
  decideCrisis,
  type CounselorRiskMark,
  type CrisisDecision,
  type CrisisLevel,
  type Hotline,
  type LocalHotline,
} from "./crisis.js";
export {
  parseWearableCsv,
  parseWearableJson,
  MAX_LISTED_ERRORS,
  type WearableImport,
  type WearableSample,
  type SampleKind,
} from "./wearable/parse.js";
export { MEASURES, TIMESTAMP_ALIASES, type MeasureSpec } from "./wearable/columns.js";
export {
  aggregateDaily,
  DailyBuilder,
  stressIndex,
  detectWarnings,
  assessWearable,
  STRESS_INDEX_NOTICE,
  type AggregateOptions,
  type DailyAggregate,
  type DailyKind,
  type DailyStress,
  type StressOptions,
  type StressStatus,
  type StressWarning,
  type WarningOptions,
} from "./wearable/stress.js";
