import { expect } from "chai";
import { consentDomain, grantId, signedGrantSchema, signedRevokeSchema, verifyGrantSignature } from "../../../src/consent/index.js";
import { VECTOR } from "./vector.js";

const wire = {
  grant: {
    subject: VECTOR.grant.subject,
    grantee: VECTOR.grant.grantee.toLowerCase(),
    purpose: 0,
    scope: VECTOR.grant.scope,
    notBefore: String(VECTOR.grant.notBefore),
    notAfter: VECTOR.grant.notAfter,
    salt: VECTOR.grant.salt.toUpperCase().replace("0X", "0x"),
  },
  signature: VECTOR.grantSignature,
};

function rejects(mutate: (w: any) => void): boolean {
  const w = structuredClone(wire) as any;
  mutate(w);
  return !signedGrantSchema.safeParse(w).success;
}

describe("consent wire schemas", () => {
  it("parses a signed grant into the exact Grant that was signed", () => {
    const parsed = signedGrantSchema.parse(wire);
    expect(parsed.grant).to.deep.equal(VECTOR.grant);
    expect(grantId(parsed.grant)).to.equal(VECTOR.grantId);
    expect(verifyGrantSignature(consentDomain(VECTOR.chainId, VECTOR.ledger), parsed.grant, parsed.signature)).to.equal(true);
  });

  it("rejects bad addresses, hex, times, purposes, periods, signatures and extra keys", () => {
    expect(rejects(() => {})).to.equal(false);
    // Mixed case with a wrong EIP-55 checksum.
    expect(rejects((w) => (w.grant.subject = "0x19e7E376E7C213B7E7e7e46cc70A5dD086DAff2A"))).to.equal(true);
    expect(rejects((w) => (w.grant.grantee = "0x1563915e194d8cfba1943570603f7606a31155"))).to.equal(true);
    expect(rejects((w) => (w.grant.grantee = w.grant.subject))).to.equal(true);
    expect(rejects((w) => (w.grant.scope = "0x" + "zz".repeat(32)))).to.equal(true);
    expect(rejects((w) => (w.grant.salt = "0x" + "00".repeat(31)))).to.equal(true);
    expect(rejects((w) => (w.grant.notAfter = "4294967296"))).to.equal(true);
    expect(rejects((w) => (w.grant.notAfter = 4294967296))).to.equal(true);
    expect(rejects((w) => (w.grant.notAfter = "0" + String(VECTOR.grant.notAfter)))).to.equal(true);
    expect(rejects((w) => (w.grant.notAfter = 1.5))).to.equal(true);
    expect(rejects((w) => (w.grant.notAfter = w.grant.notBefore))).to.equal(true);
    expect(rejects((w) => (w.grant.purpose = 4))).to.equal(true); // EMERGENCY is never signed
    expect(rejects((w) => (w.grant.purpose = -1))).to.equal(true);
    expect(rejects((w) => (w.grant.extra = 1))).to.equal(true);
    expect(rejects((w) => (w.extra = 1))).to.equal(true);
    expect(rejects((w) => (w.signature = w.signature.slice(0, 129)))).to.equal(true);
    expect(rejects((w) => (w.signature = w.signature + "00"))).to.equal(true);
    expect(rejects((w) => delete w.grant.salt)).to.equal(true);
  });

  it("accepts the boundary time 4294967295 and purpose as a decimal string", () => {
    expect(rejects((w) => (w.grant.notAfter = "4294967295"))).to.equal(false);
    expect(rejects((w) => (w.grant.purpose = "3"))).to.equal(false);
  });

  it("validates signed revocations", () => {
    const ok = { revoke: { grantId: VECTOR.grantId, salt: VECTOR.revokeSalt }, signature: VECTOR.revokeSignature };
    expect(signedRevokeSchema.parse(ok).revoke.grantId).to.equal(VECTOR.grantId);
    expect(signedRevokeSchema.safeParse({ ...ok, revoke: { ...ok.revoke, grantId: "0x12" } }).success).to.equal(false);
    expect(signedRevokeSchema.safeParse({ ...ok, revoke: { ...ok.revoke, at: 1 } }).success).to.equal(false);
  });
});
