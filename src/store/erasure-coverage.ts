// What erasure of a pseudonymous address does to every table of the store. A test compares this map with the
// tables in information_schema after migrations: a new table without an entry here fails it, so nobody adds a
// place for a resident's data without saying how erasure covers it. It also scans every table after a full
// scenario: the erased address may remain only where the entry says "kept", in the form the entry states.
export type Coverage =
  /** Rows naming the address are deleted (or, for the vault, emptied) at erasure. */
  | { erased: string }
  /** Rows naming the address stay, in the form stated: tombstones, log leaves and their mirrors, revoked grants. */
  | { kept: "tombstone" | "log" | "revoked_grant"; why: string }
  /** The table never holds a resident's address or data. */
  | { noResidentData: string };

export const ERASURE_COVERAGE: Readonly<Record<string, Coverage>> = {
  records: { kept: "tombstone", why: "the version row stays with envelope NULL and erased_at set: the audit needs its hash, leaf and subject pseudonym" },
  record_keys: { kept: "tombstone", why: "sealed = NULL and grant_id = NULL: the row stays so the audit can pair it with its key-added leaf" },
  tombstones: { kept: "tombstone", why: "one per erased version, with its tombstone leaf" },
  erasures: { kept: "tombstone", why: "the SHA-256 of the erased address (not the address), so it is answered 410" },
  vault_recipients: { erased: "the address's X25519 key is deleted" },
  access_log: { kept: "log", why: "mirrors the access leaves (hashes, decisions); the audit checks every access against it" },
  log_leaves: { kept: "log", why: "the append-only log: hashes of ciphertexts under destroyed keys, never rewritten" },
  consent_grants: { kept: "revoked_grant", why: "the chain index: every grant of the address is revoked on chain by a revocation it signed at erasure" },
  consent_requests: { erased: "queued grants are dropped at erasure; the rest (and the revocations) once they are revoked on chain" },
  consent_relay_events: { erased: "with the requests of the erased address's grants" },
  consent_notices: { erased: "at erasure, and again with the requests once the revocations are on chain" },
  pool_publications: { erased: "her needs' entries (need id and generalized need) are removed from every stored publication at erasure" },
  wearable_index: { erased: "deleted" },
  wearable_warnings: { erased: "deleted" },
  alerts: { erased: "every alert about or raised by the address, for every recipient" },
  alert_callbacks: { erased: "the callback number she sealed to the on-duty counselors, with its alert" },
  alert_ladders: { erased: "a crisis alert's escalation state, with its alert" },
  counselor_on_call: { noResidentData: "counselors' on-call hours" },
  counselor_public_profiles: { noResidentData: "counselors' public profiles published by the authority" },
  key_publications: { kept: "log", why: "her signed X25519 key publications, each a log leaf: the audit's keys check needs them to show every sealed entry went to a published key (public keys only)" },
  spent_tokens: { noResidentData: "SHA-256 of spent blind-signed need tokens and their month: unlinkable to any address" },
  bookings: { erased: "deleted with their sealed details (both sealed keys); booked slots are freed" },
  consultation_signals: { erased: "deleted with her bookings (ON DELETE CASCADE); swept once the session window closes" },
  booking_slots: { noResidentData: "a counselor's slots; only `taken` changes" },
  match_needs: { erased: "deleted" },
  match_proposals: { erased: "those for the address's needs and those accepted under it as the TREATMENT relationship" },
  match_profiles: { noResidentData: "counselors' profiles" },
  relationship_vaults: { erased: "the sealed relationship list owned by the erased vault address is deleted" },
  sessions: { erased: "deleted; the address cannot sign in again (410)" },
  auth_nonces: { noResidentData: "SIWE nonces, no address" },
  dp_budgets: { noResidentData: "privacy budget per period" },
  dp_releases: { noResidentData: "noisy counts per region, no address" },
  meta: { noResidentData: "service metadata" },
  schema_migrations: { noResidentData: "applied migrations" },
  log_head: { noResidentData: "the log's size and frontier" },
  anchors: { noResidentData: "checkpoints on chain" },
  outbox: { noResidentData: "the operator's chain transactions (checkpoints)" },
  incidents: { noResidentData: "chain/log divergences" },
  chain_cursor: { noResidentData: "the indexer's position" },
  registry_events: { noResidentData: "CounselorRegistry events (staff)" },
  checkpoint_cosignatures: { noResidentData: "witness cosignatures" },
};
