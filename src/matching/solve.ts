// Capacity-constrained assignment of needs to counselors, solved exactly on classes.
// Objective, lexicographic: (1) serve as many urgent/crisis needs as possible, (2) then as many needs as possible,
// (3) then minimise the total pair cost (ties between "soon" and "routine" broken by weights.unassigned).
// Encoded as one min-cost flow: leaving a need unassigned costs a big-M penalty, the urgent tier's M dominating
// anything the other tier can gain (bounds below), so the single optimum is the lexicographic optimum.
import { z } from "zod";
import { isUrgent, NATIONAL, NeedSchema, URGENCIES, type Need, type PlaceHierarchy } from "../deid/index.js";
import { CounselorSchema, type Counselor } from "./counselor.js";
import {
  AreaIndex,
  counselorClassKey,
  counselorFeatures,
  costMatrix,
  DEFAULT_WEIGHTS,
  needClassKey,
  needFeatures,
  pairCost,
  validateWeights,
  type CostWeights,
  type CounselorFeatures,
  type NeedFeatures,
  type PairBreakdown,
} from "./cost.js";
import { explainPair } from "./explain.js";
import { solveTransport, type WarmStart } from "./flow.js";
import { solveTransportClassic } from "./flow-classic.js";

export interface Assignment {
  needId: string;
  counselorId: string;
  cost: number;
  reasons: { zh: string; en: string };
}
export interface MatchResult {
  assignments: Assignment[];
  unassigned: string[];
  /** Sum of the pair costs of all assignments (penalties excluded). */
  totalCost: number;
  served: number;
  urgentServed: number;
  stats: {
    needs: number;
    counselors: number;
    needClasses: number;
    counselorClasses: number;
    /** Feasible class pairs, and how many of them the final (certified) sparse solve used. */
    feasiblePairs: number;
    arcs: number;
    /** Column-generation rounds, Dijkstra phases and augmentations over all rounds. */
    rounds: number;
    phases: number;
    augmentations: number;
  };
}
export interface SolveOptions {
  /** Build zh/en reasons for each assignment (default true). */
  explain?: boolean;
  /** The deployment's places (zones, names); default: the code system alone (no zones, codes as names). */
  places?: PlaceHierarchy;
  /** Solve with the previous pipeline (classic flow, cold restart every round): a reference for tests and the benchmark. */
  reference?: boolean;
}

interface Classes {
  needF: NeedFeatures[];
  needMembers: number[][];
  counselorF: CounselorFeatures[];
  counselorMembers: number[][];
  capacity: number[];
}

function buildClasses(needs: readonly Need[], counselors: readonly Counselor[], places: PlaceHierarchy): Classes {
  const ids = new Set<string>();
  for (const n of needs) {
    if (ids.has(n.needId)) throw new Error("duplicate needId");
    ids.add(n.needId);
  }
  const cids = new Set<string>();
  for (const c of counselors) {
    const id = c.counselorId.toLowerCase();
    if (cids.has(id)) throw new Error("duplicate counselorId");
    cids.add(id);
  }
  const areas = AreaIndex.of(needs, places);
  const needF: NeedFeatures[] = [];
  const needMembers: number[][] = [];
  const nIndex = new Map<string, number>();
  needs.forEach((n, idx) => {
    const f = needFeatures(n, areas);
    const key = needClassKey(f);
    let i = nIndex.get(key);
    if (i === undefined) {
      i = needF.length;
      nIndex.set(key, i);
      needF.push(f);
      needMembers.push([]);
    }
    needMembers[i].push(idx);
  });
  const counselorF: CounselorFeatures[] = [];
  const counselorMembers: number[][] = [];
  const capacity: number[] = [];
  const cIndex = new Map<string, number>();
  counselors.forEach((c, idx) => {
    const f = counselorFeatures(c, areas);
    if (!f.open) return; // never assignable
    const key = counselorClassKey(f);
    let j = cIndex.get(key);
    if (j === undefined) {
      j = counselorF.length;
      cIndex.set(key, j);
      counselorF.push(f);
      counselorMembers.push([]);
      capacity.push(0);
    }
    counselorMembers[j].push(idx);
    capacity[j] += c.capacity;
  });
  return { needF, needMembers, counselorF, counselorMembers, capacity };
}

function urgentTier(f: NeedFeatures): boolean {
  return isUrgent(URGENCIES[f.urgency]);
}

