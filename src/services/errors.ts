// Domain refusals: services say what went wrong in the domain's words, and the http adapter maps each kind to a
// status code once (src/http/problem.ts). Services never know about HTTP.

export type RefusalKind =
  | "invalid" // the request is malformed (400)
  | "unauthenticated" // no valid session (401)
  | "forbidden" // the caller may not do this (403)
  | "not_found" // no such thing, or not visible to the caller (404)
  | "conflict" // the current state forbids it (409)
  | "gone" // it existed and was erased (410)
  | "unprocessable" // well-formed but refused by a domain rule (422)
  | "too_many" // a quota or rate was exceeded (429)
  | "integrity" // stored data no longer matches its log leaf (500, never served)
  | "unavailable"; // a dependency (database, chain) is down (503)

/** A field that broke a rule: the path and the rule, never the offending value (it may be personal). */
export interface FieldError {
  path: string;
  message: string;
}

export interface RefusalOptions {
  /** A stable machine-readable reason, e.g. "grant_revoked"; sent as the problem's `code`. */
  code?: string;
  errors?: FieldError[];
  /** A problem type URI for refusals that clients handle specially. */
  type?: string;
  /** Seconds after which a retry may succeed (too_many, unavailable). */
  retryAfter?: number;
}

export class Refusal extends Error {
  readonly code?: string;
  readonly errors?: FieldError[];
  readonly type?: string;
  readonly retryAfter?: number;
  constructor(
    readonly kind: RefusalKind,
    detail: string,
    opts: RefusalOptions = {},
  ) {
    super(detail);
    this.name = "Refusal";
    this.code = opts.code;
    this.errors = opts.errors;
    this.type = opts.type;
    this.retryAfter = opts.retryAfter;
  }
}

type Make = (detail?: string, opts?: RefusalOptions) => Refusal;
const make =
  (kind: RefusalKind, fallback: string): Make =>
  (detail = fallback, opts) =>
    new Refusal(kind, detail, opts);

export const invalid = make("invalid", "invalid request");
export const unauthenticated = make("unauthenticated", "sign in first");
export const forbidden = make("forbidden", "not allowed for your role");
export const notFound = make("not_found", "not found");
export const conflict = make("conflict", "conflict with the current state");
export const gone = make("gone", "this record was erased at the resident's request");
export const unprocessable = make("unprocessable", "refused");
export const tooMany = make("too_many", "slow down and retry later");
export const integrity = make("integrity", "the stored record no longer matches the hash in the log; it is not served");
export const unavailable = make("unavailable", "a service this needs is unavailable; retry shortly");
