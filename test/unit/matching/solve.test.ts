import { expect } from "chai";
import { expectClose } from "../../helpers/close.js";
import fc from "fast-check";
import lpModule from "javascript-lp-solver";
import { isUrgent, type Need } from "../../../src/deid/index.js";
import { place, shanghai } from "../../helpers/places.js";
import {
  AreaIndex,
  costOf,
  counselorClassKey,
  counselorFeatures,
  DEFAULT_WEIGHTS,
  greedySolve,
  needClassKey,
  needFeatures,
  pairCost,
  solve,
  solveFromJson,
  solveTransport,
  tierPenalties,
  type Counselor,
  type MatchResult,
} from "../../../src/matching/index.js";
import { instanceArb } from "./arbitraries.js";

const W = DEFAULT_WEIGHTS;

// Under ESM, node loads dist/index.mjs whose default export is the solver object; its .d.ts is typed as CommonJS, so
// TypeScript sees the namespace. Take `.default` when present (CJS interop), else the import itself.
type LpSolver = { Solve(model: object): unknown };
const solver = ((lpModule as unknown as { default?: LpSolver }).default ?? lpModule) as unknown as LpSolver;

// Independent big-M for the LP: instances have ≤ 12 needs and pair costs ≤ 1,000, so serving one more need is
// worth more than any cost change (12 · 1,100 < 1e5), and one more urgent need more than any other change.
const B_TEST = 1e5;
const U_TEST = 1e8;
const penaltyOf = (n: Need) => (isUrgent(n.urgency) ? U_TEST : B_TEST) + W.unassigned[n.urgency];

/** LP optimum over individual need × counselor variables (no classes), by javascript-lp-solver. */
function lpOptimum(needs: Need[], counselors: Counselor[]): number {
  const variables: Record<string, Record<string, number>> = {};
  const constraints: Record<string, { max: number }> = {};
  needs.forEach((n, a) => {
    constraints[`n${a}`] = { max: 1 };
    counselors.forEach((c, b) => {
      const cost = costOf(n, c, W);
      if (cost === null) return;
      constraints[`c${b}`] = { max: c.capacity };
      variables[`x${a}_${b}`] = { obj: cost - penaltyOf(n), [`n${a}`]: 1, [`c${b}`]: 1 };
    });
  });
  const base = needs.reduce((s, n) => s + penaltyOf(n), 0);
  if (Object.keys(variables).length === 0) return base;
  const r = solver.Solve({ optimize: "obj", opType: "min", constraints, variables }) as { feasible: boolean; result: number };
  expect(r.feasible).to.equal(true);
  return base + r.result;
}

const objective = (needs: Need[], r: MatchResult) => {
  const un = new Set(r.unassigned);
  return r.totalCost + needs.filter((n) => un.has(n.needId)).reduce((s, n) => s + penaltyOf(n), 0);
};

function checkFeasible(needs: Need[], counselors: Counselor[], r: MatchResult) {
  const needById = new Map(needs.map((n) => [n.needId, n]));
  const cById = new Map(counselors.map((c) => [c.counselorId, c]));
  const load = new Map<string, number>();
  const seen = new Set<string>();
  for (const a of r.assignments) {
    expect(seen.has(a.needId), "need assigned twice").to.equal(false);
    seen.add(a.needId);
    const n = needById.get(a.needId)!;
    const c = cById.get(a.counselorId)!;
    expect(costOf(n, c, W), "hard constraint broken").to.not.equal(null);
    expect(a.cost).to.equal(costOf(n, c, W));
    load.set(a.counselorId, (load.get(a.counselorId) ?? 0) + 1);
  }
  for (const [id, l] of load) expect(l).to.be.at.most(cById.get(id)!.capacity);
  expect([...seen, ...r.unassigned].sort()).to.deep.equal(needs.map((n) => n.needId).sort());
  expect(r.totalCost).to.equal(r.assignments.reduce((s, a) => s + a.cost, 0));
  return { needById, cById, load };
}

