// The audit's keys check against a retired counselor key: a key the registry once held is accepted only while it
// was in force, or within the rotation grace after its replacement — a server holding a counselor's old (perhaps
// leaked) key cannot hand it out for ever and pass the audit.
import { expect } from "chai";
import type { Contract } from "ethers";
import { Wallet } from "ethers";
import { Purpose } from "../../../src/consent/index.js";
import { counselorKeys, sealJson, walletSigner, x25519PublicKeyToBytes32 } from "../../../src/crypto/index.js";
import { verifyAudit } from "../../../src/services/audit.js";
import { accreditCounselor, startTestServer, type TestServer } from "../../helpers/server.js";
import { grant, newResident } from "../matching/helpers.js";
import { audit } from "./helpers.js";

describe("audit keys check: a counselor's replaced key", function () {
  this.timeout(180_000);
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ config: { anchorIntervalSeconds: 3600 } });
  });
  after(async () => srv?.stop());

  it("passes entries sealed to the key in force and within the grace; names entries sealed to it after the grace as key-replaced", async () => {
    const { wallet: counselor, keys: old } = await accreditCounselor(srv);
    const { keys: rel, api } = await (await newResident()).as(srv, counselor.address);
    await grant(srv, rel, counselor.address, Purpose.TREATMENT, ["assessment"]);
    const write = async (body: { total: number }) =>
      api.post<{ recordId: string }>(
        "/v1/records",
        await sealJson({
          kind: "assessment", schema: "anxin.assessment.phq9.v1", subjectRef: rel.address, body,
          recipients: [{ address: rel.address, x25519PublicKey: rel.x25519.publicKey }, { address: counselor.address, x25519PublicKey: old.x25519.publicKey }],
          signer: walletSigner(rel.wallet),
        }),
      );
    const before = await write({ total: 3 });

    // The registry rotates the counselor's key; a client (or a server handing out the old key) still seals to the old one.
    const next = await counselorKeys(Wallet.createRandom().privateKey);
    const now = Math.floor(Date.now() / 1000);
    await (await (srv.ctx.chain.registry as Contract).accredit(counselor.address, "0x" + "11".repeat(32), x25519PublicKeyToBytes32(next.x25519.publicKey), now - 60, now + 365 * 86400)).wait();
    await srv.ctx.indexer.sync();
    await new Promise((r) => setTimeout(r, 1100)); // the next leaf's second is past the rotation block's
    const after = await write({ total: 4 });

    const keysOf = (r: Awaited<ReturnType<typeof audit>>) => r.checks.find((c) => c.id === "keys")!;
    // Within the default grace (7 days) both entries pass.
    expect(keysOf(await audit(srv)).failures).to.deep.equal([]);
    // With no grace, only the entry written after the rotation is named.
    const strict = keysOf(await verifyAudit({ db: srv.ctx.db, provider: srv.ctx.chain.provider, deployment: srv.ctx.chain.deployment, keyRotationGraceSeconds: 0 }));
    expect(strict.failures.map((f) => f.code)).to.deep.equal(["key-replaced"]);
    expect(strict.failures[0].detail).to.include(after.recordId).and.include(counselor.address.toLowerCase());
    expect(strict.failures[0].detail).to.not.include(before.recordId);
  });
});
