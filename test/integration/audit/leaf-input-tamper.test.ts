// Issue 22 part 7: a stored leaf input changed outside its `hash` field. Reads re-check the leaf's stored hash against
// its stored input (and the input against the record row), so a record whose leaf `at` was changed is neither served
// nor has its key released (integrity refusal); the audit names every leaf whose input changed, consent leaves
// included; the audit pins every chain read to one block.
import { expect } from "chai";
import { generateSeed, relationshipKeys, type RelationshipKeys } from "../../../src/crypto/index.js";
import { leafHash } from "../../../src/log/index.js";
import type { ApiClient } from "../../../src/client/index.js";
import { accreditCounselor, startTestServer, type TestServer } from "../../helpers/server.js";
import { counselorWrites, fetchForReader, grant, problem, publishKey } from "../vault/helpers.js";
import { audit, codes } from "./helpers.js";

describe("leaf inputs changed outside their hash field: refused on read, named by the audit", function () {
  this.timeout(120_000);
  let srv: TestServer;
  let cApi: ApiClient;
  let rel: RelationshipKeys;
  let consentId: string;
  let note: { recordId: string; contentHash: string; leafIndex: number };

  before(async () => {
    srv = await startTestServer({ config: { anchorIntervalSeconds: 3600 } });
    const counselor = (await accreditCounselor(srv)).wallet;
    cApi = await srv.api().login(counselor);
    rel = await relationshipKeys(await generateSeed(), counselor.address);
    await publishKey(await srv.api().login(rel.wallet), rel);
    consentId = await grant(srv, rel, counselor.address);
    note = (await counselorWrites(cApi, counselor, rel.address, consentId, { minutes: 20 })).reply;
    await fetchForReader(cApi, note.recordId, note.contentHash);
  });
  after(async () => srv?.stop());

  const q = (sql: string, p: unknown[] = []) => srv.ctx.db.query<any>(sql, p);
  const inputOf = async (idx: number) => (await q("SELECT input FROM log_leaves WHERE idx = $1", [idx]))[0].input as string;
  /** Changes the last digit of the leaf's `at` (before its "Z"), keeping the JSON valid. */
  const shiftAt = (input: string) => input.replace(/("at":"[^"]*?)(\d)(Z")/, (_m, a, d, z) => `${a}${(Number(d) + 1) % 10}${z}`);
  const failures = (r: Awaited<ReturnType<typeof audit>>, code: string) => r.checks.flatMap((c) => c.failures.filter((f) => f.code === code).map((f) => f.detail));

  it("passes untouched", async () => {
    expect(codes(await audit(srv))).to.deep.equal([]);
  });

  it("refuses to serve or release a record whose leaf `at` was changed, and the audit names that leaf", async () => {
    const original = await inputOf(note.leafIndex);
    const changed = shiftAt(original);
    expect(changed).to.not.equal(original);
    await q("UPDATE log_leaves SET input = $2 WHERE idx = $1", [note.leafIndex, changed]);
    try {
      for (const path of [`/v1/records/${note.recordId}`, `/v1/records/${note.recordId}/versions/${note.contentHash}/key`]) {
        const p = await problem(cApi.get(path));
        expect(p.problem.type, path).to.equal("urn:anxin:problem:integrity");
      }
      const named = failures(await audit(srv), "leaf-input-changed");
      expect(named).to.have.length(1);
      expect(named[0]).to.match(new RegExp(`^leaf ${note.leafIndex} \\(record `));
    } finally {
      await q("UPDATE log_leaves SET input = $2 WHERE idx = $1", [note.leafIndex, original]);
    }
    expect((await cApi.get(`/v1/records/${note.recordId}`)).versions).to.have.length(1);
  });

  it("still refuses when the leaf hash was rewritten to match the changed input (the leaf no longer names the record's time)", async () => {
    const [row] = await q("SELECT input, leaf_hash FROM log_leaves WHERE idx = $1", [note.leafIndex]);
    const changed = shiftAt(row.input);
    await q("UPDATE log_leaves SET input = $2, leaf_hash = $3 WHERE idx = $1", [note.leafIndex, changed, Buffer.from(leafHash(new TextEncoder().encode(changed)))]);
    try {
      const p = await problem(cApi.get(`/v1/records/${note.recordId}/versions/${note.contentHash}/key`));
      expect(p.problem.type).to.equal("urn:anxin:problem:integrity");
      expect(codes(await audit(srv))).to.include("leaves/record-leaf-mismatch");
    } finally {
      await q("UPDATE log_leaves SET input = $2, leaf_hash = $3 WHERE idx = $1", [note.leafIndex, row.input, row.leaf_hash]);
    }
    expect(codes(await audit(srv))).to.deep.equal([]);
  });

  it("names a consent leaf whose input was changed", async () => {
    const [leaf] = await q("SELECT idx, input FROM log_leaves WHERE type = 'consent' AND ref_id = $1", [consentId]);
    expect(leaf, "the grant's consent leaf").to.not.equal(undefined);
    const changed = (leaf.input as string).replace(/"block":(\d+)/, (_m, b) => `"block":${Number(b) + 1}`);
    expect(changed).to.not.equal(leaf.input);
    await q("UPDATE log_leaves SET input = $2 WHERE idx = $1", [leaf.idx, changed]);
    try {
      const r = await audit(srv);
      expect(r.ok).to.equal(false);
      expect(failures(r, "leaf-input-changed")).to.deep.equal([`leaf ${leaf.idx} (consent ${consentId}): its stored input was changed (it no longer hashes to its leaf hash)`]);
    } finally {
      await q("UPDATE log_leaves SET input = $2 WHERE idx = $1", [leaf.idx, leaf.input]);
    }
    expect(codes(await audit(srv))).to.deep.equal([]);
  });
});
