// The auditor's verification (`anxin audit verify`, POST /v1/audit/verify). It sees hashes, times, pseudonymous
// addresses and ids, never contents or identities. Everything is read once into a snapshot (big pages; the anchored
// history from the chain's CheckpointSubmitted events: the auditor trusts the chain, not our anchors table), then
// six named checks run over it:
//   leaves        every leaf index 0..size-1 present; the tree rebuilt from the stored leaf inputs reproduces the
//                 head; every stored envelope recomputes to its record leaf; every sealed key is logged
//   anchors       every anchored root is reproduced; successive checkpoints are consistent; our anchors agree
//   timing        no record claims a time after its first covering anchor or long before an anchor that did not
//                 include it (back-dating); the maximum anchoring delay
//   access        every key release was covered by authorship, the subject, an active grant, or an EMERGENCY
//                 grant (listed for review); every access row has its leaf and every access leaf its row
//   accreditation every counselor-written record's author was accredited (on chain) at its createdAt
//   erasure       tombstoned data is gone while the leaves remain
//   keys          every sealed key entry was sealed to a key published, signed and logged at the time (residents) or
//                 accredited on chain (counselors)
import { toHex } from "../log/index.js";
import { checkAccess } from "./audit/access.js";
import { checkAccreditation } from "./audit/accreditation.js";
import { checkAnchors } from "./audit/anchors.js";
import { checkErasure } from "./audit/erasure.js";
import { checkKeyDirectory } from "./audit/key-directory.js";
import { checkLeaves } from "./audit/leaves.js";
import type { AuditDeps, AuditReport } from "./audit/report.js";
import { loadSnapshot } from "./audit/snapshot.js";
import { checkTiming } from "./audit/timing.js";

export type { AuditCheck, AuditDeps, AuditFailure, AuditReport, EmergencyReviewItem } from "./audit/report.js";
export type { AnchoredCheckpoint } from "./checkpoints.js";

export async function verifyAudit(d: AuditDeps): Promise<AuditReport> {
  const t0 = performance.now();
  const s = await loadSnapshot(d);
  const timing = checkTiming(s, { skewSeconds: d.clockSkewSeconds ?? 60, backdateToleranceSeconds: d.backdateToleranceSeconds ?? 300 });
  const access = checkAccess(s);
  const keys = checkKeyDirectory(s, { rotationGraceSeconds: d.keyRotationGraceSeconds ?? 7 * 86_400 });
  const checks = [checkLeaves(s), checkAnchors(s), timing.check, access.check, checkAccreditation(s), checkErasure(s), keys.check];
  return {
    format: "anxin.audit.report.v1",
    ok: checks.every((c) => c.ok),
    generatedAt: new Date().toISOString(),
    log: { size: s.tree.size, root: toHex(s.tree.root()) },
    chain: { chainId: d.deployment.chainId, checkpointLog: d.deployment.checkpointLog.toLowerCase(), latest: s.latest },
    checks,
    stats: {
      leaves: s.tree.size,
      anchors: s.history.length,
      records: s.records.size,
      keyEntries: s.keys.length,
      legacyKeyEntries: keys.legacyEntries,
      keyPublications: s.publications.length,
      releases: access.releases,
      refusals: access.refusals,
      tombstones: s.tombstones.length,
      unanchoredLeaves: Math.max(0, s.tree.size - s.latest.size),
      maxAnchorDelaySeconds: timing.maxDelaySeconds,
      seconds: Math.round(performance.now() - t0) / 1000,
      emergencyReview: access.emergencyReview,
    },
  };
}
