// CounselorRegistry's accreditation rules, reproduced exactly and pure: every decision (roles at sign-in, record
// writes, key releases, grant suitability, matching, the audit) asks this module and nothing else.
//
// The contract keeps one snapshot per accredit/suspend/reinstate, in force from its block's timestamp:
//   accredit  — new validity window; the suspension flag is kept (a suspension survives re-accreditation)
//   suspend   — suspended from now on (reverts when already suspended or never accredited)
//   reinstate — suspension lifted from now on (reverts when not suspended)
// isAccredited(t) takes the last snapshot with since ≤ t: accredited iff one exists, it is not suspended and
// validFrom ≤ t < validUntil.

export type AccreditationEventName = "CounselorAccredited" | "CounselorSuspended" | "CounselorReinstated";

export interface AccreditationEvent {
  event: AccreditationEventName;
  blockNumber: number;
  logIndex: number;
  /** The block's timestamp (unix seconds): the contract's `since`. */
  blockTime: number;
  /** CounselorAccredited only. */
  validFrom?: number;
  validUntil?: number;
}

/** The contract's Snapshot struct. */
export interface Snapshot {
  since: number;
  validFrom: number;
  validUntil: number;
  suspended: boolean;
}

/** The contract's status history from its events (any order in, chain order out). */
export function snapshotsOf(events: readonly AccreditationEvent[]): Snapshot[] {
  const ordered = [...events].sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
  const out: Snapshot[] = [];
  let cur: Omit<Snapshot, "since"> | undefined;
  for (const e of ordered) {
    if (e.event === "CounselorAccredited") {
      cur = { validFrom: e.validFrom!, validUntil: e.validUntil!, suspended: cur?.suspended ?? false };
    } else {
      // The contract refuses suspend/reinstate of an unknown counselor, so these never come first on a real chain.
      if (!cur) continue;
      cur = { ...cur, suspended: e.event === "CounselorSuspended" };
    }
    out.push({ since: e.blockTime, ...cur });
  }
  return out;
}

/** `isAccredited(counselor, t)` over a status history in chain order. */
export function accreditedAt(history: readonly Snapshot[], t: number): boolean {
  let s: Snapshot | undefined;
  for (const h of history) {
    if (h.since > t) break;
    s = h;
  }
  return !!s && !s.suspended && s.validFrom <= t && t < s.validUntil;
}

/**
 * Whether a counselor is accredited at `t` (unix seconds) by the registry's events. For a past time this is the
 * contract's answer. For a time from `now` on, every recorded event counts: a chain that mined quickly runs ahead
 * of our clock, and a suspension (or an accreditation) the index has seen must hold at once — so the state is read
 * at the chain's present, max(t, the newest event's block time), as the contract would answer at that time.
 */
export function accreditationAt(events: readonly AccreditationEvent[], t: number, now = Math.floor(Date.now() / 1000)): boolean {
  const history = snapshotsOf(events);
  const newest = history.at(-1)?.since ?? 0;
  return accreditedAt(history, t >= now ? Math.max(t, newest) : t);
}

/** When (unix seconds) the answer for "now" next changes by time alone: the current window's start or end, if ahead. */
export function nextWindowEdge(events: readonly AccreditationEvent[], now = Math.floor(Date.now() / 1000)): number {
  const s = snapshotsOf(events).at(-1);
  const t = Math.max(now, s?.since ?? 0);
  return s ? Math.min(...[s.validFrom, s.validUntil].filter((x) => x > t), Infinity) : Infinity;
}

/** Whether the address was ever accredited (a suspended or expired counselor is refused as such, not as a stranger). */
export function everAccredited(events: readonly AccreditationEvent[]): boolean {
  return events.some((e) => e.event === "CounselorAccredited");
}
