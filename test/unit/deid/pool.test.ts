import { expect } from "chai";
import { expectClose } from "../../helpers/close.js";
import { place, shanghai } from "../../helpers/places.js";
import fc from "fast-check";
import {
  isKAnonymousLDiverse,
  NeedPool,
  placeContains,
  publish,
  quasiIdentifierKey,
  type Need,
  type Places,
} from "../../../src/deid/index.js";

let counter = 0;
function need(over: Partial<Need> = {}): Need {
  counter++;
  return {
    needId: counter.toString(16).padStart(32, "0"),
    categories: ["anxiety"],
    severityBand: "mild",
    urgency: "routine",
    languages: ["mandarin"],
    modalities: ["phone"],
    district: "310104",
    ageBand: "30-34",
    availability: ["mon_am"],
    preferences: {},
    ...over,
  };
}

describe("deid/pool", () => {
  let sh: Places;
  before(async () => {
    sh = await shanghai();
  });
  it("routes urgent and crisis needs to the emergency path, never into the pool", () => {
    const pool = new NeedPool({ places: sh });
    expect(publish(pool, need({ urgency: "crisis" })).route).to.equal("emergency");
    expect(pool.submit(need({ urgency: "urgent" })).route).to.equal("emergency");
    expect(pool.published()).to.have.length(0);
    expect(pool.held()).to.have.length(0);
  });

  it("holds needs until a class of k with l distinct category sets can be published", () => {
    const pool = new NeedPool({ k: 5, l: 2, maxStep: 0, places: sh });
    for (let i = 0; i < 4; i++) expect(pool.submit(need({ categories: ["anxiety"] }))).to.deep.include({ route: "pool", isHeld: true });
    expect(pool.published()).to.have.length(0);
    // Five with the same categories: k reached but not l → still held.
    pool.submit(need({ categories: ["anxiety"] }));
    expect(pool.published()).to.have.length(0);
    const r = publish(pool, need({ categories: ["depression"] }));
    if (r.route !== "pool") throw new Error("expected pool route");
    expect(r.published).to.have.length(6);
    expect(r.held).to.have.length(0);
    expectClose(r.risk.maxRisk, 1 / 6, 1e-12);
    expect(r.risk.classes).to.deep.equal([{ district: "310104", ageBand: "30-34", languages: ["mandarin"], size: 6, distinctCategorySets: 2 }]);
    // A later similar need joins the published class at once.
    expect(pool.submit(need())).to.deep.include({ isHeld: false });
  });

  it("generalizes district and age progressively when fine classes stay too small", () => {
    const pool = new NeedPool({ k: 3, l: 2, places: sh });
    pool.submit(need({ district: "310104", ageBand: "30-34" }));
    pool.submit(need({ district: "310105", ageBand: "35-39", categories: ["grief"] }));
    expect(pool.published()).to.have.length(0);
    pool.submit(need({ district: "310107", ageBand: "30-34" }));
    const pub = pool.published();
    expect(pub).to.have.length(3);
    expect(new Set(pub.map((n) => n.district))).to.deep.equal(new Set(["310000.z.west"]));
    expect(new Set(pub.map((n) => n.ageBand))).to.deep.equal(new Set(["30-39"]));
  });

  it("with patience, waits before generalizing", () => {
    const pool = new NeedPool({ k: 2, l: 2, patience: 3, places: sh });
    pool.submit(need({ district: "310104" }));
    pool.submit(need({ district: "310105", categories: ["grief"] }));
    expect(pool.published()).to.have.length(0); // could publish at zone level, but not yet allowed
    // Each arrival is one round; with patience 3, the zone step (2) is allowed after 6 rounds, so the second need
    // (which has seen one round less) gets there with the fifth filler. Fillers share one category: never l-diverse.
    for (const d of ["310115", "310116", "310114", "310118"]) pool.submit(need({ district: d, ageBand: "80+", languages: ["english"] }));
    expect(pool.published()).to.have.length(0);
    pool.submit(need({ district: "310109", ageBand: "80+", languages: ["english"] }));
    expect(pool.published().map((n) => n.district)).to.deep.equal(["310000.z.west", "310000.z.west"]);
  });

  it("withdrawing a member that breaks its class takes the rest back to held", () => {
    const pool = new NeedPool({ k: 2, l: 2, maxStep: 0, places: sh });
    const a = need();
    const b = need({ categories: ["grief"] });
    pool.submit(a);
    pool.submit(b);
    expect(pool.published()).to.have.length(2);
    const r = pool.withdraw(a.needId);
    expect(r.found).to.equal(true);
    expect(r.unpublished.map((n) => n.needId)).to.deep.equal([b.needId]);
    expect(pool.published()).to.have.length(0);
    expect(pool.held().map((n) => n.needId)).to.deep.equal([b.needId]);
    expect(pool.withdraw("f".repeat(32)).found).to.equal(false);
  });

  it("the published pool is k-anonymous and l-diverse after every call (property)", () => {
    const needArb = fc.record({
      categories: fc.constantFrom(["anxiety"], ["depression"], ["anxiety", "depression"], ["grief"]),
      languages: fc.constantFrom(["mandarin"], ["mandarin"], ["mandarin", "shanghainese"], ["cantonese"]),
      district: fc.constantFrom("310104", "310105", "310115", "310112", "310116", "310000.z.north"),
      ageBand: fc.constantFrom("20-24", "30-34", "35-39", "60-64", "80+"),
      urgency: fc.constantFrom("routine", "soon", "soon", "urgent", "crisis"),
    });
    const op = fc.oneof(
      { weight: 4, arbitrary: needArb.map((n) => ({ kind: "submit" as const, n })) },
      { weight: 1, arbitrary: fc.nat(200).map((i) => ({ kind: "withdraw" as const, i })) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 1, max: 3 }), fc.nat(3), fc.array(op, { maxLength: 120 }), (k, l0, patience, ops) => {
        const l = Math.min(l0, k);
        const pool = new NeedPool({ k, l, patience, places: sh });
        const bases = new Map<string, Need>();
        const ids: string[] = [];
        for (const o of ops) {
          if (o.kind === "submit") {
            const n = need(o.n as unknown as Partial<Need>);
            const r = pool.submit(n);
            if (r.route === "emergency") expect(["urgent", "crisis"]).to.include(n.urgency);
            else { bases.set(n.needId, n); ids.push(n.needId); }
          } else if (ids.length > 0) {
            const id = ids.splice(o.i % ids.length, 1)[0];
            expect(pool.withdraw(id).found).to.equal(true);
            bases.delete(id);
          }
          const pub = pool.published();
          expect(isKAnonymousLDiverse(pub, k, l)).to.equal(true);
          const risk = pool.risk();
          const minClass = Math.min(...risk.classes.map((c) => c.size));
          expect(risk.maxRisk).to.equal(pub.length === 0 ? 0 : 1 / minClass);
          expect(risk.maxRisk).to.be.at.most(1 / k);
          // Published ∪ held = exactly the live needs, each published one a generalization of its original.
          const held = pool.held();
          expect([...pub, ...held].map((n) => n.needId).sort()).to.deep.equal([...bases.keys()].sort());
          for (const p of pub) {
            const b = bases.get(p.needId)!;
            expect(placeContains(p.district, b.district, sh)).to.equal(true);
            expect({ ...p, district: b.district, ageBand: b.ageBand }).to.deep.equal(b);
          }
          expect(new Set(pub.map(quasiIdentifierKey)).size).to.equal(risk.classes.length);
        }
      }),
      { numRuns: 150, seed: 11 },
    );
  });

  it("rejects bad options and duplicate ids", () => {
    expect(() => new NeedPool({ k: 0 })).to.throw(RangeError);
    expect(() => new NeedPool({ k: 2, l: 3 })).to.throw(RangeError);
    const pool = new NeedPool({ places: sh });
    const n = need();
    pool.submit(n);
    expect(() => pool.submit(n)).to.throw("duplicate needId");
  });

  it("in a city without zones the ladder goes district → city → province (抚顺 210400), and refuses another city's place", async () => {
    const fs = await place("210400");
    const pool = new NeedPool({ k: 3, l: 2, places: fs });
    pool.submit(need({ district: "210402", ageBand: "30-34" }));
    pool.submit(need({ district: "210403", ageBand: "35-39", categories: ["grief"] }));
    expect(pool.published()).to.have.length(0);
    pool.submit(need({ district: "210422", ageBand: "30-34" })); // 新宾满族自治县
    const pub = pool.published();
    expect(pub).to.have.length(3);
    expect(new Set(pub.map((n) => n.district))).to.deep.equal(new Set(["210400"]));
    expect(isKAnonymousLDiverse(pub, 3, 2)).to.equal(true);
    expect(() => pool.submit(need({ district: "310104" }))).to.throw(RangeError);
  });
});
