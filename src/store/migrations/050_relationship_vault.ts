// The resident's relationship list, sealed in the browser to a key of her seed: one ciphertext per owner (her
// "vault" relationship address) with a version for optimistic concurrency. The server never sees the plaintext.
export default {
  version: 50,
  name: "relationship_vault",
  sql: `
CREATE TABLE relationship_vaults (
  owner text PRIMARY KEY,
  version integer NOT NULL,
  sealed text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
`,
};
