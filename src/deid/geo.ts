// Built-in generalization hierarchy for one city (Shanghai): street (街道/镇) → district (区) → zone → city.
// Codes are dotted paths so an ancestor is recognisable by prefix, but code never relies on that: it walks PARENT.
// The zone grouping is ours (a planning grouping, not an administrative one): adjacent districts, each zone large
// enough that generalizing to it hides a district among several hundred thousand residents.

export const GEO_LEVELS = ["street", "district", "zone", "city"] as const;
export type GeoLevel = (typeof GEO_LEVELS)[number];

interface Place {
  code: string;
  level: GeoLevel;
  parent: string | null;
  zh: string;
  en: string;
}

const CITY = { code: "sh", zh: "上海市", en: "Shanghai" };

// zone code → [zh, en, districts: [districtKey, zh, en, streets: [streetKey, zh, en][]][]]
const DATA: [string, string, string, [string, string, string, [string, string, string][]][]][] = [
  ["central", "中心城区", "Central", [
    ["huangpu", "黄浦区", "Huangpu", [["nanjingdonglu", "南京东路街道", "Nanjing Road East"], ["waitan", "外滩街道", "The Bund"], ["laoximen", "老西门街道", "Laoximen"]]],
    ["jingan", "静安区", "Jing'an", [["jiangninglu", "江宁路街道", "Jiangning Road"], ["nanjingxilu", "南京西路街道", "Nanjing Road West"], ["pengpu", "彭浦镇", "Pengpu"]]],
  ]],
  ["west", "城西", "West", [
    ["xuhui", "徐汇区", "Xuhui", [["xujiahui", "徐家汇街道", "Xujiahui"], ["tianlin", "田林街道", "Tianlin"], ["hunanlu", "湖南路街道", "Hunan Road"]]],
    ["changning", "长宁区", "Changning", [["xinhualu", "新华路街道", "Xinhua Road"], ["hongqiao", "虹桥街道", "Hongqiao"], ["tianshanlu", "天山路街道", "Tianshan Road"]]],
    ["putuo", "普陀区", "Putuo", [["changfeng", "长风新村街道", "Changfeng"], ["ganquanlu", "甘泉路街道", "Ganquan Road"], ["zhenru", "真如镇街道", "Zhenru"]]],
  ]],
  ["north", "城北", "North", [
    ["hongkou", "虹口区", "Hongkou", [["ouyanglu", "欧阳路街道", "Ouyang Road"], ["sichuanbeilu", "四川北路街道", "North Sichuan Road"], ["jiangwanzhen", "江湾镇街道", "Jiangwan"]]],
    ["yangpu", "杨浦区", "Yangpu", [["wujiaochang", "五角场街道", "Wujiaochang"], ["pingliang", "平凉路街道", "Pingliang Road"], ["kongjianglu", "控江路街道", "Kongjiang Road"]]],
    ["baoshan", "宝山区", "Baoshan", [["youyilu", "友谊路街道", "Youyi Road"], ["songnan", "淞南镇", "Songnan"], ["dachang", "大场镇", "Dachang"]]],
    ["chongming", "崇明区", "Chongming", [["chengqiao", "城桥镇", "Chengqiao"], ["baozhen", "堡镇", "Baozhen"]]],
  ]],
  ["east", "浦东", "Pudong", [
    ["pudong", "浦东新区", "Pudong New Area", [["lujiazui", "陆家嘴街道", "Lujiazui"], ["zhangjiang", "张江镇", "Zhangjiang"], ["huamu", "花木街道", "Huamu"], ["tangqiao", "塘桥街道", "Tangqiao"]]],
  ]],
  ["southwest", "西南", "South-west", [
    ["minhang", "闵行区", "Minhang", [["xinzhuang", "莘庄镇", "Xinzhuang"], ["gumei", "古美路街道", "Gumei Road"], ["jiangchuan", "江川路街道", "Jiangchuan Road"]]],
    ["songjiang", "松江区", "Songjiang", [["yueyang", "岳阳街道", "Yueyang"], ["fangsong", "方松街道", "Fangsong"]]],
    ["jinshan", "金山区", "Jinshan", [["shihua", "石化街道", "Shihua"], ["zhujing", "朱泾镇", "Zhujing"]]],
    ["fengxian", "奉贤区", "Fengxian", [["nanqiao", "南桥镇", "Nanqiao"], ["xidu", "西渡街道", "Xidu"]]],
  ]],
  ["northwest", "西北", "North-west", [
    ["jiading", "嘉定区", "Jiading", [["xinchenglu", "新成路街道", "Xincheng Road"], ["anting", "安亭镇", "Anting"]]],
    ["qingpu", "青浦区", "Qingpu", [["xiayang", "夏阳街道", "Xiayang"], ["zhujiajiao", "朱家角镇", "Zhujiajiao"]]],
  ]],
];

