// A route declares its method, path, the roles it admits and its zod schemas; the same table drives
// validation, authorization, the OpenAPI document and the route × role test.
import type { Request, Response } from "express";
import type { z, ZodType } from "zod";

import { ROLES, type Role, type Session } from "../services/session.js";

export { ROLES, type Role, type Session };

export interface HandlerCtx<B, Q, P> {
  req: Request;
  res: Response;
  body: B;
  query: Q;
  params: P;
  session: Session | undefined;
  requestId: string;
}

export interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Content type for non-JSON replies (text, NDJSON). */
  type?: string;
}

export interface RouteDef<B extends ZodType = ZodType, Q extends ZodType = ZodType, P extends ZodType = ZodType> {
  method: "get" | "post" | "put" | "delete" | "patch";
  path: string; // express style: /v1/records/:id
  summary: string;
  tags: string[];
  roles: Role[];
  /**
   * A `public` route whose handler still needs a session (it refuses without one, after logging the refusal): the
   * OpenAPI document then declares the bearer token it needs.
   */
  signedIn?: boolean;
  /** Defaults to the method and path in camel case (getRecordsByRecordId). */
  operationId?: string;
  body?: B;
  query?: Q;
  params?: P;
  /** Response schema of the success status, for the OpenAPI document. */
  response?: ZodType;
  /** Media type of the success response when it is not JSON (text/plain, application/fhir+json). */
  responseType?: string;
  successStatus?: number;
  /** Counts against the write rate limit. Defaults to true for non-GET. */
  write?: boolean;
  /** A read that writes a permanent log leaf (a key release): limited per address like writes, on its own budget. */
  loggedRead?: boolean;
  /** Counted in metrics under one "sensitive" label: per-route counts would show crisis or erasure volumes. */
  sensitive?: boolean;
  /** The handler checks its own credential (the metrics token); no session is looked up. */
  sessionless?: boolean;
  handler(ctx: HandlerCtx<z.infer<B>, z.infer<Q>, z.infer<P>>): Promise<Reply>;
}

export function route<B extends ZodType, Q extends ZodType, P extends ZodType>(def: RouteDef<B, Q, P>): RouteDef {
  return def as unknown as RouteDef;
}
