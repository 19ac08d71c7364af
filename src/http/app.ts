// The express 5 application: security headers, body limit, request ids, metrics, the route table
// (auth → roles → validation → handler), and problem+json for every error.
import { randomUUID } from "node:crypto";
import { STATUS_CODES } from "node:http";
import express, { type NextFunction, type Request, type Response } from "express";
import helmet from "helmet";
import compression from "compression";
import { mountStaticFiles } from "./static-files.js";
import { rateLimit } from "express-rate-limit";
import type { Logger } from "pino";
import { StoreUnavailableError } from "../store/db.js";
import { Refusal } from "../services/errors.js";
import { HttpError, badRequest, fieldErrors, forbidden, fromRefusal, notFound, problemBody, unauthorized } from "./problem.js";
import type { RouteDef, Session } from "./route.js";
import type { HttpMetrics } from "./metrics.js";

export interface AppDeps {
  log: Logger;
  routes: RouteDef[];
  jsonBodyLimit: string;
  rateLimitPerMinute: number;
  authRateLimitPerMinute: number;
  loggedReadRateLimitPerMinute: number;
  /** Express "trust proxy": false, a hop count, or addresses/CIDRs/names of the proxies in front of us. */
  trustProxy: boolean | number | string;
  metrics: HttpMetrics;
  /** Resolves a bearer token to a session, or undefined when it is invalid or expired. */
  authenticate(token: string): Promise<Session | undefined>;
  /** The address of a valid, unexpired token (no role lookup): the rate limiter's key. */
  tokenSubject(token: string): string | undefined;
  /** Extra middleware mounted before the API (e.g. static web pages). */
  staticDir?: string;
  /** Origins besides our own the pages may fetch: the chain endpoint they read keys and checkpoints from. */
  connectOrigins?: string[];
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

export function createApp(deps: AppDeps) {
  const app = express();
  app.disable("x-powered-by");
  // Behind a reverse proxy every client would otherwise share the proxy's address, and so one sign-in limit.
  app.set("trust proxy", deps.trustProxy);
  app.set("query parser", "simple");
  app.use(
    helmet({
      contentSecurityPolicy: {
        // 'wasm-unsafe-eval' lets the pages compile libsodium's WebAssembly (client-side crypto); JS eval stays off.
        directives: { "script-src": ["'self'", "'wasm-unsafe-eval'"], "connect-src": ["'self'", ...(deps.connectOrigins ?? [])], "img-src": ["'self'", "data:"] },
      },
    }),
  );
  app.use((req, res, next) => {
    const given = req.get("x-request-id");
    const id = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.locals.requestId = id;
    res.setHeader("x-request-id", id);
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const routePath = (res.locals.routePath as string) ?? "unmatched";
      deps.metrics.observe(req.method, (res.locals.metricsRoute as string) ?? routePath, res.statusCode, seconds);
      // Only the route pattern, never the URL with its ids or a body.
      deps.log.info({ reqId: id, method: req.method, route: routePath, status: res.statusCode, ms: Math.round(seconds * 1000) }, "request");
    });
    next();
  });
  // Answers of 1 KB and more (lists, audit reports, pages) go compressed; a record write's small answer does not.
  app.use(compression({ threshold: 1024 }));
  app.use(express.json({ limit: deps.jsonBodyLimit, strict: true }));

  // Writes are limited per signed-in address (a new sign-in does not buy a fresh allowance), else per client IP.
  // Only a token whose MAC verifies names an address here, so nobody can spend someone else's allowance.
  const keyOf = (req: Request) => {
    const m = /^Bearer (\S+)$/.exec(req.get("authorization") ?? "");
    const sub = m ? deps.tokenSubject(m[1]) : undefined;
    return sub ? `addr:${sub}` : `ip:${req.ip ?? "unknown"}`;
  };
  const writeLimiter = rateLimit({ windowMs: 60_000, limit: deps.rateLimitPerMinute, keyGenerator: keyOf, standardHeaders: "draft-8", legacyHeaders: false, handler: tooMany, validate: false });
  const loggedReadLimiter = rateLimit({ windowMs: 60_000, limit: deps.loggedReadRateLimitPerMinute, keyGenerator: keyOf, standardHeaders: "draft-8", legacyHeaders: false, handler: tooMany, validate: false });
  const authLimiter = rateLimit({ windowMs: 60_000, limit: deps.authRateLimitPerMinute, standardHeaders: "draft-8", legacyHeaders: false, handler: tooMany, validate: false });

  for (const r of deps.routes) {
    const chain: express.RequestHandler[] = [];
    // Sign-in (nonce, login) is limited per client address; "who am I" reads are not sign-in attempts.
    if (r.path.startsWith("/v1/auth/") && r.method !== "get") chain.push(authLimiter);
    else if (r.loggedRead) chain.push(loggedReadLimiter);
    else if (r.write ?? r.method !== "get") chain.push(writeLimiter);
    app[r.method](r.path, ...chain, async (req: Request, res: Response, next: NextFunction) => {
      res.locals.routePath = r.path;
      if (r.sensitive) res.locals.metricsRoute = "sensitive";
      try {
        const session = r.sessionless ? undefined : await sessionOf(req, deps);
        if (!r.roles.includes("public")) {
          if (!session) throw unauthorized();
          if (![...session.roles].some((role) => r.roles.includes(role))) throw forbidden();
        }
        // A body in another media type is not read by the JSON parser: refuse it rather than act as if it were {}.
        if (r.body && req.is("application/json") === false) throw new HttpError(415, "Unsupported Media Type", "send the request body as application/json");
        const params = parse(r.params, req.params, "params");
        const query = parse(r.query, req.query ?? {}, "query");
        const body = parse(r.body, req.body ?? {}, "body");
        const reply = await r.handler({ req, res, body, query, params, session, requestId: res.locals.requestId });
        if (res.headersSent) return;
        for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
        res.status(reply.status ?? r.successStatus ?? 200);
        if (reply.type) res.type(reply.type).send(reply.body);
        else if (reply.body === undefined) res.end();
        else res.json(reply.body);
      } catch (e) {
        next(e);
      }
    });
  }

  // Static pages after the API: an API request never costs a file-system lookup (fstat per request otherwise).
  if (deps.staticDir) mountStaticFiles(app, deps.staticDir);
  app.use((_req, _res, next) => next(notFound("no such route")));
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const id = (res.locals.requestId as string) ?? randomUUID();
    const e = toHttpError(err);
    if (e.status >= 500) deps.log.error({ reqId: id, route: res.locals.routePath ?? "unmatched", error: errorSummary(err) }, "request failed");
    if (res.headersSent) return res.end();
    if (e.retryAfter !== undefined) res.setHeader("retry-after", String(e.retryAfter));
    res.status(e.status).type("application/problem+json").send(JSON.stringify(problemBody(e, id)));
  });
  return app;
}

