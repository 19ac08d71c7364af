// The authority's (管理方) registry actions as contract calls: one definition of the arguments, shared by the admin
// API (the operator key sends, embedded default) and `anxin admin` (the authority signs with its own key).
// Reasons are codes, never free text: they end up hashed on chain.
import { Interface, hexlify, keccak256, randomBytes, toUtf8Bytes } from "ethers";

export const SUSPEND_REASONS = ["complaint_review", "license_lapsed", "misconduct", "requested", "other"] as const;
export type SuspendReason = (typeof SUSPEND_REASONS)[number];

export const REGISTRY_ACTIONS = ["accredit", "suspend", "reinstate", "appointAuditor", "dismissAuditor", "registerMatcher", "deregisterMatcher", "publishProfile"] as const;
export type RegistryAction = (typeof REGISTRY_ACTIONS)[number];

/** The CounselorRegistry entry points the authority calls (a subset of its ABI, enough to encode and decode). */
export const registryActionsIface = new Interface([
  "function accredit(address counselor, bytes32 licenseHash, bytes32 encryptionKey, uint64 validFrom, uint64 validUntil)",
  "function suspend(address counselor, bytes32 reasonHash)",
  "function reinstate(address counselor)",
  "function appointAuditor(address auditor)",
  "function dismissAuditor(address auditor)",
  "function registerMatcher(address matcher)",
  "function deregisterMatcher(address matcher)",
  "function publishProfile(address counselor, bytes32 profileHash)",
]);

export interface RegistryInput {
  address: string;
  encryptionKey?: string;
  licenseHash?: string;
  validDays?: number;
  reason?: SuspendReason;
  /** publishProfile: SHA-256 of the public profile's canonical JSON. */
  profileHash?: string;
}

/** `keccak256("anxin.suspend:<reason>")`: what `suspend` records as its reasonHash. */
export const suspendReasonHash = (reason: SuspendReason) => keccak256(toUtf8Bytes(`anxin.suspend:${reason}`));

/** The function and arguments of one action. Accreditation starts a minute ago (clock skew) for `validDays`. */
export function registryCall(action: RegistryAction, b: RegistryInput, nowSeconds = Math.floor(Date.now() / 1000)): { fn: RegistryAction; args: unknown[] } {
  switch (action) {
    case "accredit": {
      if (!b.encryptionKey) throw new Error("accredit needs the counselor's X25519 encryption key");
      // A random commitment when no license document hash is given: nothing about the licence is put on chain.
      const licenseHash = b.licenseHash ?? keccak256(toUtf8Bytes(`anxin.license:${b.address.toLowerCase()}:${hexlify(randomBytes(16))}`));
      return { fn: action, args: [b.address, licenseHash, b.encryptionKey, nowSeconds - 60, nowSeconds + (b.validDays ?? 365) * 86_400] };
    }
    case "suspend":
      return { fn: action, args: [b.address, suspendReasonHash(b.reason ?? "other")] };
    case "publishProfile":
      if (!b.profileHash) throw new Error("publishProfile needs the profile's hash");
      return { fn: action, args: [b.address, b.profileHash] };
    default:
      return { fn: action, args: [b.address] };
  }
}

/** Calldata of one action for a transaction to the CounselorRegistry. */
export function registryCalldata(action: RegistryAction, b: RegistryInput, nowSeconds?: number): string {
  const { fn, args } = registryCall(action, b, nowSeconds);
  return registryActionsIface.encodeFunctionData(fn, args);
}
