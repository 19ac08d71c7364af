// A route declares its method, path, the roles it admits and its zod schemas; the same table drives
// validation, authorization, the OpenAPI document and the route × role test.
import type { Request, Response } from "express";
import type { z, ZodType } from "zod";

/** public: anyone; resident: any signed-in pseudonymous address that holds no staff role. */
export const ROLES = ["public", "resident", "counselor", "auditor", "matcher", "admin"] as const;
export type Role = (typeof ROLES)[number];

export interface Session {
  address: string; // lowercase 0x address
  roles: Set<Role>;
  /** True for an address that was accredited but is suspended or expired now. */
  formerCounselor: boolean;
}

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
  body?: B;
  query?: Q;
  params?: P;
  /** Response schema of the success status, for the OpenAPI document. */
  response?: ZodType;
  successStatus?: number;
  /** Counts against the write rate limit. Defaults to true for non-GET. */
  write?: boolean;
  handler(ctx: HandlerCtx<z.infer<B>, z.infer<Q>, z.infer<P>>): Promise<Reply>;
}

export function route<B extends ZodType, Q extends ZodType, P extends ZodType>(def: RouteDef<B, Q, P>): RouteDef {
  return def as unknown as RouteDef;
}
