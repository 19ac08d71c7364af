// Counselors' public profiles (migration 35): the latest document the authority published for each counselor.
import type { Queryable } from "./db.js";

export interface StoredProfile {
  counselor: string;
  profileHash: string;
  /** The document's canonical JSON, as stored. */
  document: string;
}

export async function upsertPublicProfile(q: Queryable, p: StoredProfile): Promise<void> {
  await q.query(
    `INSERT INTO counselor_public_profiles (counselor, profile_hash, document) VALUES ($1, $2, $3)
     ON CONFLICT (counselor) DO UPDATE SET profile_hash = EXCLUDED.profile_hash, document = EXCLUDED.document, stored_at = now()`,
    [p.counselor, p.profileHash, p.document],
  );
}

export async function publicProfileOf(q: Queryable, counselor: string): Promise<StoredProfile | undefined> {
  const [r] = await q.query<{ counselor: string; profile_hash: string; document: string }>(
    "SELECT counselor, profile_hash, document FROM counselor_public_profiles WHERE counselor = $1",
    [counselor],
  );
  return r ? { counselor: r.counselor, profileHash: r.profile_hash, document: r.document } : undefined;
}

export async function allPublicProfiles(q: Queryable, limit: number): Promise<StoredProfile[]> {
  const rows = await q.query<{ counselor: string; profile_hash: string; document: string }>(
    "SELECT counselor, profile_hash, document FROM counselor_public_profiles ORDER BY counselor LIMIT $1",
    [limit],
  );
  return rows.map((r) => ({ counselor: r.counselor, profileHash: r.profile_hash, document: r.document }));
}
