// Drafting a resident's grant on the client: fresh salts (core buildGrant) and jittered times, so that no two
// grants of one resident share an on-chain value (notBefore / notAfter are event fields, like scope and subject).
import { randomInt } from "node:crypto";
import { buildGrant, type BuiltGrant, type Purpose } from "../consent/index.js";

/** notBefore = now − U[0, 3600) s: the grant starts at once but its start does not reveal the moment of signing. */
export const START_JITTER_SECONDS = 3600;
/** notAfter = notBefore + days + U[0, 86400) s. */
export const END_JITTER_SECONDS = 86400;

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
  if (!Number.isInteger(d.days) || d.days < 1 || d.days > 5 * 365) throw new RangeError("days must be 1..1825");
  const now = d.now ?? Math.floor(Date.now() / 1000);
  const notBefore = d.startInSeconds ? now + d.startInSeconds + randomInt(0, 60) : now - randomInt(0, START_JITTER_SECONDS);
  const notAfter = notBefore + d.days * 86400 + randomInt(0, END_JITTER_SECONDS);
  return buildGrant({ subject: d.subject, grantee: d.grantee, purpose: d.purpose, categories: d.categories, notBefore, notAfter });
}