function buildPlaces(): Map<string, Place> {
  const m = new Map<string, Place>();
  m.set(CITY.code, { code: CITY.code, level: "city", parent: null, zh: CITY.zh, en: CITY.en });
  for (const [zk, zzh, zen, districts] of DATA) {
    const zc = `sh.z.${zk}`;
    m.set(zc, { code: zc, level: "zone", parent: CITY.code, zh: zzh, en: zen });
    for (const [dk, dzh, den, streets] of districts) {
      const dc = `sh.${dk}`;
      m.set(dc, { code: dc, level: "district", parent: zc, zh: dzh, en: den });
      for (const [sk, szh, sen] of streets) {
        const sc = `sh.${dk}.${sk}`;
        m.set(sc, { code: sc, level: "street", parent: dc, zh: szh, en: sen });
      }
    }
  }
  return m;
}

const PLACES = buildPlaces();

/** Every code in the hierarchy, all levels. */
export const ALL_PLACE_CODES: readonly string[] = [...PLACES.keys()];
/** Codes a published need may carry: district level or coarser (never a street). */
export const NEED_DISTRICT_CODES = ALL_PLACE_CODES.filter((c) => PLACES.get(c)!.level !== "street") as [
  string,
  ...string[],
];
export function codesAtLevel(level: GeoLevel): string[] {
  return ALL_PLACE_CODES.filter((c) => PLACES.get(c)!.level === level);
}

export function isPlace(code: string): boolean {
  return PLACES.has(code);
}
export function placeLevel(code: string): GeoLevel {
  const p = PLACES.get(code);
  if (!p) throw new RangeError("unknown place code");
  return p.level;
}
export function placeLabel(code: string): { zh: string; en: string } {
  const p = PLACES.get(code);
  if (!p) throw new RangeError("unknown place code");
  return { zh: p.zh, en: p.en };
}

/** The ancestor (or the place itself) at `level`; throws if `code` is already coarser than `level`. */
export function generalizePlace(code: string, level: GeoLevel): string {
  const want = GEO_LEVELS.indexOf(level);
  let p = PLACES.get(code);
  if (!p) throw new RangeError("unknown place code");
  if (GEO_LEVELS.indexOf(p.level) > want) throw new RangeError("place is already coarser than the requested level");
  while (GEO_LEVELS.indexOf(p.level) < want) p = PLACES.get(p.parent!)!;
  return p.code;
}

/** Generalize to `level`, or keep the code if it is already at least that coarse. */
export function coarsenPlace(code: string, level: GeoLevel): string {
  return GEO_LEVELS.indexOf(placeLevel(code)) >= GEO_LEVELS.indexOf(level) ? code : generalizePlace(code, level);
}

/** True if `outer` is `inner` or one of its ancestors. */
export function placeContains(outer: string, inner: string): boolean {
  let c: string | null = inner;
  while (c !== null) {
    if (c === outer) return true;
    c = PLACES.get(c)?.parent ?? null;
  }
  return false;
}
