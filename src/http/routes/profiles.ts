// Counselors' public profiles (display name, title, organisation, districts, languages) as the authority published
// them: the registry holds each profile's hash; the server stores and serves the documents. Anyone may read them
// (they are what a resident is shown before trusting someone); clients verify each against the chain
// (src/client/profiles.ts). Only the authority stores one, and only one whose hash the registry holds.
import { z } from "zod";
import { address } from "../schemas.js";
import { route } from "../route.js";
import type { AppContext } from "../../services/context.js";
import { PublicProfileSchema } from "../../deid/public-profile.js";
import { publicProfile, publicProfileDirectory, storePublicProfile } from "../../services/public-profiles.js";

const served = z
  .object({
    counselor: z.string(),
    profileHash: z.string().describe("SHA-256 of the profile's canonical JSON: CounselorRegistry.profileHashOf(counselor) must equal it"),
    profile: z.object({}).passthrough().describe("anxin.counselor-profile.v1 (docs/FORMATS.md, Counselor public profile)"),
  })
  .meta({ id: "CounselorPublicProfile" });

export default (ctx: AppContext) => [
  route({
    method: "put",
    path: "/v1/counselor-profiles",
    summary: "Store a counselor's public profile the authority published on chain (its hash must be the registry's)",
    tags: ["directory"],
    roles: ["admin"],
    body: PublicProfileSchema,
    successStatus: 200,
    response: served,
    async handler({ body }) {
      return { status: 200, body: await storePublicProfile(ctx, body) };
    },
  }),
  route({
    method: "get",
    path: "/v1/counselor-profiles",
    summary: "Every counselor's public profile; verify each against CounselorRegistry.profileHashOf before showing it",
    tags: ["directory"],
    roles: ["public"],
    response: z.object({ profiles: z.array(served) }),
    async handler() {
      return { body: { profiles: await publicProfileDirectory(ctx) } };
    },
  }),
  route({
    method: "get",
    path: "/v1/counselor-profiles/:address",
    summary: "One counselor's public profile; verify it against CounselorRegistry.profileHashOf before showing it",
    tags: ["directory"],
    roles: ["public"],
    params: z.strictObject({ address }),
    response: served,
    async handler({ params }) {
      return { body: await publicProfile(ctx, params.address) };
    },
  }),
];
