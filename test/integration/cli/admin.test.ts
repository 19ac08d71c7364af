// `anxin admin …` as the authority uses it: the real binary, an encrypted keystore, a real server and chain. The
// authority signs every registry transaction with its own key; the server only relays it, so the commands keep
// working after the server's operator key loses AUTHORITY_ROLE.
import { expect } from "chai";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Wallet, parseEther, type Contract } from "ethers";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { DEV_OPERATOR_KEY } from "../../../src/chain/index.js";
import { AUTHORITY_ROLE } from "../../../src/services/roles.js";
import { suspendReasonHash } from "../../../src/services/registry-calls.js";
import { anxin as runAnxin } from "../../helpers/cli.js";

const anxin = (args: string[]) => runAnxin(args);

const oneLine = (r: { code: number; stderr: string }, re: RegExp) => {
  expect(r.code, r.stderr).to.not.equal(0);
  expect(r.stderr.trim().split("\n"), r.stderr).to.have.length(1);
  expect(r.stderr).to.match(re);
};

describe("anxin admin: the authority's command line", function () {
  this.timeout(600_000);
  let srv: TestServer;
  let dir: string;
  let pass: string;
  let authority: string;
  let registry: Contract;
  let common: string[];
  const json = async (args: string[]) => {
    const r = await anxin([...args, ...common, "--json"]);
    expect(r.code, r.stderr).to.equal(0);
    return JSON.parse(r.stdout);
  };

  before(async () => {
    srv = await startTestServer();
    registry = srv.ctx.chain.registry as Contract;
    dir = mkdtempSync(path.join(tmpdir(), "anxin-admin-"));
    pass = path.join(dir, "pass");
    writeFileSync(pass, "a long enough passphrase\n");
    // The embedded chain's authority is its first dev key: import it as a keystore, as README says.
    const devKey = path.join(dir, "dev.key");
    writeFileSync(devKey, `${DEV_OPERATOR_KEY}\n`);
    authority = path.join(dir, "authority.json");
    const imported = await anxin(["keys", "import", "--private-key-file", devKey, "--out", authority, "--passphrase-file", pass, "--json"]);
    expect(imported.code, imported.stderr).to.equal(0);
    expect(JSON.parse(imported.stdout).address).to.equal(new Wallet(DEV_OPERATOR_KEY).address.toLowerCase());
    common = ["--key", authority, "--passphrase-file", pass, "--url", srv.url];
  });
  after(async () => srv?.stop());

  it("answers --help for admin and each subcommand", async () => {
    const top = await anxin(["admin", "--help"]);
    expect(top.code).to.equal(0);
    const subs = ["accredit", "suspend", "reinstate", "appoint-auditor", "dismiss-auditor", "register-matcher", "deregister-matcher", "history"];
    for (const s of subs) expect(top.stdout).to.contain(s);
    for (const s of subs) {
      const r = await anxin(["admin", s, "--help"]);
      expect(r.code, s).to.equal(0);
      expect(r.stdout).to.match(/Usage: anxin admin/).and.to.contain("--key");
    }
  });

  it("accredits, suspends and reinstates a counselor, and lists that counselor's history", async () => {
    const made = JSON.parse((await anxin(["keys", "new", "--role", "counselor", "--out", path.join(dir, "c.json"), "--passphrase-file", pass, "--json"])).stdout);
    const acc = await json(["admin", "accredit", made.address, "--encryption-key", made.encryptionKey, "--valid-days", "30"]);
    expect(acc).to.include({ action: "accredit", address: made.address.toLowerCase(), authority: new Wallet(DEV_OPERATOR_KEY).address.toLowerCase() });
    expect(acc.txHash).to.match(/^0x[0-9a-f]{64}$/);
    const now = Math.floor(Date.now() / 1000);
    expect(await registry.isAccredited(made.address, now)).to.equal(true);
    expect(await registry.encryptionKeyOf(made.address)).to.equal(made.encryptionKey.toLowerCase());
    const info = await registry.counselorInfo(made.address);
    expect(Number(info.validUntil) - Number(info.validFrom)).to.equal(30 * 86_400 + 60);
    // Indexed before the command returned: the counselor signs in with the counselor role at once.
    const counselor = new Wallet((await Wallet.fromEncryptedJson(readFileSync(path.join(dir, "c.json"), "utf8"), "a long enough passphrase")).privateKey);
    expect((await srv.api().login(counselor)).roles).to.include("counselor");

    const sus = await json(["admin", "suspend", made.address, "--reason", "misconduct"]);
    expect(sus.action).to.equal("suspend");
    const after = await registry.counselorInfo(made.address);
    expect(after.suspended).to.equal(true);
    const events = await registry.queryFilter(registry.filters.CounselorSuspended(made.address));
    expect((events[0] as unknown as { args: { reasonHash: string } }).args.reasonHash).to.equal(suspendReasonHash("misconduct"));
    expect((await srv.api().login(counselor)).roles).to.not.include("counselor");

    await json(["admin", "reinstate", made.address]);
    expect((await registry.counselorInfo(made.address)).suspended).to.equal(false);

    const h = await json(["admin", "history", made.address]);
    expect(h.events.map((e: { event: string }) => e.event)).to.deep.equal(["CounselorReinstated", "CounselorSuspended", "CounselorAccredited"]);
    for (const e of h.events) {
      expect(e.account).to.equal(made.address.toLowerCase());
      expect(e.txHash).to.match(/^0x[0-9a-f]{64}$/);
    }
    expect(h.events[2].txHash).to.equal(acc.txHash);
    const human = await anxin(["admin", "history", made.address, ...common]);
    expect(human.code).to.equal(0);
    expect(human.stdout.trim().split("\n")).to.have.length(3);
    expect(human.stdout).to.contain("CounselorSuspended");
  });

  it("appoints and dismisses an auditor, registers and deregisters a matching service", async () => {
    const auditor = Wallet.createRandom().address;
    const matcher = Wallet.createRandom().address;
    await json(["admin", "appoint-auditor", auditor]);
    expect(await registry.isAuditor(auditor)).to.equal(true);
    await json(["admin", "register-matcher", matcher]);
    expect(await registry.isMatcher(matcher)).to.equal(true);
    expect((await srv.api().get("/v1/matchers")).matchers.map((m: { address: string }) => m.address)).to.include(matcher.toLowerCase());
    await json(["admin", "dismiss-auditor", auditor]);
    expect(await registry.isAuditor(auditor)).to.equal(false);
    await json(["admin", "deregister-matcher", matcher]);
    expect(await registry.isMatcher(matcher)).to.equal(false);
    expect((await srv.api().get("/v1/matchers")).matchers.map((m: { address: string }) => m.address)).to.not.include(matcher.toLowerCase());
    const all = await json(["admin", "history", "--limit", "500"]);
    const mine = all.events.filter((e: { account: string }) => [auditor, matcher].map((a) => a.toLowerCase()).includes(e.account)).map((e: { event: string }) => e.event);
    expect(mine).to.deep.equal(["MatcherDeregistered", "AuditorDismissed", "MatcherRegistered", "AuditorAppointed"]);
  });

  it("refuses bad input with one line and a non-zero exit, and sends nothing", async () => {
    const before = await srv.ctx.chain.provider.getTransactionCount(new Wallet(DEV_OPERATOR_KEY).address);
    oneLine(await anxin(["admin", "appoint-auditor", "0x1234", ...common]), /is not a 0x address/);
    oneLine(await anxin(["admin", "accredit", Wallet.createRandom().address, "--encryption-key", "0xabc", ...common]), /--encryption-key must be 0x \+ 64 hex digits/);
    oneLine(await anxin(["admin", "accredit", Wallet.createRandom().address, "--encryption-key", "0x" + "11".repeat(32), "--valid-days", "0", ...common]), /--valid-days/);
    oneLine(await anxin(["admin", "suspend", Wallet.createRandom().address, "--reason", "because", ...common]), /--reason must be one of/);
    oneLine(await anxin(["admin", "history", "--limit", "9999", ...common]), /--limit/);
    oneLine(await anxin(["admin", "register-matcher", Wallet.createRandom().address, "--url", srv.url, "--passphrase-file", pass]), /--key/);
    const wrong = path.join(dir, "wrong");
    writeFileSync(wrong, "not the passphrase\n");
    oneLine(await anxin(["admin", "register-matcher", Wallet.createRandom().address, "--key", authority, "--passphrase-file", wrong, "--url", srv.url]), /wrong passphrase/);
    oneLine(await anxin(["admin", "register-matcher", Wallet.createRandom().address, ...common.slice(0, 4), "--url", "http://127.0.0.1:1"]), /no Anxin server answers/);
    // The registry's own refusal (reinstating a counselor who was never accredited), simulated and not broadcast.
    oneLine(await anxin(["admin", "reinstate", Wallet.createRandom().address, ...common]), /refused: UnknownCounselor/);
    // A key that holds no AUTHORITY_ROLE.
    const other = path.join(dir, "other.json");
    expect((await anxin(["keys", "new", "--role", "admin", "--out", other, "--passphrase-file", pass])).code).to.equal(0);
    oneLine(await anxin(["admin", "appoint-auditor", Wallet.createRandom().address, "--key", other, "--passphrase-file", pass, "--url", srv.url]), /is not an authority/);
    expect(await srv.ctx.chain.provider.getTransactionCount(new Wallet(DEV_OPERATOR_KEY).address)).to.equal(before);
  });

  it("keeps working with the authority's own key once the operator key is no authority", async () => {
    const operator = srv.ctx.chain.operator;
    const fresh = Wallet.createRandom();
    await (await registry.grantRole(AUTHORITY_ROLE, fresh.address)).wait();
    await (await registry.revokeRole(AUTHORITY_ROLE, await operator.getAddress())).wait();
    await (await operator.sendTransaction({ to: fresh.address, value: parseEther("1") })).wait();
    await srv.ctx.indexer.sync();
    srv.ctx.roles.invalidate();
    const pk = path.join(dir, "fresh.key");
    writeFileSync(pk, `${fresh.privateKey}\n`);
    const freshKey = path.join(dir, "fresh.json");
    expect((await anxin(["keys", "import", "--private-key-file", pk, "--out", freshKey, "--passphrase-file", pass])).code).to.equal(0);

    // The server's operator path is closed now …
    const dev = await srv.api().login(new Wallet(DEV_OPERATOR_KEY));
    const viaApi = await dev.raw("POST", "/v1/admin/auditors", { address: Wallet.createRandom().address });
    expect(viaApi.status).to.be.oneOf([403, 409]);
    oneLine(await anxin(["admin", "appoint-auditor", Wallet.createRandom().address, ...common]), /is not an authority/);
    // … and the authority's own key does the job.
    const auditor = Wallet.createRandom().address;
    const out = await anxin(["admin", "appoint-auditor", auditor, "--key", freshKey, "--passphrase-file", pass, "--url", srv.url, "--json"]);
    expect(out.code, out.stderr).to.equal(0);
    const r = JSON.parse(out.stdout);
    expect(r.authority).to.equal(fresh.address.toLowerCase());
    expect(await registry.isAuditor(auditor)).to.equal(true);
    const tx = await srv.ctx.chain.provider.getTransaction(r.txHash);
    expect(tx!.from.toLowerCase()).to.equal(fresh.address.toLowerCase());
  });
});