function tooMany(_req: Request, res: Response) {
  const e = new HttpError(429, "Too Many Requests", "slow down and retry later");
  res.status(429).type("application/problem+json").send(JSON.stringify(problemBody(e, res.locals.requestId ?? "")));
}

async function sessionOf(req: Request, deps: AppDeps): Promise<Session | undefined> {
  const h = req.get("authorization");
  if (!h) return undefined;
  const m = /^Bearer ([A-Za-z0-9._-]{10,2000})$/.exec(h);
  if (!m) throw unauthorized("malformed Authorization header");
  const s = await deps.authenticate(m[1]);
  if (!s) throw unauthorized("session invalid or expired: sign in again");
  return s;
}

function parse(schema: import("zod").ZodType | undefined, value: unknown, where: string): any {
  if (!schema) return value;
  const r = schema.safeParse(value);
  if (!r.success) throw badRequest(`invalid ${where}`, fieldErrors(r.error, where));
  return r.data;
}

export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof Refusal) return fromRefusal(err);
  if (err instanceof StoreUnavailableError) return new HttpError(503, "Service Unavailable", "the database is unavailable; retry shortly");
  const e = err as { type?: string; status?: number; name?: string; code?: string };
  if (e?.type === "entity.too.large") return new HttpError(413, "Content Too Large", "request body too large");
  if (e?.type === "entity.parse.failed") return badRequest("request body is not valid JSON");
  if (e?.type && typeof e.status === "number" && e.status >= 400 && e.status < 500) return new HttpError(e.status, STATUS_CODES[e.status] ?? "Bad Request", "request body could not be read");
  // The router cannot percent-decode a path parameter (e.g. "%E0%A4%A"): the client's URL is malformed.
  if (err instanceof URIError) return badRequest("the URL is not validly percent-encoded");
  // A Content-Encoding (gzip, deflate, br, zstd where Node has it) body that does not decompress. zlib reports
  // gzip/deflate failures as Z_* codes, brotli ones as ERR_BROTLI_* / ERR__ERROR_FORMAT_*, zstd ones as ZSTD_error_*.
  if (typeof e?.code === "string" && (e.code.startsWith("Z_") || e.code.startsWith("ERR_BROTLI") || e.code.startsWith("ERR__ERROR_FORMAT") || e.code.startsWith("ZSTD_error")))
    return badRequest("request body could not be decompressed");
  if (e?.name === "ChainUnavailableError" || e?.code === "ECONNREFUSED" || e?.code === "NETWORK_ERROR" || e?.code === "TIMEOUT")
    return new HttpError(503, "Service Unavailable", "the chain is unavailable; retry shortly");
  return new HttpError(500, "Internal Server Error", "unexpected error; it has been logged with the request id");
}

/** Errors are logged by class and code only: messages can embed SQL parameters or payloads. */
function errorSummary(err: unknown) {
  const e = err as { name?: string; code?: string; stack?: string };
  const frame = e?.stack?.split("\n").find((l) => l.includes("/src/"))?.trim();
  // "class", not "name": the logger redacts every `name` field (it may be a person's name).
  return { class: e?.name ?? typeof err, code: e?.code, at: frame };
}
