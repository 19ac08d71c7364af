// On-call hours and the crisis escalation ladder, as pure rules: who is on duty at an instant in the
// deployment's time zone, and which rung an unacknowledged crisis alert reaches next.
import { z } from "zod";

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "HH:MM (24 h)");

/** One weekly on-call window in the deployment's zone; `to` ≤ `from` runs past midnight into the next day. */
export const OnCallWindowSchema = z.strictObject({ day: z.enum(WEEKDAYS), from: hhmm, to: hhmm });
export type OnCallWindow = z.infer<typeof OnCallWindowSchema>;
export const OnCallHoursSchema = z.array(OnCallWindowSchema).max(28);

/** Weekday and minute of the day of `at` in `timeZone` (IANA name). */
export function localClock(at: Date, timeZone: string): { day: Weekday; minute: number } {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  const day = get("weekday").toLowerCase().slice(0, 3) as Weekday;
  return { day, minute: Number(get("hour")) * 60 + Number(get("minute")) };
}

const mins = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

/** Whether `at` falls in one of the windows (in `timeZone`). */
export function onCallAt(hours: readonly OnCallWindow[], at: Date, timeZone: string): boolean {
  const { day, minute } = localClock(at, timeZone);
  const prev = WEEKDAYS[(WEEKDAYS.indexOf(day) + 6) % 7];
  return hours.some((w) => {
    const f = mins(w.from);
    const t = mins(w.to);
    if (f < t) return w.day === day && minute >= f && minute < t;
    // Overnight window: the evening part on its own day, the morning part on the next.
    return (w.day === day && minute >= f) || (w.day === prev && minute < t);
  });
}

export type Rung = { tier: "on_call" | "fallback"; counselors: string[] } | { tier: "crisis_line"; counselors: [] };

/**
 * The escalation ladder of a crisis alert: each on-duty counselor in turn, then the community's fallback
 * counselors together, then the community's crisis line. Counselors already alerted are not rungs again.
 */
export function ladder(onDuty: readonly string[], fallback: readonly string[], alreadyTold: readonly string[] = []): Rung[] {
  const told = new Set(alreadyTold);
  const rungs: Rung[] = onDuty.filter((c) => !told.has(c)).map((c) => ({ tier: "on_call" as const, counselors: [c] }));
  const fb = fallback.filter((c) => !told.has(c) && !onDuty.includes(c));
  if (fb.length) rungs.push({ tier: "fallback", counselors: fb });
  rungs.push({ tier: "crisis_line", counselors: [] });
  return rungs;
}
