// The stored pool publications (one per matching service): written by the elected publisher, read by every instance.
import type { Queryable } from "./db.js";

export interface PublicationRow<E> {
  publicationId: string;
  publishedAt: string;
  heldCount: number;
  entries: E[];
}

export async function latestPublication<E>(q: Queryable, matcher: string): Promise<PublicationRow<E> | undefined> {
  const [r] = await q.query<{ publication_id: string; published_at: Date | string; held_count: number; entries: E[] | string }>(
    "SELECT publication_id, published_at, held_count, entries FROM pool_publications WHERE matcher = $1",
    [matcher],
  );
  if (!r) return undefined;
  return { publicationId: r.publication_id, publishedAt: new Date(r.published_at).toISOString(), heldCount: Number(r.held_count), entries: typeof r.entries === "string" ? JSON.parse(r.entries) : r.entries };
}

/** The id of a matcher's stored publication, if it is younger than `ms` (then no new one is due). */
export async function freshPublicationId(q: Queryable, matcher: string, ms: number): Promise<string | undefined> {
  const [r] = await q.query<{ publication_id: string }>(
    "SELECT publication_id FROM pool_publications WHERE matcher = $1 AND published_at > now() - make_interval(secs => $2::double precision)",
    [matcher, ms / 1000],
  );
  return r?.publication_id;
}

export async function publishedMatchers(q: Queryable): Promise<string[]> {
  return (await q.query<{ matcher: string }>("SELECT matcher FROM pool_publications ORDER BY matcher")).map((r) => r.matcher);
}

export async function putPublication<E>(q: Queryable, matcher: string, p: PublicationRow<E>): Promise<void> {
  await q.query(
    `INSERT INTO pool_publications (matcher, publication_id, published_at, held_count, entries) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (matcher) DO UPDATE SET publication_id = EXCLUDED.publication_id, published_at = EXCLUDED.published_at,
       held_count = EXCLUDED.held_count, entries = EXCLUDED.entries`,
    [matcher, p.publicationId, p.publishedAt, p.heldCount, JSON.stringify(p.entries)],
  );
}

/** Erasure: the subject's needs leave every stored publication (before her match_needs rows are deleted). */
export async function dropNeedsFromPublications(q: Queryable, subject: string): Promise<void> {
  await q.query(
    `UPDATE pool_publications p SET entries = COALESCE((SELECT jsonb_agg(e) FROM jsonb_array_elements(p.entries) e
        WHERE NOT EXISTS (SELECT 1 FROM match_needs n WHERE n.subject = $1 AND n.need_id = e->>'needId')), '[]'::jsonb)
      WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(p.entries) e JOIN match_needs n ON n.need_id = e->>'needId' WHERE n.subject = $1)`,
    [subject],
  );
}
