// The OpenAPI 3.1 document is generated from the route table: the zod schemas that validate requests
// are the ones documented, so the two cannot drift apart.
import { createDocument } from "zod-openapi";
import { z } from "zod";
import type { RouteDef } from "./route.js";

const problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: "Problem" });

export function openApiDocument(routes: RouteDef[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const p = r.path.replace(/:([A-Za-z_]+)/g, "{$1}");
    const ok = String(r.successStatus ?? (r.method === "post" ? 201 : 200));
    const errorResponses = Object.fromEntries(
      ["400", "401", "403", "404", "409", "429", "503"].map((s) => [s, { description: s, content: { "application/problem+json": { schema: problem } } }]),
    );
    (paths[p] ??= {})[r.method] = {
      summary: r.summary,
      tags: r.tags,
      "x-roles": r.roles,
      ...(r.roles.includes("public") ? {} : { security: [{ bearer: [] }] }),
      ...(r.params ? { requestParams: { path: r.params } } : {}),
      ...(r.query ? { requestParams: { ...(r.params ? { path: r.params } : {}), query: r.query } } : {}),
      ...(r.body ? { requestBody: { content: { "application/json": { schema: r.body } } } } : {}),
      responses: {
        [ok]: { description: "success", ...(r.response ? { content: { "application/json": { schema: r.response } } } : {}) },
        ...errorResponses,
      },
    };
  }
  return createDocument({
    openapi: "3.1.0",
    info: { title: "Anxin (安心) API", version: "0.1.0", description: "Privacy-preserving counseling-record ledger. Errors are application/problem+json (RFC 9457)." },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "Session token from POST /v1/auth/login (SIWE)" } } },
    paths: paths as any,
  });
}
