// Log events (DESIGN format 3): the leaf input is the UTF-8 of the RFC 8785 canonical JSON of the event.
// Events carry identifiers, hashes and times only; keeping free text out of extra fields is the caller's job.
import { canonicalJson } from "../crypto/canonical.js";
import { leafHash } from "./hash.js";
import { isHash32Hex } from "./hex.js";

export const LOG_EVENT_TYPES = ["record", "access", "consent", "revoke", "tombstone", "accredit", "key"] as const;
export type LogEventType = (typeof LOG_EVENT_TYPES)[number];

/** JSON values allowed in an event: numbers must be safe integers (no floats: they canonicalise differently). */
export type LogValue = string | number | boolean | null | LogValue[] | { [key: string]: LogValue };

export interface LogEvent {
  type: LogEventType;
  /** Identifier of the subject of the event (record id, grant id, ...): 1-128 of [A-Za-z0-9._:-]. */
  id: string;
  /** 32-byte hash as 64 lowercase hex digits, no 0x prefix. */
  hash: string;
  /** ISO-8601 UTC with milliseconds, exactly as Date.prototype.toISOString: "2026-11-29T04:08:00.000Z". */
  at: string;
  [extra: string]: LogValue;
}

/** An invalid event. `field` names the offending field; the message never includes its value (privacy). */
export class LogEventError extends Error {
  readonly field: string;
  constructor(field: string, problem: string) {
    super(`invalid log event field "${field}": ${problem}`);
    this.name = "LogEventError";
    this.field = field;
  }
}

const ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;
const AT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const LONE_SURROGATE = /\p{Surrogate}/u; // in u-mode a proper pair is one code point and does not match
const MAX_DEPTH = 8;

function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/** Formats a time for the `at` field. */
export function eventTime(t: Date | number): string {
  const d = typeof t === "number" ? new Date(t) : t;
  if (Number.isNaN(d.getTime())) throw new RangeError("invalid time");
  return d.toISOString();
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function checkValue(v: unknown, field: string, depth: number): void {
  if (depth > MAX_DEPTH) throw new LogEventError(field, "nested too deeply");
  if (v === null || typeof v === "boolean") return;
  if (typeof v === "string") {
    if (!isWellFormed(v)) throw new LogEventError(field, "string has a lone surrogate");
    return;
  }
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v)) throw new LogEventError(field, "numbers must be safe integers");
    return;
  }
  if (Array.isArray(v)) {
    for (const x of v) checkValue(x, field, depth + 1);
    return;
  }
  if (isPlainObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (!isWellFormed(k)) throw new LogEventError(field, "key has a lone surrogate");
      checkValue(x, field, depth + 1);
    }
    return;
  }
  throw new LogEventError(field, "not a JSON value");
}

/** Checks the shape of an event and returns it typed. Throws LogEventError. */
export function validateLogEvent(e: unknown): LogEvent {
  if (!isPlainObject(e)) throw new LogEventError("(event)", "must be a plain object");
  if (typeof e.type !== "string" || !(LOG_EVENT_TYPES as readonly string[]).includes(e.type)) {
    throw new LogEventError("type", `must be one of ${LOG_EVENT_TYPES.join(", ")}`);
  }
  if (typeof e.id !== "string" || !ID_RE.test(e.id)) throw new LogEventError("id", "must be 1-128 of [A-Za-z0-9._:-]");
  if (!isHash32Hex(e.hash)) throw new LogEventError("hash", "must be 64 lowercase hex digits");
  if (typeof e.at !== "string" || !AT_RE.test(e.at) || Number.isNaN(Date.parse(e.at)) || new Date(e.at).toISOString() !== e.at) {
    throw new LogEventError("at", "must be ISO-8601 UTC with milliseconds, e.g. 2026-11-29T04:08:00.000Z");
  }
  for (const [k, v] of Object.entries(e)) checkValue(v, k, 0);
  return e as LogEvent;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Leaf input: UTF-8 of the RFC 8785 canonical JSON of the (validated) event. */
export function leafInput(event: LogEvent): Uint8Array {
  return encoder.encode(canonicalJson(validateLogEvent(event)));
}

/** leafHash(leafInput(event)). */
export function eventLeafHash(event: LogEvent): Uint8Array {
  return leafHash(leafInput(event));
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
// `,"type":"` : in canonical JSON the members are sorted, so "type" is usually the last one.
const TYPE_TAIL = [0x2c, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22];

/**
 * The top-level `type` of a leaf input without building the event, for auditors that only parse some types.
 * Fast path: the input ends with `,"type":"<value>"}` (value without quotes, escapes or non-ASCII), which in
 * valid JSON can only be the last member of the outermost object (a nested "type" is never mistaken for it).
 * Otherwise the input is parsed. Undefined when it is not a JSON object with a string `type`. Does not validate
 * the event: use parseLeafInput / validateLogEvent for that.
 */
export function leafInputType(input: Uint8Array): string | undefined {
  const n = input.length;
  if (n > TYPE_TAIL.length + 2 && input[n - 1] === 0x7d && input[n - 2] === QUOTE) {
    let p = n - 3;
    let ascii = true;
    for (; p >= 0; p--) {
      const b = input[p];
      if (b === QUOTE || b === BACKSLASH) break;
      if (b >= 0x80) ascii = false;
    }
    if (ascii && p >= TYPE_TAIL.length - 1 && input[p] === QUOTE) {
      let k = 0;
      const at = p - TYPE_TAIL.length + 1;
      while (k < TYPE_TAIL.length && input[at + k] === TYPE_TAIL[k]) k++;
      if (k === TYPE_TAIL.length) {
        let type = "";
        for (let i = p + 1; i < n - 2; i++) type += String.fromCharCode(input[i]);
        return type;
      }
    }
  }
  try {
    const v: unknown = JSON.parse(decoder.decode(input));
    return isPlainObject(v) && typeof v.type === "string" ? v.type : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Parses a leaf input back into an event, for auditors. Rejects bytes that are not valid UTF-8, not a valid event,
 * or not in canonical form (so one event has exactly one leaf).
 */
export function parseLeafInput(input: Uint8Array): LogEvent {
  let text: string;
  let parsed: unknown;
  try {
    text = decoder.decode(input);
    parsed = JSON.parse(text);
  } catch {
    throw new LogEventError("(event)", "leaf input is not UTF-8 JSON");
  }
  const event = validateLogEvent(parsed);
  if (canonicalJson(event) !== text) throw new LogEventError("(event)", "leaf input is not canonical JSON");
  return event;
}
