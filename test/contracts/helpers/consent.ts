// EIP-712 helpers for ConsentLedger tests and the gas bench: what any standard signer (ethers, a wallet) produces.
import { Signature, TypedDataEncoder, type BaseContract, type Signer } from "ethers";

export const GRANT_TYPES = {
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
export const REVOKE_TYPES = {
  Revoke: [
    { name: "grantId", type: "bytes32" },
    { name: "salt", type: "bytes32" },
  ],
};

export const Purpose = { TREATMENT: 0, MATCHING: 1, RESEARCH_AGGREGATE: 2, MONITORING: 3, EMERGENCY: 4 } as const;

export interface Grant {
  subject: string;
  grantee: string;
  purpose: number;
  scope: string;
  notBefore: bigint;
  notAfter: bigint;
  salt: string;
}

export async function consentDomain(ledger: BaseContract, chainId: bigint) {
  return { name: "Anxin Consent", version: "1", chainId, verifyingContract: await ledger.getAddress() };
}

export function grantId(grant: Grant): string {
  return TypedDataEncoder.hashStruct("Grant", GRANT_TYPES, grant);
}

export async function signGrant(signer: Signer, domain: object, grant: Grant): Promise<string> {
  return signer.signTypedData(domain, GRANT_TYPES, grant);
}

export async function signRevoke(signer: Signer, domain: object, revoke: { grantId: string; salt: string }) {
  return signer.signTypedData(domain, REVOKE_TYPES, revoke);
}

/** The same signature in EIP-2098 compact form (64 bytes: r || yParity·2^255 + s). */
export function toCompact(sig: string): string {
  return Signature.from(sig).compactSerialized;
}

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** The malleable twin (r, n - s, flipped v): ecrecover accepts it, the ledger must not. */
export function toHighS(sig: string): string {
  const s = Signature.from(sig);
  const highS = N - BigInt(s.s);
  const v = s.v === 27 ? 28 : 27;
  return s.r + highS.toString(16).padStart(64, "0") + v.toString(16);
}
