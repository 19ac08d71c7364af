// Every router of the API. A new resource adds one line here; the OpenAPI document and the
// route × role test pick it up from this table.
import type { AppContext } from "../../services/context.js";
import type { RouteDef } from "../route.js";
import { z } from "zod";
import { route } from "../route.js";
import { openApiDocument } from "../openapi.js";
import health from "./health.js";
import auth from "./auth.js";
import consents from "./consents.js";
import records from "./records.js";
import vault from "./vault.js";
import matching from "./matching.js";
import assess from "./assess.js";
import audit from "./audit.js";
import admin from "./admin.js";
import chain from "./chain.js";
import places from "./places.js";
import tlog from "./tlog.js";
import relationshipVault from "./relationship-vault.js";
import profiles from "./profiles.js";
import office, { clientTiming } from "./office.js";
import crisis from "./crisis.js";
import consultation from "./consultation.js";

const routers: Array<(ctx: AppContext) => RouteDef[]> = [health, auth, consents, records, vault, matching, assess, audit, admin, chain, places, tlog, relationshipVault, profiles, office, clientTiming, crisis, consultation];

export function allRoutes(ctx: AppContext): RouteDef[] {
  const routes = routers.flatMap((r) => r(ctx));
  let doc: unknown;
  routes.push(
    route({
      method: "get",
      path: "/openapi.json",
      summary: "This API's OpenAPI 3.1 document",
      tags: ["ops"],
      roles: ["public"],
      response: z.object({ openapi: z.string(), info: z.object({}).passthrough(), paths: z.object({}).passthrough() }).passthrough(),
      async handler() {
        doc ??= openApiDocument(routes);
        return { body: doc };
      },
    }),
  );
  return routes;
}
