// The access check over versioned leaves: a version 2 leaf must commit the row's grant id; a version 1 leaf (written
// before grant ids were committed: no `v`, no `grant`) verifies as it always did; an unknown version is a mismatch.
import { expect } from "chai";
import { checkAccess } from "../../../src/services/audit/access.js";
import { accessLeaf } from "../../../src/services/records/access-leaf.js";
import type { AuditSnapshot } from "../../../src/services/audit/snapshot.js";
import type { LogEvent } from "../../../src/log/index.js";
import { Purpose } from "../../../src/consent/index.js";

const H = "0x" + "ab".repeat(32);
const G = "0x" + "cd".repeat(32);
const OTHER = "0x" + "ef".repeat(32);
const AT = "2026-11-30T08:00:00.000Z";
const reader = "0x" + "11".repeat(20);
const subject = "0x" + "22".repeat(20);

function snapshot(leaf: LogEvent, rowGrant: string): AuditSnapshot {
  const t = Math.floor(Date.parse(AT) / 1000);
  return {
    access: [{ id: 7, at: AT, requester: reader, contentHash: H, decision: "released", basis: "grant", grantId: rowGrant, leafIndex: 3 }],
    accessLeaves: new Map([[3, leaf]]),
    records: new Map([[H, { contentHash: H, id: "r:1", kind: "consultation_note", author: "0x" + "33".repeat(20), subject, createdAt: AT, leafIndex: 1, erased: false, envelope: "matches" }]]),
    grants: new Map([G, OTHER].map((g) => [g, { subject, grantee: reader, purpose: Purpose.TREATMENT, notBefore: t - 60, notAfter: t + 60, revokedAt: null }])),
  } as unknown as AuditSnapshot;
}
const failures = (s: AuditSnapshot) => checkAccess(s).check.failures.map((f) => f.code);

describe("audit access check: versioned access leaves", () => {
  it("version 2 commits the grant: the same grant passes, another (even a valid one) is access-leaf-mismatch", () => {
    const leaf = accessLeaf(7, H, AT, { basis: "grant", grantId: G });
    expect(leaf).to.deep.include({ v: 2, grant: G, basis: "grant", decision: "released" });
    expect(failures(snapshot(leaf, G))).to.deep.equal([]);
    expect(failures(snapshot(leaf, OTHER))).to.deep.equal(["access-leaf-mismatch"]);
  });

  it("a version 1 leaf (no v, no grant) still verifies against the row's grant", () => {
    const v1: LogEvent = { type: "access", id: "acc:7", hash: H.slice(2), at: AT, decision: "released", basis: "grant" };
    expect(failures(snapshot(v1, G))).to.deep.equal([]);
  });

  it("an unknown leaf version, or a version 2 leaf with its grant stripped, is a mismatch", () => {
    const leaf = accessLeaf(7, H, AT, { basis: "grant", grantId: G });
    expect(failures(snapshot({ ...leaf, v: 3 }, G))).to.deep.equal(["access-leaf-mismatch"]);
    const { grant: _g, ...stripped } = leaf;
    expect(failures(snapshot(stripped as LogEvent, G))).to.deep.equal(["access-leaf-mismatch"]);
  });

  it("a refusal leaf carries no basis and no grant", () => {
    expect(accessLeaf(8, H, AT)).to.deep.equal({ type: "access", id: "acc:8", hash: H.slice(2), at: AT, decision: "refused", v: 2 });
  });
});
