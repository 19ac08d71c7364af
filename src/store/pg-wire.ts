// Just enough of the PostgreSQL wire protocol (v3) to run one simple Query and read its DataRows straight from
// the backend's bytes: bulk reads (the auditor's million leaf inputs) skip the per-row JS strings and objects.
import type { RawRowHandler } from "./db.js";
import { errorOf } from "./pg-extended.mjs";

/** A simple-protocol Query message ('Q'): no parameters, text results. */
export function simpleQuery(sql: string): Uint8Array {
  const text = new TextEncoder().encode(sql);
  const m = new Uint8Array(text.length + 6);
  const dv = new DataView(m.buffer);
  m[0] = 0x51;
  dv.setInt32(1, text.length + 5);
  m.set(text, 5);
  return m; // last byte stays 0: the C string terminator
}

const D = 0x44; // DataRow
const E = 0x45; // ErrorResponse

/**
 * Feeds backend bytes (any chunking) and calls onRow for every DataRow. Messages split across chunks are
 * carried over. Errors (a server error, or onRow throwing) are kept and reported by finish(): throwing inside
 * the backend's output callback could unwind through the embedded server.
 */
export class RowReader {
  rows = 0;
  #carry = new Uint8Array(0);
  #carryLen = 0;
  #bounds = new Int32Array(16);
  #error: unknown;

  constructor(private readonly onRow: RawRowHandler) {}

  push(chunk: Uint8Array): void {
    if (this.#error !== undefined) return;
    try {
      if (this.#carryLen === 0) {
        const used = this.#parse(chunk, chunk.length);
        if (used < chunk.length) this.#keep(chunk.subarray(used));
      } else {
        this.#keep(chunk);
        const used = this.#parse(this.#carry, this.#carryLen);
        this.#carry.copyWithin(0, used, this.#carryLen);
        this.#carryLen -= used;
      }
    } catch (e) {
      this.#error = e;
    }
  }

  /** Throws the first error seen; otherwise the number of rows. */
  finish(): number {
    if (this.#error !== undefined) throw this.#error;
    if (this.#carryLen !== 0) throw new Error("the database connection ended mid-message");
    return this.rows;
  }

  #keep(bytes: Uint8Array): void {
    const need = this.#carryLen + bytes.length;
    if (need > this.#carry.length) {
      const grown = new Uint8Array(Math.max(need, this.#carry.length * 2, 1 << 16));
      grown.set(this.#carry.subarray(0, this.#carryLen));
      this.#carry = grown;
    }
    this.#carry.set(bytes, this.#carryLen);
    this.#carryLen = need;
  }

  /** Handles the complete messages in buf[0, len); returns how many bytes they took. */
  #parse(buf: Uint8Array, len: number): number {
    let p = 0;
    while (p + 5 <= len) {
      const size = ((buf[p + 1] << 24) | (buf[p + 2] << 16) | (buf[p + 3] << 8) | buf[p + 4]) >>> 0;
      const end = p + 1 + size;
      if (end > len) break;
      const type = buf[p];
      if (type === D) this.#row(buf, p + 5, end);
      else if (type === E && this.#error === undefined) this.#error = errorOf(buf.subarray(p + 5, end));
      p = end;
    }
    return p;
  }

  #row(buf: Uint8Array, start: number, end: number): void {
    const fields = (buf[start] << 8) | buf[start + 1];
    if (this.#bounds.length < 2 * fields) this.#bounds = new Int32Array(2 * fields);
    const b = this.#bounds;
    let q = start + 2;
    for (let i = 0; i < fields; i++) {
      const n = (buf[q] << 24) | (buf[q + 1] << 16) | (buf[q + 2] << 8) | buf[q + 3]; // -1 = NULL
      q += 4;
      b[2 * i] = n < 0 ? -1 : q;
      b[2 * i + 1] = n < 0 ? -1 : q + n;
      if (n > 0) q += n;
    }
    if (q !== end) throw new Error("malformed DataRow from the database");
    this.rows++;
    if (this.#error === undefined) this.onRow(buf, b);
  }
}
