// Strict timestamp reading: an exact instant or nothing. A local time without an offset is ambiguous
// (a resident's phone may export in UTC or in Beijing time), so it is refused rather than guessed.

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s?(Z|z|[+-]\d{2}(?::?\d{2})?)$/;
const ISO_NO_OFFSET = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$/;
const UNIX = /^\d+(?:\.\d+)?$/;

const MIN_S = 946_684_800; // 2000-01-01T00:00:00Z
const MAX_S = 4_102_444_800; // 2100-01-01T00:00:00Z

export type TimestampResult = { ok: true; ms: number } | { ok: false; reason: string };

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Reads ISO-8601 with an offset ("2025-03-01T07:30:00+08:00", "…Z") or unix seconds (string or number). */
export function readTimestamp(input: unknown): TimestampResult {
  if (typeof input === "number") {
    if (!Number.isFinite(input)) return { ok: false, reason: "not a finite number" };
    return fromUnix(input);
  }
  if (typeof input !== "string") return { ok: false, reason: "expected ISO-8601 text or unix seconds" };
  const s = input.trim();
  if (s === "") return { ok: false, reason: "empty" };
  if (UNIX.test(s)) return fromUnix(Number(s));
  const m = ISO.exec(s);
  if (!m) {
    if (ISO_NO_OFFSET.test(s)) return { ok: false, reason: "needs a UTC offset (e.g. +08:00 or Z)" };
    return { ok: false, reason: "not ISO-8601 with offset nor unix seconds" };
  }
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number);
  const second = m[6] ? Number(m[6]) : 0;
  const frac = m[7] ? Number(`0.${m[7]}`) : 0;
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return { ok: false, reason: "no such date" };
  if (hour > 23 || minute > 59 || second > 59) return { ok: false, reason: "no such time" };
  let offsetMin = 0;
  const off = m[8];
  if (off !== "Z" && off !== "z") {
    const digits = off.slice(1).replace(":", "");
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (oh > 14 || om > 59) return { ok: false, reason: "no such UTC offset" };
    offsetMin = (off[0] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  const ms = Date.UTC(year, month - 1, day, hour, minute, second) + Math.round(frac * 1000) - offsetMin * 60_000;
  if (ms < MIN_S * 1000 || ms >= MAX_S * 1000) return { ok: false, reason: "outside 2000–2099" };
  return { ok: true, ms };
}

function fromUnix(seconds: number): TimestampResult {
  if (seconds >= MIN_S * 1000 && seconds < MAX_S * 1000) {
    return { ok: false, reason: "looks like unix milliseconds; give unix seconds" };
  }
  if (seconds < MIN_S || seconds >= MAX_S) return { ok: false, reason: "unix seconds outside 2000–2099" };
  return { ok: true, ms: Math.round(seconds * 1000) };
}
