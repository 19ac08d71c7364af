// Phone exports as phones give them: each synthetic fixture (test/fixtures/wearable, made by
// scripts/fixtures/wearable.ts) imports with the daily figures the generator planned, HRV stays in its own
// metric (SDNN for Apple, RMSSD elsewhere), Garmin's −1/−2 stress codes are never values, and broken files are refused.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { zipSync } from "fflate";
import { detectWarnings, stressIndex, type DailyAggregate } from "../../../src/assess/index.js";
import { detectFormat, importWearable, type ImportDeps } from "../../../src/assess/wearable/sources/import.js";
import { openSqlite } from "../../../src/cli/wearable-sqlite.js";
import { DAYS, STRAINED_FROM, expected } from "../../../scripts/fixtures/wearable-data.js";
import { expectClose } from "../../helpers/close.js";

const dir = new URL("../../fixtures/wearable/", import.meta.url);
const bytesOf = (name: string) => new Uint8Array(readFileSync(new URL(name, dir)));

function source(bytes: Uint8Array, chunk = 65536) {
  return {
    size: bytes.length,
    async *chunks() {
      for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
    },
  };
}
const load = (name: string, deps: ImportDeps = { openSqlite }, chunk?: number) => importWearable(source(bytesOf(name), chunk), deps);

function checkDays(daily: DailyAggregate[], hrv: "sdnn" | "rmssd" | null) {
  expect(daily).to.have.length(DAYS);
  daily.forEach((d, i) => {
    const e = expected(i);
    expect(d.date).to.equal(e.date);
    expect(d.restingHr, d.date).to.equal(e.restingHr);
    expect(d.sleepMinutes, d.date).to.equal(e.sleepMinutes);
    expect(d.rmssd, d.date).to.equal(hrv === "rmssd" ? e.rmssd : null);
    expect(d.sdnn, d.date).to.equal(hrv === "sdnn" ? e.sdnn : null);
  });
  const index = stressIndex(daily);
  expect(detectWarnings(index).map((w) => [w.from, w.to])).to.deep.equal([[expected(STRAINED_FROM).date, expected(DAYS - 1).date]]);
  return index;
}

describe("wearable imports: phone exports from their fixtures", () => {
  const cases = [
    { file: "export.xml", format: "apple-health", hrv: "sdnn" },
    { file: "export.zip", format: "apple-health", hrv: "sdnn", entry: "apple_health_export/export.xml" },
    { file: "health_connect_export.zip", format: "health-connect", hrv: "rmssd", entry: "health_connect_export.db" },
    { file: "garmin-monitoring.fit", format: "garmin-fit", hrv: "rmssd" },
    { file: "health detail data.json", format: "huawei-health", hrv: null },
  ] as const;
  for (const c of cases) {
    it(`${c.file}: recognised as ${c.format}, planned daily figures, a warning on the strained days`, async () => {
      const r = await load(c.file);
      expect(r.format).to.equal(c.format);
      if ("entry" in c) expect(r.entry).to.equal(c.entry);
      const index = checkDays(r.daily, c.hrv);
      // The HRV slot is filled by the source's own metric against its own baseline.
      const last = index[DAYS - 1];
      if (c.hrv === "sdnn") expect([last.z.rmssd, last.z.sdnn! > 0]).to.deep.equal([null, true]);
      if (c.hrv === "rmssd") expect([last.z.rmssd! > 0, last.z.sdnn]).to.deep.equal([true, null]);
      if (c.hrv === null) expect([last.z.rmssd, last.z.sdnn, last.z.hr! > 0]).to.deep.equal([null, null, true]);
    });
  }

  it("Apple: ignores steps, in-bed and awake records and merges the phone's overlapping sleep record", async () => {
    const r = await load("export.xml");
    expect(r.taken).to.deep.equal({ hr: 8 * DAYS, rhr: DAYS, sdnn: 2 * DAYS, sleep: DAYS });
  });

  it("Apple: the same figures whatever the chunk boundaries (the parse is streamed)", async () => {
    const whole = await load("export.xml");
    const split = await load("export.xml", {}, 7);
    expect(split.daily).to.deep.equal(whole.daily);
  });

  it("Garmin: stress −1 and −2 are counted as codes, never averaged as values", async () => {
    const r = await load("garmin-monitoring.fit");
    expect(r.skipped).to.deep.equal({ "garmin stress -1: not enough data": DAYS, "garmin stress -2: too much motion": DAYS });
    expectClose(r.daily[0].deviceStress!, (25 + 30 + 28) / 3, 1e-9, "first day's stress");
    expectClose(r.daily[DAYS - 1].deviceStress!, (75 + 80 + 78) / 3, 1e-9, "last day's stress");
  });

  it("Health Connect is refused with a reason where no SQLite opener is given (the web page)", async () => {
    let err: Error | null = null;
    await load("health_connect_export.zip", {}).catch((e) => (err = e));
    expect(String(err)).to.match(/command line/);
  });

  it("reports progress up to the file size", async () => {
    const seen: number[] = [];
    const bytes = bytesOf("export.xml");
    await importWearable(source(bytes, 10_000), { onProgress: (read, total) => (expect(total).to.equal(bytes.length), seen.push(read)) });
    expect(seen.length).to.be.greaterThan(5);
    expect(seen[seen.length - 1]).to.equal(bytes.length);
  });
});

