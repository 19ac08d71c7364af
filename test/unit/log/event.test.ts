import { expect } from "chai";
import {
  LogEventError,
  eventLeafHash,
  eventTime,
  leafHash,
  leafInput,
  leafInputType,
  parseLeafInput,
  toHex,
  type LogEvent,
} from "../../../src/log/index.js";

const H = "0f".repeat(32);
const base: LogEvent = { type: "access", id: "rec-01J9Z", hash: H, at: "2026-11-29T04:08:00.000Z" };
const text = (b: Uint8Array) => new TextDecoder().decode(b);

function fieldOf(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (e instanceof LogEventError) return e.field;
    throw e;
  }
}

describe("log events", () => {
  it("leaf input is the RFC 8785 canonical JSON: sorted keys, no spaces, UTF-8", () => {
    const e: LogEvent = { type: "access", at: base.at, id: base.id, hash: H, district: "朝阳", n: 3, ok: true };
    expect(text(leafInput(e))).to.equal(
      `{"at":"2026-11-29T04:08:00.000Z","district":"朝阳","hash":"${H}","id":"rec-01J9Z","n":3,"ok":true,"type":"access"}`,
    );
    expect(leafInput(e).length).to.equal(new TextEncoder().encode(text(leafInput(e))).length);
  });

  it("the leaf input does not depend on key order; the leaf hash is leafHash of it", () => {
    const a: LogEvent = { ...base, scope: { b: 1, a: [2, "x"] } };
    const b: LogEvent = { scope: { a: [2, "x"], b: 1 }, at: base.at, hash: H, id: base.id, type: "access" };
    expect(leafInput(a)).to.deep.equal(leafInput(b));
    expect(toHex(eventLeafHash(a))).to.equal(toHex(leafHash(leafInput(a))));
  });

  it("accepts every event type from the design", () => {
    for (const type of ["record", "access", "consent", "revoke", "tombstone", "accredit"] as const) {
      expect(() => leafInput({ ...base, type })).to.not.throw();
    }
  });

  it("rejects malformed fields, naming the field but never echoing the value", () => {
    const secret = "张三 13800138000";
    const cases: [string, Record<string, unknown>][] = [
      ["type", { ...base, type: "note" }],
      ["id", { ...base, id: secret }],
      ["id", { ...base, id: "" }],
      ["hash", { ...base, hash: H.toUpperCase() }],
      ["hash", { ...base, hash: "0x" + H }],
      ["at", { ...base, at: 1764389280000 }],
      ["at", { ...base, at: "2026-11-29T04:08:00Z" }],
      ["at", { ...base, at: "2026-11-29T12:08:00.000+08:00" }],
      ["at", { ...base, at: "2026-02-30T04:08:00.000Z" }],
      ["score", { ...base, score: 0.5 }],
      ["big", { ...base, big: 2 ** 53 }],
      ["when", { ...base, when: new Date() }],
      ["x", { ...base, x: undefined }],
      ["s", { ...base, s: "\ud800" }],
    ];
    for (const [field, e] of cases) {
      expect(fieldOf(() => leafInput(e as LogEvent)), field).to.equal(field);
    }
    try {
      leafInput({ ...base, id: secret });
    } catch (e) {
      expect((e as Error).message).to.not.include("张三");
      expect((e as Error).message).to.not.include("138");
    }
  });

  it("eventTime formats ms timestamps and Dates as ISO-8601 UTC with milliseconds", () => {
    expect(eventTime(Date.UTC(2026, 10, 29, 4, 8))).to.equal("2026-11-29T04:08:00.000Z");
    expect(eventTime(new Date("2026-11-29T12:08:00+08:00"))).to.equal("2026-11-29T04:08:00.000Z");
    expect(() => eventTime(Number.NaN)).to.throw(RangeError);
  });

  it("parseLeafInput round-trips and rejects non-canonical or invalid bytes", () => {
    const e: LogEvent = { ...base, purpose: 1 };
    expect(parseLeafInput(leafInput(e))).to.deep.equal(e);
    const spaced = new TextEncoder().encode(JSON.stringify(e, null, 1));
    expect(fieldOf(() => parseLeafInput(spaced))).to.equal("(event)");
    const reordered = new TextEncoder().encode(JSON.stringify({ type: e.type, id: e.id, hash: H, at: e.at, purpose: 1 }));
    expect(fieldOf(() => parseLeafInput(reordered))).to.equal("(event)");
    expect(fieldOf(() => parseLeafInput(new Uint8Array([0xff, 0xfe])))).to.equal("(event)");
    expect(fieldOf(() => parseLeafInput(new TextEncoder().encode('{"type":"x"}')))).to.equal("type");
  });

  it("leafInputType reads the top-level type without being fooled by nested or trailing fields", () => {
    const enc = (t: string) => new TextEncoder().encode(t);
    expect(leafInputType(leafInput(base))).to.equal("access");
    expect(leafInputType(leafInput({ ...base, type: "record", kind: "note", keys: ["a", "b"] }))).to.equal("record");
    // A nested object whose own "type" sorts earlier must not be taken for the event's type.
    expect(leafInputType(leafInput({ ...base, type: "consent", a: { type: "record" } }))).to.equal("consent");
    expect(leafInputType(leafInput({ ...base, type: "record", a: { type: "consent" } }))).to.equal("record");
    // Fields sorting after "type" (slow path), including a nested "type" at the very end.
    expect(leafInputType(leafInput({ ...base, type: "tombstone", zone: "x" }))).to.equal("tombstone");
    expect(leafInputType(leafInput({ ...base, type: "revoke", z: { type: "record" } }))).to.equal("revoke");
    // Non-ASCII and escaped values take the slow path and still decode exactly.
    expect(leafInputType(enc('{"at":"x","type":"r\u00e9cord"}'))).to.equal("récord");
    expect(leafInputType(enc('{"at":"x","type":"a\\\\"}'))).to.equal("a\\");
    expect(leafInputType(enc('{"at":"x","type":"朝阳"}'))).to.equal("朝阳");
    // Not an event: no type, a non-string type, not an object, not JSON, not UTF-8, empty.
    expect(leafInputType(enc('{"at":"x","id":"y"}'))).to.equal(undefined);
    expect(leafInputType(enc('{"at":"x","type":3}'))).to.equal(undefined);
    expect(leafInputType(enc('["type","record"]'))).to.equal(undefined);
    expect(leafInputType(new Uint8Array([0xff, 0xfe]))).to.equal(undefined);
    expect(leafInputType(new Uint8Array(0))).to.equal(undefined);
  });
});
