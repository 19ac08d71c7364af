// 3 timing: no record claims a time after its first covering anchor, or long before an anchor that did not include
// it (back-dating); the maximum anchoring delay.
import { firstCovering, lastNotCovering } from "../checkpoints.js";
import { Findings, type AuditCheck } from "./report.js";
import type { AuditSnapshot } from "./snapshot.js";

export interface TimingRules {
  /** Block times vs claimed times: clock skew allowed. */
  skewSeconds: number;
  /** A record may be stored this long after its claimed time before we call it back-dated. */
  backdateToleranceSeconds: number;
}

export function checkTiming(s: AuditSnapshot, rules: TimingRules): { check: AuditCheck; maxDelaySeconds: number | null } {
  const c = new Findings("timing", "claimed times agree with the anchors; maximum anchoring delay");
  let maxDelay: number | null = null;
  for (const [idx, leaf] of s.recordLeaves) {
    const claimed = Date.parse(leaf.at) / 1000;
    const cover = firstCovering(s.history, idx);
    if (cover) {
      if (claimed > cover.blockTime + rules.skewSeconds) c.fail("claimed-after-anchor", `record leaf ${idx} (${leaf.id}) claims a time after block ${cover.blockNumber} that anchored it`);
      maxDelay = Math.max(maxDelay ?? 0, Math.max(0, cover.blockTime - claimed));
    }
    const before = lastNotCovering(s.history, idx);
    if (before && claimed < before.blockTime - rules.backdateToleranceSeconds) {
      c.fail("backdated", `record leaf ${idx} (${leaf.id}) claims a time ${Math.round(before.blockTime - claimed)} s before checkpoint size ${before.size} (block ${before.blockNumber}) that did not include it`);
    }
  }
  return { check: c.done(), maxDelaySeconds: maxDelay };
}
