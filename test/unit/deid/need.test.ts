import { expect } from "chai";
import {
  ageBand,
  deriveNeed,
  generalizePlace,
  NeedSchema,
  placeContains,
  widenAgeBand,
  type Intake,
  type Places,
} from "../../../src/deid/index.js";
import { seededFill } from "./rng.js";
import { shanghai } from "../../helpers/places.js";

const intake: Intake = {
  assessments: [
    { instrument: "phq9", severityBand: "moderate", crisis: false },
    { instrument: "gad7", severityBand: "mild", crisis: false },
  ],
  categories: ["grief", "anxiety"],
  languages: ["shanghainese", "mandarin"],
  modalities: ["phone", "in_person"],
  place: "310104011",
  age: 73,
  availability: ["tue_am", "mon_am"],
  preferences: { counselorGender: "female" },
};

describe("deid/need", () => {
  let sh: Places;
  before(async () => {
    sh = await shanghai();
  });
  it("derives a need with only generalized values and the DESIGN fields", () => {
    const n = deriveNeed(intake, seededFill(1));
    expect(Object.keys(n).sort()).to.deep.equal(
      ["ageBand", "availability", "categories", "district", "languages", "modalities", "needId", "preferences", "severityBand", "urgency"],
    );
    expect(n.district).to.equal("310104");
    expect(n.ageBand).to.equal("70-74");
    expect(n.severityBand).to.equal("moderate");
    expect(n.urgency).to.equal("routine");
    expect(n.categories).to.deep.equal(["anxiety", "grief"]); // vocabulary order: equal needs compare equal
    expect(n.languages).to.deep.equal(["mandarin", "shanghainese"]);
    const json = JSON.stringify(n);
    expect(json).to.not.include("tianlin");
    expect(json).to.not.include("73");
    expect(n.needId).to.match(/^[0-9a-f]{32}$/);
  });

  it("gives every need a fresh random id (default CSPRNG)", () => {
    expect(deriveNeed(intake).needId).to.not.equal(deriveNeed(intake).needId);
  });

  it("derives urgency from assessments and the request, whichever is higher", () => {
    const crisis = { ...intake, assessments: [{ instrument: "phq9", severityBand: "mild", crisis: true }] } as Intake;
    expect(deriveNeed(crisis).urgency).to.equal("crisis");
    const severe = { ...intake, assessments: [{ instrument: "k10", severityBand: "severe", crisis: false }] } as Intake;
    expect(deriveNeed(severe).urgency).to.equal("urgent");
    expect(deriveNeed(severe).severityBand).to.equal("severe");
    expect(deriveNeed({ ...intake, requestedUrgency: "soon" }).urgency).to.equal("soon");
    expect(deriveNeed({ ...intake, assessments: [] }).severityBand).to.equal("minimal");
  });

  it("rejects free text, unknown keys and exact values in a need", () => {
    expect(() => deriveNeed({ ...intake, name: "王阿姨" })).to.throw();
    expect(() => deriveNeed({ ...intake, categories: ["my husband died"] })).to.throw();
    expect(() => deriveNeed({ ...intake, place: "310000" })).to.throw(); // the city says nothing: not an intake place
    const n = deriveNeed(intake);
    expect(() => NeedSchema.parse({ ...n, note: "x" })).to.throw();
    expect(() => NeedSchema.parse({ ...n, district: "310104011" })).to.throw(); // street is too exact
    expect(() => NeedSchema.parse({ ...n, ageBand: "73" })).to.throw();
    expect(() => NeedSchema.parse({ ...n, preferences: { counselorName: "x" } })).to.throw();
    expect(() => NeedSchema.parse({ ...n, categories: ["anxiety", "anxiety"] })).to.throw();
    expect(() => NeedSchema.parse({ ...n, needId: "resident-42" })).to.throw();
  });

  it("generalizes places and ages along the ladders", () => {
    expect(generalizePlace("310104011", "district")).to.equal("310104");
    expect(generalizePlace("310104011", "zone", sh)).to.equal("310000.z.west");
    expect(generalizePlace("310115", "city")).to.equal("310000");
    expect(() => generalizePlace("310000.z.west", "district", sh)).to.throw(RangeError);
    expect(placeContains("310000.z.west", "310105009", sh)).to.equal(true);
    expect(placeContains("310000.z.west", "310115", sh)).to.equal(false);
    expect([0, 1, 2, 3].map((l) => ageBand(73, l))).to.deep.equal(["70-74", "70-79", "60+", "any"]);
    expect([0, 1, 2].map((l) => ageBand(34, l))).to.deep.equal(["30-34", "30-39", "20-39"]);
    expect(ageBand(91, 0)).to.equal("80+");
    expect(widenAgeBand("30-34", 2)).to.equal("20-39");
    expect(widenAgeBand("60+", 1)).to.equal("60+"); // never made finer
  });
});
