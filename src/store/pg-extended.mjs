// The extended-query messages behind the store thread's send() (pglite-worker.mjs): Parse (once per SQL text),
// Bind with every parameter in text format, Execute, Sync, and a reader for the backend's answer. PGlite's own
// query() spends a Parse + Describe round on every call to learn the parameter types, serialises by type, and
// parses every result message into objects; a statement whose result nobody reads needs none of that. The server
// infers the parameter types from the SQL (`$1::text[]`, a column's type), exactly as it does for query().
// Plain JavaScript: it runs in the worker, which has no TypeScript loader (pg-wire.ts is the main thread's part).

const encoder = new TextEncoder();

const PARSE = 0x50; // 'P'
const BIND = 0x42; // 'B'
const EXECUTE = 0x45; // 'E'
const SYNC_TYPE = 0x53; // 'S'
const PARSE_COMPLETE = 0x31; // '1'
const ERROR_RESPONSE = 0x45; // 'E' (backend)
const READY_FOR_QUERY = 0x5a; // 'Z'

const LBRACE = 0x7b;
const RBRACE = 0x7d;
const COMMA = 0x2c;
const QUOTE = 0x22;

/** A lone Sync: the backend answers ReadyForQuery, whose status byte says whether the transaction has failed. */
export const SYNC = new Uint8Array([SYNC_TYPE, 0, 0, 0, 4]);

/** Wire messages written into one growing buffer, reused from one statement to the next. */
export class MessageWriter {
  buf = new Uint8Array(64 * 1024);
  len = 0;

  /** The messages written since reset(): a view, valid until the next reset() (PGlite reads it synchronously). */
  bytes() {
    return this.buf.subarray(0, this.len);
  }

  reset() {
    this.len = 0;
    // One huge statement must not pin its buffer for the life of the process.
    if (this.buf.length > 8 * 1024 * 1024) this.buf = new Uint8Array(64 * 1024);
  }

  reserve(n) {
    if (this.len + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.len + n, this.buf.length * 2));
    grown.set(this.buf.subarray(0, this.len));
    this.buf = grown;
  }

  byte(b) {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  int16(v) {
    this.reserve(2);
    this.buf[this.len++] = (v >>> 8) & 0xff;
    this.buf[this.len++] = v & 0xff;
  }

  int32(v) {
    this.reserve(4);
    this.setInt32(this.len, v);
    this.len += 4;
  }

  /** UTF-8, straight into the buffer (at most 3 bytes per UTF-16 unit; a lone surrogate becomes U+FFFD). */
  text(s) {
    this.reserve(s.length * 3);
    this.len += encoder.encodeInto(s, this.buf.subarray(this.len)).written;
  }

  cstring(s) {
    this.text(s);
    this.byte(0);
  }

  /** Starts a message; end(at) fills in its length once the body is written. */
  begin(type) {
    this.byte(type);
    const at = this.len;
    this.int32(0);
    return at;
  }

  end(at) {
    this.setInt32(at, this.len - at);
  }

  /** Overwrites 4 bytes already written (a length known only after its body). */
  setInt32(at, v) {
    const b = this.buf;
    b[at] = (v >>> 24) & 0xff;
    b[at + 1] = (v >>> 16) & 0xff;
    b[at + 2] = (v >>> 8) & 0xff;
    b[at + 3] = v & 0xff;
  }
}

/**
 * Writes [Parse] Bind Execute Sync for one statement: Parse only when `parse` is set (the first use of a named
 * statement, or every use of the unnamed one). Sync ends the statement whatever happens: after an error the backend
 * skips to it, so the next statement starts clean (and, in a failed transaction, is refused with 25P02).
 */
export function writeStatement(w, { name, sql, parse, params = [] }) {
  if (params.length > 0xffff) throw new RangeError(`too many parameters (${params.length}, at most 65535)`);
  if (parse) {
    const at = w.begin(PARSE);
    w.cstring(name);
    w.cstring(sql);
    w.int16(0); // no parameter types given: the server infers them, as for query()
    w.end(at);
  }
  const at = w.begin(BIND);
  w.cstring(""); // the unnamed portal
  w.cstring(name);
  w.int16(0); // every parameter in text format
  w.int16(params.length);
  for (const p of params) writeParam(w, p);
  w.int16(0); // results in text format (none are read)
  w.end(at);
  const ex = w.begin(EXECUTE);
  w.cstring("");
  w.int32(0); // all rows
  w.end(ex);
  w.end(w.begin(SYNC_TYPE));
}

/** One Bind parameter: its length (-1 for NULL), then its text. */
function writeParam(w, x) {
  if (x === null || x === undefined) return w.int32(-1);
  const at = w.len;
  w.int32(0);
  if (Array.isArray(x)) writeArray(w, x);
  else w.text(textOf(x));
  w.setInt32(at, w.len - at - 4);
}