// Turn class-level flows into individual assignments, explaining each pair.
function expand(
  needs: readonly Need[],
  counselors: readonly Counselor[],
  cl: Classes,
  pairs: { i: number; j: number; f: number; cost: number }[],
  weights: CostWeights,
  explain: boolean,
  places: PlaceHierarchy,
  stats: Omit<MatchResult["stats"], "needs" | "counselors" | "needClasses" | "counselorClasses">,
): MatchResult {
  const nextNeed = cl.needMembers.map(() => 0);
  const left = counselors.map((c) => c.capacity);
  const nextCounselor = cl.counselorMembers.map(() => 0);
  const assignments: Assignment[] = [];
  const assigned = new Uint8Array(needs.length);
  let totalCost = 0;
  let urgentServed = 0;
  const breakdown = {} as PairBreakdown;
  for (const { i, j, f, cost } of pairs) {
    for (let t = 0; t < f; t++) {
      const nIdx = cl.needMembers[i][nextNeed[i]++];
      const members = cl.counselorMembers[j];
      while (left[members[nextCounselor[j]]] === 0) nextCounselor[j]++;
      const cIdx = members[nextCounselor[j]];
      left[cIdx]--;
      assigned[nIdx] = 1;
      const need = needs[nIdx];
      const c = counselors[cIdx];
      let reasons = { zh: "", en: "" };
      if (explain) {
        pairCost(cl.needF[i], cl.counselorF[j], weights, breakdown);
        reasons = explainPair(need, c, breakdown, places);
      }
      assignments.push({ needId: need.needId, counselorId: c.counselorId, cost, reasons });
      totalCost += cost;
      if (isUrgent(need.urgency)) urgentServed++;
    }
  }
  const unassigned = needs.filter((_, idx) => !assigned[idx]).map((n) => n.needId);
  return {
    assignments,
    unassigned,
    totalCost,
    served: assignments.length,
    urgentServed,
    stats: {
      needs: needs.length,
      counselors: counselors.length,
      needClasses: cl.needF.length,
      counselorClasses: cl.counselorF.length,
      ...stats,
    },
  };
}

/**
 * Lexicographic big-M penalties. With S = max possible number served, Cmax = largest pair cost and
 * D = Cmax + max soft unassigned weight: serving one more need changes the cost part by less than S·D, so a
 * non-urgent need's penalty B = S·D + 1 makes "one more served" win; serving one more urgent need can lose at
 * most S non-urgent ones and S·D of cost, so U = S·(B + D) + 1 makes "one more urgent served" win.
 */
export function tierPenalties(maxServed: number, maxPairCost: number, w: CostWeights): { normal: number; urgent: number } {
  const D = maxPairCost + Math.max(...URGENCIES.map((u) => w.unassigned[u]));
  const normal = maxServed * D + 1;
  const urgent = maxServed * (normal + D) + 1;
  return { normal, urgent };
}

// Mark, for every row (need class) the `rowK` cheapest feasible arcs and for every column (counselor class) the
// `colK[j]` cheapest, using cost histograms (costs are small integers; larger ones share the last bucket).
function initialArcs(M: Int32Array, nN: number, nC: number, rowK: number, colK: Int32Array, maxCost: number): Uint8Array {
  const H = Math.min(maxCost, 4095) + 1;
  const bucket = (c: number) => (c < H ? c : H - 1);
  const inSet = new Uint8Array(nN * nC);
  const hist = new Int32Array(H);
  for (let i = 0; i < nN; i++) {
    hist.fill(0);
    const base = i * nC;
    for (let j = 0; j < nC; j++) if (M[base + j] >= 0) hist[bucket(M[base + j])]++;
    let th = 0;
    for (let acc = 0; th < H; th++) if ((acc += hist[th]) >= rowK) break;
    let taken = 0;
    for (let j = 0; j < nC && taken < rowK; j++) {
      const c = M[base + j];
      if (c >= 0 && bucket(c) < th) { inSet[base + j] = 1; taken++; }
    }
    for (let j = 0; j < nC && taken < rowK; j++) {
      const c = M[base + j];
      if (c >= 0 && bucket(c) === th && !inSet[base + j]) { inSet[base + j] = 1; taken++; }
    }
  }
  const colHist = new Int32Array(nC * H);
  for (let i = 0; i < nN; i++) {
    const base = i * nC;
    for (let j = 0; j < nC; j++) if (M[base + j] >= 0) colHist[j * H + bucket(M[base + j])]++;
  }
  const colTh = new Int32Array(nC);
  const tieRoom = new Int32Array(nC);
  for (let j = 0; j < nC; j++) {
    let acc = 0;
    let th = 0;
    for (; th < H; th++) {
      const h = colHist[j * H + th];
      if (acc + h >= colK[j]) break;
      acc += h;
    }
    colTh[j] = th;
    tieRoom[j] = colK[j] - acc; // how many arcs at the threshold bucket still fit
  }
  for (let i = 0; i < nN; i++) {
    const base = i * nC;
    for (let j = 0; j < nC; j++) {
      const c = M[base + j];
      if (c < 0) continue;
      const b = bucket(c);
      if (b < colTh[j]) inSet[base + j] = 1;
      else if (b === colTh[j] && tieRoom[j] > 0) { inSet[base + j] = 1; tieRoom[j]--; }
    }
  }
  return inSet;
}

