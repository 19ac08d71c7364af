// Log events (DESIGN format 3): the leaf input is the UTF-8 of the RFC 8785 canonical JSON of the event.
// Events carry identifiers, hashes and times only; keeping free text out of extra fields is the caller's job.
import canonicalize from "canonicalize";
import { leafHash } from "./hash.js";
import { isHash32Hex } from "./hex.js";

export const LOG_EVENT_TYPES = ["record", "access", "consent", "revoke", "tombstone", "accredit"] as const;
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
  const text = canonicalize(validateLogEvent(event));
  if (text === undefined) throw new LogEventError("(event)", "cannot be canonicalised");
  return encoder.encode(text);
}

/** leafHash(leafInput(event)). */
export function eventLeafHash(event: LogEvent): Uint8Array {
  return leafHash(leafInput(event));
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
  if (canonicalize(event) !== text) throw new LogEventError("(event)", "leaf input is not canonical JSON");
  return event;
}
