import { expect } from "chai";
import { WearableImportError, parseWearableCsv, parseWearableJson } from "../../../src/assess/index.js";

function refusal(fn: () => unknown): WearableImportError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(WearableImportError);
    return e as WearableImportError;
  }
  throw new Error("expected WearableImportError");
}

describe("assess: wearable CSV import", () => {
  it("reads the canonical columns, converts +08:00 to UTC and sorts", () => {
    const csv = [
      "timestamp,heart_rate_bpm,hrv_rmssd_ms,sleep_minutes",
      "2025-03-01T08:00:00+08:00,62,45.5,",
      "2025-03-01T07:00:00+08:00,,,430",
      "1740790800,70,,",
    ].join("\n");
    const { samples, ignoredColumns } = parseWearableCsv(csv);
    expect(ignoredColumns).to.deep.equal([]);
    expect(samples).to.deep.equal([
      { t: "2025-02-28T23:00:00.000Z", kind: "sleep", value: 430, unit: "min" },
      { t: "2025-03-01T00:00:00.000Z", kind: "hr", value: 62, unit: "bpm" },
      { t: "2025-03-01T00:00:00.000Z", kind: "rmssd", value: 45.5, unit: "ms" },
      { t: "2025-03-01T01:00:00.000Z", kind: "hr", value: 70, unit: "bpm" },
    ]);
  });

  it("accepts header aliases with units, a BOM, CRLF, quotes and ignores unknown columns", () => {
    const csv =
      "\uFEFFTime,HR (bpm),RMSSD,Sleep (h),steps\r\n" +
      '"2025-03-01T07:00:00Z",58,,7.5,"1,234"\r\n' +
      "2025-03-01T08:00:00Z,,38,,10\r\n";
    const { samples, ignoredColumns } = parseWearableCsv(csv);
    expect(ignoredColumns).to.deep.equal(["steps"]);
    expect(samples.map((s) => [s.kind, s.value, s.unit])).to.deep.equal([
      ["hr", 58, "bpm"],
      ["sleep", 450, "min"],
      ["rmssd", 38, "ms"],
    ]);
  });

  it("refuses garbage with the right line numbers and reasons", () => {
    const csv = [
      "timestamp,heart_rate_bpm,hrv_rmssd_ms,sleep_minutes", // 1
      "2025-03-01T08:00:00+08:00,62,45,", // 2 fine
      "2025-03-01T09:00:00+08:00,abc,,", // 3 not a number
      "2025-03-01T10:00:00,70,,", // 4 no offset
      "2025-03-01T11:00:00+08:00,333,,", // 5 out of range
      "", // 6 blank: skipped
      "2025-03-01T08:00:00+08:00,65,,", // 7 duplicate of line 2
      "2025-03-01T12:00:00+08:00,,,", // 8 no measurement
      "2025-03-01T13:00:00+08:00,70,50", // 9 too few fields
      "2025-03-02T07:00:00+08:00,,,1500", // 10 sleep out of range
      "1740787200000,70,,", // 11 milliseconds
      "2025-02-30T07:00:00+08:00,70,,", // 12 no such date
      "2025-03-02T08:00:00+08:00,72bpm,0.5,", // 13 number with unit text; rmssd below range
    ].join("\n");
    const e = refusal(() => parseWearableCsv(csv));
    expect(e.errors.map((x) => [x.line, x.field])).to.deep.equal([
      [3, "heart_rate_bpm"],
      [4, "timestamp"],
      [5, "heart_rate_bpm"],
      [7, "timestamp"],
      [8, "row"],
      [9, "row"],
      [10, "sleep_minutes"],
      [11, "timestamp"],
      [12, "timestamp"],
      [13, "heart_rate_bpm"],
      [13, "hrv_rmssd_ms"],
    ]);
    const reason = (line: number) => e.errors.find((x) => x.line === line)!.reason;
    expect(reason(3)).to.equal("not a number");
    expect(reason(4)).to.match(/offset/);
    expect(reason(5)).to.match(/out of range \(25–250 bpm\)/);
    expect(reason(7)).to.match(/duplicate.*line 2/);
    expect(reason(9)).to.match(/expected 4 fields, found 3/);
    expect(reason(11)).to.match(/milliseconds/);
    expect(reason(12)).to.match(/no such date/);
    expect(e.message).to.contain("line 3");
    // measured values stay out of the error (they are health data)
    expect(JSON.stringify(e.errors)).to.not.contain("333");
  });

  it("refuses an empty file, a header without rows and headers it cannot read", () => {
    expect(refusal(() => parseWearableCsv("")).errors).to.deep.equal([{ line: 1, field: "file", reason: "empty file" }]);
    expect(refusal(() => parseWearableCsv(" \n\n")).errors[0].reason).to.equal("empty file");
    expect(refusal(() => parseWearableCsv("timestamp,hr\n")).errors[0]).to.deep.include({ line: 1, field: "file" });
    const unit = refusal(() => parseWearableCsv("timestamp,heart_rate (kPa)\n2025-03-01T08:00:00Z,60\n"));
    expect(unit.errors[0]).to.deep.include({ line: 1, field: "heart_rate (kPa)" });
    expect(unit.errors[0].reason).to.match(/unknown unit/);
    const contradiction = refusal(() => parseWearableCsv("timestamp,hrv_rmssd_ms (s)\n2025-03-01T08:00:00Z,60\n"));
    expect(contradiction.errors[0].line).to.equal(1);
    const noTime = refusal(() => parseWearableCsv("when,hr\nx,60\n"));
    expect(noTime.errors[0].reason).to.match(/no timestamp column/);
    const noMeasure = refusal(() => parseWearableCsv("timestamp,steps\n2025-03-01T08:00:00Z,60\n"));
    expect(noMeasure.errors[0].reason).to.match(/no measurement column/);
  });

  it("caps the list of errors for a huge garbage file", () => {
    const csv = "timestamp,hr\n" + Array.from({ length: 500 }, () => "x,y").join("\n");
    const e = refusal(() => parseWearableCsv(csv));
    expect(e.errors).to.have.length(100);
    expect(e.truncated).to.equal(true);
  });
});

