// A counselor's public profile (docs/FORMATS.md, "Counselor public profile"): who a resident is about to trust, by
// name. The authority publishes it with the accreditation: the document's SHA-256 goes on chain
// (CounselorRegistry.publishProfile, AUTHORITY_ROLE only, so the chain hash is the authority's word), the document
// itself is served by the app server, and every client checks one against the other. Pure: no I/O.
import { z } from "zod";
import { sha256 } from "@noble/hashes/sha2.js";
import { canonicalBytes } from "../crypto/canonical.js";
import { codeLevel, isPlaceCode } from "./geo.js";
import { LanguageSchema, uniqueArray } from "./need.js";

export const PUBLIC_PROFILE_VERSION = "anxin.counselor-profile.v1";

/** Printable text, no control characters, trimmed: names and titles are shown as they are. */
const text = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((s) => s === s.trim() && !/[\p{Cc}\p{Cf}]/u.test(s), "no surrounding spaces or control characters");

/** A national division code (GB/T 2260, 6 digits): district/county, city or province; never a street. */
const DivisionCode = z
  .string()
  .regex(/^\d{6}$/, "a 6-digit national division code")
  .refine((c) => isPlaceCode(c) && codeLevel(c) !== "street", "a district, city or province code");

export const PublicProfileSchema = z.strictObject({
  v: z.literal(PUBLIC_PROFILE_VERSION),
  counselor: z.string().regex(/^0x[0-9a-f]{40}$/, "a lowercase 0x address"),
  /** Absent for a counselor; "matcher" for a registered matching service (CounselorRegistry.publishMatcherProfile). */
  role: z.literal("matcher").optional(),
  displayName: text(64),
  title: text(64),
  organisation: text(128),
  districts: uniqueArray(DivisionCode, 1, 32),
  languages: uniqueArray(LanguageSchema, 1, 8),
});
export type PublicProfile = z.infer<typeof PublicProfileSchema>;

/** The fields the authority fills in; `v` and the lowercase address are added. */
export type PublicProfileFields = Omit<PublicProfile, "v" | "counselor" | "role">;

/** Builds and validates a profile (throws a ZodError naming the field). */
export function makePublicProfile(counselor: string, fields: PublicProfileFields): PublicProfile {
  return PublicProfileSchema.parse({ v: PUBLIC_PROFILE_VERSION, counselor: counselor.toLowerCase(), ...fields });
}

/** A registered matching service's profile: the same document with `role: "matcher"` (its registered name). */
export function makeMatcherProfile(matcher: string, fields: PublicProfileFields): PublicProfile {
  return PublicProfileSchema.parse({ v: PUBLIC_PROFILE_VERSION, counselor: matcher.toLowerCase(), role: "matcher", ...fields });
}

/** `0x` + SHA-256 of the profile's RFC 8785 canonical JSON: the bytes32 the registry holds. */
export function publicProfileHash(p: PublicProfile): string {
  return "0x" + Array.from(sha256(canonicalBytes(p)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The chain holds no profile hash for this counselor (never published, or not a counselor): show no name. */
export class ProfileNotOnChainError extends Error {
  constructor(readonly counselor: string) {
    super(`the registry holds no profile for ${counselor}: the authority has not published one`);
    this.name = "ProfileNotOnChainError";
  }
}

/** The served document is not the one the authority published on chain (forged, altered or stale). */
export class ProfileMismatchError extends Error {
  constructor(readonly counselor: string, readonly served: string, readonly onChain: string) {
    super(`the profile served for ${counselor} is not the one the authority published (hash ${served}, on chain ${onChain})`);
    this.name = "ProfileMismatchError";
  }
}

/** The served document is not a profile at all, or names another counselor than asked for. */
export class ProfileInvalidError extends Error {
  constructor(readonly counselor: string, reason: string) {
    super(`the profile served for ${counselor} is invalid: ${reason}`);
    this.name = "ProfileInvalidError";
  }
}

const ZERO = "0x" + "0".repeat(64);

/**
 * Checks a served document against the registry's hash for `counselor` and returns it typed; throws
 * ProfileInvalidError, ProfileNotOnChainError or ProfileMismatchError. `chainHash` must come from the chain over an
 * endpoint the caller chose, never from the app server.
 */
export function verifyPublicProfile(counselor: string, served: unknown, chainHash: string): PublicProfile {
  const who = counselor.toLowerCase();
  const parsed = PublicProfileSchema.safeParse(served);
  if (!parsed.success) throw new ProfileInvalidError(who, parsed.error.issues[0]?.path.join(".") || "not a profile");
  if (parsed.data.counselor !== who) throw new ProfileInvalidError(who, "it names another counselor");
  const onChain = chainHash.toLowerCase();
  if (onChain === ZERO) throw new ProfileNotOnChainError(who);
  const h = publicProfileHash(parsed.data);
  if (h !== onChain) throw new ProfileMismatchError(who, h, onChain);
  return parsed.data;
}
