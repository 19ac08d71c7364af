// The sealed relationship list of each resident (ciphertext only; migration 050).
import type { Queryable } from "./db.js";

export interface RelationshipVaultRow {
  version: number;
  sealed: string;
  updated_at: Date | string;
}

export async function relationshipVaultOf(q: Queryable, owner: string): Promise<RelationshipVaultRow | undefined> {
  const [r] = await q.query<RelationshipVaultRow>("SELECT version, sealed, updated_at FROM relationship_vaults WHERE owner = $1", [owner]);
  return r ? { ...r, version: Number(r.version) } : undefined;
}

/** Stores version `version` if the stored one is `version - 1` (or none, for version 1); false on a lost race. */
export async function putRelationshipVault(q: Queryable, owner: string, version: number, sealed: string): Promise<boolean> {
  const rows =
    version === 1
      ? await q.query("INSERT INTO relationship_vaults (owner, version, sealed) VALUES ($1, 1, $2) ON CONFLICT (owner) DO NOTHING RETURNING owner", [owner, sealed])
      : await q.query("UPDATE relationship_vaults SET version = $2, sealed = $3, updated_at = now() WHERE owner = $1 AND version = $2 - 1 RETURNING owner", [owner, version, sealed]);
  return rows.length === 1;
}
