// The places of the city this deployment serves (ANXIN_CITY): the resident page offers its districts and streets
// by name from here, so the browser never carries the national division table. Public: nothing here is personal.
import { z } from "zod";
import type { AppContext } from "../../services/context.js";
import { DIVISIONS_EDITION } from "../../deid/divisions.js";
import { route } from "../route.js";

const named = z.object({ code: z.string(), name: z.string() });
const bilingual = z.object({ zh: z.string(), en: z.string() });
export const PlaceListSchema = z.object({
  edition: z.string().describe("edition of the statistical division codes"),
  city: named,
  province: named,
  districts: z.array(named.extend({ streets: z.array(named) })),
  zones: z.array(named.extend({ districts: z.array(z.string()) })),
  localHotlines: z.array(z.object({ id: z.string(), name: bilingual, number: z.string(), note: bilingual.optional(), source: z.string() })),
  timeZone: z.string().describe("the city's IANA time zone: every time shown, booked or on call"),
  crisisLine: z.string().describe("the community's crisis line (the escalation ladder's last rung)"),
});

export default (ctx: AppContext) => {
  let body: z.infer<typeof PlaceListSchema> | undefined;
  return [
    route({
      method: "get",
      path: "/v1/places",
      summary: "The configured city's districts (区/县) with their streets (街道/镇/乡), zones and local crisis lines",
      tags: ["matching"],
      roles: ["public"],
      response: PlaceListSchema,
      async handler({ res }) {
        body ??= { edition: DIVISIONS_EDITION, ...ctx.places.list(), localHotlines: ctx.cfg.localHotlines, timeZone: ctx.cfg.timeZone, crisisLine: ctx.cfg.crisisLine };
        res.setHeader("cache-control", "public, max-age=3600");
        return { body };
      },
    }),
  ];
};
