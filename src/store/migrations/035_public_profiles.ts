// Counselors' public profiles as the authority published them: the document (its canonical JSON) and its SHA-256,
// which CounselorRegistry holds. The server keeps only the latest document per counselor; clients check it against
// the chain, so a row here is a copy, never the authority's word.
export default {
  version: 35,
  name: "public_profiles",
  sql: `
    CREATE TABLE counselor_public_profiles (
      counselor text PRIMARY KEY CHECK (counselor ~ '^0x[0-9a-f]{40}$'),
      profile_hash text NOT NULL CHECK (profile_hash ~ '^0x[0-9a-f]{64}$'),
      document text NOT NULL,
      stored_at timestamptz NOT NULL DEFAULT now()
    );
  `,
};
