// The `anxin` command line as people use it: child processes against a real server, encrypted key files,
// passphrase files, --json output, clear one-line errors with a non-zero exit.
import { expect } from "chai";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Wallet } from "ethers";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { DEV_OPERATOR_KEY } from "../../../src/chain/index.js";
import { anxin } from "../../helpers/cli.js";


describe("anxin CLI against a running server", function () {
  this.timeout(300_000);
  let srv: TestServer;
  let dir: string;
  let pass: string;
  before(async () => {
    srv = await startTestServer();
    dir = mkdtempSync(path.join(tmpdir(), "anxin-cli-"));
    pass = path.join(dir, "pass");
    writeFileSync(pass, "a long enough passphrase\n");
  });
  after(async () => srv?.stop());

  it("answers --help for every command and subcommand", async () => {
    const top = await anxin(["--help"]);
    expect(top.code).to.equal(0);
    const commands = [...top.stdout.matchAll(/^  ([a-z-]+)(?: \[options\]| <|\s)/gm)].map((m) => m[1]).filter((c) => c !== "help");
    expect(commands).to.include.members(["serve", "status", "keys", "consent", "record", "vault", "audit", "match", "assess", "wearable", "alerts", "index", "demo"]);
    const results = await Promise.all(commands.map((c) => anxin([c, "--help"]).then((r) => [c, r] as const)));
    for (const [c, r] of results) {
      expect(r.code, `${c} --help`).to.equal(0);
      expect(r.stdout).to.match(/Usage: anxin/);
    }
  });

  it("a counselor and a resident work through the CLI: keys, consent, record write and read", async () => {
    const url = srv.url;
    const cKey = path.join(dir, "counselor.json");
    const seed = path.join(dir, "resident.json");
    const made = JSON.parse((await anxin(["keys", "new", "--role", "counselor", "--out", cKey, "--passphrase-file", pass, "--json"])).stdout);
    expect(made.address).to.match(/^0x[0-9a-fA-F]{40}$/);
    expect((await anxin(["keys", "new", "--role", "resident", "--out", seed, "--passphrase-file", pass])).code).to.equal(0);
    // The authority accredits the counselor (through the admin API).
    const admin = await srv.api().login(new Wallet(DEV_OPERATOR_KEY));
    await admin.post("/v1/admin/counselors", { address: made.address, encryptionKey: made.encryptionKey });

    const common = ["--url", url, "--passphrase-file", pass, "--json"];
    const pub = await anxin(["vault", "publish-key", "--seed", seed, "--counterparty", made.address, ...common]);
    expect(pub.code, pub.stderr).to.equal(0);
    const granted = await anxin(["consent", "grant", "--seed", seed, "--counterparty", made.address, "--purpose", "treatment", "--categories", "consultation_note,assessment", "--days", "30", "--yes", ...common]);
    expect(granted.code, granted.stderr).to.equal(0);
    const g = JSON.parse(granted.stdout);
    const grantId = g.grantId ?? g.anxin?.grantId; // --json prints the consent receipt (Kantara CR + anxin extension)
    expect(grantId).to.match(/^0x[0-9a-f]{64}$/);
    const subject = JSON.parse((await anxin(["keys", "show", "--key", seed, "--counterparty", made.address, "--passphrase-file", pass, "--json"])).stdout).address;

    const body = path.join(dir, "note.json");
    writeFileSync(body, JSON.stringify({ summary: "CLI-MARKER 睡眠好转" }));
    const wrote = await anxin(["record", "write", "--key", cKey, "--subject", subject, "--consent", grantId, "--kind", "consultation_note", "--body", body, ...common]);
    expect(wrote.code, wrote.stderr).to.equal(0);
    const recordId = JSON.parse(wrote.stdout).recordId;
    const read = await anxin(["record", "read", recordId, "--seed", seed, "--counterparty", made.address, ...common]);
    expect(read.code, read.stderr).to.equal(0);
    expect(read.stdout).to.contain("CLI-MARKER 睡眠好转");
    // The plaintext never reached the server's log.
    expect(srv.logLines.join("\n")).to.not.contain("CLI-MARKER");
  });

  it("fails with a one-line message and a non-zero exit on bad input", async () => {
    const wrong = path.join(dir, "wrong");
    writeFileSync(wrong, "not the passphrase\n");
    const r1 = await anxin(["keys", "show", "--key", path.join(dir, "counselor.json"), "--passphrase-file", wrong]);
    expect(r1.code).to.not.equal(0);
    expect(r1.stderr.trim().split("\n")).to.have.length(1);
    expect(r1.stderr).to.match(/wrong passphrase/);
    const r2 = await anxin(["keys", "new", "--role", "boss", "--out", path.join(dir, "x.json"), "--passphrase-file", pass]);
    expect(r2.code).to.not.equal(0);
    expect(r2.stderr).to.match(/--role must be one of/);
    const r3 = await anxin(["status", "--url", "http://127.0.0.1:1"]);
    expect(r3.code).to.not.equal(0);
    expect(r3.stderr).to.match(/no Anxin server answers/);
    const r4 = await anxin(["serve"], { PORT: "not-a-port" });
    expect(r4.code).to.equal(2);
    expect(r4.stderr).to.match(/PORT:/);
    expect(readFileSync(path.join(dir, "counselor.json"), "utf8")).to.match(/"crypto"|"Crypto"/);
  });
});
