// Grant / Revoke construction, ids, signing and verification, and the activity rule the ledger mirrors.
import { getAddress, getBytes, hexlify, randomBytes, Signature, TypedDataEncoder, verifyTypedData, type Signer } from "ethers";
import { canonicalCategories, newScopeSalt, scopeHash, type DataCategory } from "./scope.js";
import {
  GRANT_TYPES,
  MAX_TIME,
  Purpose,
  REVOKE_TYPES,
  isPurpose,
  type ConsentDomain,
  type Grant,
  type Revoke,
} from "./types.js";
import { isLowS } from "../crypto/secp256k1.js";


export type TypedDataSigner = Pick<Signer, "signTypedData">;

function assertTime(name: string, t: number): void {
  if (!Number.isSafeInteger(t) || t < 0 || t > MAX_TIME) throw new RangeError(`${name} must be a uint32 unix time`);
}

function assertBytes32(name: string, h: string): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(h)) throw new RangeError(`${name} must be 0x + 64 hex digits`);
  return h.toLowerCase();
}

/** Normalizes and checks a Grant (checksummed addresses, lowercase hex, uint32 period, notAfter > notBefore). */
export function normalizeGrant(g: Grant): Grant {
  if (!isPurpose(g.purpose)) throw new RangeError("unknown purpose");
  assertTime("notBefore", g.notBefore);
  assertTime("notAfter", g.notAfter);
  if (g.notAfter <= g.notBefore) throw new RangeError("notAfter must be after notBefore");
  return {
    subject: getAddress(g.subject),
    grantee: getAddress(g.grantee),
    purpose: g.purpose,
    scope: assertBytes32("scope", g.scope),
    notBefore: g.notBefore,
    notAfter: g.notAfter,
    salt: assertBytes32("salt", g.salt),
  };
}

export interface GrantRequest {
  subject: string;
  grantee: string;
  purpose: Purpose;
  categories: readonly string[];
  notBefore: number;
  notAfter: number;
}

export interface BuiltGrant {
  grant: Grant;
  /** Kept off chain with the grant: with the categories it opens `grant.scope`. */
  scopeSalt: string;
  categories: DataCategory[];
}

/** A resident-signed grant with fresh random salt and scope salt. EMERGENCY is refused: it is never signed. */
export function buildGrant(req: GrantRequest): BuiltGrant {
  if (req.purpose === Purpose.EMERGENCY) throw new RangeError("EMERGENCY grants are opened on chain, not signed");
  const categories = canonicalCategories(req.categories);
  const scopeSalt = newScopeSalt();
  const grant = normalizeGrant({
    subject: req.subject,
    grantee: req.grantee,
    purpose: req.purpose,
    scope: scopeHash(categories, scopeSalt),
    notBefore: req.notBefore,
    notAfter: req.notAfter,
    salt: hexlify(randomBytes(32)),
  });
  if (grant.subject === grant.grantee) throw new RangeError("grantee must differ from subject");
  return { grant, scopeSalt, categories };
}

/** A grant as JSON on the wire (POST /v1/consents, relay payloads): the uint32 times as decimal strings. */
export function wireGrant(g: Grant) {
  return { subject: g.subject, grantee: g.grantee, purpose: g.purpose, scope: g.scope, notBefore: String(g.notBefore), notAfter: String(g.notAfter), salt: g.salt };
}

/** grantId = EIP-712 hashStruct(Grant) (not the domain-bound digest). Lowercase 0x hex. */
export function grantId(grant: Grant): string {
  return TypedDataEncoder.hashStruct("Grant", GRANT_TYPES, normalizeGrant(grant));
}

export interface EmergencyOpening {
  subject: string;
  counselor: string;
  scope: string;
  /** Block timestamp of openEmergency. */
  openedAt: number;
  durationSeconds: number;
  salt: string;
}

/** The Grant whose struct hash is the grantId of an on-chain openEmergency (never signed by anyone). */
export function emergencyGrant(e: EmergencyOpening): Grant {
  if (!Number.isSafeInteger(e.durationSeconds) || e.durationSeconds <= 0) throw new RangeError("duration must be > 0");
  return normalizeGrant({
    subject: e.subject,
    grantee: e.counselor,
    purpose: Purpose.EMERGENCY,
    scope: e.scope,
    notBefore: e.openedAt,
    notAfter: e.openedAt + e.durationSeconds,
    salt: e.salt,
  });
}

