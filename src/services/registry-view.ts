// Registry facts read from the chain event index (not an RPC): whether an address is a registered matching
// service or an accredited counselor now. Used on paths that must keep working while the chain is unreachable.
import type { Queryable } from "../store/db.js";

/** True when the latest MatcherRegistered/MatcherDeregistered event for the address is a registration. */
export async function isIndexedMatcher(q: Queryable, address: string): Promise<boolean> {
  const [r] = await q.query<{ event: string }>(
    `SELECT event FROM registry_events WHERE account = $1 AND event IN ('MatcherRegistered', 'MatcherDeregistered')
     ORDER BY block_number DESC, log_index DESC LIMIT 1`,
    [address.toLowerCase()],
  );
  return r?.event === "MatcherRegistered";
}

/** Accredited at `atSeconds` per the index: the last accreditation's window holds and no later suspension. */
export async function isIndexedAccredited(q: Queryable, address: string, atSeconds: number): Promise<boolean> {
  const rows = await q.query<{ event: string; data: string }>(
    `SELECT event, data FROM registry_events WHERE account = $1
       AND event IN ('CounselorAccredited', 'CounselorSuspended', 'CounselorReinstated')
     ORDER BY block_number DESC, log_index DESC`,
    [address.toLowerCase()],
  );
  let suspended: boolean | undefined;
  for (const r of rows) {
    if (r.event === "CounselorSuspended") suspended ??= true;
    else if (r.event === "CounselorReinstated") suspended ??= false;
    else {
      // data = [counselor, licenseHash, encryptionKey, validFrom, validUntil]
      const args = JSON.parse(r.data) as string[];
      const from = Number(args[3]);
      const until = Number(args[4]);
      return suspended !== true && from <= atSeconds && atSeconds < until;
    }
  }
  return false;
}
