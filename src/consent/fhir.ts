// FHIR R4 Consent export of a grant. Pseudonymous only: the patient and actor are ledger addresses, no identity.
import { isActiveAt, grantId as computeGrantId, normalizeGrant } from "./messages.js";
import { explainGrant, type GranteeRole, type Lang } from "./plain.js";
import { canonicalCategories } from "./scope.js";
import { Purpose, type GrantRecord } from "./types.js";

export const FHIR_SYSTEMS = {
  consentScope: "http://terminology.hl7.org/CodeSystem/consentscope",
  loinc: "http://loinc.org",
  actCode: "http://terminology.hl7.org/CodeSystem/v3-ActCode",
  actReason: "http://terminology.hl7.org/CodeSystem/v3-ActReason",
  participationType: "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
  confidentiality: "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
  consentAction: "http://terminology.hl7.org/CodeSystem/consentaction",
  /** Project-local identifier systems. */
  pseudonym: "urn:anxin:pseudonym",
  grantId: "urn:anxin:grant-id",
  dataCategory: "urn:anxin:data-category",
} as const;

interface Coding {
  system: string;
  code: string;
  display?: string;
}

/** v3-ActReason (PurposeOfUse) per purpose; see docs/FORMATS.md (Consent) for the reasoning. */
export const PURPOSE_OF_USE: Record<Purpose, Coding[]> = {
  [Purpose.TREATMENT]: [{ system: FHIR_SYSTEMS.actReason, code: "TREAT", display: "treatment" }],
  [Purpose.MATCHING]: [{ system: FHIR_SYSTEMS.actReason, code: "CAREMGT", display: "care management" }],
  [Purpose.RESEARCH_AGGREGATE]: [{ system: FHIR_SYSTEMS.actReason, code: "HRESCH", display: "healthcare research" }],
  [Purpose.MONITORING]: [{ system: FHIR_SYSTEMS.actReason, code: "TREAT", display: "treatment" }],
  [Purpose.EMERGENCY]: [
    { system: FHIR_SYSTEMS.actReason, code: "ETREAT", display: "Emergency Treatment" },
    { system: FHIR_SYSTEMS.actReason, code: "BTG", display: "break the glass" },
  ],
};

const ACTOR_TYPE: Record<Purpose, "Practitioner" | "Device" | "Organization"> = {
  [Purpose.TREATMENT]: "Practitioner",
  [Purpose.MATCHING]: "Device",
  [Purpose.RESEARCH_AGGREGATE]: "Organization",
  [Purpose.MONITORING]: "Practitioner",
  [Purpose.EMERGENCY]: "Practitioner",
};

const GRANTEE_ROLE: Record<Purpose, GranteeRole> = {
  [Purpose.TREATMENT]: "counselor",
  [Purpose.MATCHING]: "matching_service",
  [Purpose.RESEARCH_AGGREGATE]: "research_team",
  [Purpose.MONITORING]: "counselor",
  [Purpose.EMERGENCY]: "counselor",
};

export type FhirConsentStatus = "active" | "inactive";

export interface FhirConsentOptions {
  lang?: Lang;
  /** Explicit status; otherwise derived from isActiveAt(record, at). */
  status?: FhirConsentStatus;
  at?: number;
  /** Consent.policy[0].uri: the operator's consent policy. */
  policyUrl?: string;
}

function iso(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(".000Z", "Z");
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A FHIR R4 Consent (plain JSON object) for one grant. */
export function toFhirConsent(record: GrantRecord, opts: FhirConsentOptions = {}): Record<string, unknown> {
  const grant = normalizeGrant(record.grant);
  const id = computeGrantId(grant);
  let status: FhirConsentStatus;
  if (opts.status !== undefined) status = opts.status;
  else if (opts.at !== undefined) status = isActiveAt({ ...grant, revokedAt: record.revokedAt, onChain: record.onChain }, opts.at) ? "active" : "inactive";
  else throw new TypeError("give a status or the time `at` to derive it");
  const lang = opts.lang ?? "zh-CN";
  const categories = canonicalCategories(record.categories);
  const emergency = grant.purpose === Purpose.EMERGENCY;
  // Addresses leave Anxin in lowercase (docs/FORMATS.md): the identifier matches the API's and the log's spelling.
  const patient = { type: "Patient", identifier: { system: FHIR_SYSTEMS.pseudonym, value: grant.subject.toLowerCase() } };
  const granteeRef = { type: ACTOR_TYPE[grant.purpose], identifier: { system: FHIR_SYSTEMS.pseudonym, value: grant.grantee.toLowerCase() } };

  const ex = explainGrant(
    { purpose: grant.purpose, granteeRole: GRANTEE_ROLE[grant.purpose], categories, notBefore: grant.notBefore, notAfter: grant.notAfter },
    lang,
  );
  const narrative = [ex.who, ex.what, ex.why, ex.until, ex.howToWithdraw].map((s) => `<p>${escapeXml(s)}</p>`).join("");

  const consent: Record<string, unknown> = {
    resourceType: "Consent",
    // FHIR ids are [A-Za-z0-9-.]{1,64}: the grantId without 0x is exactly 64 hex digits.
    id: id.slice(2),
    language: lang,
    text: { status: "generated", div: `<div xmlns="http://www.w3.org/1999/xhtml" lang="${lang}">${narrative}</div>` },
    identifier: [{ system: FHIR_SYSTEMS.grantId, value: id }],
    status,
    scope: { coding: [{ system: FHIR_SYSTEMS.consentScope, code: "patient-privacy", display: "Privacy Consent" }] },
    category: [{ coding: [{ system: FHIR_SYSTEMS.loinc, code: "59284-0", display: "Patient Consent" }] }],
    // ppc-2: a patient-privacy consent must name the patient (here by pseudonym only).
    patient,
    dateTime: iso(record.recordedAt),
    // Resident grants are given by the subject; break-glass is opened by the counselor.
    performer: [emergency ? granteeRef : patient],
    // ppc-1: policy or policyRule; we always give policyRule and add the operator's policy URI when known.
    policyRule: {
      coding: [
        emergency
          ? { system: FHIR_SYSTEMS.actCode, code: "EMRGONLY", display: "emergency only" }
          : { system: FHIR_SYSTEMS.actCode, code: "OPTIN", display: "opt-in" },
      ],
    },
    provision: {
      type: "permit",
      // FHIR Period.end is inclusive; the ledger's notAfter is exclusive.
      period: { start: iso(grant.notBefore), end: iso(grant.notAfter - 1) },
      actor: [
        {
          role: { coding: [{ system: FHIR_SYSTEMS.participationType, code: "PRCP", display: "primary information recipient" }] },
          reference: granteeRef,
        },
      ],
      action: [{ coding: [{ system: FHIR_SYSTEMS.consentAction, code: "access" }] }],
      securityLabel: [
        { system: FHIR_SYSTEMS.confidentiality, code: "R", display: "restricted" },
        { system: FHIR_SYSTEMS.actCode, code: "MH", display: "mental health information sensitivity" },
      ],
      purpose: PURPOSE_OF_USE[grant.purpose],
      code: categories.map((c) => ({ coding: [{ system: FHIR_SYSTEMS.dataCategory, code: c }] })),
    },
  };
  if (opts.policyUrl !== undefined) consent.policy = [{ uri: opts.policyUrl }];
  return consent;
}
