// The scheduled publication of each matching service's pool, stored so that every server instance (every worker of
// `anxin serve --workers`) serves the one publication the elected publisher made, instead of one of its own each.
export default {
  version: 90,
  name: "pool_publications",
  sql: `
CREATE TABLE pool_publications (
  matcher text PRIMARY KEY,
  publication_id text NOT NULL,
  published_at timestamptz NOT NULL,
  held_count int NOT NULL,
  entries jsonb NOT NULL
);
`,
};
