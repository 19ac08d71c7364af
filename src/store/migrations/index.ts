// Versioned migrations, applied in order at start. Append only: never edit a released migration.
import core from "./001_core.js";
import chainIndex from "./002_chain_index.js";
import records from "./003_records.js";
import consentRelay from "./004_consent_relay.js";
import anchoring from "./005_anchoring.js";
import matching from "./006_matching.js";
import assessAlerts from "./007_assess.js";
import recordsInline from "./008_records_inline.js";
import nationalPlaces from "./009_national_places.js";
import grantQuotaIndex from "./011_grant_quota_index.js";
import sessions from "./013_sessions.js";
import witnessCosignatures from "./019_witness_cosignatures.js";
import keyDirectory from "./030_key_directory.js";
import publicProfiles from "./035_public_profiles.js";
import erasures from "./040_erasures.js";
import needTokens from "./045_need_tokens.js";
import relationshipVault from "./050_relationship_vault.js";
import crisisEscalation from "./060_crisis_escalation.js";
import slotPlace from "./070_slot_place.js";
import consultationSignals from "./075_consultation_signals.js";
import poolPublications from "./090_pool_publications.js";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [core, chainIndex, records, consentRelay, anchoring, matching, assessAlerts, recordsInline, nationalPlaces, grantQuotaIndex, sessions, witnessCosignatures, keyDirectory, publicProfiles, erasures, needTokens, relationshipVault, crisisEscalation, slotPlace, consultationSignals, poolPublications];
