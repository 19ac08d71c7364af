// `anxin notifications`: a resident sees, from the command line, every emergency access a counselor opened on one
// of her addresses (who, when, for how long), in words and as --json; nothing when there is none.
import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Interface, Wallet, hexlify, randomBytes } from "ethers";
import { accreditCounselor, startTestServer, type TestServer } from "../../helpers/server.js";
import { withNonceRetry } from "../matching/helpers.js";
import { anxin } from "../../helpers/cli.js";

const ledger = new Interface(["function openEmergency(address subject, bytes32 scope, uint64 duration, bytes32 salt) returns (bytes32)"]);

describe("anxin notifications (CLI, real server and chain)", function () {
  this.timeout(180_000);
  let srv: TestServer;
  let dir: string;
  before(async () => {
    srv = await startTestServer();
    dir = mkdtempSync(path.join(tmpdir(), "anxin-notices-"));
  });
  after(async () => srv?.stop());

  it("lists an emergency access opened on her relationship address, in words and as JSON", async () => {
    const pass = path.join(dir, "pass");
    writeFileSync(pass, "a long enough passphrase\n");
    const seed = path.join(dir, "resident.json");
    expect((await anxin(["keys", "new", "--role", "resident", "--out", seed, "--passphrase-file", pass])).code).to.equal(0);
    const counselor = (await withNonceRetry(srv, () => accreditCounselor(srv))).wallet as Wallet;
    const common = ["--seed", seed, "--passphrase-file", pass, "--url", srv.url];
    const none = await anxin(["notifications", ...common, "--counterparty", counselor.address]);
    expect(none.code, none.stderr).to.equal(0);
    expect(none.stdout).to.include("no emergency access");

    const subject = JSON.parse((await anxin(["keys", "show", "--key", seed, "--counterparty", counselor.address, "--passphrase-file", pass, "--json"])).stdout).address;
    const c = await srv.api().login(counselor);
    await c.post("/v1/chain/fund", {});
    const acct = await c.get("/v1/chain/account");
    const raw = await counselor.signTransaction({
      to: acct.consentLedger, data: ledger.encodeFunctionData("openEmergency", [subject, hexlify(randomBytes(32)), 7200, hexlify(randomBytes(32))]),
      nonce: acct.nonce, chainId: acct.chainId, gasLimit: 300_000, maxFeePerGas: BigInt(acct.maxFeePerGas) * 2n, maxPriorityFeePerGas: BigInt(acct.maxPriorityFeePerGas), type: 2,
    });
    const tx = await c.post("/v1/chain/transactions", { rawTransaction: raw });
    await srv.ctx.indexer.syncTo(tx.block);

    const json = await anxin(["notifications", ...common, "--counterparty", counselor.address, "--json"]);
    expect(json.code, json.stderr).to.equal(0);
    const { items } = JSON.parse(json.stdout);
    expect(items).to.have.length(1);
    expect(items[0]).to.deep.include({ kind: "emergency_opened", counselor: counselor.address.toLowerCase(), address: subject.toLowerCase() });
    expect(items[0].notAfter - items[0].notBefore).to.equal(7200);
    const words = await anxin(["notifications", ...common, "--counterparty", counselor.address]);
    expect(words.stdout).to.include(`emergency access by counselor ${counselor.address.toLowerCase()}`);
    expect(words.stdout).to.include("(2.0 h)");
    expect(words.stdout).to.include("紧急查看");
  });
});
