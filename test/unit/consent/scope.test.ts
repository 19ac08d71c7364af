import { expect } from "chai";
import { AbiCoder, Wallet, keccak256 } from "ethers";
import {
  DATA_CATEGORIES,
  Purpose,
  buildGrant,
  canonicalCategories,
  grantId,
  scopeCovers,
  scopeHash,
} from "../../../src/consent/index.js";
import { VECTOR } from "./vector.js";

describe("consent scope", () => {
  it("is keccak256(abi.encode(tag, sorted categories joined by ',', salt))", () => {
    const expected = keccak256(
      AbiCoder.defaultAbiCoder().encode(
        ["string", "string", "bytes32"],
        ["anxin.scope.v1", "assessment,consultation_note", VECTOR.scopeSalt],
      ),
    );
    expect(scopeHash(["consultation_note", "assessment"], VECTOR.scopeSalt)).to.equal(expected);
    expect(scopeHash(["assessment", "consultation_note", "assessment"], VECTOR.scopeSalt)).to.equal(expected);
  });

  it("canonical order is byte order and duplicates collapse", () => {
    expect(canonicalCategories([...DATA_CATEGORIES].reverse())).to.deep.equal([
      "assessment", "care_plan", "consultation_note", "identity", "need", "referral", "wearable_summary",
    ]);
    expect(() => canonicalCategories(["Assessment"])).to.throw(RangeError);
    expect(() => scopeHash(["assessment"], "0x1234")).to.throw(RangeError);
  });

  it("same categories in two grants give two different scopes (salted)", () => {
    const a = buildGrant({ subject: Wallet.createRandom().address, grantee: Wallet.createRandom().address, purpose: Purpose.TREATMENT, categories: ["assessment"], notBefore: 1, notAfter: 2 });
    const b = buildGrant({ subject: Wallet.createRandom().address, grantee: Wallet.createRandom().address, purpose: Purpose.TREATMENT, categories: ["assessment"], notBefore: 1, notAfter: 2 });
    expect(a.grant.scope).to.not.equal(b.grant.scope);
  });

  it("scopeCovers: only the right opening and a listed kind", () => {
    const { scope, categories, scopeSalt } = VECTOR;
    expect(scopeCovers(categories, scopeSalt, scope, "assessment")).to.equal(true);
    expect(scopeCovers(categories, scopeSalt, scope.toUpperCase().replace("0X", "0x"), "consultation_note")).to.equal(true);
    expect(scopeCovers(categories, scopeSalt, scope, "identity")).to.equal(false);
    // Claiming an extra category changes the commitment: it cannot be smuggled in.
    expect(scopeCovers([...categories, "identity"], scopeSalt, scope, "identity")).to.equal(false);
    expect(scopeCovers(categories, "0x" + "a6".repeat(32), scope, "assessment")).to.equal(false);
    expect(scopeCovers(categories, scopeSalt, scope, "unknown")).to.equal(false);
    expect(scopeCovers(["bogus"], scopeSalt, scope, "assessment")).to.equal(false);
    expect(scopeCovers(categories, "0x12", scope, "assessment")).to.equal(false);
  });

  it("one resident, three counselors: no address or hash shared between two relationships", () => {
    // Per-relationship pseudonyms (format 6) are derived elsewhere; here each relationship has its own key.
    const relationships = [0, 1, 2].map(() => {
      const subject = Wallet.createRandom().address;
      const counselor = Wallet.createRandom().address;
      const built = buildGrant({ subject, grantee: counselor, purpose: Purpose.TREATMENT, categories: ["assessment", "consultation_note"], notBefore: 1780243200, notAfter: 1811779200 });
      const g = built.grant;
      // Every 20- or 32-byte value the ledger stores or emits for this relationship.
      return new Set([g.subject, g.grantee, g.scope, g.salt, grantId(g)].map((v) => v.toLowerCase()));
    });
    for (let i = 0; i < relationships.length; i++) {
      for (let j = i + 1; j < relationships.length; j++) {
        const shared = [...relationships[i]!].filter((v) => relationships[j]!.has(v));
        expect(shared, `relationships ${i} and ${j}`).to.deep.equal([]);
      }
    }
  });
});
