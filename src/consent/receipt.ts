// Consent receipt after the Kantara Initiative Consent Receipt Specification v1.1 (KI-CR-v1.1.0), with the ledger
// facts an auditor needs to recompute the grantId and find the transaction (under the `anxin` key).
import { getAddress, randomBytes, uuidV4 } from "ethers";
import { grantId as computeGrantId, normalizeGrant } from "./messages.js";
import { CATEGORY_LABELS, PURPOSE_LABELS, formatDate, type Lang } from "./plain.js";
import { canonicalCategories, type DataCategory } from "./scope.js";
import { Purpose, purposeName, type GrantRecord, type PurposeName } from "./types.js";

export const KANTARA_CR_VERSION = "KI-CR-v1.1.0";

/** Kantara CR v1.1 purpose categories we use. */
const PURPOSE_CATEGORY: Record<Purpose, string[]> = {
  [Purpose.TREATMENT]: ["1 - Core Function"],
  [Purpose.MATCHING]: ["1 - Core Function"],
  [Purpose.RESEARCH_AGGREGATE]: ["16 - Improve Performance"],
  [Purpose.MONITORING]: ["14 - Protecting Your Health"],
  [Purpose.EMERGENCY]: ["14 - Protecting Your Health"],
};

/** Kantara CR v1.1 PII categories for our data categories. */
const PII_CATEGORY: Record<DataCategory, string[]> = {
  assessment: ["6 - Health"],
  consultation_note: ["6 - Health"],
  care_plan: ["6 - Health"],
  referral: ["6 - Health"],
  wearable_summary: ["6 - Health", "3 - Biometric"],
  identity: ["1 - Biographical", "2 - Contact"],
  need: ["6 - Health"],
};

export interface PiiController {
  piiController: string;
  contact: string;
  address: { streetAddress?: string; addressLocality?: string; addressRegion?: string; addressCountry: string } | string;
  email: string;
  phone: string;
  onBehalf?: boolean;
  piiControllerUrl?: string;
}

export interface ConsentReceiptPurpose {
  purpose: string;
  purposeCategory: string[];
  consentType: "EXPLICIT";
  piiCategory: string[];
  primaryPurpose: boolean;
  termination: string;
  thirdPartyDisclosure: boolean;
  thirdPartyName?: string;
}

export interface ConsentReceipt {
  version: typeof KANTARA_CR_VERSION;
  jurisdiction: string;
  /** Unix seconds (the spec's integer epoch form). */
  consentTimestamp: number;
  collectionMethod: string;
  consentReceiptID: string;
  publicKey?: string;
  /** ISO 639-1. */
  language: "zh" | "en";
  /** The per-relationship pseudonymous subject address, never a real identity. */
  piiPrincipalId: string;
  piiControllers: PiiController[];
  policyUrl: string;
  services: { service: string; purposes: ConsentReceiptPurpose[] }[];
  sensitive: true;
  spiCat: string[];
  anxin: {
    grantId: string;
    chainId: string;
    ledger: string;
    transactionHash?: string;
    blockNumber?: number;
    purpose: PurposeName;
    categories: DataCategory[];
    scopeSalt: string;
    grant: { subject: string; grantee: string; purpose: number; scope: string; notBefore: string; notAfter: string; salt: string };
    signature?: string;
  };
}

export interface ReceiptInput {
  record: GrantRecord;
  controllers: PiiController[];
  policyUrl: string;
  lang?: Lang;
  collectionMethod?: string;
  service?: string;
  /** Shown as thirdPartyName; defaults to the grantee's pseudonymous address. No real names of residents. */
  granteeLabel?: string;
  publicKey?: string;
}

