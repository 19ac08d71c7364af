// Staff roles come from the chain (CounselorRegistry), read from the chain event index that the indexer keeps in
// step with it — not an RPC per request, and still answering while the chain is unreachable. Everyone else who
// signs in is a resident, identified only by a per-relationship pseudonymous address. The cache is cleared
// whenever the indexer sees a registry event.
import { keccak256, toUtf8Bytes } from "ethers";
import type { Role, Session } from "./session.js";
import type { Queryable } from "../store/db.js";
import { holdsIndexedRole, indexedAccreditation, isIndexedAuditor, isIndexedMatcher } from "./registry-view.js";

export const AUTHORITY_ROLE = keccak256(toUtf8Bytes("AUTHORITY_ROLE"));

export interface RoleResolver {
  sessionFor(address: string): Promise<Session>;
  invalidate(address?: string): void;
}

export function indexedRoleResolver(q: Queryable, ttlMs = 5000): RoleResolver {
  const cache = new Map<string, { until: number; session: Session }>();
  return {
    async sessionFor(address) {
      const a = address.toLowerCase();
      const hit = cache.get(a);
      if (hit && Date.now() < hit.until) return hit.session;
      const now = Math.floor(Date.now() / 1000);
      const [{ accredited, ever: everAccredited, until }, auditor, matcher, admin] = await Promise.all([
        indexedAccreditation(q, a, now),
        isIndexedAuditor(q, a),
        isIndexedMatcher(q, a),
        holdsIndexedRole(q, a, AUTHORITY_ROLE),
      ]);
      const roles = new Set<Role>();
      if (accredited) roles.add("counselor");
      if (auditor) roles.add("auditor");
      if (matcher) roles.add("matcher");
      if (admin) roles.add("admin");
      const formerCounselor = !accredited && everAccredited;
      if (roles.size === 0 && !formerCounselor) roles.add("resident");
      const session: Session = { address: a, roles, formerCounselor };
      // Kept until the TTL or the moment the accreditation window opens or closes, whichever comes first.
      cache.set(a, { until: Math.min(Date.now() + ttlMs, until * 1000), session });
      return session;
    },
    invalidate(address) {
      if (address) cache.delete(address.toLowerCase());
      else cache.clear();
    },
  };
}
