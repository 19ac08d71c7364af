import { expect } from "chai";
import {
  coarsenPlace,
  codeLevel,
  deriveNeed,
  generalizePlace,
  NATIONAL,
  NeedSchema,
  placeContains,
  Places,
  type Intake,
} from "../../../src/deid/index.js";
import { cityDivisions, servableCity } from "../../../src/deid/divisions.js";
import { place, SHANGHAI_ZONES } from "../../helpers/places.js";

const ladder = (code: string, p: Places) => (["district", "zone", "city", "province"] as const).map((l) => coarsenPlace(code, l, p));

describe("deid/geo: national division codes, any city", function () {
  this.timeout(30_000);

  it("a prefecture city with counties: 抚顺 210400 (street → county → city → province, no zones)", async () => {
    const fs = await place("210400");
    expect(fs.label("210400").zh).to.equal("抚顺市");
    expect(fs.districts().map((d) => fs.label(d).zh)).to.deep.equal(["新抚区", "东洲区", "望花区", "顺城区", "抚顺县", "新宾满族自治县", "清原满族自治县"]);
    const street = fs.streets("210422")[0];
    expect(codeLevel(street)).to.equal("street");
    expect(ladder(street, fs)).to.deep.equal(["210422", "210400", "210400", "210000"]);
    expect(fs.label("210000").zh).to.equal("辽宁省");
    expect(fs.areas()).to.deep.equal([...fs.districts(), "210400", "210000"]);
    expect(placeContains("210400", street, fs)).to.equal(true);
    expect(placeContains("210402", street, fs)).to.equal(false);
  });

  it("a county-level city: 北流市 450981 in 玉林 450900 is a district-level unit", async () => {
    const yl = await place("450900");
    expect(yl.label("450981").zh).to.equal("北流市");
    expect(yl.level("450981")).to.equal("district");
    const street = yl.streets("450981")[0];
    expect(ladder(street, yl)).to.deep.equal(["450981", "450900", "450900", "450000"]);
    expect(yl.label("450000").zh).to.equal("广西壮族自治区");
  });

  it("a municipality: 上海 310000 has no city level of its own; configured zones sit between district and city", async () => {
    const plain = await place("310000");
    expect(plain.label("310000").zh).to.equal("上海市");
    expect(plain.districts()).to.have.length(16);
    expect(ladder("310104011", plain)).to.deep.equal(["310104", "310000", "310000", "310000"]); // 田林街道, 徐汇区
    const zoned = await place("310000", SHANGHAI_ZONES);
    expect(ladder("310104011", zoned)).to.deep.equal(["310104", "310000.z.west", "310000", "310000"]);
    expect(zoned.label("310000.z.west")).to.deep.equal({ zh: "城西", en: "West" });
    expect(zoned.areas()).to.include.members(["310000.z.west", "310104", "310000"]);
    expect(zoned.grid("zone")).to.have.length(6);
    // 310100 (市辖区) is the statistical grouping, not a city: it names the municipality.
    expect(servableCity("310100")).to.equal("310000");
  });

  it("a municipality with more districts than a 32-bit word: 重庆 500000 (districts and counties together)", async () => {
    const cq = await place("500000");
    expect(cq.districts().length).to.be.greaterThan(32);
    expect(ladder("500229", cq)).to.deep.equal(["500229", "500000", "500000", "500000"]); // 城口县
  });

  it("a city without districts: 东莞 441900 holds its streets directly", async () => {
    const dg = await place("441900");
    expect(dg.districts()).to.deep.equal([]);
    const street = dg.streets("441900")[0];
    expect(ladder(street, dg)).to.deep.equal(["441900", "441900", "441900", "440000"]);
    expect(dg.list().districts).to.have.length(1);
    expect(dg.grid("district")).to.deep.equal(["441900"]);
    const n = deriveNeed({ ...intake, place: street });
    expect(n.district).to.equal("441900");
  });

  it("the code system alone generalizes without data; data and zones are checked when a city is built", async () => {
    expect(generalizePlace("210422101", "district")).to.equal("210422");
    expect(generalizePlace("210422101", "city")).to.equal("210400");
    expect(generalizePlace("419001", "city")).to.equal("410000"); // 济源: administered by the province directly
    expect(() => NATIONAL.level("sh.xuhui")).to.throw(RangeError);
    expect(() => codeLevel("31010")).to.throw(RangeError);
    expect(servableCity("419000")).to.equal(null); // 省直辖县级行政区划 is no city
    expect(servableCity("210402")).to.equal(null); // a district
    expect(servableCity("999900")).to.equal(null);
    const rows = await cityDivisions("210400");
    expect(() => new Places("210400", [...rows, { code: "450902", name: "玉州区" }])).to.throw(/not in 210400/);
    expect(() => new Places("210400", rows, [{ key: "x", name: "x", districts: ["450902"] }])).to.throw(/not a district/);
    expect(() => new Places("210400", rows, [{ key: "a", name: "a", districts: ["210402"] }, { key: "b", name: "b", districts: ["210402"] }])).to.throw(/already in zone/);
    expect(() => new Places("210402", rows)).to.throw(RangeError);
    const fs = new Places("210400", rows);
    expect(() => fs.level("310104")).to.throw(RangeError); // another city's district is unknown here
  });

  it("needs carry national codes: district or coarser, never a street; intake names a street or district", () => {
    const n = deriveNeed({ ...intake, place: "210422101" });
    expect(n.district).to.equal("210422");
    expect(() => NeedSchema.parse({ ...n, district: "210422101" })).to.throw();
    expect(NeedSchema.parse({ ...n, district: "210400.z.east" }).district).to.equal("210400.z.east");
    expect(() => NeedSchema.parse({ ...n, district: "sh.xuhui" })).to.throw();
    expect(() => deriveNeed({ ...intake, place: "210400" })).to.throw(); // a city is not an intake place
  });
});

const intake: Intake = {
  assessments: [],
  categories: ["grief"],
  languages: ["mandarin"],
  modalities: ["in_person"],
  place: "210422101",
  age: 70,
  availability: ["mon_am"],
  preferences: {},
};
