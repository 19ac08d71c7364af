// Steps 10–13: a withdrawal the counselor then runs into, MONITORING with a wearable warning, an erasure, and the
// anchored checkpoint with the auditor's verification.
import { assessWearable, parseWearableCsv } from "../assess/index.js";
import { eraseRelationship, submitRevoke } from "../client/index.js";
import { Purpose } from "../consent/index.js";
import { fromBase64, sealJson, walletSigner } from "../crypto/index.js";
import type { RunningServer } from "../http/server.js";
import { DemoStepError, isOnChain, refused, retrying, submitGrant, waitConsent } from "./actors.js";
import { NOTE_MARKER, type Demo, type Note } from "./state.js";
import { syntheticWearableCsv } from "./wearable-sample.js";

export async function revokeTreatment(d: Demo, note: Note) {
  const revoker = (d.revoker = d.pick([10, 3, 6], []));
  if (!revoker) throw new DemoStepError("nobody to revoke");
  const t = await revoker.rel(revoker.counselor!);
  const tapi = await t.party.api();
  await submitRevoke(tapi, t.keys.wallet, d.domain, revoker.treatmentGrant!);
  const v = await waitConsent(tapi, revoker.treatmentGrant!, (x) => x.state === "revoked" && x.revoke?.status === "on_chain");
  d.C.grantsOnChain.revoked++;
  note(`resident ${revoker.n} (${revoker.data.label}) withdrew TREATMENT consent; revoked on chain (block ${v.revoke?.blockNumber ?? "?"})`);
  // The counselor keeps what they wrote (basis "author"); what the resident shared is now refused.
  const a = revoker.sharedAssessment!;
  const counselor = d.counselorFor(revoker.counselor!);
  const capi = await counselor.party.api();
  const e = await refused(capi.get(`/v1/records/${a.recordId}/versions/${a.contentHash}/key`));
  const log = (await tapi.get("/v1/log/access?limit=20")).items as Array<{ requester: string; decision: string; reason: string | null; leafIndex: number; kind: string }>;
  const row = log.find((x) => x.requester === revoker.counselor && x.decision === "refused");
  d.S.revocation = { status: e.status, reason: row?.reason ?? null, inAccessLog: !!row };
  note(`counselor asks for the shared assessment's key → ${e.status} ${e.problem.title ?? ""}; the resident's access log shows "refused / ${row?.reason}" (leaf ${row?.leafIndex})`);
  if (e.status !== 403 || !row) throw new DemoStepError("the revoked counselor was not refused, or the refusal is not logged");
  const ck = counselor.keys;
  const late = await sealJson({
    kind: "consultation_note",
    schema: "anxin.note.v1",
    subjectRef: t.keys.address,
    consentId: revoker.treatmentGrant!,
    body: { text: `${NOTE_MARKER} late note`, minutes: 10 },
    recipients: [{ address: ck.address, x25519PublicKey: ck.x25519.publicKey }, { address: t.keys.address, x25519PublicKey: t.keys.x25519.publicKey }],
    signer: walletSigner(counselor.wallet),
  });
  const w = await refused(capi.post("/v1/records", late));
  note(`a new note under the revoked grant → ${w.status}; nothing stored`);
  if (w.status !== 403) throw new DemoStepError(`a write under a revoked grant answered ${w.status}`);
}

export async function monitorWearable(d: Demo, note: Note) {
  const monitor = (d.monitor = d.pick([12, 18, 19], [d.revoker]));
  if (!monitor) throw new DemoStepError("nobody to monitor");
  const t = await monitor.rel(monitor.counselor!);
  const tapi = await t.party.api();
  const g = await submitGrant(tapi, t.keys.wallet, d.domain, monitor.counselor!, Purpose.MONITORING, ["wearable_summary"], 30);
  await waitConsent(tapi, g, isOnChain);
  d.C.grantsOnChain.monitoring++;
  const parsed = parseWearableCsv(syntheticWearableCsv());
  const { index, warnings } = assessWearable(parsed.samples);
  note(`resident ${monitor.n} (${monitor.data.label}): MONITORING grant on chain; ${parsed.samples.length} wearable samples over ${index.length} days parsed on the device`);
  const days = index.map((x) => ({ date: x.date, index: x.index, status: x.status }));
  const up = await tapi.post("/v1/wearable/index", { subjectRef: t.keys.address, days });
  const ck = await tapi.get(`/v1/vault/recipients/${monitor.counselor}`);
  const env = await sealJson({
    kind: "wearable_summary",
    schema: "anxin.wearable.daily.v1",
    subjectRef: t.keys.address,
    body: { days } as never,
    recipients: [
      { address: t.keys.address, x25519PublicKey: t.keys.x25519.publicKey },
      { address: monitor.counselor!, x25519PublicKey: fromBase64(ck.x25519PublicKey, 32) },
    ],
    signer: walletSigner(t.keys.wallet),
  });
  await tapi.post("/v1/records", env);
  d.C.recordsWritten++;
  const w = up.newWarnings[0];
  if (!w) throw new DemoStepError(`no warning raised (client saw ${warnings.length})`);
  const capi = await d.counselorFor(monitor.counselor!).party.api();
  const alerts = (await capi.get("/v1/alerts")).alerts as Array<{ kind: string; subjectRef: string; message: { zh: string } }>;
  const seen = alerts.find((a) => a.kind === "wearable_warning" && a.subjectRef === t.keys.address);
  d.C.alerts.wearableWarning++;
  d.S.wearable = { from: w.from, to: w.to, days: w.days, peak: w.peak, notified: w.notified, counselorSawAlert: !!seen };
  note(`stress index ≥ 70 for ${w.days} days (${w.from} … ${w.to}, peak ${w.peak}) → warning alert, ${w.notified} counselor notified; only the daily index left the device`);
  if (seen) note(`counselor sees: “${seen.message.zh}”`);
  if (!seen) throw new DemoStepError("the counselor did not receive the wearable warning");
}

