import { expect } from "chai";
import { buildReceipt, grantId, receiptText, type GrantRecord } from "../../../src/consent/index.js";
import { VECTOR } from "./vector.js";

const record: GrantRecord = {
  grant: VECTOR.grant,
  categories: [...VECTOR.categories],
  scopeSalt: VECTOR.scopeSalt,
  chainId: VECTOR.chainId,
  ledger: VECTOR.ledger,
  recordedAt: VECTOR.grant.notBefore,
  revokedAt: null,
  onChain: true,
  transactionHash: "0x" + "ab".repeat(32),
  blockNumber: 42,
  signature: VECTOR.grantSignature,
};
const controller = {
  piiController: "Anxin Community Service Operator",
  contact: "Data protection officer",
  address: { streetAddress: "1 Example Road", addressLocality: "Shanghai", addressCountry: "CN" },
  email: "privacy@example.org",
  phone: "+86-21-0000-0000",
};

describe("consent receipt (Kantara CR v1.1)", () => {
  const receipt = buildReceipt({ record, controllers: [controller], policyUrl: "https://example.org/privacy" });

  it("has every Kantara v1.1 required field, typed as the spec says", () => {
    for (const k of ["version", "jurisdiction", "consentTimestamp", "collectionMethod", "consentReceiptID", "language", "piiPrincipalId", "piiControllers", "policyUrl", "services", "sensitive", "spiCat"]) {
      expect(receipt, k).to.have.property(k);
    }
    expect(receipt.version).to.equal("KI-CR-v1.1.0");
    expect(receipt.jurisdiction).to.equal("CN");
    expect(receipt.consentTimestamp).to.equal(VECTOR.grant.notBefore);
    expect(receipt.consentReceiptID).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(receipt.language).to.equal("zh");
    expect(receipt.sensitive).to.equal(true);
    expect(receipt.spiCat).to.deep.equal(["mental health"]);
    for (const k of ["piiController", "contact", "address", "email", "phone"]) expect(receipt.piiControllers[0], k).to.have.property(k);
    const p = receipt.services[0]!.purposes[0]!;
    for (const k of ["purpose", "purposeCategory", "consentType", "piiCategory", "primaryPurpose", "termination", "thirdPartyDisclosure", "thirdPartyName"]) {
      expect(p, k).to.have.property(k);
    }
    expect(p.consentType).to.equal("EXPLICIT");
    expect(p.purposeCategory).to.be.an("array").that.is.not.empty;
    expect(p.piiCategory).to.deep.equal(["6 - Health"]);
    expect(p.termination).to.include("2027");
  });

  it("identifies the principal only by the pseudonymous subject address", () => {
    expect(receipt.piiPrincipalId).to.equal(VECTOR.grant.subject.toLowerCase());
  });

  it("carries what an auditor needs to recompute the grantId and open the scope", () => {
    const a = receipt.anxin;
    expect(a.grantId).to.equal(VECTOR.grantId);
    expect(a.chainId).to.equal("31337");
    expect(a.ledger).to.equal(VECTOR.ledger.toLowerCase());
    expect(a.transactionHash).to.equal(record.transactionHash);
    expect(a.blockNumber).to.equal(42);
    expect(a.categories).to.deep.equal(["assessment", "consultation_note"]);
    const g = { ...a.grant, notBefore: Number(a.grant.notBefore), notAfter: Number(a.grant.notAfter) };
    expect(grantId(g)).to.equal(a.grantId);
    // Round-trips through JSON (it is sent as JSON).
    expect(JSON.parse(JSON.stringify(receipt))).to.deep.equal(receipt);
  });

  it("every receipt gets its own id", () => {
    const again = buildReceipt({ record, controllers: [controller], policyUrl: "https://example.org/privacy" });
    expect(again.consentReceiptID).to.not.equal(receipt.consentReceiptID);
  });

  it("readable text in both languages", () => {
    const zh = receiptText(receipt, "zh-CN");
    expect(zh).to.include("同意回执");
    expect(zh).to.include("评估结果、咨询记录");
    expect(zh).to.include("2027年5月31日");
    expect(zh).to.include("撤回");
    expect(zh).to.include(VECTOR.grantId);
    const en = receiptText(receipt, "en");
    expect(en).to.include("Consent receipt");
    expect(en).to.include("assessment results, counselling notes");
    expect(en).to.include("31 May 2027");
    expect(en).to.include("withdraw");
  });

  it("refuses EMERGENCY, no controller, and a non-URL policy", () => {
    expect(() => buildReceipt({ record: { ...record, grant: { ...VECTOR.grant, purpose: 4 } }, controllers: [controller], policyUrl: "https://example.org/p" })).to.throw(/EMERGENCY/);
    expect(() => buildReceipt({ record, controllers: [], policyUrl: "https://example.org/p" })).to.throw(RangeError);
    expect(() => buildReceipt({ record, controllers: [controller], policyUrl: "see office" })).to.throw(RangeError);
  });
});
