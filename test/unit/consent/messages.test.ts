import { expect } from "chai";
import { AbiCoder, Signature, TypedDataEncoder, getBytes, hexlify, keccak256, toUtf8Bytes, verifyTypedData } from "ethers";
import {
  GRANT_TYPES,
  GRANT_TYPE_STRING,
  Purpose,
  REVOKE_TYPES,
  REVOKE_TYPE_STRING,
  buildGrant,
  consentDomain,
  emergencyGrant,
  grantDigest,
  grantId,
  isActiveAt,
  recoverGrantSigner,
  revokeHash,
  revokeMessage,
  scopeHash,
  signGrant,
  signRevoke,
  verifyGrantSignature,
  verifyRevokeSignature,
  type Grant,
} from "../../../src/consent/index.js";
import { VECTOR, granteeWallet, otherWallet, subjectWallet } from "./vector.js";

const domain = consentDomain(VECTOR.chainId, VECTOR.ledger);
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

describe("consent messages: published vector", () => {
  it("reproduces every value of the vector", async () => {
    expect(subjectWallet.address).to.equal(VECTOR.grant.subject);
    expect(granteeWallet.address).to.equal(VECTOR.grant.grantee);
    expect(scopeHash(VECTOR.categories, VECTOR.scopeSalt)).to.equal(VECTOR.scope);
    expect(keccak256(toUtf8Bytes(GRANT_TYPE_STRING))).to.equal(VECTOR.grantTypeHash);
    expect(keccak256(toUtf8Bytes(REVOKE_TYPE_STRING))).to.equal(VECTOR.revokeTypeHash);
    expect(TypedDataEncoder.hashDomain(domain)).to.equal(VECTOR.domainSeparator);
    expect(grantId(VECTOR.grant)).to.equal(VECTOR.grantId);
    expect(grantDigest(domain, VECTOR.grant)).to.equal(VECTOR.grantDigest);
    // RFC 6979 signatures are deterministic, so the signature is part of the vector.
    expect(await signGrant(subjectWallet, domain, VECTOR.grant)).to.equal(VECTOR.grantSignature);
    const rev = { grantId: VECTOR.grantId, salt: VECTOR.revokeSalt };
    expect(revokeHash(rev)).to.equal(VECTOR.revokeHash);
    expect(TypedDataEncoder.hash(domain, REVOKE_TYPES, rev)).to.equal(VECTOR.revokeDigest);
    expect(await signRevoke(subjectWallet, domain, rev)).to.equal(VECTOR.revokeSignature);
  });

  it("grantId is the struct hash as Solidity computes it, not the domain digest", () => {
    const g = VECTOR.grant;
    const solidityStyle = keccak256(
      AbiCoder.defaultAbiCoder().encode(
        ["bytes32", "address", "address", "uint8", "bytes32", "uint64", "uint64", "bytes32"],
        [VECTOR.grantTypeHash, g.subject, g.grantee, g.purpose, g.scope, g.notBefore, g.notAfter, g.salt],
      ),
    );
    expect(grantId(g)).to.equal(solidityStyle);
    expect(grantId(g)).to.equal(TypedDataEncoder.hashStruct("Grant", GRANT_TYPES, g));
    expect(grantId(g)).to.equal(TypedDataEncoder.from(GRANT_TYPES).hashStruct("Grant", g));
    expect(grantId(g)).to.not.equal(grantDigest(domain, g));
    // The digest is bound to the domain: another chain gives another digest but the same grantId.
    expect(grantDigest(consentDomain(1, VECTOR.ledger), g)).to.not.equal(grantDigest(domain, g));
  });

  it("grantId is insensitive to address case and changes with every field", () => {
    const g = VECTOR.grant;
    expect(grantId({ ...g, subject: g.subject.toLowerCase(), scope: g.scope.toUpperCase().replace("0X", "0x") })).to.equal(VECTOR.grantId);
    const variants: Grant[] = [
      { ...g, grantee: otherWallet.address },
      { ...g, purpose: Purpose.MATCHING },
      { ...g, scope: "0x" + "00".repeat(32) },
      { ...g, notBefore: g.notBefore + 1 },
      { ...g, notAfter: g.notAfter + 1 },
      { ...g, salt: "0x" + "ff".repeat(32) },
    ];
    for (const v of variants) expect(grantId(v)).to.not.equal(VECTOR.grantId);
  });

  it("refuses grants the ledger would refuse", () => {
    const g = VECTOR.grant;
    expect(() => grantId({ ...g, notAfter: 4294967296 })).to.throw(RangeError);
    expect(() => grantId({ ...g, notAfter: g.notBefore })).to.throw(RangeError);
    expect(() => grantId({ ...g, purpose: 5 as Purpose })).to.throw(RangeError);
    expect(() => grantId({ ...g, salt: "0x1234" })).to.throw(RangeError);
    expect(() => grantId({ ...g, subject: "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2B" })).to.throw();
  });
});

