// Types for the part of pg-extended.mjs (plain JavaScript, run by the store thread) that TypeScript modules use.

/** An ErrorResponse body as an Error with PostgreSQL's fields (message, code = SQLSTATE, detail, constraint, …). */
export function errorOf(body: Uint8Array): Error & { code?: string; [field: string]: unknown };
