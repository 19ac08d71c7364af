// Typed errors. Messages name item ids, fields and line numbers only — never the answers or measured values,
// which are health data and may end up in logs.

export interface AssessmentInputProblems {
  /** Items with no answer (absent, null or undefined, or an array that is too short). */
  missing: string[];
  /** Answers that are not one of the instrument's option values. */
  outOfRange: string[];
  /** Answers that are not finite integers (strings, 1.5, NaN …). */
  nonInteger: string[];
  /** Keys or array positions that are not items of this instrument. */
  unknown: string[];
}

export class AssessmentInputError extends Error {
  override readonly name = "AssessmentInputError";
  readonly instrument: string;
  readonly problems: AssessmentInputProblems;
  /** Every offending item id (or unknown key), in item order, without duplicates. */
  readonly itemIds: string[];

  constructor(instrument: string, problems: AssessmentInputProblems) {
    const parts: string[] = [];
    if (problems.missing.length) parts.push(`missing ${problems.missing.join(", ")}`);
    if (problems.nonInteger.length) parts.push(`not an integer ${problems.nonInteger.join(", ")}`);
    if (problems.outOfRange.length) parts.push(`out of range ${problems.outOfRange.join(", ")}`);
    if (problems.unknown.length) parts.push(`unknown ${problems.unknown.join(", ")}`);
    super(`${instrument}: answers rejected (${parts.join("; ") || "no instrument"}); no score was computed`);
    this.instrument = instrument;
    this.problems = problems;
    this.itemIds = [
      ...new Set([...problems.missing, ...problems.nonInteger, ...problems.outOfRange, ...problems.unknown]),
    ];
  }
}

export interface WearableLineError {
  /** 1-based line in the imported text (the header is line 1 in CSV). */
  line: number;
  /** Column or JSON field concerned, or "file". */
  field: string;
  reason: string;
}

export class WearableImportError extends Error {
  override readonly name = "WearableImportError";
  readonly errors: WearableLineError[];
  /** True when more errors existed than were listed. */
  readonly truncated: boolean;

  constructor(errors: WearableLineError[], truncated = false) {
    const head = errors
      .slice(0, 5)
      .map((e) => `line ${e.line} ${e.field}: ${e.reason}`)
      .join("; ");
    const more = errors.length > 5 || truncated ? " …" : "";
    super(`wearable import refused, ${errors.length}${truncated ? "+" : ""} error(s): ${head}${more}`);
    this.errors = errors;
    this.truncated = truncated;
  }
}
