// POST /v1/records:batch — batch sync of offline-written versions: each item stored or refused on its own, one
// result per item, a resend answered as stored (never a duplicate), and the limit of 256 refused as a whole.
import { expect } from "chai";
import type { Wallet } from "ethers";
import { counselorKeys, generateSeed, relationshipKeys, sealJson, walletSigner, type RelationshipKeys } from "../../../src/crypto/index.js";
import type { ApiClient } from "../../../src/client/index.js";
import { accreditCounselor, startTestServer, type TestServer } from "../../helpers/server.js";
import { readHead } from "../../../src/services/log-tree.js";
import { grant, loginAs, problem, publishKey } from "./helpers.js";

type Result = { index: number; status: number; record?: { recordId: string; version: number; contentHash: string; leafIndex: number; alreadyStored: boolean }; problem?: { status: number; errors?: Array<{ path: string }> } };
type Reply = { stored: number; refused: number; results: Result[] };

describe("record vault: batch sync (POST /v1/records:batch)", function () {
  this.timeout(180_000);
  let srv: TestServer;
  let counselor: Wallet;
  let cApi: ApiClient;
  let rel: RelationshipKeys;
  let rApi: ApiClient;
  let consentId: string;

  before(async () => {
    srv = await startTestServer();
    counselor = (await accreditCounselor(srv)).wallet;
    cApi = await loginAs(srv, counselor, "counselor");
    rel = await relationshipKeys(await generateSeed(), counselor.address);
    rApi = await srv.api().login(rel.wallet);
    await publishKey(rApi, rel);
    consentId = await grant(srv, rel, counselor.address);
  });
  after(async () => srv?.stop());

  async function note(subject: RelationshipKeys, consent: string | null, n: number) {
    const ck = await counselorKeys(counselor.privateKey);
    return sealJson({
      kind: "consultation_note", schema: "anxin.note.v1", subjectRef: subject.address, consentId: consent, body: { n } as never,
      recipients: [{ address: ck.address, x25519PublicKey: ck.x25519.publicKey }, { address: subject.address, x25519PublicKey: subject.x25519.publicKey }],
      signer: walletSigner(counselor),
    });
  }
  const selfEntry = (n: number, who = rel) =>
    sealJson({ kind: "assessment", schema: "anxin.assessment.phq9.v1", subjectRef: who.address, consentId: null, body: { score: n } as never,
      recipients: [{ address: who.address, x25519PublicKey: who.x25519.publicKey }], signer: walletSigner(who.wallet) });
  const logSize = async () => (await readHead(srv.ctx.db)).size;

  it("stores each item on its own: good notes 201, a malformed item 400 with its field path, a note without consent 403", async () => {
    const good = await Promise.all(Array.from({ length: 10 }, (_, i) => note(rel, consentId, i)));
    // Another person, under this resident's consent: the consent does not cover her.
    const stranger = await relationshipKeys(await generateSeed(), counselor.address);
    const items = [...good, { ...good[0], id: "not-a-uuid", sig: "0x00" }, await note(stranger, consentId, 99)];
    const r = await cApi.post<Reply>("/v1/records:batch", { records: items });
    expect(r.results.map((x) => x.index)).to.deep.equal(items.map((_, i) => i));
    expect(r.results.slice(0, 10).map((x) => x.status)).to.deep.equal(Array(10).fill(201));
    expect(r.results[10].status).to.equal(400);
    expect(r.results[10].problem!.errors!.map((e) => e.path)).to.include("records.10.id");
    expect(r.results[11].status).to.equal(403);
    expect(r).to.include({ stored: 10, refused: 2 });
    const leaves = r.results.slice(0, 10).map((x) => x.record!.leafIndex);
    expect(new Set(leaves).size).to.equal(10);
    const list = await cApi.get<{ records: Array<{ recordId: string }> }>(`/v1/records?subject=${rel.address}&limit=1000`);
    for (const x of r.results.slice(0, 10)) expect(list.records.map((m) => m.recordId)).to.include(x.record!.recordId);

    // The sync is repeated (its answer was lost): the same versions come back as stored, nothing new is logged.
    const before = await logSize();
    const again = await cApi.post<Reply>("/v1/records:batch", { records: good });
    expect(again.results.map((x) => x.status)).to.deep.equal(Array(10).fill(200));
    expect(again.results.map((x) => x.record!.leafIndex)).to.deep.equal(leaves);
    expect(again.results.every((x) => x.record!.alreadyStored)).to.equal(true);
    expect(await logSize()).to.equal(before);
  });

  it("refuses another person's entries item by item, and a batch over 256 as a whole (nothing stored)", async () => {
    const other = await relationshipKeys(await generateSeed(), "vault");
    const otherApi = await srv.api().login(other.wallet);
    const r = await otherApi.post<Reply>("/v1/records:batch", { records: [await selfEntry(1), await selfEntry(2, other)] });
    expect(r.results.map((x) => x.status)).to.deep.equal([403, 201]);

    const many = await Promise.all(Array.from({ length: 257 }, (_, i) => selfEntry(i)));
    const p = await problem(rApi.post("/v1/records:batch", { records: many }));
    expect(p.status).to.equal(400);
    const mine = await rApi.get<{ records: unknown[] }>(`/v1/records?subject=${rel.address}&limit=1000`);
    expect(mine.records.filter((m: any) => m.kind === "assessment")).to.have.length(0);
  });

  it("stores a full batch of 256 in one request, every version with its own log leaf", async () => {
    const many = await Promise.all(Array.from({ length: 256 }, (_, i) => selfEntry(i)));
    const r = await rApi.post<Reply>("/v1/records:batch", { records: many });
    expect(r).to.include({ stored: 256, refused: 0 });
    expect(new Set(r.results.map((x) => x.record!.leafIndex)).size).to.equal(256);
  });
});