const PRICE_PER_ROUND = 4;

/** The reference pipeline's cost matrix: one pairCost call per pair. */
function costMatrixByPair(cl: Classes, weights: CostWeights): Int32Array {
  const nC = cl.counselorF.length;
  const M = new Int32Array(cl.needF.length * nC);
  cl.needF.forEach((nf, i) => {
    for (let j = 0; j < nC; j++) {
      const c = pairCost(nf, cl.counselorF[j], weights);
      if (c !== null && c > 2 ** 31 - 1) throw new RangeError("pair cost too large");
      M[i * nC + j] = c ?? -1;
    }
  });
  return M;
}

/** Largest classes product solved in memory (cost matrix of need classes × counselor classes). */
export const MAX_CLASS_PAIRS = 60_000_000;

/**
 * Optimal assignment (see the objective at the top of this file). Pure and deterministic.
 * Exploits structure twice: identical needs / counselors are merged into classes, and the flow is solved on a
 * sparse subset of class pairs (each class's cheapest ones), then every left-out pair is priced with the final
 * potentials; any pair that could lower the cost is added and the flow re-solved, until none can. The last
 * solve therefore carries an optimality certificate for the full problem.
 */
export function solve(
  needs: readonly Need[],
  counselors: readonly Counselor[],
  weights: CostWeights = DEFAULT_WEIGHTS,
  opts: SolveOptions = {},
): MatchResult {
  validateWeights(weights);
  const cl = buildClasses(needs, counselors, opts.places ?? NATIONAL);
  const nN = cl.needF.length;
  const nC = cl.counselorF.length;
  if (nN * nC > MAX_CLASS_PAIRS) throw new RangeError("too many classes for one solve; split the instance by zone");
  const M = opts.reference ? costMatrixByPair(cl, weights) : costMatrix(cl.needF, cl.counselorF, weights);
  let maxCost = 0;
  let feasible = 0;
  for (let idx = 0; idx < M.length; idx++) {
    const c = M[idx];
    if (c >= 0) { feasible++; if (c > maxCost) maxCost = c; }
  }
  const totalCap = cl.capacity.reduce((a, b) => a + b, 0);
  const maxServed = Math.min(needs.length, totalCap);
  const tiers = tierPenalties(maxServed, maxCost, weights);
  const penalty = cl.needF.map((f) => (urgentTier(f) ? tiers.urgent : tiers.normal) + weights.unassigned[URGENCIES[f.urgency]]);
  // Every sum the flow computes is bounded by (needs + 1) · (urgent penalty + normal penalty): keep it exact.
  if ((needs.length + 1) * (tiers.urgent + tiers.normal) > 2 ** 52)
    throw new RangeError("instance too large for exact integer costs; split it by zone");
  const supply = cl.needMembers.map((m) => m.length);

  const colK = Int32Array.from(cl.capacity, (b) => 2 * b + 8);
  // 16 cheapest pairs per need class to start with (8 in the reference pipeline): with warm starts an arc costs
  // less than a pricing round, and 16 cut the rounds on the unstructured benchmark from 5 to 3.
  const inSet = initialArcs(M, nN, nC, opts.reference ? 8 : 16, colK, maxCost);
  // The arc list only grows: each round appends the pairs pricing added, and the flow restarts from the previous
  // round's flow and potentials (the reference pipeline re-solves from scratch with the classic flow).
  const from: number[] = [];
  const to: number[] = [];
  const cost: number[] = [];
  for (let idx = 0; idx < inSet.length; idx++) if (inSet[idx]) { from.push((idx / nC) | 0); to.push(idx % nC); cost.push(M[idx]); }
  let warm: WarmStart | undefined;
  let rounds = 0;
  let augmentations = 0;
  let phases = 0;
  for (;;) {
    rounds++;
    const problem = { supply, penalty, capacity: cl.capacity, arcFrom: from, arcTo: to, arcCost: cost };
    const sol = opts.reference ? solveTransportClassic(problem) : solveTransport(problem, warm);
    warm = { flow: sol.flow, potential: sol.potential };
    phases += sol.phases;
    augmentations += sol.augmentations;
    // Price every left-out pair; one with negative reduced cost could improve the solution. Add the few most
    // negative per need class (adding all of them floods the graph with near-duplicates).
    let added = 0;
    const bestIdx = new Int32Array(PRICE_PER_ROUND);
    const bestVal = new Float64Array(PRICE_PER_ROUND);
    for (let i = 0; i < nN; i++) {
      const base = i * nC;
      const pi = sol.needPotential[i];
      let kept = 0;
      for (let j = 0; j < nC; j++) {
        const c = M[base + j];
        if (c < 0 || inSet[base + j]) continue;
        const r = c + pi - sol.counselorPotential[j];
        if (r >= 0) continue;
        // keep the PRICE_PER_ROUND most negative (tiny insertion sort)
        let pos = kept < PRICE_PER_ROUND ? kept++ : PRICE_PER_ROUND;
        if (pos === PRICE_PER_ROUND && r >= bestVal[PRICE_PER_ROUND - 1]) continue;
        if (pos === PRICE_PER_ROUND) pos = PRICE_PER_ROUND - 1;
        while (pos > 0 && bestVal[pos - 1] > r) { bestVal[pos] = bestVal[pos - 1]; bestIdx[pos] = bestIdx[pos - 1]; pos--; }
        bestVal[pos] = r;
        bestIdx[pos] = base + j;
      }
      for (let q = 0; q < kept; q++) {
        const idx = bestIdx[q];
        inSet[idx] = 1;
        from.push(i); to.push(idx - base); cost.push(M[idx]);
      }
      added += kept;
    }
    if (added > 0) continue;
    const pairs: { i: number; j: number; f: number; cost: number }[] = [];
    for (let a = 0; a < from.length; a++) if (sol.flow[a] > 0) pairs.push({ i: from[a], j: to[a], f: sol.flow[a], cost: cost[a] });
    return expand(needs, counselors, cl, pairs, weights, opts.explain ?? true, opts.places ?? NATIONAL, {
      arcs: from.length,
      feasiblePairs: feasible,
      rounds,
      phases,
      augmentations,
    });
  }
}

