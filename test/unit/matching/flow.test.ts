// The warm-started transport flow (flow.ts) against the previous solver (flow-classic.ts), which the LP tests in
// solve.test.ts pin to an independent optimum: same optimum on random transport problems (cold, warm from a
// subset of the arcs, warm from arbitrary potentials), an optimality certificate, and the whole solve() pipeline
// on instances where capacity runs short and urgent needs compete.
import { expect } from "chai";
import fc from "fast-check";
import { isUrgent, URGENCIES, type Need } from "../../../src/deid/index.js";
import {
  AreaIndex,
  costMatrix,
  counselorFeatures,
  DEFAULT_WEIGHTS as W,
  needFeatures,
  pairCost,
  solve,
  solveTransport,
  solveTransportClassic,
  type MatchResult,
  type TransportProblem,
  type TransportSolution,
} from "../../../src/matching/index.js";
import { counselorArb, instanceArb, needArb } from "./arbitraries.js";

/** Σ pair costs + Σ penalties of what is left unassigned. */
function objective(p: TransportProblem, s: TransportSolution): number {
  const served = new Array<number>(p.supply.length).fill(0);
  const load = new Array<number>(p.capacity.length).fill(0);
  let obj = 0;
  for (let a = 0; a < p.arcFrom.length; a++) {
    const f = s.flow[a];
    expect(f).to.be.at.least(0);
    obj += f * p.arcCost[a];
    served[p.arcFrom[a]] += f;
    load[p.arcTo[a]] += f;
  }
  served.forEach((x, i) => { expect(x).to.be.at.most(p.supply[i]); obj += (p.supply[i] - x) * p.penalty[i]; });
  load.forEach((x, j) => expect(x).to.be.at.most(p.capacity[j]));
  return obj;
}

/** Every residual pair arc has reduced cost ≥ 0 (flow can grow only on arcs with rc ≥ 0, shrink only with rc ≤ 0). */
function certified(p: TransportProblem, s: TransportSolution): boolean {
  for (let a = 0; a < p.arcFrom.length; a++) {
    const rc = p.arcCost[a] + s.needPotential[p.arcFrom[a]] - s.counselorPotential[p.arcTo[a]];
    const room = Math.min(p.supply[p.arcFrom[a]], p.capacity[p.arcTo[a]]) - s.flow[a];
    if ((room > 0 && rc < 0) || (s.flow[a] > 0 && rc > 0)) return false;
  }
  return true;
}

// Random transportation problems: small integer costs with many ties, penalties big or small, capacity short or not.
const problemArb = fc
  .record({ n: fc.integer({ min: 1, max: 14 }), m: fc.integer({ min: 1, max: 8 }), seedArcs: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 12 })), { maxLength: 90 }) })
  .chain(({ n, m, seedArcs }) =>
    fc.record({
      supply: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: n, maxLength: n }),
      capacity: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: m, maxLength: m }),
      penalty: fc.array(fc.constantFrom(1, 5, 13, 200, 10_000, 1e9), { minLength: n, maxLength: n }),
      arcs: fc.constant(seedArcs.map(([i, j, c]) => [i % n, j % m, c] as const)),
    }),
  )
  .map(({ supply, capacity, penalty, arcs }) => {
    const seen = new Set<string>();
    const uniq = arcs.filter(([i, j]) => !seen.has(`${i},${j}`) && seen.add(`${i},${j}`));
    return {
      supply, capacity, penalty,
      arcFrom: uniq.map((a) => a[0]), arcTo: uniq.map((a) => a[1]), arcCost: uniq.map((a) => a[2]),
    } satisfies TransportProblem;
  });

const prefix = (p: TransportProblem, k: number): TransportProblem => ({
  ...p, arcFrom: Array.from(p.arcFrom).slice(0, k), arcTo: Array.from(p.arcTo).slice(0, k), arcCost: Array.from(p.arcCost).slice(0, k),
});

describe("matching/flow (warm-started) vs the classic flow", () => {
  it("reaches the classic optimum cold, with a certificate", () => {
    fc.assert(
      fc.property(problemArb, (p) => {
        const ref = solveTransportClassic(p);
        const s = solveTransport(p);
        expect(objective(p, s)).to.equal(objective(p, ref));
        expect(certified(p, s)).to.equal(true);
      }),
      { numRuns: 400, seed: 20261202 },
    );
  });

  it("reaches the same optimum warm-started from the optimum on a subset of the arcs", () => {
    fc.assert(
      fc.property(problemArb, fc.double({ min: 0, max: 1, noNaN: true }), (p, frac) => {
        const k = Math.floor(p.arcFrom.length * frac);
        const first = solveTransport(prefix(p, k));
        const s = solveTransport(p, { flow: first.flow, potential: first.potential });
        expect(objective(p, s)).to.equal(objective(p, solveTransportClassic(p)));
        expect(certified(p, s)).to.equal(true);
      }),
      { numRuns: 400, seed: 7_777 },
    );
  });

  it("reaches the same optimum from a feasible flow with arbitrary potentials", () => {
    fc.assert(
      fc.property(problemArb, fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 30, maxLength: 30 }), (p, noise) => {
        const first = solveTransportClassic(prefix(p, Math.floor(p.arcFrom.length / 2)));
        const potential = Float64Array.from(first.potential, (x, v) => x + noise[v % noise.length]);
        const s = solveTransport(p, { flow: first.flow, potential });
        expect(objective(p, s)).to.equal(objective(p, solveTransportClassic(p)));
        expect(certified(p, s)).to.equal(true);
      }),
      { numRuns: 300, seed: 31 },
    );
  });

  it("rejects a warm start that does not fit", () => {
    const p: TransportProblem = { supply: [1], capacity: [1], penalty: [10], arcFrom: [0], arcTo: [0], arcCost: [1] };
    expect(() => solveTransport(p, { flow: [2], potential: new Float64Array(4) })).to.throw(RangeError);
    expect(() => solveTransport(p, { flow: [0, 0], potential: new Float64Array(4) })).to.throw(RangeError);
    expect(() => solveTransport(p, { flow: [1], potential: new Float64Array(3) })).to.throw(RangeError);
  });
});

