// Steps 7–9: the matching service proposes, residents accept with a TREATMENT grant (and hand over their identity
// and intake assessment), counselors read and write notes, residents read them.
import { score } from "../assess/index.js";
import { ChainReader, counselorKey, publishSignedKey, residentKey, type ApiClient } from "../client/index.js";
import { Purpose } from "../consent/index.js";
import { fromBase64, openIdentity, openJson, rewrapKey, sealJson, toBase64, walletSigner, type RecordEnvelope } from "../crypto/index.js";
import { acceptMessage } from "../matching/index.js";
import { DemoStepError, isOnChain, submitGrant, waitConsent, type ResidentActor } from "./actors.js";
import { NOTE_MARKER, each, type CounselorActor, type Demo, type Note, type Proposal } from "./state.js";

const TREATMENT_CATEGORIES = ["assessment", "consultation_note", "identity", "wearable_summary"];

export async function runMatching(d: Demo, note: Note) {
  const run = await (await d.matcher.api()).post("/v1/match/run", {});
  d.C.proposals = run.proposals.length;
  note(`${run.proposals.length} proposals, ${run.unassigned.length} unassigned, total cost ${run.totalCost} (the matcher saw needs and profiles only)`);
  await each(d.residents, 5, async (r) => {
    if (!d.needs.has(r)) return;
    const mine = (await (await r.api(d.matcher.address)).get("/v1/match/proposals")).proposals as Array<Proposal & { status: string }>;
    const p = mine.find((x) => x.status === "proposed");
    if (p) d.proposals.set(r, p);
  });
  const byCounselor = d.community.counselors.map((c, i) => `${c.label.split(" ")[0]} ${[...d.proposals.values()].filter((p) => d.counselorOf.get(p.counselorId) === i).length}`);
  note(`per counselor: ${byCounselor.join(" · ")}`);
  const first = [...d.proposals.entries()][0];
  if (first) note(`e.g. resident ${first[0].n}: “${first[1].reasons.zh}”`);
  if (!d.proposals.size) throw new DemoStepError("no proposals");
}

export async function acceptProposals(d: Demo, note: Note) {
  await each([...d.proposals.entries()], 4, async ([r, p]) => acceptOne(d, r, p));
  const matched = d.residents.filter((r) => r.treatmentGrant);
  await each(matched, 5, async (r) => void (await waitConsent(await r.api(r.counselor!), r.treatmentGrant!, isOnChain)));
  d.C.grantsOnChain.treatment = matched.length;
  note(`${matched.length} TREATMENT grants on chain, each from a new address unlinkable to the MATCHING one`);
  await each(matched, 4, async (r) => shareWithCounselor(d, r));
  const mp = (await (await d.matcher.api()).get("/v1/match/proposals")).proposals as Array<{ status: string }>;
  d.C.matchesAccepted = mp.filter((p) => p.status === "accepted").length;
  note(`${d.C.matchesAccepted} matches accepted; ${matched.length} identity keys re-wrapped; ${matched.length} intake assessments shared`);
}

/** Claims the proposal with a new TREATMENT relationship key and grants TREATMENT from it. */
async function acceptOne(d: Demo, r: ResidentActor, p: Proposal) {
  const mapi = await r.api(d.matcher.address);
  const treatment = await r.rel(p.counselorId);
  const acc = await mapi.post(`/v1/match/proposals/${p.proposalId}/accept`, {
    treatmentAddress: treatment.keys.address,
    treatmentSignature: await treatment.keys.wallet.signMessage(acceptMessage(p.proposalId, p.counselorId)),
  });
  if (acc.grant.subject !== treatment.keys.address) throw new DemoStepError("accept answered another subject");
  const tapi = await treatment.party.api();
  r.counselor = p.counselorId;
  r.treatmentGrant = await submitGrant(tapi, treatment.keys.wallet, d.domain, p.counselorId, Purpose.TREATMENT, TREATMENT_CATEGORIES, 180);
  // Counselors seal the resident's copy of each record to this key.
  await publishSignedKey(tapi, treatment.keys.wallet, treatment.keys.x25519.publicKey);
}

/** The demo's clients read the chain directly (the embedded Anvil), not through the app server. */
function chainOf(d: Demo): ChainReader {
  const dep = d.srv.ctx.chain.deployment;
  return new ChainReader({ rpcUrl: dep.rpcUrl!, registry: dep.registry, checkpointLog: dep.checkpointLog });
}

