// `anxin match solve` offline, as a user runs it: a real process on real files; garbage exits non-zero with a
// one-line message naming the file and the field.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { deriveNeed } from "../../../src/deid/index.js";
import { solveFromJson } from "../../../src/matching/index.js";
import { intake } from "./helpers.js";
import { place, SHANGHAI_ZONES } from "../../helpers/places.js";

const root = path.resolve(import.meta.dirname, "../../..");
// The deployment's places come from the environment: 上海 with the first release's six zones.
const env = { ...process.env, ANXIN_CITY: "310000", ANXIN_ZONES: JSON.stringify(SHANGHAI_ZONES) };
const run = (...args: string[]) => spawnSync(path.join(root, "node_modules/.bin/tsx"), [path.join(root, "src/cli/main.ts"), ...args], { encoding: "utf8", cwd: root, timeout: 60_000, env });

describe("anxin match solve (offline CLI)", function () {
  this.timeout(120_000);
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(tmpdir(), "anxin-match-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("prints the assignment and the total cost as JSON, equal to the library's optimum", async () => {
    const needs = [deriveNeed(intake(["depression"])), deriveNeed(intake(["grief"])), deriveNeed(intake(["elderly_loneliness"], { modalities: ["in_person"], place: "310115" }))];
    const counselors = [
      { counselorId: "0x" + "11".repeat(20), specialties: ["depression", "grief"], languages: ["mandarin"], modalities: ["video", "in_person"], districts: ["310000.z.west"], capacity: 1, availability: ["mon_am"], gender: "female", accredited: true },
      { counselorId: "0x" + "22".repeat(20), specialties: ["elderly_loneliness"], languages: ["mandarin"], modalities: ["in_person", "video"], districts: ["310115"], capacity: 2, availability: ["wed_pm"], gender: "male", accredited: true },
    ];
    writeFileSync(path.join(dir, "needs.json"), JSON.stringify(needs));
    writeFileSync(path.join(dir, "counselors.json"), JSON.stringify(counselors));
    const r = run("match", "solve", "--needs", path.join(dir, "needs.json"), "--counselors", path.join(dir, "counselors.json"), "--json");
    expect(r.status, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout);
    const lib = solveFromJson(needs, counselors, undefined, { places: await place("310000", SHANGHAI_ZONES) });
    expect(out.totalCost).to.equal(lib.totalCost);
    expect(out.served).to.equal(3);
    expect(out.assignments.map((a: { needId: string; counselorId: string }) => [a.needId, a.counselorId]).sort()).to.deep.equal(lib.assignments.map((a) => [a.needId, a.counselorId]).sort());
    expect(out.totalCost).to.equal(out.assignments.reduce((s: number, a: { cost: number }) => s + a.cost, 0));
    const human = run("match", "solve", "--needs", path.join(dir, "needs.json"), "--counselors", path.join(dir, "counselors.json"));
    expect(human.stdout).to.match(/total cost \d+/);
    expect(human.stdout).to.include("浦东新区"); // the in-person pair is explained with the district's name
    writeFileSync(path.join(dir, "other-city.json"), JSON.stringify([{ ...needs[0], district: "210422" }]));
    const other = run("match", "solve", "--needs", path.join(dir, "other-city.json"), "--counselors", path.join(dir, "counselors.json"));
    expect(other.status).to.not.equal(0);
    expect(other.stderr).to.match(/needs\[0\]: 210422 is not a place of 上海市/);
  });

  it("refuses garbage with a non-zero exit and a clear message", () => {
    writeFileSync(path.join(dir, "bad.json"), JSON.stringify([{ needId: "not-hex", categories: ["depression"], note: "free text" }]));
    writeFileSync(path.join(dir, "notjson.json"), "{oops");
    const bad = run("match", "solve", "--needs", path.join(dir, "bad.json"), "--counselors", path.join(dir, "counselors.json"));
    expect(bad.status).to.not.equal(0);
    expect(bad.stderr).to.match(/^anxin: .*bad\.json: invalid needs: needs\[0\]/);
    expect(bad.stderr.trim().split("\n")).to.have.length(1);
    const nj = run("match", "solve", "--needs", path.join(dir, "notjson.json"), "--counselors", path.join(dir, "counselors.json"));
    expect(nj.status).to.not.equal(0);
    expect(nj.stderr).to.match(/not valid JSON/);
    const missing = run("match", "solve", "--needs", path.join(dir, "nope.json"), "--counselors", path.join(dir, "counselors.json"));
    expect(missing.status).to.not.equal(0);
    expect(missing.stderr).to.match(/cannot read/);
  });
});