describe("assess: wearable JSON import", () => {
  it("reads long-form rows with units and wide-form rows", () => {
    const json = JSON.stringify(
      {
        device: "band",
        samples: [
          { timestamp: "2025-03-01T08:00:00+08:00", kind: "hr", value: 61, unit: "bpm" },
          { timestamp: "2025-03-01T07:00:00+08:00", type: "sleep", value: 6.5, unit: "h" },
          { timestamp: 1740790800, heart_rate_bpm: 66, hrv_rmssd_ms: 40, battery: 80 },
        ],
      },
      null,
      2,
    );
    const { samples, ignoredColumns } = parseWearableJson(json);
    expect(ignoredColumns).to.deep.equal(["battery"]);
    expect(samples.map((s) => [s.t, s.kind, s.value])).to.deep.equal([
      ["2025-02-28T23:00:00.000Z", "sleep", 390],
      ["2025-03-01T00:00:00.000Z", "hr", 61],
      ["2025-03-01T01:00:00.000Z", "hr", 66],
      ["2025-03-01T01:00:00.000Z", "rmssd", 40],
    ]);
  });

  it("reports the line on which each bad row starts", () => {
    const json = [
      "[", // 1
      '  {"timestamp": "2025-03-01T08:00:00Z", "kind": "hr", "value": 60},', // 2 fine
      '  {"timestamp": "2025-03-01T09:00:00Z", "kind": "hr", "value": "sixty"},', // 3 not a number
      "  {", // 4 unknown unit
      '    "timestamp": "2025-03-01T10:00:00Z",',
      '    "kind": "rmssd", "value": 40, "unit": "s"',
      "  },",
      '  {"timestamp": "2025-03-01T08:00:00Z", "kind": "hr", "value": 61},', // 8 duplicate of line 2
      '  {"timestamp": "yesterday", "kind": "sleep", "value": 400},', // 9 bad timestamp
      '  {"timestamp": "2025-03-01T11:00:00Z", "kind": "steps", "value": 4000},', // 10 unknown kind
      "  42,", // 11 not an object
      '  {"timestamp": "2025-03-01T12:00:00Z", "heart_rate_bpm": 20}', // 12 out of range
      "]",
    ].join("\n");
    const e = refusal(() => parseWearableJson(json));
    expect(e.errors.map((x) => [x.line, x.field])).to.deep.equal([
      [3, "value"],
      [4, "unit"],
      [8, "timestamp"],
      [9, "timestamp"],
      [10, "kind"],
      [11, "row"],
      [12, "heart_rate_bpm"],
    ]);
    expect(e.errors[2].reason).to.match(/first on line 2/);
  });

  it("finds row lines inside a {data: [...]} wrapper", () => {
    const json = '{\n "meta": {"data": [1]},\n "data": [\n  {"timestamp": "2025-03-01T08:00:00Z", "hr": 300}\n ]\n}';
    const e = refusal(() => parseWearableJson(json));
    expect(e.errors).to.have.length(1);
    expect(e.errors[0]).to.deep.include({ line: 4, field: "hr" });
  });

  it("refuses broken JSON with its line, empty input and the wrong shape", () => {
    const broken = refusal(() => parseWearableJson('[\n {"timestamp": "2025-03-01T08:00:00Z",\n  "hr": 60,,\n }\n]'));
    expect(broken.errors[0]).to.deep.include({ line: 3, field: "file", reason: "not valid JSON" });
    expect(refusal(() => parseWearableJson("")).errors[0].reason).to.equal("empty file");
    expect(refusal(() => parseWearableJson("[]")).errors[0].reason).to.equal("no rows");
    expect(refusal(() => parseWearableJson('{"hr": 60}')).errors[0].reason).to.match(/expected an array/);
  });
});
