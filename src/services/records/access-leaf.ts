// The key release / refusal leaf (docs/FORMATS.md, "Log leaves"), version 2: it commits the grant a release was made
// under, so neither the grant id in access_log nor the index's grantee/purpose can be rewritten after the fact
// without the anchored log disagreeing. Version 1 leaves (no `v`, no `grant`) stay as they were and verify as before.
import type { LogEvent } from "../../log/index.js";

export const ACCESS_LEAF_VERSION = 2;

/** `{type:"access", id:"acc:<id>", hash, at, decision, v:2, basis?, grant?}`: basis and grant only on a release. */
export function accessLeaf(id: string | number, contentHash: string, at: string, released?: { basis: string; grantId: string | null }): LogEvent {
  return {
    type: "access",
    id: `acc:${id}`,
    hash: contentHash.replace(/^0x/, ""),
    at,
    decision: released ? "released" : "refused",
    v: ACCESS_LEAF_VERSION,
    ...(released ? { basis: released.basis } : {}),
    ...(released?.grantId ? { grant: released.grantId.toLowerCase() } : {}),
  };
}
