// Need tokens and per-publication need references (issue 22, "only real residents count"). spent_tokens holds
// the SHA-256 of each spent token's message per period (double spending), nothing that names a resident or a
// need; match_needs.token_backed marks needs that spent one (only those enter the publication gate);
// match_proposals.need_ref is the need's reference in the publication the proposal was made from (the matcher never
// sees a needId that lives longer than one publication).
export default {
  version: 45,
  name: "need_tokens",
  sql: `
    CREATE TABLE spent_tokens (
      period text NOT NULL,
      token_hash text NOT NULL CHECK (token_hash ~ '^[0-9a-f]{64}$'),
      PRIMARY KEY (period, token_hash)
    );
    ALTER TABLE match_needs ADD COLUMN token_backed boolean NOT NULL DEFAULT false;
    ALTER TABLE match_proposals ADD COLUMN need_ref text;
  `,
};
