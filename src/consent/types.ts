// EIP-712 consent types (DESIGN.md format 5) and the strict wire schemas for signed payloads.
import { getAddress, type TypedDataDomain, type TypedDataField } from "ethers";
import { z } from "zod";

/** Purposes as the ConsentLedger's uint8, in the normative order from 0. */
export enum Purpose {
  TREATMENT = 0,
  MATCHING = 1,
  RESEARCH_AGGREGATE = 2,
  MONITORING = 3,
  EMERGENCY = 4,
}

export const PURPOSE_NAMES = ["TREATMENT", "MATCHING", "RESEARCH_AGGREGATE", "MONITORING", "EMERGENCY"] as const;
export type PurposeName = (typeof PURPOSE_NAMES)[number];

export function purposeName(p: Purpose): PurposeName {
  const name = PURPOSE_NAMES[p];
  if (name === undefined) throw new RangeError(`unknown purpose ${String(p)}`);
  return name;
}

export function isPurpose(n: unknown): n is Purpose {
  return Number.isInteger(n) && (n as number) >= 0 && (n as number) < PURPOSE_NAMES.length;
}

/** Times travel as uint64 but the ledger stores them as uint32. */
export const MAX_TIME = 4294967295;

/** Field order is part of the type hash: never reorder. */
export const GRANT_TYPES: Record<string, TypedDataField[]> = {
  Grant: [
    { name: "subject", type: "address" },
    { name: "grantee", type: "address" },
    { name: "purpose", type: "uint8" },
    { name: "scope", type: "bytes32" },
    { name: "notBefore", type: "uint64" },
    { name: "notAfter", type: "uint64" },
    { name: "salt", type: "bytes32" },
  ],
};

export const REVOKE_TYPES: Record<string, TypedDataField[]> = {
  Revoke: [
    { name: "grantId", type: "bytes32" },
    { name: "salt", type: "bytes32" },
  ],
};

export const GRANT_TYPE_STRING =
  "Grant(address subject,address grantee,uint8 purpose,bytes32 scope,uint64 notBefore,uint64 notAfter,bytes32 salt)";
export const REVOKE_TYPE_STRING = "Revoke(bytes32 grantId,bytes32 salt)";

export const CONSENT_DOMAIN_NAME = "Anxin Consent";
export const CONSENT_DOMAIN_VERSION = "1";

export interface ConsentDomain extends TypedDataDomain {
  name: string;
  version: string;
  chainId: bigint;
  verifyingContract: string;
}

export function consentDomain(chainId: bigint | number, ledgerAddress: string): ConsentDomain {
  const id = BigInt(chainId);
  if (id <= 0n) throw new RangeError("chainId must be positive");
  return {
    name: CONSENT_DOMAIN_NAME,
    version: CONSENT_DOMAIN_VERSION,
    chainId: id,
    verifyingContract: getAddress(ledgerAddress),
  };
}

/** A Grant exactly as signed; addresses checksummed, hex lowercase 0x-prefixed. */
export interface Grant {
  subject: string;
  grantee: string;
  purpose: Purpose;
  scope: string;
  notBefore: number;
  notAfter: number;
  salt: string;
}

export interface Revoke {
  grantId: string;
  salt: string;
}

// ---- wire schemas (HTTP). Strict: unknown keys are rejected, nothing is coerced loosely. ----

const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;
const LOWER_ADDRESS_RE = /^0x[0-9a-f]{40}$/;

/** Checksummed (EIP-55) or all-lowercase hex; mixed case with a bad checksum is rejected. Output: checksummed. */
export const addressSchema = z
  .string()
  .regex(ADDRESS_RE, "address must be 0x + 40 hex digits")
  .refine((s) => {
    if (LOWER_ADDRESS_RE.test(s)) return true;
    try {
      return getAddress(s) === s;
    } catch {
      return false;
    }
  }, "address checksum is wrong (use EIP-55 or all lowercase)")
  .transform((s) => getAddress(s));

/** bytes32 as 0x + 64 hex digits; output lowercase. */
export const bytes32Schema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "expected 0x + 64 hex digits")
  .transform((s) => s.toLowerCase());

/** A unix time in seconds: integer number or canonical decimal string, within uint32. */
export const timeSchema = z
  .union([z.number().int().nonnegative(), z.string().regex(/^(0|[1-9][0-9]{0,9})$/, "expected a decimal integer")])
  .transform((v) => Number(v))
  .refine((n) => Number.isSafeInteger(n) && n >= 0 && n <= MAX_TIME, `time must be within 0..${MAX_TIME}`);

/** Residents sign only purposes 0..3; EMERGENCY is opened on chain by a counselor and never signed. */
export const signablePurposeSchema = z
  .union([z.number().int(), z.string().regex(/^[0-9]$/)])
  .transform((v) => Number(v))
  .refine((n) => n >= Purpose.TREATMENT && n <= Purpose.MONITORING, "purpose must be 0..3 (EMERGENCY is never signed)")
  .transform((n) => n as Purpose);

/** 65-byte r‖s‖v (eth_signTypedData_v4 / ethers signTypedData) or 64-byte EIP-2098 compact signature. */
export const signatureSchema = z
  .string()
  .regex(/^0x(?:[0-9a-fA-F]{128}|[0-9a-fA-F]{130})$/, "signature must be 65 or 64 bytes of hex")
  .transform((s) => s.toLowerCase());

export const grantWireSchema = z
  .strictObject({
    subject: addressSchema,
    grantee: addressSchema,
    purpose: signablePurposeSchema,
    scope: bytes32Schema,
    notBefore: timeSchema,
    notAfter: timeSchema,
    salt: bytes32Schema,
  })
  .refine((g) => g.notAfter > g.notBefore, { message: "notAfter must be after notBefore", path: ["notAfter"] })
  .refine((g) => g.subject !== g.grantee, { message: "grantee must differ from subject", path: ["grantee"] });

export const signedGrantSchema = z.strictObject({ grant: grantWireSchema, signature: signatureSchema });

export const revokeWireSchema = z.strictObject({ grantId: bytes32Schema, salt: bytes32Schema });

export const signedRevokeSchema = z.strictObject({ revoke: revokeWireSchema, signature: signatureSchema });

export type SignedGrantInput = z.input<typeof signedGrantSchema>;
export type SignedGrant = { grant: Grant; signature: string };
export type SignedRevoke = { revoke: Revoke; signature: string };

/** What the service knows about one grant: the signed Grant, the scope opening, and its ledger facts. */
export interface GrantRecord {
  grant: Grant;
  /** Canonical categories; with scopeSalt they open grant.scope. */
  categories: string[];
  scopeSalt: string;
  chainId: bigint | number;
  /** ConsentLedger address. */
  ledger: string;
  /** Block time at which the ledger recorded the grant (unix seconds). */
  recordedAt: number;
  revokedAt: number | null;
  onChain: boolean;
  transactionHash?: string;
  blockNumber?: number;
  /** The subject's EIP-712 signature (absent for EMERGENCY, which is opened on chain). */
  signature?: string;
}