/** A Revoke of `grantId` with a fresh random salt. */
export function revokeMessage(id: string): Revoke {
  return { grantId: assertBytes32("grantId", id), salt: hexlify(randomBytes(32)) };
}

export function revokeHash(r: Revoke): string {
  return TypedDataEncoder.hashStruct("Revoke", REVOKE_TYPES, {
    grantId: assertBytes32("grantId", r.grantId),
    salt: assertBytes32("salt", r.salt),
  });
}

export function grantDigest(domain: ConsentDomain, grant: Grant): string {
  return TypedDataEncoder.hash(domain, GRANT_TYPES, normalizeGrant(grant));
}

export async function signGrant(signer: TypedDataSigner, domain: ConsentDomain, grant: Grant): Promise<string> {
  return signer.signTypedData(domain, GRANT_TYPES, normalizeGrant(grant));
}

export async function signRevoke(signer: TypedDataSigner, domain: ConsentDomain, revoke: Revoke): Promise<string> {
  return signer.signTypedData(domain, REVOKE_TYPES, {
    grantId: assertBytes32("grantId", revoke.grantId),
    salt: assertBytes32("salt", revoke.salt),
  });
}

const LOW_255 = (1n << 255n) - 1n;

/**
 * Only what the ledger's ECDSA path accepts (OpenZeppelin ECDSA): 65 bytes r‖s‖v with v in {27, 28}, or 64 bytes
 * EIP-2098 r‖vs; in both cases 0 < s ≤ n/2. (ethers alone would also accept v in {0, 1}; the ledger would not.)
 */
function isContractAcceptableSignature(sig: string): boolean {
  if (!/^0x(?:[0-9a-fA-F]{128}|[0-9a-fA-F]{130})$/.test(sig)) return false;
  const b = getBytes(sig);
  let s: bigint;
  if (b.length === 65) {
    if (b[64] !== 27 && b[64] !== 28) return false;
    s = BigInt(hexlify(b.subarray(32, 64)));
  } else {
    s = BigInt(hexlify(b.subarray(32, 64))) & LOW_255;
  }
  return isLowS(s); // OpenZeppelin ECDSA and the ledger reject s above n/2 (malleability), so we do too
}

/** The recovered signer (checksummed), or null if the signature is malformed or one the ledger would refuse. */
export function recoverGrantSigner(domain: ConsentDomain, grant: Grant, signature: string): string | null {
  if (!isContractAcceptableSignature(signature)) return null;
  try {
    return verifyTypedData(domain, GRANT_TYPES, normalizeGrant(grant), Signature.from(signature));
  } catch {
    return null;
  }
}

export function verifyGrantSignature(domain: ConsentDomain, grant: Grant, signature: string): boolean {
  const signer = recoverGrantSigner(domain, grant, signature);
  return signer !== null && signer === getAddress(grant.subject);
}

/** A Revoke is valid when signed by the grant's subject. */
export function verifyRevokeSignature(
  domain: ConsentDomain,
  revoke: Revoke,
  signature: string,
  subject: string,
): boolean {
  if (!isContractAcceptableSignature(signature)) return false;
  try {
    const r = { grantId: assertBytes32("grantId", revoke.grantId), salt: assertBytes32("salt", revoke.salt) };
    return verifyTypedData(domain, REVOKE_TYPES, r, Signature.from(signature)) === getAddress(subject);
  } catch {
    return false;
  }
}

export interface GrantStatusRecord {
  notBefore: number;
  notAfter: number;
  /** Unix seconds of the revocation, or null/0 when not revoked (the ledger stores 0). */
  revokedAt: number | null;
  /** The grant exists on the ledger (an off-chain draft is never active). */
  onChain: boolean;
}

/** Active iff on chain, notBefore ≤ at < notAfter, and (not revoked or at < revokedAt). */
export function isActiveAt(record: GrantStatusRecord, at: number): boolean {
  if (!record.onChain) return false;
  if (!(record.notBefore <= at && at < record.notAfter)) return false;
  const revoked = record.revokedAt !== null && record.revokedAt !== 0;
  return !revoked || at < (record.revokedAt as number);
}