/** Identity: the vault entry's content key re-wrapped to the counselor under the grant; then the intake assessment. */
async function shareWithCounselor(d: Demo, r: ResidentActor) {
  const vault = await r.rel("vault");
  const vapi = await vault.party.api();
  const { envelope } = await fetchForReader(vapi, r.identityRecord!.recordId, r.identityRecord!.contentHash);
  // The counselor's key from the registry on chain, read by the resident's client itself.
  const chain = chainOf(d);
  const ckey = await counselorKey(chain, r.counselor!).finally(() => chain.destroy());
  const ck = { x25519PublicKey: toBase64(ckey) };
  const entry = await rewrapKey(envelope, vault.keys.x25519, vault.keys.address, { address: r.counselor!, x25519PublicKey: ckey });
  await vapi.post(`/v1/records/${r.identityRecord!.contentHash}/keys`, { keys: [{ ...entry, grantId: r.treatmentGrant }] });
  // The intake assessment, shared with the counselor under the TREATMENT relationship.
  const t = await r.rel(r.counselor!);
  const scored = score(r.data.instrument, r.data.answers);
  const env = await sealJson({
    kind: "assessment",
    schema: `anxin.assessment.${scored.instrument}.v1`,
    subjectRef: t.keys.address,
    body: scored as never,
    recipients: [
      { address: t.keys.address, x25519PublicKey: t.keys.x25519.publicKey },
      { address: r.counselor!, x25519PublicKey: fromBase64(ck.x25519PublicKey, 32) },
    ],
    signer: walletSigner(t.keys.wallet),
  });
  const shared = await (await t.party.api()).post("/v1/records", env);
  r.sharedAssessment = { recordId: shared.recordId, contentHash: shared.contentHash };
  d.C.recordsWritten++;
}

export async function writeAndReadNotes(d: Demo, note: Note) {
  const seen = { identities: 0, assessments: 0 };
  await each(d.counselors, 3, async (c) => counselorSession(d, c, seen));
  note(`counselors opened ${seen.identities} identities and ${seen.assessments} shared assessments, wrote ${d.notes.size} consultation notes`);
  let opened = 0;
  await each([...d.notes.entries()], 5, async ([r, n]) => {
    const t = await r.rel(r.counselor!);
    const got = await fetchForReader(await t.party.api(), n.recordId, n.contentHash);
    const body = (await openJson(got.envelope, t.keys.address, t.keys.x25519)) as { text: string };
    if (!body.text.startsWith(NOTE_MARKER)) throw new DemoStepError("a resident opened something else than the note");
    opened++;
    d.C.recordsOpened++;
  });
  note(`${opened} residents opened the note about them (key released with basis "subject"; every release is logged)`);
}

/** One counselor's clients: open the identity and shared assessments, write a first-session note for each. */
async function counselorSession(d: Demo, cp: CounselorActor, seen: { identities: number; assessments: number }) {
  const C = d.C;
  const capi = await cp.party.api();
  const keys = cp.keys;
  const clients = (await capi.get("/v1/match/clients")).clients as Array<{ subjectRef: string }>;
  for (const c of clients) {
    // (The demo plays both sides; a real counselor learns the resident only from what is shared with them.)
    const res = await findBySubject(d.residents.filter((x) => x.counselor === keys.address), keys.address, c.subjectRef);
    if (!res) throw new DemoStepError("a client the demo does not know");
    // The resident handed over the vault entry's record id (e.g. with the first appointment).
    const id = await fetchForReader(capi, res.identityRecord!.recordId, res.identityRecord!.contentHash);
    const identity = await openIdentity(id.envelope, keys.address, keys.x25519);
    if (identity.name !== res.data.identity.name) throw new DemoStepError("the counselor opened another identity");
    seen.identities++;
    C.recordsOpened++;
    const listed = (await capi.get(`/v1/records?subject=${c.subjectRef}&kind=assessment`)).records as Array<{ recordId: string; contentHash: string }>;
    for (const rec of listed) {
      const a = await fetchForReader(capi, rec.recordId, rec.contentHash);
      await openJson(a.envelope, keys.address, keys.x25519);
      seen.assessments++;
      C.recordsOpened++;
    }
    // The resident's key only with its owner's signature and its log leaf (client/key-directory.ts).
    const chain = chainOf(d);
    const rk = await residentKey(capi, chain, c.subjectRef).finally(() => chain.destroy());
    const env = await sealJson({
      kind: "consultation_note",
      schema: "anxin.note.v1",
      subjectRef: c.subjectRef,
      consentId: res.treatmentGrant!,
      body: { text: `${NOTE_MARKER} 首次会谈：${res.data.categories.join("、")}；约定每周一次，下次练习睡眠日记。`, minutes: 50 },
      recipients: [
        { address: keys.address, x25519PublicKey: keys.x25519.publicKey },
        { address: c.subjectRef, x25519PublicKey: rk },
      ],
      signer: walletSigner(cp.wallet),
    });
    const w = await capi.post("/v1/records", env);
    C.recordsWritten++;
    d.notes.set(res, { recordId: w.recordId, contentHash: w.contentHash });
  }
}

async function findBySubject(mine: ResidentActor[], counselor: string, subjectRef: string) {
  for (const r of mine) {
    const t = await r.rel(counselor);
    if (t.keys.address === subjectRef) return r;
  }
  return undefined;
}

/** The served version (without keys) completed with the reader's released key, ready for openJson. */
export async function fetchForReader(api: ApiClient, recordId: string, contentHash: string): Promise<{ envelope: RecordEnvelope }> {
  const chain = await api.get(`/v1/records/${recordId}`);
  const v = chain.versions.find((x: { contentHash: string }) => x.contentHash === contentHash);
  const key = await api.get(`/v1/records/${recordId}/versions/${contentHash}/key`);
  return { envelope: { ...v.envelope, keys: [{ to: key.recipient, sealed: key.sealed }] } };
}