describe("matching/solve", () => {
  it("total cost + penalties equals an independent LP optimum on random instances", () => {
    let contested = 0; // instances where capacity ran short: the interesting ones
    fc.assert(
      fc.property(instanceArb(12, 6), ({ needs, counselors }) => {
        const r = solve(needs, counselors, W, { explain: false });
        expectClose(objective(needs, r), lpOptimum(needs, counselors), 1e-3);
        if (r.served > 0 && r.unassigned.length > 0) contested++;
      }),
      { numRuns: 120, seed: 424242 },
    );
    expect(contested).to.be.greaterThan(30);
  });

  it("never exceeds capacity nor breaks a hard constraint, and serves urgent needs first", () => {
    fc.assert(
      fc.property(instanceArb(25, 8), ({ needs, counselors }) => {
        const r = solve(needs, counselors, W, { explain: false });
        const { cById, needById, load } = checkFeasible(needs, counselors, r);
        // An urgent need left unassigned: every counselor allowed for it is full, and full of urgent needs only
        // (otherwise swapping would serve one more urgent need).
        const byCounselor = new Map<string, Need[]>();
        for (const a of r.assignments) byCounselor.set(a.counselorId, [...(byCounselor.get(a.counselorId) ?? []), needById.get(a.needId)!]);
        for (const id of r.unassigned) {
          const n = needById.get(id)!;
          if (!isUrgent(n.urgency)) continue;
          for (const c of cById.values()) {
            if (costOf(n, c, W) === null) continue;
            expect(load.get(c.counselorId) ?? 0).to.equal(c.capacity);
            for (const m of byCounselor.get(c.counselorId) ?? []) expect(isUrgent(m.urgency)).to.equal(true);
          }
        }
        // Every unassigned need has no allowed counselor with a free slot.
        for (const id of r.unassigned)
          for (const c of cById.values())
            if (costOf(needById.get(id)!, c, W) !== null) expect(load.get(c.counselorId) ?? 0).to.equal(c.capacity);
      }),
      { numRuns: 150, seed: 7 },
    );
  });

  it("the greedy baseline is feasible and never better than the optimum", () => {
    fc.assert(
      fc.property(instanceArb(20, 6), ({ needs, counselors }) => {
        const g = greedySolve(needs, counselors, W, { explain: false });
        checkFeasible(needs, counselors, g);
        expect(objective(needs, g)).to.be.at.least(objective(needs, solve(needs, counselors, W, { explain: false })));
      }),
      { numRuns: 80, seed: 99 },
    );
  });

  it("column generation (sparse start + pricing) reaches the full-graph min-cost flow", () => {
    // Many classes so the sparse start really leaves pairs out; compare with one flow over every feasible pair.
    fc.assert(
      fc.property(instanceArb(160, 40), ({ needs, counselors }) => {
        const r = solve(needs, counselors, W, { explain: false });
        checkFeasible(needs, counselors, r);
        const nKeys = new Map<string, number>();
        const cKeys = new Map<string, number>();
        const nf: ReturnType<typeof needFeatures>[] = [];
        const cf: ReturnType<typeof counselorFeatures>[] = [];
        const supply: number[] = [];
        const capacity: number[] = [];
        const areas = AreaIndex.of(needs); // one numbering of the instance's areas for both sides
        for (const n of needs) {
          const f = needFeatures(n, areas);
          const k = needClassKey(f);
          if (!nKeys.has(k)) { nKeys.set(k, nf.length); nf.push(f); supply.push(0); }
          supply[nKeys.get(k)!]++;
        }
        for (const c of counselors) {
          const f = counselorFeatures(c, areas);
          if (!f.open) continue;
          const k = counselorClassKey(f);
          if (!cKeys.has(k)) { cKeys.set(k, cf.length); cf.push(f); capacity.push(0); }
          capacity[cKeys.get(k)!] += c.capacity;
        }
        const arcFrom: number[] = [];
        const arcTo: number[] = [];
        const arcCost: number[] = [];
        let maxCost = 0;
        nf.forEach((f, i) => cf.forEach((g, j) => {
          const c = pairCost(f, g, W);
          if (c === null) return;
          arcFrom.push(i); arcTo.push(j); arcCost.push(c); maxCost = Math.max(maxCost, c);
        }));
        const tiers = tierPenalties(Math.min(needs.length, capacity.reduce((a, b) => a + b, 0)), maxCost, W);
        const penalty = nf.map((f) => (f.urgency >= 2 ? tiers.urgent : tiers.normal) + W.unassigned[(["routine", "soon", "urgent", "crisis"] as const)[f.urgency]]);
        const full = solveTransport({ supply, penalty, capacity, arcFrom, arcTo, arcCost });
        let fullObj = 0;
        let served = 0;
        for (let a = 0; a < arcFrom.length; a++) { fullObj += full.flow[a] * arcCost[a]; served += full.flow[a]; }
        const servedPerClass = new Array(nf.length).fill(0);
        for (let a = 0; a < arcFrom.length; a++) servedPerClass[arcFrom[a]] += full.flow[a];
        nf.forEach((_, i) => (fullObj += (supply[i] - servedPerClass[i]) * penalty[i]));
        const un = new Set(r.unassigned);
        const ourObj = r.totalCost + needs.filter((n) => un.has(n.needId)).reduce((s, n) => s + penalty[nKeys.get(needClassKey(needFeatures(n, areas)))!], 0);
        expect(ourObj).to.equal(fullObj);
        expect(r.served).to.equal(served);
      }),
      { numRuns: 25, seed: 2024 },
    );
  });

  it("prefers urgent needs when capacity is short, even at a higher pair cost", () => {
    const base: Need = {
      needId: "0".repeat(32), categories: ["anxiety"], severityBand: "moderate", urgency: "routine",
      languages: ["mandarin"], modalities: ["phone"], district: "310104", ageBand: "30-34",
      availability: ["mon_am"], preferences: {},
    };
    const routine = { ...base, needId: "1".repeat(32) };
    const urgent = { ...base, needId: "2".repeat(32), urgency: "urgent" as const, categories: ["grief" as const], availability: ["sun_eve" as const] };
    const c: Counselor = {
      counselorId: `0x${"a".repeat(40)}`, specialties: ["anxiety"], languages: ["mandarin"], modalities: ["phone"],
      districts: ["310104"], capacity: 1, availability: ["mon_am"], gender: "female", accredited: true,
    };
    expect(costOf(urgent, c)!).to.be.greaterThan(costOf(routine, c)!);
    const r = solve([routine, urgent], [c]);
    expect(r.assignments.map((a) => a.needId)).to.deep.equal([urgent.needId]);
    expect(r.unassigned).to.deep.equal([routine.needId]);
    expect(r.urgentServed).to.equal(1);
  });

  it("explains each pair in zh-CN and en with the facts that made it", async () => {
    const n: Need = {
      needId: "3".repeat(32), categories: ["elderly_loneliness", "depression"], severityBand: "mild", urgency: "routine",
      languages: ["mandarin", "shanghainese"], modalities: ["in_person", "phone"], district: "310104", ageBand: "80+",
      availability: ["mon_am", "tue_am"], preferences: { counselorGender: "female" },
    };
    const c: Counselor = {
      counselorId: `0x${"b".repeat(40)}`, specialties: ["elderly_loneliness"], languages: ["mandarin", "shanghainese"],
      modalities: ["in_person"], districts: ["310000.z.west"], capacity: 2, availability: ["mon_am"], gender: "female", accredited: true,
    };
    const sh = await shanghai();
    const [a] = solve([n], [c], W, { places: sh }).assignments;
    expect(a.reasons.zh).to.include("老年孤独").and.include("上海话").and.include("面谈").and.include("徐汇区").and.include("周一上午").and.include("女性");
    expect(a.reasons.zh).to.include("抑郁不是其主要专长");
    expect(a.reasons.en).to.include("loneliness in later life").and.include("Shanghainese").and.include("in person").and.include("Monday morning");
    expect(a.cost).to.equal(costOf(n, c, W, sh));
  });

  it("matches in-person needs in another city by its districts' names (玉林 450900)", async () => {
    const yl = await place("450900");
    const mk = (i: number, district: string): Need => ({
      needId: String(i).repeat(32).slice(0, 32), categories: ["grief"], severityBand: "mild", urgency: "routine",
      languages: ["mandarin"], modalities: ["in_person"], district, ageBand: "60-64", availability: ["mon_am"], preferences: {},
    });
    const c = (id: string, districts: string[]): Counselor => ({
      counselorId: `0x${id.repeat(40)}`, specialties: ["grief"], languages: ["mandarin"], modalities: ["in_person"],
      districts, capacity: 1, availability: ["mon_am"], gender: "female", accredited: true,
    });
    // 北流市 (a county-level city) and 容县: each need meets only the counselor of its own district.
    const r = solve([mk(1, "450981"), mk(2, "450921")], [c("a", ["450921"]), c("b", ["450981"])], W, { places: yl });
    const pairs = Object.fromEntries(r.assignments.map((a) => [a.needId, a.counselorId]));
    expect(pairs).to.deep.equal({ ["1".repeat(32)]: `0x${"b".repeat(40)}`, ["2".repeat(32)]: `0x${"a".repeat(40)}` });
    expect(r.assignments.find((a) => a.needId === "1".repeat(32))!.reasons.zh).to.include("面谈").and.include("北流市");
  });

  it("rejects duplicate ids", () => {
    fc.assert(
      fc.property(instanceArb(3, 2), ({ needs }) => {
        if (needs.length === 0) return;
        expect(() => solve([...needs, needs[0]], [])).to.throw("duplicate needId");
      }),
      { numRuns: 10 },
    );
  });
});

