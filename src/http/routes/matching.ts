// Matching API: residents submit anonymized needs and answer proposals; the matching service reads the published
// pool and counselor profiles and runs the solver; counselors publish profiles; DP community statistics.
// Matcher responses are built only from NeedPool.published() (Need fields) and profiles: no subject anywhere.
import { z } from "zod";
import { address, month, signature65 } from "../schemas.js";
import type { AppContext } from "../../services/context.js";
import { matchingService } from "../../services/matching.js";
import { NeedSchema, CategorySchema, LanguageSchema, ModalitySchema, SlotSchema, GenderSchema, AreaCodeSchema } from "../../deid/index.js";
import { route, type RouteDef } from "../route.js";
import { badRequest } from "../problem.js";
import { NeedTokenSchema } from "./office.js";

const hexId = z.string().regex(/^[0-9a-f]{32}$/, "must be 32 lowercase hex digits");
const uniq = <T extends z.ZodType>(t: T, min: number, max: number) =>
  z.array(t).min(min).max(max).refine((a) => new Set(a).size === a.length, { message: "duplicate value" });

export const ProfileBodySchema = z.strictObject({
  specialties: uniq(CategorySchema, 0, 12),
  languages: uniq(LanguageSchema, 1, 7),
  modalities: uniq(ModalitySchema, 1, 3),
  districts: uniq(AreaCodeSchema, 0, 64),
  capacity: z.number().int().min(0).max(10_000),
  availability: uniq(SlotSchema, 0, 21),
  gender: GenderSchema,
});

const RiskSchema = z.object({
  maxRisk: z.number(),
  averageRisk: z.number(),
  publishedCount: z.number().int(),
  classes: z.array(z.object({ district: z.string(), ageBand: z.string(), languages: z.array(z.string()), size: z.number().int(), distinctCategorySets: z.number().int() })),
});
const Reasons = z.object({ zh: z.string(), en: z.string() });

export default function matching(ctx: AppContext): RouteDef[] {
  const svc = matchingService(ctx);
  return [...needs(svc), ...proposals(svc), ...stats(svc)];
}

type Svc = ReturnType<typeof matchingService>;

/** Residents submit and withdraw anonymized needs. */
function needs(svc: Svc): RouteDef[] {
  return [
    route({
      method: "post",
      path: "/v1/needs",
      summary: "Submit an anonymized need (resident, signed in with the MATCHING relationship address)",
      tags: ["matching"],
      roles: ["resident"],
      body: z.strictObject({ need: NeedSchema, matcher: address.optional(), lang: z.enum(["zh", "en"]).optional(), token: NeedTokenSchema.optional() }),
      successStatus: 201,
      async handler({ body, session }) {
        return { status: 201, body: await svc.submitNeed(session!.address, body) };
      },
    }),
    route({
      method: "delete",
      path: "/v1/needs/:needId",
      summary: "Withdraw one's open need",
      tags: ["matching"],
      roles: ["resident"],
      params: z.strictObject({ needId: hexId }),
      async handler({ params, session }) {
        return { body: await svc.withdrawNeed(session!.address, params.needId) };
      },
    }),
  ];
}

