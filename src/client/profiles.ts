// Verified counselor profiles for the CLI, the demo and the web pages: the app server serves each counselor's public
// profile (display name, title, organisation, districts, languages); the client checks it against the hash the
// authority put in CounselorRegistry, and that the counselor is accredited now, both read over the client's own chain
// endpoint (profile-chain.ts). A mismatch is refused with a named error, never shown.
//
//   const reader = rpcRegistryReader(rpcUrl, registryAddress);      // the client's choice, not the server's
//   const p = await verifiedProfile(api, reader, counselorAddress);  // PublicProfile, or throws
//   const dir = await verifiedProfileDirectory(api, reader);         // { profiles, refused }
//   displayName(dir, address)                                        // the verified name, or undefined
import type { ApiClient } from "./api.js";
import type { RegistryReader } from "./profile-chain.js";
import { ProfileInvalidError, verifyPublicProfile, type PublicProfile } from "../deid/public-profile.js";

export { ProfileInvalidError, ProfileMismatchError, ProfileNotOnChainError, publicProfileHash, type PublicProfile } from "../deid/public-profile.js";
export { rpcRegistryReader, ChainReadError, type RegistryReader } from "./profile-chain.js";

/** The profile is the authority's, but the registry says the counselor is not accredited now (suspended, expired). */
export class CounselorNotAccreditedError extends Error {
  constructor(readonly counselor: string) {
    super(`${counselor} is not accredited now on CounselorRegistry: the server's listing is stale or forged`);
    this.name = "CounselorNotAccreditedError";
  }
}

interface Served {
  counselor: string;
  profileHash: string;
  profile: unknown;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A matching service's profile is the authority's, but the registry no longer lists it as a matching service. */
export class MatcherNotRegisteredError extends Error {
  constructor(readonly matcher: string) {
    super(`${matcher} is not a registered matching service now on CounselorRegistry: the server's listing is stale or forged`);
    this.name = "MatcherNotRegisteredError";
  }
}

/**
 * Verifies one served entry: the document against the chain's hash, then the counselor's accreditation now (or, for
 * a `role: "matcher"` profile, that the registry lists it as a matching service now).
 */
export async function verifyServedProfile(reader: RegistryReader, counselor: string, served: unknown, at = nowSeconds()): Promise<PublicProfile> {
  const who = counselor.toLowerCase();
  const profile = verifyPublicProfile(who, served, await reader.profileHashOf(who));
  if (profile.role === "matcher") {
    if (!(await reader.isMatcher(who))) throw new MatcherNotRegisteredError(who);
  } else if (!(await reader.isAccredited(who, at))) throw new CounselorNotAccreditedError(who);
  return profile;
}

/** One counselor's verified profile (GET /v1/counselor-profiles/:address, then the chain). */
export async function verifiedProfile(api: ApiClient, reader: RegistryReader, counselor: string): Promise<PublicProfile> {
  const r = await api.get<Served>(`/v1/counselor-profiles/${counselor.toLowerCase()}`);
  if (!r || typeof r !== "object" || !("profile" in r)) throw new ProfileInvalidError(counselor.toLowerCase(), "the server's answer holds no profile");
  return verifyServedProfile(reader, counselor, r.profile);
}

export interface VerifiedDirectory {
  /** Verified profiles by lowercase address. */
  profiles: Map<string, PublicProfile>;
  /** Served entries that failed verification, with the named error (show them as unverified, never by name). */
  refused: Array<{ counselor: string; error: Error }>;
}

/**
 * Every served profile, each verified (GET /v1/counselor-profiles). A server can still leave a counselor out; it
 * cannot put a name on an address the authority did not give it, or list a counselor the registry suspended.
 */
export async function verifiedProfileDirectory(api: ApiClient, reader: RegistryReader): Promise<VerifiedDirectory> {
  const r = await api.get<{ profiles: Served[] }>("/v1/counselor-profiles");
  const out: VerifiedDirectory = { profiles: new Map(), refused: [] };
  const at = nowSeconds();
  for (const entry of Array.isArray(r?.profiles) ? r.profiles : []) {
    const counselor = String(entry?.counselor ?? "").toLowerCase();
    try {
      if (out.profiles.has(counselor)) throw new ProfileInvalidError(counselor, "listed twice");
      out.profiles.set(counselor, await verifyServedProfile(reader, counselor, entry.profile, at));
    } catch (e) {
      out.refused.push({ counselor, error: e as Error });
    }
  }
  return out;
}

/** The verified display name of a counselor, or undefined (no verified counselor profile). */
export function displayName(dir: VerifiedDirectory, address: string): string | undefined {
  const p = dir.profiles.get(address.toLowerCase());
  return p && p.role === undefined ? p.displayName : undefined;
}

/** The registered name of a matching service, or undefined (no verified matcher profile). */
export function matcherName(dir: VerifiedDirectory, address: string): string | undefined {
  const p = dir.profiles.get(address.toLowerCase());
  return p?.role === "matcher" ? p.displayName : undefined;
}
