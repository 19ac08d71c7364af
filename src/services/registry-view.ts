// Registry facts read from the chain event index (not an RPC): whether an address is a registered matching
// service, an auditor, an authority or an accredited counselor. Used on paths that must keep working while the
// chain is unreachable. Accreditation is decided by accreditation.ts alone (the contract's rules).
import type { Queryable } from "../store/db.js";
import { latestRegistryEventPerAccount, recentRegistryEvents, registryEventsOf, type RegistryEventRow } from "../store/registry-repo.js";
import { accreditationAt, everAccredited, nextWindowEdge, type AccreditationEvent, type AccreditationEventName } from "./accreditation.js";

const ACCREDITATION_EVENTS: AccreditationEventName[] = ["CounselorAccredited", "CounselorSuspended", "CounselorReinstated"];

function toAccreditationEvent(r: RegistryEventRow): AccreditationEvent {
  const e: AccreditationEvent = { event: r.event as AccreditationEventName, blockNumber: r.blockNumber, logIndex: r.logIndex, blockTime: r.blockTime };
  // CounselorAccredited(counselor, licenseHash, encryptionKey, validFrom, validUntil)
  if (r.event === "CounselorAccredited") Object.assign(e, { validFrom: Number(r.args[3]), validUntil: Number(r.args[4]) });
  return e;
}

/** The counselor's accreditation events from the index, in chain order. */
export async function accreditationEvents(q: Queryable, address: string): Promise<AccreditationEvent[]> {
  return (await registryEventsOf(q, address, ACCREDITATION_EVENTS)).map(toAccreditationEvent);
}

/** Accredited at `atSeconds` per the index and the contract's rules (a time from now on: the chain's present). */
export async function isIndexedAccredited(q: Queryable, address: string, atSeconds: number, nowSeconds?: number): Promise<boolean> {
  return accreditationAt(await accreditationEvents(q, address), atSeconds, nowSeconds);
}

/** Accredited now, whether the address was ever accredited (a suspended or expired counselor), and until when by time alone. */
export async function indexedAccreditation(q: Queryable, address: string, nowSeconds = Math.floor(Date.now() / 1000)) {
  const events = await accreditationEvents(q, address);
  return { accredited: accreditationAt(events, nowSeconds, nowSeconds), ever: everAccredited(events), until: nextWindowEdge(events, nowSeconds) };
}

/** Whether the newest of a pair of on/off events for the account is the "on" one (for a role: RoleGranted's role). */
async function latestIs(q: Queryable, account: string, on: string, off: string, role?: string): Promise<boolean> {
  const rows = (await registryEventsOf(q, account, [on, off])).filter((r) => !role || r.args[0]?.toLowerCase() === role);
  return rows.at(-1)?.event === on;
}

/** True when the latest MatcherRegistered/MatcherDeregistered event for the address is a registration. */
export function isIndexedMatcher(q: Queryable, address: string): Promise<boolean> {
  return latestIs(q, address, "MatcherRegistered", "MatcherDeregistered");
}

export function isIndexedAuditor(q: Queryable, address: string): Promise<boolean> {
  return latestIs(q, address, "AuditorAppointed", "AuditorDismissed");
}

/** RoleGranted/RoleRevoked data = [role, account, sender]: only the role asked for counts. */
export function holdsIndexedRole(q: Queryable, address: string, role: string): Promise<boolean> {
  return latestIs(q, address, "RoleGranted", "RoleRevoked", role.toLowerCase());
}

/** The authority's view of the registry: the newest events, of one account or of all. */
export function registryHistory(q: Queryable, limit: number, account?: string) {
  return recentRegistryEvents(q, limit, account);
}

/** Matching services whose latest registry event is a registration, with its time. */
export async function registeredMatchers(q: Queryable): Promise<Array<{ address: string; since: number }>> {
  const rows = await latestRegistryEventPerAccount(q, ["MatcherRegistered", "MatcherDeregistered"]);
  return rows.filter((r) => r.event === "MatcherRegistered").map((r) => ({ address: r.account, since: r.blockTime }));
}
