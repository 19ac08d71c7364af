// Shanghai with the six zones the first release had built in (docs/matching.md gives the same ANXIN_ZONES value),
// and other cities from the division data, for tests of the place ladder, the gate, matching and statistics.
import { cityPlaces, LEGACY_SHANGHAI_ZONES } from "../../src/deid/divisions.js";
import type { Places, ZoneSpec } from "../../src/deid/index.js";

export const SHANGHAI_ZONES: ZoneSpec[] = LEGACY_SHANGHAI_ZONES.map((z) => ({ ...z, districts: [...z.districts] }));

const cache = new Map<string, Promise<Places>>();
export const shanghai = () => place("310000", SHANGHAI_ZONES);
export function place(city: string, zones: ZoneSpec[] = []): Promise<Places> {
  const key = `${city}|${JSON.stringify(zones)}`;
  if (!cache.has(key)) cache.set(key, cityPlaces(city, zones));
  return cache.get(key)!;
}
