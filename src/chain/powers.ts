// Separate powers: outside the embedded dev chain the operator key (relayer, checkpoint writer) must hold no role on
// the CounselorRegistry. A server whose operator could accredit would let whoever runs it (or steals its key) make
// anyone a counselor; start-up stops instead.
import type { Contract } from "ethers";


/** The operator holds AUTHORITY_ROLE or the registry's default-admin role on a chain other than the dev chain. */
export class OperatorHoldsAuthorityError extends Error {
  constructor(readonly operator: string, readonly roles: string[]) {
    super(
      `the operator key ${operator} holds ${roles.join(" and ")} on the CounselorRegistry: outside the embedded dev chain ` +
        "the operator only relays and anchors. Grant the authority's own key the role and renounce it from the operator " +
        "(renounceRole / beginDefaultAdminTransfer), or deploy with `anxin deploy --authority <address>`",
    );
    this.name = "OperatorHoldsAuthorityError";
  }
}

/** Throws OperatorHoldsAuthorityError when `operator` holds AUTHORITY_ROLE or DEFAULT_ADMIN_ROLE on `registry`. */
export async function assertSeparatePowers(registry: Contract, operator: string): Promise<void> {
  const authorityRole = (await registry.AUTHORITY_ROLE()) as string;
  const adminRole = (await registry.DEFAULT_ADMIN_ROLE()) as string;
  const held: string[] = [];
  if (await registry.hasRole(authorityRole, operator)) held.push("AUTHORITY_ROLE");
  if (await registry.hasRole(adminRole, operator)) held.push("DEFAULT_ADMIN_ROLE");
  if (held.length) throw new OperatorHoldsAuthorityError(operator.toLowerCase(), held);
}
