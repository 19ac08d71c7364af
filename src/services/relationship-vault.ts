// The resident's sealed relationship list (src/crypto/relationship-vault.ts): the server stores one opaque ciphertext
// per signed-in owner and its version, so any of her devices restored from the seed can fetch it again. It checks
// only the shape and the version order; the content is hers alone.
import { conflict, notFound } from "./errors.js";
import type { Session } from "./session.js";
import type { AppContext } from "./context.js";
import { putRelationshipVault, relationshipVaultOf } from "../store/relationship-vault-repo.js";

export interface SealedRelationships {
  version: number;
  sealed: string;
  updatedAt: string;
}

export function relationshipVault(ctx: AppContext) {
  return {
    async get(session: Session): Promise<SealedRelationships> {
      const r = await relationshipVaultOf(ctx.db, session.address);
      if (!r) throw notFound("no relationship list stored for this address", { code: "no_relationship_vault" });
      return { version: r.version, sealed: r.sealed, updatedAt: new Date(r.updated_at).toISOString() };
    },
    /** Stores `version` on top of `version - 1`; a stale writer gets a conflict and merges first. */
    async put(session: Session, version: number, sealed: string): Promise<SealedRelationships> {
      if (!(await putRelationshipVault(ctx.db, session.address, version, sealed))) {
        const cur = await relationshipVaultOf(ctx.db, session.address);
        throw conflict(`the stored list is at version ${cur?.version ?? 0}; fetch, merge and store version ${(cur?.version ?? 0) + 1}`, { code: "stale_version" });
      }
      return { version, sealed, updatedAt: new Date().toISOString() };
    },
  };
}
