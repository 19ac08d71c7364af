// Staff roles come from the chain (CounselorRegistry); everyone else who signs in is a resident,
// identified only by a per-relationship pseudonymous address. Cached briefly: a role change on chain
// takes effect within ttlMs, and our own admin routes invalidate at once.
import { keccak256, toUtf8Bytes, type Contract } from "ethers";
import type { Role, Session } from "../http/route.js";

export const AUTHORITY_ROLE = keccak256(toUtf8Bytes("AUTHORITY_ROLE"));

export interface RoleResolver {
  sessionFor(address: string): Promise<Session>;
  invalidate(address?: string): void;
}

export function chainRoleResolver(registry: Contract, ttlMs = 2000): RoleResolver {
  const cache = new Map<string, { at: number; session: Session }>();
  return {
    async sessionFor(address) {
      const a = address.toLowerCase();
      const hit = cache.get(a);
      if (hit && Date.now() - hit.at < ttlMs) return hit.session;
      const now = Math.floor(Date.now() / 1000);
      const [accredited, auditor, matcher, admin, info] = await Promise.all([
        registry.isAccredited(a, now) as Promise<boolean>,
        registry.isAuditor(a) as Promise<boolean>,
        registry.isMatcher(a) as Promise<boolean>,
        registry.hasRole(AUTHORITY_ROLE, a) as Promise<boolean>,
        registry.counselorInfo(a) as Promise<{ licenseHash: string }>,
      ]);
      const roles = new Set<Role>();
      if (accredited) roles.add("counselor");
      if (auditor) roles.add("auditor");
      if (matcher) roles.add("matcher");
      if (admin) roles.add("admin");
      const formerCounselor = !accredited && info.licenseHash !== "0x" + "0".repeat(64);
      if (roles.size === 0 && !formerCounselor) roles.add("resident");
      const session: Session = { address: a, roles, formerCounselor };
      cache.set(a, { at: Date.now(), session });
      return session;
    },
    invalidate(address) {
      if (address) cache.delete(address.toLowerCase());
      else cache.clear();
    },
  };
}