describe("matching/solveFromJson", () => {
  const need = {
    needId: "4".repeat(32), categories: ["anxiety"], severityBand: "mild", urgency: "soon", languages: ["mandarin"],
    modalities: ["video"], district: "310115", ageBand: "20-24", availability: ["sat_am"], preferences: {},
  };
  const counselor = {
    counselorId: `0x${"c".repeat(40)}`, specialties: ["anxiety"], languages: ["mandarin"], modalities: ["video"],
    districts: [], capacity: 1, availability: ["sat_am"], gender: "male", accredited: true,
  };
  it("accepts JSON text and solves", () => {
    const r = solveFromJson(JSON.stringify([need]), JSON.stringify([counselor]));
    expect(r.assignments).to.have.length(1);
    expect(r.assignments[0].cost).to.equal(W.oneCommonSlot * W.urgencyWaitFactor.soon); // one common slot, "soon"
  });
  it("rejects unknown keys and free text", () => {
    expect(() => solveFromJson([{ ...need, note: "lives alone" }], [counselor])).to.throw();
    expect(() => solveFromJson([{ ...need, categories: ["feels sad"] }], [counselor])).to.throw();
    expect(() => solveFromJson([need], [{ ...counselor, name: "Dr X" }])).to.throw();
    expect(() => solveFromJson([{ ...need, district: "310115005" }], [counselor])).to.throw(); // street: too fine
  });
});
