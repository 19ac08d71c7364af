import { expect } from "chai";
import { Wallet } from "ethers";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { DEV_OPERATOR_KEY } from "../../../src/chain/index.js";
import { ApiError } from "../../../src/client/index.js";
import { counselorKeys, x25519PublicKeyToBytes32 } from "../../../src/crypto/index.js";

describe("admin: registry actions by a signed-in authority", function () {
  let srv: TestServer;
  before(async () => (srv = await startTestServer()));
  after(async () => srv?.stop());

  it("accredits, suspends and reinstates a counselor; roles follow at sign-in", async () => {
    const admin = await srv.api().login(new Wallet(DEV_OPERATOR_KEY));
    expect(admin.roles).to.include("admin");
    const c = Wallet.createRandom();
    const encryptionKey = x25519PublicKeyToBytes32((await counselorKeys(c.privateKey)).x25519.publicKey);
    const r = await admin.post("/v1/admin/counselors", { address: c.address, encryptionKey });
    expect(r.txHash).to.match(/^0x[0-9a-f]{64}$/);
    expect((await srv.api().login(c)).roles).to.deep.equal(["counselor"]);
    await admin.post("/v1/admin/counselors/suspend", { address: c.address, reason: "complaint_review" });
    expect((await srv.api().login(c)).roles).to.deep.equal([]);
    await admin.post("/v1/admin/counselors/reinstate", { address: c.address });
    expect((await srv.api().login(c)).roles).to.deep.equal(["counselor"]);
    const m = Wallet.createRandom();
    await admin.post("/v1/admin/matchers", { address: m.address });
    expect((await srv.api().login(m)).roles).to.deep.equal(["matcher"]);
    const events = (await admin.get("/v1/admin/registry")).events.map((e: { event: string }) => e.event);
    expect(events).to.include.members(["CounselorAccredited", "CounselorSuspended", "CounselorReinstated", "MatcherRegistered"]);
  });

  it("refuses non-admins, free-text reasons and a chain-level refusal, changing nothing", async () => {
    const resident = await srv.api().login(Wallet.createRandom());
    const e1 = await resident.post("/v1/admin/auditors", { address: Wallet.createRandom().address }).catch((e) => e);
    expect((e1 as ApiError).status).to.equal(403);
    const admin = await srv.api().login(new Wallet(DEV_OPERATOR_KEY));
    const e2 = await admin.post("/v1/admin/counselors/suspend", { address: Wallet.createRandom().address, reason: "he said something" }).catch((e) => e);
    expect((e2 as ApiError).status).to.equal(400);
    const e3 = await admin.post("/v1/admin/counselors/reinstate", { address: Wallet.createRandom().address }).catch((e) => e);
    expect((e3 as ApiError).status).to.equal(422);
    expect((e3 as ApiError).problem.detail).to.match(/UnknownCounselor|NotSuspended|refused/);
  });

  it("accredits with a public profile: its hash on chain, the document served; a bad profile is 400 and sends nothing", async () => {
    const admin = await srv.api().login(new Wallet(DEV_OPERATOR_KEY));
    const c = Wallet.createRandom();
    const encryptionKey = x25519PublicKeyToBytes32((await counselorKeys(c.privateKey)).x25519.publicKey);
    const street = await admin.post("/v1/admin/counselors", { address: c.address, encryptionKey, profile: { displayName: "王静", title: "咨询师", organisation: "中心", districts: ["310104001"], languages: ["mandarin"] } }).catch((e) => e);
    expect((street as ApiError).status).to.equal(400);
    expect(await srv.ctx.chain.registry.encryptionKeyOf(c.address)).to.equal("0x" + "0".repeat(64));
    const profile = { displayName: "王静", title: "二级心理咨询师", organisation: "徐汇区精神卫生中心", districts: ["310104"], languages: ["mandarin"] };
    const r = await admin.post("/v1/admin/counselors", { address: c.address, encryptionKey, profile });
    expect(r.profileHash).to.equal(await srv.ctx.chain.registry.profileHashOf(c.address));
    const served = await srv.api().get(`/v1/counselor-profiles/${c.address.toLowerCase()}`);
    expect(served).to.deep.equal({ counselor: c.address.toLowerCase(), profileHash: r.profileHash, profile: { v: "anxin.counselor-profile.v1", counselor: c.address.toLowerCase(), ...profile } });
  });
});