export async function eraseResident(d: Demo, note: Note) {
  const eraser = d.pick([16, 13, 7], [d.revoker, d.monitor]);
  if (!eraser) throw new DemoStepError("nobody to erase");
  let tombstones = 0;
  // Each relationship address is its own subject: the resident signs in as each and erases it.
  for (const cp of [eraser.counselor!, d.matcher.address, "vault"]) {
    const api = await eraser.api(cp);
    const res = await eraseRelationship(api, (await eraser.rel(cp)).keys.wallet, d.domain);
    tombstones += res.tombstones.length;
  }
  d.C.tombstones = tombstones;
  const n = d.notes.get(eraser)!;
  const e = await refused((await d.counselorFor(eraser.counselor!).party.api()).get(`/v1/records/${n.recordId}/versions/${n.contentHash}/key`));
  d.S.erasure = { tombstones, readAfterwards: e.status };
  note(`resident ${eraser.n} (${eraser.data.label}) erased 3 relationship addresses: ${tombstones} records emptied, ${tombstones} tombstone leaves; reading the note now → ${e.status}`);
  if (e.status !== 410) throw new DemoStepError(`an erased record answered ${e.status}, not 410`);
}

interface AuditCheck {
  id: string;
  name: string;
  ok: boolean;
  failures: Array<{ code: string; detail: string }>;
  moreFailures: number;
}

export async function anchorAndAudit(d: Demo, note: Note) {
  const C = d.C;
  const aapi = await d.admin.api();
  const anchored = await retrying(() => aapi.post("/v1/log/anchor", {}));
  const cp = await aapi.get("/v1/log/checkpoint");
  C.logSize = cp.local.size;
  C.anchoredSize = cp.anchored.size;
  if (anchored.nothingToAnchor) note(`checkpoint already anchored by the worker: size ${cp.anchored.size}`);
  else note(`checkpoint size ${anchored.size} anchored in block ${anchored.blockNumber} (${anchored.gasUsed} gas), root ${anchored.root.slice(0, 16)}…`);
  const report = await (await d.auditor.api()).post("/v1/audit/verify", {});
  const checks = report.checks as AuditCheck[];
  d.S.audit = {
    ok: report.ok,
    checks: checks.map((c) => ({
      id: c.id,
      name: c.name,
      ok: c.ok,
      failures: c.failures.length + c.moreFailures,
      ...(c.failures[0] ? { first: `${c.failures[0].code}: ${c.failures[0].detail}` } : {}),
    })),
    stats: Object.fromEntries(Object.entries(report.stats).filter(([k]) => k !== "emergencyReview")),
  };
  C.refusalsLogged = Number(report.stats.refusals ?? 0);
  note(`audit of ${report.log.size} leaves, ${report.stats.anchors} anchors: ${report.ok ? "通过 PASS" : "未通过 FAIL"} (${checks.filter((c) => c.ok).length}/${checks.length} checks ok, ${report.stats.seconds} s)`);
  const consents = (await (await d.auditor.api()).get("/v1/consents")).items as Array<{ onChain: boolean }>;
  C.grantsOnChain.total = consents.filter((c) => c.onChain).length;
  d.S.gas = await gasByContract(d.srv);
  if (!report.ok) throw new DemoStepError("the audit failed");
}

/** Gas of every call since the deployment, by the contract it called (registry, consents, checkpoints). */
async function gasByContract(srv: RunningServer) {
  const { provider, deployment: dep } = srv.ctx.chain;
  const to = { [dep.registry.toLowerCase()]: "registry", [dep.consentLedger.toLowerCase()]: "consents", [dep.checkpointLog.toLowerCase()]: "anchors" } as Record<string, "registry" | "consents" | "anchors">;
  const gas = { registry: 0, consents: 0, anchors: 0, total: 0, transactions: 0 };
  const latest = await provider.getBlockNumber();
  for (let b = dep.deployBlock + 1; b <= latest; b++) {
    const block = await provider.getBlock(b);
    for (const h of block?.transactions ?? []) {
      const r = await provider.getTransactionReceipt(h);
      if (!r || !r.to) continue; // contract creations belong to the deployment, not to the demo's flows
      const used = Number(r.gasUsed);
      const k = to[r.to.toLowerCase()];
      if (k) gas[k] += used;
      gas.total += used;
      gas.transactions++;
    }
  }
  return gas;
}