describe("consent messages: signatures", () => {
  it("a grant signed by its subject verifies; by any other key it does not", async () => {
    const { grant } = buildGrant({
      subject: subjectWallet.address,
      grantee: granteeWallet.address,
      purpose: Purpose.TREATMENT,
      categories: ["assessment"],
      notBefore: 1780243200,
      notAfter: 1780243200 + 86400,
    });
    const good = await signGrant(subjectWallet, domain, grant);
    expect(verifyGrantSignature(domain, grant, good)).to.equal(true);
    expect(recoverGrantSigner(domain, grant, good)).to.equal(subjectWallet.address);

    const byGrantee = await signGrant(granteeWallet, domain, grant);
    expect(verifyGrantSignature(domain, grant, byGrantee)).to.equal(false);
    const byOther = await signGrant(otherWallet, domain, grant);
    expect(verifyGrantSignature(domain, grant, byOther)).to.equal(false);
  });

  it("a signature does not carry over to an altered grant or another domain", async () => {
    const sig = VECTOR.grantSignature;
    expect(verifyGrantSignature(domain, VECTOR.grant, sig)).to.equal(true);
    expect(verifyGrantSignature(domain, { ...VECTOR.grant, notAfter: VECTOR.grant.notAfter + 1 }, sig)).to.equal(false);
    expect(verifyGrantSignature(domain, { ...VECTOR.grant, grantee: otherWallet.address }, sig)).to.equal(false);
    expect(verifyGrantSignature(consentDomain(1, VECTOR.ledger), VECTOR.grant, sig)).to.equal(false);
    expect(verifyGrantSignature(consentDomain(VECTOR.chainId, otherWallet.address), VECTOR.grant, sig)).to.equal(false);
  });

  it("rejects malformed and malleable signatures like OpenZeppelin ECDSA does", () => {
    const sig = Signature.from(VECTOR.grantSignature);
    // High-s twin of a valid signature: ecrecover would accept it, OZ ECDSA does not.
    const highS = hexlify(new Uint8Array([
      ...getBytes(sig.r),
      ...getBytes("0x" + (SECP256K1_N - BigInt(sig.s)).toString(16).padStart(64, "0")),
      sig.v === 27 ? 28 : 27,
    ]));
    expect(verifyGrantSignature(domain, VECTOR.grant, highS)).to.equal(false);
    const b = getBytes(VECTOR.grantSignature);
    const v01 = hexlify(new Uint8Array([...b.subarray(0, 64), b[64]! - 27]));
    // ethers alone recovers the subject from v in {0, 1}, but the ledger's ECDSA.recover rejects it.
    expect(verifyTypedData(domain, GRANT_TYPES, VECTOR.grant, v01)).to.equal(subjectWallet.address);
    expect(verifyGrantSignature(domain, VECTOR.grant, v01)).to.equal(false);
    expect(verifyGrantSignature(domain, VECTOR.grant, VECTOR.grantSignature.slice(0, 130))).to.equal(false);
    // EIP-2098 compact form is accepted (the ledger takes 64-byte signatures too), but not when tampered.
    expect(verifyGrantSignature(domain, VECTOR.grant, sig.compactSerialized)).to.equal(true);
    const compact = getBytes(sig.compactSerialized);
    compact[63] = compact[63]! ^ 1;
    expect(verifyGrantSignature(domain, VECTOR.grant, hexlify(compact))).to.equal(false);
    expect(verifyGrantSignature(domain, VECTOR.grant, VECTOR.grantSignature.slice(0, 128))).to.equal(false);
    expect(verifyGrantSignature(domain, VECTOR.grant, "0x" + "00".repeat(65))).to.equal(false);
    expect(recoverGrantSigner(domain, VECTOR.grant, "not a signature")).to.equal(null);
  });

  it("revocations verify only for the grant's subject", async () => {
    const r = revokeMessage(VECTOR.grantId);
    expect(r.grantId).to.equal(VECTOR.grantId);
    expect(r.salt).to.match(/^0x[0-9a-f]{64}$/);
    expect(revokeMessage(VECTOR.grantId).salt).to.not.equal(r.salt);
    const sig = await signRevoke(subjectWallet, domain, r);
    expect(verifyRevokeSignature(domain, r, sig, subjectWallet.address)).to.equal(true);
    expect(verifyRevokeSignature(domain, r, sig, granteeWallet.address)).to.equal(false);
    expect(verifyRevokeSignature(domain, { ...r, salt: "0x" + "00".repeat(32) }, sig, subjectWallet.address)).to.equal(false);
    const forged = await signRevoke(granteeWallet, domain, r);
    expect(verifyRevokeSignature(domain, r, forged, subjectWallet.address)).to.equal(false);
  });
});

