// RFC 8785 (JCS) canonical JSON. Only the JSON data model is accepted: JSON.stringify-style coercions (undefined
// dropped, Date via toJSON, functions) would make two different inputs hash alike, so they are refused instead.
// The `canonicalize` package (an independent RFC 8785 implementation) is the reference in our tests.
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

/**
 * RFC 8785 serialisation of a value already known to be in the JSON data model. RFC 8785 specifies exactly
 * ECMAScript's JSON.stringify for strings and numbers, and object members sorted by the UTF-16 code units of their
 * names (JavaScript's default sort), so only the ordering needs doing here; strings are serialised by V8's native
 * JSON.stringify (the hot path: record writes hash kilobytes of base64). Returns undefined for anything else, and
 * canonicalJson then names the offending value with assertJson.
 */
function serialise(value: unknown, depth: number): string | undefined {
  switch (typeof value) {
    case "string":
      return value.isWellFormed() ? JSON.stringify(value) : undefined;
    case "number":
      return Number.isFinite(value) ? JSON.stringify(value) : undefined;
    case "boolean":
      return value ? "true" : "false";
    case "object": {
      if (value === null) return "null";
      if (depth > 256) return undefined;
      if (Array.isArray(value)) {
        let out = "[";
        for (let i = 0; i < value.length; i++) {
          if (!(i in value)) return undefined;
          const v = serialise(value[i], depth + 1);
          if (v === undefined) return undefined;
          out += (i === 0 ? "" : ",") + v;
        }
        return out + "]";
      }
      if (!isPlainObject(value) || Object.getOwnPropertySymbols(value).length > 0) return undefined;
      const keys = Object.keys(value).sort();
      let out = "{";
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i];
        if (!k.isWellFormed()) return undefined;
        const v = serialise((value as Record<string, unknown>)[k], depth + 1);
        if (v === undefined) return undefined;
        out += (i === 0 ? "" : ",") + JSON.stringify(k) + ":" + v;
      }
      return out + "}";
    }
    default:
      return undefined;
  }
}

/** RFC 8785 canonical JSON text of `value`. Throws NonJsonValue for anything outside the JSON data model. */
export function canonicalJson(value: unknown): string {
  const text = serialise(value, 0);
  if (text !== undefined) return text;
  assertJson(value, "$", 0); // names what is wrong and where
  throw new NonJsonValue("value has no JSON representation");
}

/** UTF-8 bytes of canonicalJson(value): what every Anxin hash and signature over JSON is computed on. */
export function canonicalBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value));
}
