import { expect } from "chai";
import { Wallet, Interface, randomBytes, hexlify } from "ethers";
import { startTestServer, accreditCounselor, registerMatcher, type TestServer } from "../../helpers/server.js";
import { loadArtifact } from "../../../src/chain/artifacts.js";
import { ApiError } from "../../../src/client/index.js";

describe("chain routes: staff-signed transactions, directory", function () {
  let srv: TestServer;
  before(async () => (srv = await startTestServer()));
  after(async () => srv?.stop());

  it("lets an accredited counselor open break-glass access with their own signed transaction, and indexes it", async () => {
    const { wallet } = await accreditCounselor(srv);
    const api = await srv.api().login(wallet);
    expect((await api.post("/v1/chain/fund", {})).funded).to.equal(true);
    const acct = await api.get("/v1/chain/account");
    const ledger = new Interface(loadArtifact("ConsentLedger").abi);
    const subject = Wallet.createRandom().address;
    const data = ledger.encodeFunctionData("openEmergency", [subject, hexlify(randomBytes(32)), 3600, hexlify(randomBytes(32))]);
    const raw = await wallet.signTransaction({
      to: acct.consentLedger, data, nonce: acct.nonce, chainId: acct.chainId, gasLimit: 200_000,
      maxFeePerGas: BigInt(acct.maxFeePerGas) * 2n, maxPriorityFeePerGas: BigInt(acct.maxPriorityFeePerGas), type: 2,
    });
    const r = await api.post("/v1/chain/transactions", { rawTransaction: raw });
    expect(r.status).to.equal(1);
    const [row] = await srv.ctx.db.query("SELECT emergency, grantee, subject FROM consent_grants WHERE emergency");
    expect(row).to.deep.include({ emergency: true, grantee: wallet.address.toLowerCase(), subject: subject.toLowerCase() });
  });

  it("refuses a transaction signed by someone else, to another contract, or one the contract would revert", async () => {
    const { wallet } = await accreditCounselor(srv);
    const api = await srv.api().login(wallet);
    await api.post("/v1/chain/fund", {});
    const acct = await api.get("/v1/chain/account");
    const other = Wallet.createRandom();
    const base = { nonce: 0, chainId: acct.chainId, gasLimit: 100_000, maxFeePerGas: BigInt(acct.maxFeePerGas) * 2n, maxPriorityFeePerGas: 0n, type: 2 };
    const byOther = await other.signTransaction({ ...base, to: acct.consentLedger, data: "0x" });
    expect(((await api.post("/v1/chain/transactions", { rawTransaction: byOther }).catch((e) => e)) as ApiError).status).to.equal(403);
    const elsewhere = await wallet.signTransaction({ ...base, nonce: acct.nonce, to: other.address, data: "0x" });
    expect(((await api.post("/v1/chain/transactions", { rawTransaction: elsewhere }).catch((e) => e)) as ApiError).status).to.equal(403);
    const ledger = new Interface(loadArtifact("ConsentLedger").abi);
    const tooLong = ledger.encodeFunctionData("openEmergency", [other.address, hexlify(randomBytes(32)), 30 * 86400, hexlify(randomBytes(32))]);
    const bad = await wallet.signTransaction({ ...base, nonce: acct.nonce, to: acct.consentLedger, data: tooLong });
    const e = (await api.post("/v1/chain/transactions", { rawTransaction: bad }).catch((x) => x)) as ApiError;
    expect(e.status).to.equal(422);
    expect(e.problem.detail).to.match(/InvalidEmergencyDuration/);
  });

  it("lists registered matching services publicly", async () => {
    const m = await registerMatcher(srv);
    const list = await srv.api().get("/v1/matchers");
    expect(list.matchers.map((x: { address: string }) => x.address)).to.include(m.address.toLowerCase());
  });
});
