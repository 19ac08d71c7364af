// Counselors' public profiles: the server stores and serves the document the authority published, but only one whose
// SHA-256 the CounselorRegistry holds for that counselor right now (so a stored row was true when stored). Clients
// do not rely on that: they check every document against the chain themselves (src/client/profiles.ts).
import type { AppContext } from "./context.js";
import { canonicalJson } from "../crypto/canonical.js";
import { PublicProfileSchema, publicProfileHash, type PublicProfile } from "../deid/public-profile.js";
import { allPublicProfiles, publicProfileOf, upsertPublicProfile } from "../store/profile-repo.js";
import { invalid, notFound, unprocessable } from "./errors.js";

export interface ServedProfile {
  counselor: string;
  profileHash: string;
  profile: PublicProfile;
}

const served = (r: { counselor: string; profileHash: string; document: string }): ServedProfile => ({
  counselor: r.counselor,
  profileHash: r.profileHash,
  profile: JSON.parse(r.document) as PublicProfile,
});

/** Stores a published profile; refused (422 profile_not_published) unless its hash is the registry's for it now. */
export async function storePublicProfile(ctx: Pick<AppContext, "db" | "chain">, document: unknown): Promise<ServedProfile> {
  const parsed = PublicProfileSchema.safeParse(document);
  if (!parsed.success) {
    throw invalid("invalid profile", { errors: parsed.error.issues.slice(0, 20).map((i) => ({ path: ["body", ...i.path.map(String)].join("."), message: i.message })) });
  }
  const profile = parsed.data;
  const profileHash = publicProfileHash(profile);
  const onChain = String(await ctx.chain.registry.profileHashOf(profile.counselor)).toLowerCase();
  if (onChain !== profileHash) {
    throw unprocessable("the registry does not hold this profile's hash for this counselor: the authority publishes it first (anxin admin accredit --profile …)", { code: "profile_not_published" });
  }
  await upsertPublicProfile(ctx.db, { counselor: profile.counselor, profileHash, document: canonicalJson(profile) });
  return { counselor: profile.counselor, profileHash, profile };
}

export async function publicProfile(ctx: Pick<AppContext, "db">, counselor: string): Promise<ServedProfile> {
  const r = await publicProfileOf(ctx.db, counselor.toLowerCase());
  if (!r) throw notFound("no public profile for this counselor");
  return served(r);
}

export async function publicProfileDirectory(ctx: Pick<AppContext, "db">, limit = 1000): Promise<ServedProfile[]> {
  return (await allPublicProfiles(ctx.db, limit)).map(served);
}
