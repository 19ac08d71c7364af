// Migration 009 on a database written by the first release: the Shanghai-only place codes in stored needs,
// counselor profiles and released statistics become national division codes, and the result is what the
// current code accepts (each mapped code is a real 上海市 place with the district's name).
import { expect } from "chai";
import { openPglite } from "../../../src/store/pglite.js";
import { migrate } from "../../../src/store/migrate.js";
import { migrations } from "../../../src/store/migrations/index.js";
import { NeedSchema } from "../../../src/deid/index.js";
import { place } from "../../helpers/places.js";

const oldNeed = (id: string, district: string) => ({
  needId: id.repeat(32).slice(0, 32), categories: ["grief"], severityBand: "mild", urgency: "routine", languages: ["mandarin"],
  modalities: ["in_person"], district, ageBand: "70-74", availability: ["mon_am"], preferences: {},
});

describe("store migration 009: Shanghai codes → national division codes", function () {
  this.timeout(60_000);

  it("maps districts, zones and the city where they were stored, and leaves the rest alone", async () => {
    const db = await openPglite();
    try {
      await migrate(db, migrations.filter((m) => m.version < 9));
      const needs: [string, string][] = [["a", "sh.xuhui"], ["b", "sh.z.west"], ["c", "sh"], ["d", "sh.pudong"]];
      for (const [id, d] of needs)
        await db.query("INSERT INTO match_needs (need_id, subject, matcher, need, status, period) VALUES ($1, 's', 'm', $2, 'pooled', '2025-06')", [id, JSON.stringify(oldNeed(id, d))]);
      const profile = (districts: string[]) => JSON.stringify({ specialties: [], languages: ["mandarin"], modalities: ["in_person"], districts, capacity: 1, availability: [], gender: "female" });
      await db.query("INSERT INTO match_profiles (counselor, profile) VALUES ('0x1', $1), ('0x2', $2), ('0x3', $3)", [
        profile(["sh.z.west", "sh.pudong", "sh.xuhui"]), profile(["sh"]), profile([]),
      ]);
      await db.query("INSERT INTO dp_releases (release_id, period, epsilon, level, counts) VALUES ('r1', '2025-06', 0.5, 'district', $1), ('r2', '2025-06', 0.5, 'zone', $2), ('r3', '2025-06', 0.1, 'city', '{}')", [
        JSON.stringify({ "sh.xuhui|grief": 3, "sh.pudong|grief": -1 }), JSON.stringify({ "sh.z.west|grief": 2 }),
      ]);

      // 009 runs first of the migrations this database has not had (later ones add unrelated tables).
      expect(await migrate(db)).to.deep.equal(migrations.filter((m) => m.version >= 9).map((m) => m.version));

      const rows = await db.query<{ need_id: string; need: { district: string } }>("SELECT need_id, need FROM match_needs ORDER BY need_id");
      expect(rows.map((r) => r.need.district)).to.deep.equal(["310104", "310000", "310000", "310115"]);
      for (const r of rows) NeedSchema.parse(r.need);
      const profiles = await db.query<{ counselor: string; profile: { districts: string[] } }>("SELECT counselor, profile FROM match_profiles ORDER BY counselor");
      // 城西 = 徐汇, 长宁, 普陀 in their order, then 浦东; 徐汇 again is not repeated.
      expect(profiles.map((p) => p.profile.districts)).to.deep.equal([["310104", "310105", "310107", "310115"], ["310000"], []]);
      const rel = await db.query<{ release_id: string; counts: Record<string, number> }>("SELECT release_id, counts FROM dp_releases ORDER BY release_id");
      expect(rel.map((r) => r.counts)).to.deep.equal([{ "310104|grief": 3, "310115|grief": -1 }, { "310000.z.west|grief": 2 }, {}]);

      const sh = await place("310000");
      for (const code of ["310104", "310105", "310107", "310115", "310000"]) expect(sh.isArea(code)).to.equal(true);
      expect(sh.label("310104").zh).to.equal("徐汇区");
      expect(sh.label("310115").zh).to.equal("浦东新区");
      expect(await migrate(db)).to.deep.equal([]); // applied once
    } finally {
      await db.close();
    }
  });

  it("maps every district of the first release to the national code of the district with the same name", async () => {
    const sh = await place("310000");
    const { default: m } = await import("../../../src/store/migrations/009_national_places.js");
    const pairs = [...m.sql.matchAll(/\('sh\.([a-z]+)', '(\d{6})'\)/g)].map((x) => [x[1], x[2]]);
    const names: Record<string, string> = {
      huangpu: "黄浦区", jingan: "静安区", xuhui: "徐汇区", changning: "长宁区", putuo: "普陀区", hongkou: "虹口区", yangpu: "杨浦区", baoshan: "宝山区",
      chongming: "崇明区", pudong: "浦东新区", minhang: "闵行区", songjiang: "松江区", jinshan: "金山区", fengxian: "奉贤区", jiading: "嘉定区", qingpu: "青浦区",
    };
    expect(new Set(pairs.map(([k]) => k))).to.deep.equal(new Set(Object.keys(names)));
    for (const [k, code] of pairs) expect(sh.label(code).zh, k).to.equal(names[k]);
  });
});