/** A receipt for a resident-signed grant. EMERGENCY access is a notification, not consent: no receipt. */
export function buildReceipt(input: ReceiptInput): ConsentReceipt {
  const { record } = input;
  const grant = normalizeGrant(record.grant);
  if (grant.purpose === Purpose.EMERGENCY) throw new RangeError("EMERGENCY access is not consent: no receipt");
  if (input.controllers.length === 0) throw new RangeError("at least one PII controller is required");
  if (!/^https?:\/\//.test(input.policyUrl)) throw new RangeError("policyUrl must be an http(s) URL");
  const lang = input.lang ?? "zh-CN";
  const categories = canonicalCategories(record.categories);
  const piiCategory = [...new Set(categories.flatMap((c) => PII_CATEGORY[c]))].sort();
  const end = formatDate(grant.notAfter - 1, "en", true, { utcOffsetMinutes: 0 });
  const id = computeGrantId(grant);
  const receipt: ConsentReceipt = {
    version: KANTARA_CR_VERSION,
    jurisdiction: "CN",
    consentTimestamp: record.recordedAt,
    collectionMethod: input.collectionMethod ?? "EIP-712 signature on the Anxin consent screen, recorded on the ConsentLedger",
    consentReceiptID: uuidV4(randomBytes(16)),
    language: lang === "zh-CN" ? "zh" : "en",
    piiPrincipalId: grant.subject.toLowerCase(),
    piiControllers: input.controllers.map((c) => ({ ...c })),
    policyUrl: input.policyUrl,
    services: [
      {
        service: input.service ?? "Anxin community mental-health service",
        purposes: [
          {
            purpose: PURPOSE_LABELS.en[grant.purpose],
            purposeCategory: PURPOSE_CATEGORY[grant.purpose],
            consentType: "EXPLICIT",
            piiCategory,
            primaryPurpose: true,
            termination: `At ${end} UTC, or earlier when the resident revokes the grant on the ConsentLedger`,
            thirdPartyDisclosure: true,
            thirdPartyName: input.granteeLabel ?? grant.grantee.toLowerCase(),
          },
        ],
      },
    ],
    sensitive: true,
    spiCat: ["mental health"],
    anxin: {
      grantId: id,
      chainId: BigInt(record.chainId).toString(),
      ledger: getAddress(record.ledger).toLowerCase(), // addresses leave Anxin in lowercase (docs/FORMATS.md)
      purpose: purposeName(grant.purpose),
      categories,
      scopeSalt: record.scopeSalt.toLowerCase(),
      grant: {
        subject: grant.subject.toLowerCase(),
        grantee: grant.grantee.toLowerCase(),
        purpose: grant.purpose,
        scope: grant.scope,
        notBefore: String(grant.notBefore),
        notAfter: String(grant.notAfter),
        salt: grant.salt,
      },
    },
  };
  if (input.publicKey !== undefined) receipt.publicKey = input.publicKey;
  if (record.transactionHash !== undefined) receipt.anxin.transactionHash = record.transactionHash.toLowerCase();
  if (record.blockNumber !== undefined) receipt.anxin.blockNumber = record.blockNumber;
  if (record.signature !== undefined) receipt.anxin.signature = record.signature.toLowerCase();
  return receipt;
}

const TEXT = {
  "zh-CN": {
    head: "同意回执",
    id: "回执编号",
    time: "同意时间",
    who: "您的匿名编号",
    controller: "负责方",
    purpose: "用途",
    data: "涉及信息",
    recipient: "查看方",
    until: "有效期至",
    withdraw: "您随时可以撤回。撤回后，对方将立即无法再查看。",
    policy: "隐私政策",
    proof: "链上凭证",
    sensitive: "这是心理健康方面的敏感信息。",
  },
  en: {
    head: "Consent receipt",
    id: "Receipt number",
    time: "Consent given",
    who: "Your anonymous ID",
    controller: "Responsible organisation",
    purpose: "Purpose",
    data: "Information covered",
    recipient: "Who may see it",
    until: "Valid until",
    withdraw: "You can withdraw at any time. After that, they can no longer see it.",
    policy: "Privacy policy",
    proof: "Ledger proof",
    sensitive: "This is sensitive mental-health information.",
  },
} as const;

/** Readable receipt: one fact per line, for printing or a large-type screen. */
export function receiptText(receipt: ConsentReceipt, lang: Lang = "zh-CN"): string {
  const t = TEXT[lang];
  const p = receipt.anxin.grant.purpose as Purpose;
  const purpose = receipt.services[0]?.purposes[0];
  const sep = lang === "zh-CN" ? "、" : ", ";
  const colon = lang === "zh-CN" ? "：" : ": ";
  const lines = [
    t.head,
    `${t.id}${colon}${receipt.consentReceiptID}`,
    `${t.time}${colon}${formatDate(receipt.consentTimestamp, lang, true)}`,
    `${t.who}${colon}${receipt.piiPrincipalId}`,
    `${t.controller}${colon}${receipt.piiControllers.map((c) => c.piiController).join(sep)}`,
    `${t.purpose}${colon}${PURPOSE_LABELS[lang][p]}`,
    `${t.data}${colon}${receipt.anxin.categories.map((c) => CATEGORY_LABELS[lang][c]).join(sep)}`,
    `${t.recipient}${colon}${purpose?.thirdPartyName ?? receipt.anxin.grant.grantee}`,
    `${t.until}${colon}${formatDate(Number(receipt.anxin.grant.notAfter) - 1, lang)}`,
    t.withdraw,
    t.sensitive,
    `${t.policy}${colon}${receipt.policyUrl}`,
    `${t.proof}${colon}${receipt.anxin.grantId} (chain ${receipt.anxin.chainId}${
      receipt.anxin.transactionHash ? `, tx ${receipt.anxin.transactionHash}` : ""
    })`,
  ];
  return lines.join("\n");
}
