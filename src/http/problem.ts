// RFC 9457 problem details: every error leaves the server as application/problem+json, never HTML or a stack.
import type { ZodError } from "zod";
import { Refusal, type FieldError, type RefusalKind } from "../services/errors.js";

export type { FieldError };

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
    readonly type = "about:blank",
    readonly code?: string,
    readonly retryAfter?: number,
  ) {
    super(detail ?? title);
    this.name = "HttpError";
  }
}

export const badRequest = (detail: string, errors?: FieldError[]) => new HttpError(400, "Bad Request", detail, errors);
export const unauthorized = (detail = "sign in first") => new HttpError(401, "Unauthorized", detail);
export const forbidden = (detail = "not allowed for your role") => new HttpError(403, "Forbidden", detail);
export const notFound = (detail = "not found") => new HttpError(404, "Not Found", detail);
export const conflict = (detail: string) => new HttpError(409, "Conflict", detail);
export const unprocessable = (detail: string, errors?: FieldError[]) => new HttpError(422, "Unprocessable Content", detail, errors);
export const unavailable = (detail: string) => new HttpError(503, "Service Unavailable", detail);

/** The one place where a domain refusal becomes an HTTP status. */
const STATUS: Record<RefusalKind, [number, string]> = {
  invalid: [400, "Bad Request"],
  unauthenticated: [401, "Unauthorized"],
  forbidden: [403, "Forbidden"],
  not_found: [404, "Not Found"],
  conflict: [409, "Conflict"],
  gone: [410, "Gone"],
  unprocessable: [422, "Unprocessable Content"],
  too_many: [429, "Too Many Requests"],
  integrity: [500, "Integrity Failure"],
  unavailable: [503, "Service Unavailable"],
};

export function fromRefusal(r: Refusal): HttpError {
  const [status, title] = STATUS[r.kind];
  // A coded refusal with no field errors names its code as the body's error, as clients have always read it.
  const errors = r.errors ?? (r.code && r.kind === "unprocessable" ? [{ path: "body", message: r.code }] : undefined);
  const type = r.type ?? (r.kind === "integrity" ? "urn:anxin:problem:integrity" : undefined);
  return new HttpError(status, title, r.message, errors, type, r.code, r.retryAfter);
}

/** Field errors name the path and the rule broken, never the offending value (it may be personal). */
export function fieldErrors(err: ZodError, prefix: string): FieldError[] {
  return err.issues.slice(0, 50).map((i) => ({
    path: [prefix, ...i.path.map(String)].filter(Boolean).join("."),
    message: i.message.length > 200 ? i.message.slice(0, 200) : i.message,
  }));
}

export function problemBody(e: HttpError, instance: string) {
  return {
    type: e.type,
    title: e.title,
    status: e.status,
    ...(e.detail ? { detail: e.detail } : {}),
    instance,
    ...(e.code ? { code: e.code } : {}),
    ...(e.errors?.length ? { errors: e.errors } : {}),
  };
}