/** The published pool, counselor profiles, the solver run and the proposals' accept flow. */
function proposals(svc: Svc): RouteDef[] {
  return [
    route({
      method: "get",
      path: "/v1/match/pool",
      summary: "The published (k-anonymous, l-diverse) pool of this matching service and its re-identification risk",
      tags: ["matching"],
      roles: ["matcher"],
      response: z.object({ k: z.number().int(), l: z.number().int(), needs: z.array(NeedSchema), heldCount: z.number().int(), risk: RiskSchema, publishedAt: z.string().nullable() }),
      async handler({ session }) {
        return { body: await svc.poolView(session!.address) };
      },
    }),
    route({
      method: "get",
      path: "/v1/match/counselors",
      summary: "Counselor profiles with remaining capacity and free/taken slot counts",
      tags: ["matching"],
      roles: ["matcher", "admin"],
      async handler() {
        return { body: { counselors: await svc.counselorProfiles() } };
      },
    }),
    route({
      method: "post",
      path: "/v1/match/run",
      summary: "Solve the published pool against the counselors and store proposals",
      tags: ["matching"],
      roles: ["matcher"],
      body: z.strictObject({ ttlSeconds: z.number().int().min(1).max(14 * 86400).optional() }),
      async handler({ body, session }) {
        return { body: await svc.run(session!.address, body.ttlSeconds) };
      },
    }),
    route({
      method: "get",
      path: "/v1/match/proposals",
      summary: "Resident: proposals for one's own needs, with reasons; matcher: its proposals (needId, counselor, status)",
      tags: ["matching"],
      roles: ["resident", "matcher"],
      async handler({ session }) {
        const s = session!;
        if (s.roles.has("matcher")) return { body: { proposals: await svc.matcherProposals(s.address) } };
        return { body: { proposals: await svc.residentProposals(s.address) } };
      },
    }),
    route({
      method: "post",
      path: "/v1/match/proposals/:id/accept",
      summary: "Accept a proposal, naming the new TREATMENT relationship address (signed with its key)",
      tags: ["matching"],
      roles: ["resident"],
      params: z.strictObject({ id: hexId }),
      body: z.strictObject({ treatmentAddress: address, treatmentSignature: signature65 }),
      async handler({ params, body, session }) {
        return { body: await svc.accept(session!.address, params.id, body.treatmentAddress, body.treatmentSignature) };
      },
    }),
    route({
      method: "post",
      path: "/v1/match/proposals/:id/decline",
      summary: "Decline a proposal: the need goes back to the pool",
      tags: ["matching"],
      roles: ["resident"],
      params: z.strictObject({ id: hexId }),
      body: z.strictObject({}),
      async handler({ params, session }) {
        return { body: await svc.decline(session!.address, params.id) };
      },
    }),
    route({
      method: "get",
      path: "/v1/match/clients",
      summary: "Counselor: residents who accepted a proposal and granted TREATMENT (their TREATMENT address)",
      tags: ["matching"],
      roles: ["counselor"],
      async handler({ session }) {
        return { body: { clients: await svc.clients(session!.address) } };
      },
    }),
    route({
      method: "get",
      path: "/v1/counselors/me/profile",
      summary: "Counselor: my published matching profile (null before the first one)",
      tags: ["matching"],
      roles: ["counselor"],
      async handler({ session }) {
        return { body: await svc.myProfile(session!.address) };
      },
    }),
    route({
      method: "put",
      path: "/v1/counselors/me/profile",
      summary: "Counselor publishes the matching profile (specialties, languages, capacity, weekly availability)",
      tags: ["matching"],
      roles: ["counselor"],
      body: ProfileBodySchema,
      async handler({ body, session }) {
        return { body: await svc.putProfile(session!.address, body) };
      },
    }),
  ];
}

/** DP community statistics. */
function stats(svc: Svc): RouteDef[] {
  return [
    route({
      method: "post",
      path: "/v1/stats/community",
      summary: "Make one differentially private release of a month's community statistics (spends ε)",
      tags: ["stats"],
      roles: ["admin", "auditor"],
      body: z.strictObject({
        month,
        epsilon: z.number().positive().max(10),
        level: z.enum(["district", "zone", "city", "province"]).optional(),
      }),
      successStatus: 201,
      async handler({ body }) {
        return { status: 201, body: await svc.releaseStats(body.month, body.epsilon, body.level) };
      },
    }),
    route({
      method: "get",
      path: "/v1/stats/community",
      summary: "The month's published DP releases and the remaining privacy budget (public)",
      tags: ["stats"],
      roles: ["public"],
      query: z.strictObject({ month }),
      async handler({ query }) {
        if (!query.month) throw badRequest("month is required");
        return { body: await svc.statsReleases(query.month) };
      },
    }),
  ];
}