/**
 * Baseline: urgent/crisis first, then soon, then routine (input order within a level); each need takes the
 * cheapest counselor that still has a slot. Not optimal; kept for comparison in the benchmark.
 */
export function greedySolve(
  needs: readonly Need[],
  counselors: readonly Counselor[],
  weights: CostWeights = DEFAULT_WEIGHTS,
  opts: SolveOptions = {},
): MatchResult {
  validateWeights(weights);
  const cl = buildClasses(needs, counselors, opts.places ?? NATIONAL);
  const nC = cl.counselorF.length;
  const rows = new Map<number, Float64Array>(); // need class → costs to counselor classes (NaN = not allowed)
  const classOf = new Int32Array(needs.length);
  cl.needMembers.forEach((m, i) => m.forEach((idx) => (classOf[idx] = i)));
  const left = [...cl.capacity];
  const order = needs.map((_, idx) => idx).sort((a, b) => URGENCIES.indexOf(needs[b].urgency) - URGENCIES.indexOf(needs[a].urgency) || a - b);
  const count = new Map<string, number>();
  for (const idx of order) {
    const i = classOf[idx];
    let row = rows.get(i);
    if (!row) {
      row = new Float64Array(nC);
      for (let j = 0; j < nC; j++) row[j] = pairCost(cl.needF[i], cl.counselorF[j], weights) ?? Number.NaN;
      rows.set(i, row);
    }
    let best = -1;
    for (let j = 0; j < nC; j++) if (left[j] > 0 && !Number.isNaN(row[j]) && (best < 0 || row[j] < row[best])) best = j;
    if (best < 0) continue;
    left[best]--;
    const key = `${i},${best}`;
    count.set(key, (count.get(key) ?? 0) + 1);
  }
  const pairs = [...count].map(([key, f]) => {
    const [i, j] = key.split(",").map(Number);
    return { i, j, f, cost: rows.get(i)![j] };
  });
  return expand(needs, counselors, cl, pairs, weights, opts.explain ?? true, opts.places ?? NATIONAL, { arcs: 0, feasiblePairs: 0, rounds: 0, phases: 0, augmentations: 0 });
}

const NeedListSchema = z.array(NeedSchema);
const CounselorListSchema = z.array(CounselorSchema);

/**
 * Offline entry point (`anxin match solve`): validate both lists (JSON text or parsed values) with the strict
 * schemas, then solve. Throws a zod error on invalid input, an Error on duplicate ids.
 */
export function solveFromJson(needsJson: unknown, counselorsJson: unknown, weights: CostWeights = DEFAULT_WEIGHTS, opts: SolveOptions = {}): MatchResult {
  const parse = (x: unknown) => (typeof x === "string" ? (JSON.parse(x) as unknown) : x);
  const needs = NeedListSchema.parse(parse(needsJson));
  const counselors = CounselorListSchema.parse(parse(counselorsJson));
  return solve(needs, counselors, weights, opts);
}