const summary = (needs: Need[], r: MatchResult) => {
  const un = new Set(r.unassigned);
  const soft = needs.filter((n) => un.has(n.needId)).reduce((s, n) => s + W.unassigned[n.urgency], 0);
  return { served: r.served, urgentServed: r.urgentServed, cost: r.totalCost + soft };
};

describe("matching/solve: new pipeline vs the reference pipeline", () => {
  it("same lexicographic optimum on random instances, capacity short or not", () => {
    let short = 0;
    fc.assert(
      fc.property(instanceArb(120, 30), ({ needs, counselors }) => {
        const r = solve(needs, counselors, W, { explain: false });
        const ref = solve(needs, counselors, W, { explain: false, reference: true });
        expect(summary(needs, r)).to.deep.equal(summary(needs, ref));
        if (r.unassigned.length > 0 && r.served > 0) short++;
      }),
      { numRuns: 60, seed: 5150 },
    );
    expect(short).to.be.greaterThan(15);
  });

  it("same optimum when urgent needs outnumber the slots (urgent first)", () => {
    const urgentNeeds = fc.array(needArb, { minLength: 20, maxLength: 150 }).chain((ns) =>
      fc.array(fc.constantFrom(...URGENCIES), { minLength: ns.length, maxLength: ns.length }).map((us) =>
        ns.map((n, i) => ({ ...n, needId: i.toString(16).padStart(32, "0"), urgency: i % 3 === 0 ? us[i] : ("urgent" as const) })),
      ),
    );
    const fewCounselors = fc.array(counselorArb, { minLength: 1, maxLength: 12 }).map((cs) =>
      cs.map((c, i) => ({ ...c, accredited: true, counselorId: `0x${i.toString(16).padStart(40, "0")}` })),
    );
    let contested = 0;
    fc.assert(
      fc.property(urgentNeeds, fewCounselors, (needs, counselors) => {
        const r = solve(needs, counselors, W, { explain: false });
        const ref = solve(needs, counselors, W, { explain: false, reference: true });
        expect(summary(needs, r)).to.deep.equal(summary(needs, ref));
        const urgentLeft = r.unassigned.some((id) => isUrgent(needs[parseInt(id, 16)].urgency));
        if (urgentLeft && r.urgentServed > 0) contested++;
      }),
      { numRuns: 60, seed: 911 },
    );
    expect(contested).to.be.greaterThan(10);
  });
});

describe("matching/costMatrix", () => {
  it("equals pairCost on every pair (null as -1)", () => {
    fc.assert(
      fc.property(instanceArb(30, 12), ({ needs, counselors }) => {
        const areas = AreaIndex.of(needs);
        const nf = needs.map((n) => needFeatures(n, areas));
        const cf = counselors.map((c) => counselorFeatures(c, areas));
        const M = costMatrix(nf, cf, W);
        nf.forEach((f, i) => cf.forEach((g, j) => expect(M[i * cf.length + j]).to.equal(pairCost(f, g, W) ?? -1)));
      }),
      { numRuns: 150, seed: 64 },
    );
  });

  it("refuses a cost that does not fit an int32, as pairCost's caller did", () => {
    const areas = AreaIndex.of([]);
    const n: Need = { ...fc.sample(needArb, { numRuns: 1, seed: 3 })[0], modalities: ["phone"] };
    const c = { ...fc.sample(counselorArb, { numRuns: 1, seed: 4 })[0], accredited: true, capacity: 1, languages: n.languages, modalities: ["phone", "video"] as Need["modalities"], availability: [] };
    const heavy = { ...W, noCommonSlot: 1_000_000, urgencyWaitFactor: { routine: 1_000_000, soon: 1_000_000, urgent: 1_000_000, crisis: 1_000_000 } };
    expect(pairCost(needFeatures(n, areas), counselorFeatures(c, areas), heavy)).to.be.greaterThan(2 ** 31);
    expect(() => costMatrix([needFeatures(n, areas)], [counselorFeatures(c, areas)], heavy)).to.throw(RangeError);
  });
});
