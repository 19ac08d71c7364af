// Drafting a resident's grant on the client, the same in the CLI, the web pages and the demo: fresh salts (core
// buildGrant) and jittered times (docs/FORMATS.md §Time jitter), so that no two grants of one resident share an
// on-chain value (notBefore / notAfter are event fields, like scope and subject).
import { buildGrant, type BuiltGrant, type Purpose } from "../consent/index.js";

/** notBefore = now − U[0, 3600) s: the grant starts at once but its start does not reveal the moment of signing. */
export const START_JITTER_SECONDS = 3600;
/** notAfter = notBefore + days·86400 + U[0, 86400) s. */
export const END_JITTER_SECONDS = 86400;
/** A grant that starts later (startInSeconds) starts within this many seconds after the asked moment. */
export const LATE_START_JITTER_SECONDS = 60;
export const MAX_GRANT_DAYS = 5 * 365;

/** A uniform integer in [0, n), from Web Crypto (Node 22 and every browser), without modulo bias. */
export function randomBelow(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) throw new RangeError("randomBelow: n must be an integer in 1..2^32");
  const limit = 2 ** 32 - (2 ** 32 % n); // draws at or above this would favour the low residues
  const buf = new Uint32Array(1);
  for (;;) {
    globalThis.crypto.getRandomValues(buf);
    if (buf[0] < limit) return buf[0] % n;
  }
}

export interface GrantWindow {
  notBefore: number;
  notAfter: number;
}

/** The jittered validity window of a grant lasting `days` from `now` (Unix seconds). */
export function grantWindow(days: number, now: number, startInSeconds = 0, rand: (n: number) => number = randomBelow): GrantWindow {
  if (!Number.isInteger(days) || days < 1 || days > MAX_GRANT_DAYS) throw new RangeError(`days must be 1..${MAX_GRANT_DAYS}`);
  const notBefore = startInSeconds > 0 ? now + startInSeconds + rand(LATE_START_JITTER_SECONDS) : now - rand(START_JITTER_SECONDS);
  return { notBefore, notAfter: notBefore + days * 86400 + rand(END_JITTER_SECONDS) };
}

export interface DraftInput {
  subject: string;
  grantee: string;
  purpose: Purpose;
  categories: readonly string[];
  days: number;
  /** Unix seconds; defaults to now. */
  now?: number;
  /** Start later than now (seconds ahead); no start jitter backwards then. */
  startInSeconds?: number;
}

export function draftGrant(d: DraftInput): BuiltGrant {
  const { notBefore, notAfter } = grantWindow(d.days, d.now ?? Math.floor(Date.now() / 1000), d.startInSeconds ?? 0);
  return buildGrant({ subject: d.subject, grantee: d.grantee, purpose: d.purpose, categories: d.categories, notBefore, notAfter });
}
