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

/** getRecordsByRecordIdVersionsByContentHashKey for GET /v1/records/:recordId/versions/:contentHash/key. */
export function operationIdOf(r: Pick<RouteDef, "method" | "path" | "operationId">): string {
  if (r.operationId) return r.operationId;
  const cap = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);
  const words = r.path
    .split("/")
    .filter((seg) => seg && seg !== "v1")
    .map((seg) => (seg.startsWith(":") ? `By${cap(seg.slice(1))}` : seg.split(/[^A-Za-z0-9]+/).filter(Boolean).map(cap).join("")));
  return r.method + words.join("");
}

/** The OpenAPI path of an express path: `:name` parameters become `{name}`; an escaped `\\:` is a literal colon. */
export const openApiPath = (path: string) => path.replace(/(?<!\\):([A-Za-z_]+)/g, "{$1}").replace(/\\:/g, ":");

/** True when the operation needs a session token: a non-public route, or a public one whose handler needs a session. */
export const needsToken = (r: Pick<RouteDef, "roles" | "signedIn" | "sessionless">) => !r.sessionless && (!r.roles.includes("public") || r.signedIn === true);

/** The security requirement of an operation: the session token, the operator's metrics token (sessionless), or none. */
export function securityOf(r: Pick<RouteDef, "roles" | "signedIn" | "sessionless">): Array<Record<string, string[]>> {
  if (r.sessionless) return [{ metricsToken: [] }];
  return needsToken(r) ? [{ bearer: [] }] : [];
}

const problemResponse = (s: string) => [s, { description: s, content: { "application/problem+json": { schema: problem } } }] as const;

export function openApiDocument(routes: RouteDef[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const p = openApiPath(r.path);
    const ok = String(r.successStatus ?? 200); // what the app answers when a handler sets no status
    const security = securityOf(r);
    const token = security.length > 0;
    // 401/403 only where a token is needed: a public operation never asks for one (a token that is sent but
    // invalid is still refused with 401, see the bearer scheme's description). The metrics token has no roles: 401 only.
    const statuses = [...(r.body || r.query || r.params ? ["400"] : []), ...(token ? (r.sessionless ? ["401"] : ["401", "403"]) : []), "404", "409", "429", "503"];
    const roles = r.roles.filter((x) => x !== "public");
    (paths[p] ??= {})[r.method] = {
      operationId: operationIdOf(r),
      summary: r.summary,
      description: r.sessionless
        ? "Needs the operator's metrics token (bearer), not a session."
        : token
          ? `Needs a session token of one of the roles: ${roles.length ? roles.join(", ") : "any signed-in address"}.`
          : "Public: no session token needed.",
      tags: r.tags,
      "x-roles": r.roles,
      security,
      ...(r.params ? { requestParams: { path: r.params } } : {}),
      ...(r.query ? { requestParams: { ...(r.params ? { path: r.params } : {}), query: r.query } } : {}),
      ...(r.body ? { requestBody: { content: { "application/json": { schema: r.body } } } } : {}),
      responses: {
        [ok]: { description: "success", ...(r.response ? { content: { [r.responseType ?? "application/json"]: { schema: r.response } } } : {}) },
        ...Object.fromEntries(statuses.map(problemResponse)),
      },
    };
  }
  return createDocument({
    openapi: "3.1.0",
    info: {
      title: "Anxin (安心) API",
      version: "0.1.0",
      license: { name: "Apache-2.0", identifier: "Apache-2.0" },
      description: "Privacy-preserving counseling-record ledger. Errors are application/problem+json (RFC 9457). Formats: docs/FORMATS.md.",
    },
    servers: [{ url: "/", description: "this server" }],
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "Opaque session token from POST /v1/auth/login (Sign-In with Ethereum); valid until its expiresAt, renewed by signing in again. An invalid or expired token is refused with 401 on every operation.",
        },
        metricsToken: {
          type: "http",
          scheme: "bearer",
          description: "The operator's metrics token (ANXIN_METRICS_TOKEN_FILE, or metrics.token in the data directory), for GET /metrics only.",
        },
      },
    },
    paths: paths as any,
  });
}