describe("consent messages: building grants", () => {
  const req = {
    subject: subjectWallet.address,
    grantee: granteeWallet.address,
    purpose: Purpose.MATCHING,
    categories: ["need", "assessment", "need"],
    notBefore: 1780243200,
    notAfter: 1780243200 + 30 * 86400,
  };

  it("fresh salts each time, canonical categories, scope opens with the returned salt", () => {
    const a = buildGrant(req);
    const b = buildGrant(req);
    expect(a.categories).to.deep.equal(["assessment", "need"]);
    expect(a.grant.salt).to.not.equal(b.grant.salt);
    expect(a.scopeSalt).to.not.equal(b.scopeSalt);
    expect(grantId(a.grant)).to.not.equal(grantId(b.grant));
    expect(a.grant.scope).to.equal(scopeHash(a.categories, a.scopeSalt));
  });

  it("refuses EMERGENCY, self-grants, out-of-range and empty periods, unknown categories", () => {
    expect(() => buildGrant({ ...req, purpose: Purpose.EMERGENCY })).to.throw(/EMERGENCY/);
    expect(() => buildGrant({ ...req, grantee: subjectWallet.address })).to.throw(RangeError);
    expect(() => buildGrant({ ...req, notAfter: 4294967296 })).to.throw(RangeError);
    expect(() => buildGrant({ ...req, notAfter: req.notBefore })).to.throw(RangeError);
    expect(() => buildGrant({ ...req, notBefore: -1 })).to.throw(RangeError);
    expect(() => buildGrant({ ...req, categories: ["diary"] })).to.throw(RangeError);
    expect(() => buildGrant({ ...req, categories: [] })).to.throw(RangeError);
  });

  it("emergency grantId is the struct hash of the Grant the ledger builds on openEmergency", () => {
    const scope = scopeHash(["assessment"], "0x" + "01".repeat(32));
    const salt = "0x" + "02".repeat(32);
    const e = emergencyGrant({ subject: subjectWallet.address, counselor: granteeWallet.address, scope, openedAt: 1780243200, durationSeconds: 3600, salt });
    expect(e).to.deep.equal({
      subject: subjectWallet.address,
      grantee: granteeWallet.address,
      purpose: Purpose.EMERGENCY,
      scope,
      notBefore: 1780243200,
      notAfter: 1780246800,
      salt,
    });
    expect(grantId(e)).to.equal(TypedDataEncoder.hashStruct("Grant", GRANT_TYPES, e));
    expect(() => emergencyGrant({ subject: subjectWallet.address, counselor: granteeWallet.address, scope, openedAt: 1780243200, durationSeconds: 0, salt })).to.throw(RangeError);
  });
});

describe("consent status: isActiveAt", () => {
  const rec = { notBefore: 1000, notAfter: 2000, revokedAt: null, onChain: true };

  it("is active on [notBefore, notAfter)", () => {
    expect(isActiveAt(rec, 999)).to.equal(false);
    expect(isActiveAt(rec, 1000)).to.equal(true);
    expect(isActiveAt(rec, 1999)).to.equal(true);
    expect(isActiveAt(rec, 2000)).to.equal(false);
  });

  it("revocation ends it at revokedAt itself; 0 means not revoked", () => {
    expect(isActiveAt({ ...rec, revokedAt: 1500 }, 1499)).to.equal(true);
    expect(isActiveAt({ ...rec, revokedAt: 1500 }, 1500)).to.equal(false);
    expect(isActiveAt({ ...rec, revokedAt: 1500 }, 1501)).to.equal(false);
    expect(isActiveAt({ ...rec, revokedAt: 0 }, 1500)).to.equal(true);
    // Revoked before it started: never active.
    expect(isActiveAt({ ...rec, revokedAt: 900 }, 1000)).to.equal(false);
  });

  it("a grant not on the ledger is never active", () => {
    expect(isActiveAt({ ...rec, onChain: false }, 1500)).to.equal(false);
  });
});
