// One casing rule for addresses (docs/FORMATS.md, Conventions): everything Anxin writes spells an address as
// lowercase 0x hex — receipts, FHIR resources, deployment.json, API answers — whatever case it was given in.
import { expect } from "chai";
import { buildReceipt, toFhirConsent, type GrantRecord } from "../../../src/consent/index.js";
import { publicRpcUrl } from "../../../src/chain/deploy.js";
import { VECTOR } from "./vector.js";

/** Every 20-byte hex value (an address) in a JSON text, and the ones not in lowercase. */
function addressesIn(value: unknown) {
  const all = JSON.stringify(value).match(/0x[0-9a-fA-F]{40}(?![0-9a-fA-F])/g) ?? [];
  return { all, upper: all.filter((a) => a !== a.toLowerCase()) };
}

describe("address casing: lowercase everywhere Anxin writes one", () => {
  // The vector's inputs are EIP-55 checksummed on purpose.
  const record: GrantRecord = { grant: VECTOR.grant, categories: [...VECTOR.categories], scopeSalt: VECTOR.scopeSalt, chainId: VECTOR.chainId, ledger: VECTOR.ledger, recordedAt: VECTOR.grant.notBefore, revokedAt: null, onChain: true };

  it("the inputs are checksummed (so the test can fail)", () => {
    expect(addressesIn([VECTOR.grant.subject, VECTOR.grant.grantee, VECTOR.ledger]).upper).to.have.length(3);
  });

  it("a consent receipt spells every address in lowercase", () => {
    const r = buildReceipt({ record, controllers: [{ piiController: "Operator", contact: "DPO", address: "CN", email: "dpo@example.org", phone: "+86-21-0" }], policyUrl: "https://example.org/p" });
    const found = addressesIn(r);
    expect(found.all).to.include.members([VECTOR.grant.subject.toLowerCase(), VECTOR.grant.grantee.toLowerCase(), VECTOR.ledger.toLowerCase()]);
    expect(found.upper).to.deep.equal([]);
  });

  it("a FHIR Consent spells every address in lowercase", () => {
    const c = toFhirConsent(record, { at: VECTOR.grant.notBefore + 1 });
    const found = addressesIn(c);
    expect(found.all).to.include.members([VECTOR.grant.subject.toLowerCase(), VECTOR.grant.grantee.toLowerCase()]);
    expect(found.upper).to.deep.equal([]);
  });

  it("deployment.json's RPC URL keeps no credentials or query", () => {
    expect(publicRpcUrl("https://user:secret@rpc.example/v3/path?apikey=k#x")).to.equal("https://rpc.example/v3/path");
    expect(publicRpcUrl("http://127.0.0.1:8545")).to.equal("http://127.0.0.1:8545");
    expect(publicRpcUrl("not a url")).to.equal("");
  });
});