describe("wearable imports: recognition and refusals", () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  it("recognises each format by content, not by name", () => {
    expect(detectFormat(bytesOf("export.xml"))).to.equal("apple-health");
    expect(detectFormat(bytesOf("export.zip"))).to.equal("zip");
    expect(detectFormat(bytesOf("garmin-monitoring.fit"))).to.equal("garmin-fit");
    expect(detectFormat(bytesOf("health detail data.json"))).to.equal("huawei-health");
    expect(detectFormat(enc("timestamp,heart_rate_bpm\n"))).to.equal("anxin-csv");
    expect(detectFormat(enc('[{"t":1}]'))).to.equal("anxin-json");
    expect(detectFormat(enc("<html></html>"))).to.equal(null);
  });

  const refuse = async (bytes: Uint8Array, re: RegExp) => {
    let err: unknown = null;
    await importWearable(source(bytes), { openSqlite }).catch((e) => (err = e));
    expect(String(err)).to.match(re);
  };
  it("refuses a truncated FIT file (CRC)", () => refuse(bytesOf("garmin-monitoring.fit").subarray(0, 1500), /CRC|decoded|FIT/));
  it("refuses malformed export.xml", () => refuse(enc('<?xml version="1.0"?><HealthData><Record type="x"></HealthData>'), /not well-formed/));
  it("refuses a zip without a known export inside", () => refuse(zipSync({ "notes.txt": enc("hello") }), /no export\.xml/));
  it("refuses a password-protected zip (as Huawei's data copy is) with the way out", async () => {
    const z = zipSync({ "health detail data.json": bytesOf("health detail data.json") }, { level: 6 });
    // ZipCrypto: flag bit 0 set and the stored bytes scrambled, as an encrypting zip tool leaves them.
    z[6] |= 1;
    const nameLen = z[26] | (z[27] << 8);
    for (let i = 30 + nameLen; i < 30 + nameLen + 200; i++) z[i] ^= 0x5a;
    await refuse(z, /password-protected archive must be unzipped first/);
  });
  it("refuses a SQLite file without Health Connect tables", async () => {
    const { DatabaseSync } = await import("node:sqlite");
    const { mkdtempSync, readFileSync: rf } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const f = join(mkdtempSync(join(tmpdir(), "hc-")), "x.db");
    const db = new DatabaseSync(f);
    db.exec("CREATE TABLE t (a INTEGER)");
    db.close();
    await refuse(new Uint8Array(rf(f)), /no Health Connect tables/);
  });
  it("refuses text that is no export", () => refuse(enc("<svg></svg>"), /not a recognised wearable export/));
});

describe("wearable index: SDNN and RMSSD never share a baseline", () => {
  const day = (i: number, v: Partial<DailyAggregate>): DailyAggregate => ({
    date: new Date(Date.UTC(2025, 2, 1 + i)).toISOString().slice(0, 10),
    restingHr: null, rmssd: null, sdnn: null, sleepMinutes: null, deviceStress: null, hrSamples: 0, rmssdSamples: 0, sdnnSamples: 0,
    ...v,
  });
  it("a day with only SDNN after an RMSSD history gets no HRV z (no SDNN baseline), not a comparison with RMSSD", () => {
    const daily = [...Array.from({ length: 14 }, (_, i) => day(i, { rmssd: 40, restingHr: 60 })), day(14, { sdnn: 10, restingHr: 60 })];
    const z = stressIndex(daily)[14].z;
    expect([z.rmssd, z.sdnn, z.hr]).to.deep.equal([null, null, 0]);
  });
  it("with both histories, RMSSD fills the HRV slot and SDNN is not added on top", () => {
    const daily = [...Array.from({ length: 14 }, (_, i) => day(i, { rmssd: 40, sdnn: 60 })), day(14, { rmssd: 20, sdnn: 30 })];
    const s = stressIndex(daily)[14];
    expect(s.z.rmssd).to.equal(4);
    expect(s.z.sdnn).to.equal(null);
    expect(s.combined).to.equal(4);
  });
  it("SDNN against its own baseline when RMSSD is absent", () => {
    const daily = [...Array.from({ length: 14 }, (_, i) => day(i, { sdnn: 60 })), day(14, { sdnn: 54 })];
    expectClose(stressIndex(daily)[14].z.sdnn!, 1, 1e-9, "SDNN z"); // (60 − 54) / max(1.4826 × MAD = 0, floor = 10 % of 60)
  });
});