// Inside an array literal every element is double-quoted, so only `"` and `\` need a backslash: backslashes
// first, then quotes. Two replaces with literal replacements: on a 5.5 KB JSON envelope ~1 µs, against ~10 µs
// for one /["\\]/g with the pattern "\\$&".
const BACKSLASH = /\\/g;
const QUOTE_RE = /"/g;
const escapeElement = (s) => s.replace(BACKSLASH, "\\\\").replace(QUOTE_RE, '\\"');

/**
 * A PostgreSQL array literal, as PGlite's arraySerializer writes it: `{"a","b\"c",NULL}`, nested arrays as nested
 * braces, every non-NULL element quoted (so "NULL", "", commas, braces and spaces stay text).
 */
function writeArray(w, xs) {
  w.byte(LBRACE);
  for (let i = 0; i < xs.length; i++) {
    if (i > 0) w.byte(COMMA);
    const x = xs[i];
    if (x === null || x === undefined) {
      w.text("NULL");
    } else if (Array.isArray(x)) {
      writeArray(w, x);
    } else {
      w.byte(QUOTE);
      w.text(escapeElement(textOf(x)));
      w.byte(QUOTE);
    }
  }
  w.byte(RBRACE);
}

/**
 * A value's text as PGlite's query() sends it for the types this repository uses (strings, numbers into int /
 * bigint / text, Dates and ISO strings into timestamptz, Uint8Array into bytea, objects into json).
 * Booleans are "true"/"false": bool's input reads them like "t"/"f", and a text column stores what query() stores.
 * query() picks the encoding by the parameter's type; this cannot (nobody asked the server for the types), so
 * where query() would use the type it differs: a JS array for a json/jsonb parameter becomes an array literal
 * (an error, or for [] the object {}), a Date or bigint for json is not quoted, a number for timestamptz is not
 * read as epoch milliseconds. Pass JSON as a string (JSON.stringify), as the repository does.
 */
function textOf(x) {
  switch (typeof x) {
    case "string":
      return x;
    case "number":
    case "bigint":
      return String(x);
    case "boolean":
      return x ? "true" : "false";
  }
  if (x instanceof Date) return x.toISOString();
  if (x instanceof Uint8Array) return "\\x" + Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString("hex");
  return JSON.stringify(x, (_, v) => (typeof v === "bigint" ? v.toString() : v));
}

/** Collects the backend's answer, which PGlite hands over in pieces that are only valid during the callback. */
export class AnswerReader {
  buf = new Uint8Array(16 * 1024);
  len = 0;
  onData = (chunk) => {
    if (this.len + chunk.length > this.buf.length) {
      const grown = new Uint8Array(Math.max(this.len + chunk.length, this.buf.length * 2));
      grown.set(this.buf.subarray(0, this.len));
      this.buf = grown;
    }
    this.buf.set(chunk, this.len);
    this.len += chunk.length;
  };

  reset() {
    this.len = 0;
    if (this.buf.length > 1024 * 1024) this.buf = new Uint8Array(16 * 1024);
  }

  /**
   * What the answer says: whether a Parse completed (the statement now exists under its name), the first
   * ErrorResponse (as an Error carrying PostgreSQL's fields), and the transaction status of the last
   * ReadyForQuery ('I' idle, 'T' in a transaction, 'E' in a failed one). Rows and notices are skipped.
   */
  read() {
    const b = this.buf;
    let parsed = false;
    let error;
    let status;
    for (let p = 0; p + 5 <= this.len; ) {
      const size = ((b[p + 1] << 24) | (b[p + 2] << 16) | (b[p + 3] << 8) | b[p + 4]) >>> 0;
      const type = b[p];
      if (type === PARSE_COMPLETE) parsed = true;
      else if (type === ERROR_RESPONSE) error ??= errorOf(b.subarray(p + 5, p + 1 + size));
      else if (type === READY_FOR_QUERY) status = String.fromCharCode(b[p + 5]);
      p += 1 + size;
    }
    return { parsed, error, status };
  }
}

// ErrorResponse field codes → the property names PGlite's DatabaseError uses (what errorOf in the worker copies).
const FIELD_NAMES = {
  M: "message", C: "code", D: "detail", H: "hint", P: "position", W: "where", s: "schema", t: "table",
  c: "column", n: "constraint", R: "routine", S: "severity", V: "severityV",
};

/** An ErrorResponse body as an Error with PostgreSQL's fields: code "23505", constraint, detail, … (also used by
 *  pg-wire.ts for the bulk reads, so both paths report a server error the same way). */
export function errorOf(body) {
  const fields = {};
  const dec = new TextDecoder();
  for (let p = 0; p < body.length && body[p] !== 0; ) {
    const z = body.indexOf(0, p + 1);
    const end = z === -1 ? body.length : z;
    const name = FIELD_NAMES[String.fromCharCode(body[p])];
    if (name) fields[name] = dec.decode(body.subarray(p + 1, end));
    p = end + 1;
  }
  const { message = "database error", severityV, ...rest } = fields;
  rest.severity ??= severityV;
  return Object.assign(new Error(message), { name: "DatabaseError" }, rest);
}
