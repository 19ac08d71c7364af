// One time zone everywhere: the deployment city's (ANXIN_TIME_ZONE, served at GET /v1/places), never the device's,
// so a start and an end time on one screen can never disagree ("22:00 – 14:50").
import type { Lang } from "./i18n.js";

let zone = "Asia/Shanghai";
export const setZone = (tz: string | undefined) => void (tz && (zone = tz));
export const timeZone = () => zone;

function parts(at: Date | string | number): Record<string, string> {
  const d = typeof at === "object" ? at : new Date(typeof at === "number" ? at * 1000 : at);
  const f = new Intl.DateTimeFormat("en-US", { timeZone: zone, year: "numeric", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  return Object.fromEntries(f.formatToParts(d).map((p) => [p.type, p.value]));
}

const EN_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "2026年12月2日 14:00" / "2 Dec 2026, 14:00" in the city's zone (ISO string, Date or unix seconds). */
export function when(at: Date | string | number, lang: Lang, withTime = true): string {
  const p = parts(at);
  const hm = `${p.hour}:${p.minute}`;
  if (lang === "zh-CN") return `${p.year}年${p.month}月${p.day}日${withTime ? ` ${hm}` : ""}`;
  return `${p.day} ${EN_MONTHS[Number(p.month) - 1]} ${p.year}${withTime ? `, ${hm}` : ""}`;
}

/** "14:50" in the city's zone. */
export function clock(at: Date | string | number): string {
  const p = parts(at);
  return `${p.hour}:${p.minute}`;
}

/** An ISO instant from a datetime-local value read as the city's wall-clock time (not the device's). */
export function fromCityWallClock(local: string): string {
  const [d, t] = local.split("T");
  const [y, m, day] = d!.split("-").map(Number);
  const [hh, mm] = t!.split(":").map(Number);
  const guess = Date.UTC(y!, m! - 1, day!, hh!, mm!);
  // The zone's offset at that instant: format the guess in the zone and take the difference.
  const p = parts(new Date(guess));
  const shown = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute));
  return new Date(guess - (shown - guess)).toISOString();
}
