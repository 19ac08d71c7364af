// When a resident's client sends what would otherwise tie her relationships together by time (docs/threat-model.md,
// "An observer pairing relationships"): copies of one record to several relationships leave at independent random
// moments, and the TREATMENT grant after a matching accept leaves at a moment drawn independently of the accept.
// Sizes are handled by padding (src/crypto/padding.ts); grant times on chain by draftGrant's jitter.
import type { BuiltGrant } from "../consent/index.js";
import { randomBelow } from "./grants.js";

/**
 * Library/CLI: every copy of a record made on one UTC day leaves at an independent uniform moment of the next day
 * (sealed then), so for records of the same day the send moments say nothing about which copies belong together.
 */
export const COPY_SLOT_MS = 86_400_000;
/**
 * The TREATMENT grant leaves at a uniform moment of the ACCEPT_GRANT_WINDOW_MS after the proposal's deadline
 * (every accept comes before it), so the moment does not depend on when she accepted. The server keeps an
 * accepting proposal open that long past its deadline (ACCEPT_GRANT_GRACE_SECONDS of services/matching.ts).
 */
export const ACCEPT_GRANT_WINDOW_MS = 24 * 3600_000;
const RELAY_MARGIN_MS = 60_000;

/** A uniform delay in [0, maxMs) ms (Web Crypto, unbiased); 0 when maxMs is 0. */
export function drawDelayMs(maxMs: number, rand: (n: number) => number = randomBelow): number {
  if (!Number.isInteger(maxMs) || maxMs < 0 || maxMs > 2 ** 32) throw new RangeError("maxMs must be an integer in 0..2^32");
  return maxMs === 0 ? 0 : rand(maxMs);
}

/** One independent send moment per copy, each uniform over the slot after the one `nowMs` falls in. */
export function copySendTimes(n: number, nowMs: number, slotMs = COPY_SLOT_MS, rand: (n: number) => number = randomBelow): number[] {
  const start = (Math.floor(nowMs / slotMs) + 1) * slotMs;
  return Array.from({ length: n }, () => start + drawDelayMs(slotMs, rand));
}

/** When to send the TREATMENT grant for a proposal accepted at `nowMs` whose deadline is `expiresAtMs`. */
export function grantSendTime(nowMs: number, expiresAtMs: number, windowMs = ACCEPT_GRANT_WINDOW_MS, rand: (n: number) => number = randomBelow): number {
  return Math.max(nowMs, expiresAtMs) + drawDelayMs(Math.max(0, windowMs - RELAY_MARGIN_MS), rand);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs each task after its own independent delay within maxMs (all in parallel); resolves when all are done. */
export async function sendSpread<T>(tasks: ReadonlyArray<() => Promise<T>>, maxMs: number, wait: (ms: number) => Promise<void> = sleep): Promise<T[]> {
  return Promise.all(tasks.map(async (task) => {
    await wait(drawDelayMs(maxMs));
    return task();
  }));
}

/** The drafted grant moved later by `seconds` (signed when it is sent: its window then starts from the send time). */
export function shiftGrant(built: BuiltGrant, seconds: number): BuiltGrant {
  const s = Math.max(0, Math.round(seconds));
  return { ...built, grant: { ...built.grant, notBefore: built.grant.notBefore + s, notAfter: built.grant.notAfter + s } };
}
