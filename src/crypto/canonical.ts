// RFC 8785 (JCS) canonical JSON. `canonicalize` implements the serialisation; it silently drops or coerces values that
// JSON.stringify would (undefined, functions, Date via toJSON), which would make two different inputs hash alike. We
// therefore accept only the JSON data model and refuse everything else before serialising.
import canonicalize from "canonicalize";
import { NonJsonValue } from "./errors.js";

/** Any value of the JSON data model. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

// In /u mode a valid surrogate pair is one code point, so \p{Cs} matches only unpaired halves.
const LONE_SURROGATE = /\p{Cs}/u;

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function assertJson(value: unknown, path: string, depth: number): void {
  if (depth > 256) throw new NonJsonValue(`value nested deeper than 256 levels at ${path}`);
  switch (typeof value) {
    case "string":
      if (LONE_SURROGATE.test(value)) throw new NonJsonValue(`string with a lone surrogate at ${path}`);
      return;
    case "boolean":
      return;
    case "number":
      if (!Number.isFinite(value)) throw new NonJsonValue(`non-finite number (${String(value)}) at ${path}`);
      return;
    case "object":
      if (value === null) return;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (!(i in value)) throw new NonJsonValue(`sparse array hole at ${path}[${i}]`);
          assertJson(value[i], `${path}[${i}]`, depth + 1);
        }
        return;
      }
      if (!isPlainObject(value)) {
        throw new NonJsonValue(`non-plain object (${value.constructor?.name ?? "unknown"}) at ${path}`);
      }
      if (Object.getOwnPropertySymbols(value).length > 0) throw new NonJsonValue(`symbol-keyed property at ${path}`);
      for (const key of Object.keys(value)) {
        if (LONE_SURROGATE.test(key)) throw new NonJsonValue(`key with a lone surrogate at ${path}`);
        assertJson((value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
      }
      return;
    default:
      // undefined, bigint, function, symbol
      throw new NonJsonValue(`${typeof value} is not a JSON value at ${path}`);
  }
}

/** RFC 8785 canonical JSON text of `value`. Throws NonJsonValue for anything outside the JSON data model. */
export function canonicalJson(value: unknown): string {
  assertJson(value, "$", 0);
  const text = canonicalize(value);
  if (text === undefined) throw new NonJsonValue("value has no JSON representation");
  return text;
}

/** UTF-8 bytes of canonicalJson(value): what every Anxin hash and signature over JSON is computed on. */
export function canonicalBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value));
}
