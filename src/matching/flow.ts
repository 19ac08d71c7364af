// Exact min-cost flow for the class-level transportation problem:
//   source →(supply_i, 0)→ need class i →(cost_ij)→ counselor class j →(capacity_j, 0)→ sink
//   need class i →(supply_i, penalty_i)→ sink            ("left unassigned")
// Every need is routed, either to a counselor or to "unassigned", so the minimum-cost flow of value Σ supply is
// exactly: min Σ cost of assigned pairs + Σ penalty of unassigned needs.
// Algorithm: primal-dual successive shortest paths between nodes with excess and nodes with deficit (cold: the
// source and the sink). Each phase: one multi-source Dijkstra on reduced costs (potentials keep them ≥ 0), then
// the zero-reduced-cost arcs near the sources are copied into a small graph and Dinic blocking flows run there
// only, so a phase scans the full graph once instead of once per level graph (profiling showed those full scans
// were two thirds of the time). A warm start takes a previous flow and potentials (column generation, solve.ts):
// arcs whose reduced cost is negative are saturated, and the phases only repair the excesses that leaves.
// The final potentials certify optimality (every residual arc has reduced cost ≥ 0) and let the caller price
// arcs it left out. All costs are integers below 2^53, so reduced costs are compared exactly.

import { buildResidual, type Residual } from "./residual.js";

export interface TransportProblem {
  supply: ArrayLike<number>; // per need class: number of needs
  penalty: ArrayLike<number>; // per need class: cost of leaving one of them unassigned (> 0)
  capacity: ArrayLike<number>; // per counselor class: open slots
  arcFrom: ArrayLike<number>; // need class of each allowed pair
  arcTo: ArrayLike<number>; // counselor class of each allowed pair
  arcCost: ArrayLike<number>; // integer cost of each allowed pair
}
/** A previous solution of the same problem with possibly fewer arcs (those arcs first, in the same order). */
export interface WarmStart {
  flow: ArrayLike<number>; // per previous arc
  potential: ArrayLike<number>; // per node: source, need classes, counselor classes, sink
}
export interface TransportSolution {
  flow: Int32Array; // per arc: number of needs of arcFrom assigned to arcTo
  /** Final node potentials: needPotential[i] - counselorPotential[j] + cost_ij ≥ 0 must hold for every arc. */
  needPotential: Float64Array;
  counselorPotential: Float64Array;
  /** All node potentials (source, need classes, counselor classes, sink), for a warm start. */
  potential: Float64Array;
  phases: number; // Dijkstra runs
  augmentations: number;
}

/** Reduced cost of a (possibly absent) arc under the final potentials: negative ⇒ adding it would lower the cost. */
export function reducedCost(sol: TransportSolution, i: number, j: number, cost: number): number {
  return cost + sol.needPotential[i] - sol.counselorPotential[j];
}

interface Work {
  excess: Float64Array;
  dist: Float64Array;
  done: Uint8Array;
  heapNode: Int32Array;
  heapKey: Float64Array;
  /** Admissible subgraph of one phase (CSR over edge ids of the residual graph). */
  admStart: Int32Array;
  admEdge: Int32Array;
  admNodes: Int32Array;
  settled: number;
  level: Int32Array;
  iter: Int32Array;
  queue: Int32Array;
  pathEdge: Int32Array;
}

/**
 * Dijkstra on reduced costs from every node with excess, stopped after the nodes at the distance dT of the nearest
 * deficit are settled (listed in w.admNodes); the potentials then move by the distances capped at dT, which keeps
 * every reduced cost ≥ 0 and makes the shortest paths to that distance exactly the zero-reduced-cost ones.
 * Returns dT, or -1 when no deficit is reachable.
 */
function shortestPaths(g: Residual, pi: Float64Array, w: Work): number {
  const { V, start, to, cap, cost } = g;
  const { excess, dist, done, heapNode, heapKey } = w;
  dist.fill(Infinity);
  done.fill(0);
  let hs = 0;
  const push = (v: number, d: number) => {
    let i = hs++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heapKey[parent] <= d) break;
      heapNode[i] = heapNode[parent]; heapKey[i] = heapKey[parent]; i = parent;
    }
    heapNode[i] = v; heapKey[i] = d;
  };
  for (let v = 0; v < V; v++) if (excess[v] > 0) { dist[v] = 0; push(v, 0); }
  let dT = -1;
  let settled = 0;
  while (hs > 0) {
    const u = heapNode[0];
    const du = heapKey[0];
    hs--;
    if (hs > 0) {
      const lastN = heapNode[hs];
      const lastK = heapKey[hs];
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= hs) break;
        if (c + 1 < hs && heapKey[c + 1] < heapKey[c]) c++;
        if (heapKey[c] >= lastK) break;
        heapNode[i] = heapNode[c]; heapKey[i] = heapKey[c]; i = c;
      }
      heapNode[i] = lastN; heapKey[i] = lastK;
    }
    if (done[u] || du > dist[u]) continue;
    if (dT >= 0 && du > dT) break;
    done[u] = 1;
    w.admNodes[settled++] = u;
    // Settle every node at the first deficit's distance too: zero-cost ties are common (small integer costs), and
    // the phase's admissible graph must hold all of them to find every shortest path.
    if (excess[u] < 0) {
      if (dT < 0) dT = du;
      continue; // paths end at the first deficit
    }
    const pu = pi[u];
    for (let e = start[u], end = start[u + 1]; e < end; e++) {
      if (cap[e] === 0) continue;
      const v = to[e];
      if (done[v]) continue;
      const nd = du + cost[e] + pu - pi[v];
      if (nd < dist[v]) {
        dist[v] = nd;
        if (dT < 0 || nd <= dT) push(v, nd); // past dT it would never be settled
      }
    }
  }
  w.settled = settled;
  if (dT < 0) return -1;
  for (let v = 0; v < V; v++) pi[v] += done[v] ? dist[v] : dT;
  return dT;
}

/**
 * Copy the zero-reduced-cost edges between the settled nodes (the only nodes a shortest path can use) into w.adm*,
 * both directions whatever their residual capacity: augmenting only moves capacity between an edge and its
 * reverse, and both stay admissible for the whole phase.
 */
function admissibleGraph(g: Residual, pi: Float64Array, w: Work): number {
  const { start, to, cost } = g;
  const { done, admStart, admEdge, admNodes } = w;
  let k = 0;
  for (let q = 0; q < w.settled; q++) {
    const u = admNodes[q];
    admStart[u] = k;
    const pu = pi[u];
    for (let e = start[u], end = start[u + 1]; e < end; e++) {
      const v = to[e];
      if (done[v] && cost[e] + pu - pi[v] === 0) admEdge[k++] = e;
    }
    admStart[u + g.V] = k; // end of u's list (second half of admStart)
  }
  return w.settled;
}

/** Dinic blocking flows from the excess nodes to the deficit nodes on the phase's admissible graph. */
function blockingFlows(g: Residual, nodes: number, w: Work): number {
  const { V, to, cap, rev } = g;
  const { excess, admStart, admEdge, admNodes, level, iter, queue, pathEdge } = w;
  let augmentations = 0;
  for (;;) {
    for (let q = 0; q < nodes; q++) level[admNodes[q]] = -1;
    let qh = 0;
    let qt = 0;
    for (let q = 0; q < nodes; q++) {
      const v = admNodes[q];
      if (excess[v] > 0) { level[v] = 0; queue[qt++] = v; }
    }
    const sources = qt;
    // Levels stop at the nearest deficit's (as Dinic stops at the sink's): farther nodes cannot be on a path of
    // strictly rising levels to it, and deficits farther away are reached by the next level graph.
    let limit = 2147483647;
    while (qh < qt) {
      const u = queue[qh++];
      if (excess[u] < 0 || level[u] >= limit) continue; // paths end at the first deficit
      for (let x = admStart[u], end = admStart[u + V]; x < end; x++) {
        const e = admEdge[x];
        const v = to[e];
        if (cap[e] > 0 && level[v] < 0) {
          level[v] = level[u] + 1;
          queue[qt++] = v;
          if (excess[v] < 0 && level[v] < limit) limit = level[v];
        }
      }
    }
    if (limit === 2147483647) return augmentations;
    for (let q = 0; q < nodes; q++) iter[admNodes[q]] = admStart[admNodes[q]];
    for (let q = 0; q < sources; q++) {
      const s = queue[q];
      let depth = 0;
      let u = s;
      while (excess[s] > 0) {
        if (excess[u] < 0 && u !== s) {
          let f = Math.min(excess[s], -excess[u]);
          for (let d = 0; d < depth; d++) if (cap[pathEdge[d]] < f) f = cap[pathEdge[d]];
          let firstSat = -1;
          for (let d = 0; d < depth; d++) {
            const e = pathEdge[d];
            cap[e] -= f;
            cap[rev[e]] += f;
            if (firstSat < 0 && cap[e] === 0) firstSat = d;
          }
          excess[s] -= f;
          excess[u] += f;
          augmentations++;
          depth = firstSat < 0 ? 0 : firstSat; // retreat to the tail of the first saturated edge (or restart)
          u = depth === 0 ? s : to[pathEdge[depth - 1]];
          continue;
        }
        let advanced = false;
        for (const end = admStart[u + V]; iter[u] < end; iter[u]++) {
          const e = admEdge[iter[u]];
          const v = to[e];
          if (cap[e] > 0 && level[v] === level[u] + 1) {
            pathEdge[depth++] = e;
            u = v;
            advanced = true;
            break;
          }
        }
        if (advanced) continue;
        if (u === s) break;
        level[u] = -1; // dead end for this level graph
        depth--;
        u = to[rev[pathEdge[depth]]];
        iter[u]++;
      }
    }
  }
}

/** Min-cost flow routing every need; `warm` (optional) starts from a previous solution and its potentials. */
export function solveTransport(p: TransportProblem, warm?: WarmStart): TransportSolution {
  const n = p.supply.length;
  const m = p.capacity.length;
  const A = p.arcFrom.length;
  const g = buildResidual(p);
  const { V, S, T, to, cap, cost, rev, fwdPos } = g;
  const E = to.length;
  const excess = new Float64Array(V);
  const pi = new Float64Array(V); // all costs are ≥ 0: zero potentials are valid for a cold start
  let total = 0;
  for (let i = 0; i < n; i++) total += p.supply[i];
  excess[S] = total;
  excess[T] = -total;
  const pushEdge = (e: number, f: number) => {
    cap[e] -= f;
    cap[rev[e]] += f;
    excess[to[rev[e]]] -= f;
    excess[to[e]] += f;
  };
  if (warm) {
    if (warm.flow.length > A || warm.potential.length !== V) throw new RangeError("warm start does not fit the problem");
    const out = new Float64Array(n);
    for (let a = 0; a < warm.flow.length; a++) {
      const f = warm.flow[a];
      if (f === 0) continue;
      const e = fwdPos[n + a];
      if (!(f > 0 && f <= cap[e])) throw new RangeError("warm start flow out of bounds");
      pushEdge(e, f);
      out[p.arcFrom[a]] += f;
    }
    for (let i = 0; i < n; i++) {
      pushEdge(fwdPos[i], p.supply[i]); // source → need class: everything is routed
      if (out[i] > p.supply[i]) throw new RangeError("warm start flow out of bounds");
      pushEdge(fwdPos[n + A + m + i], p.supply[i] - out[i]); // the rest is unassigned
    }
    for (let j = 0; j < m; j++) {
      const e = fwdPos[n + A + j];
      const into = excess[1 + n + j];
      if (into > cap[e]) throw new RangeError("warm start flow out of bounds");
      pushEdge(e, into);
    }
    pi.set(warm.potential);
    // Saturate every residual edge the old potentials price below zero (new arcs): potentials stay valid, and
    // the phases below only have to route the excesses this creates.
    for (let u = 0; u < V; u++)
      for (let e = g.start[u], end = g.start[u + 1]; e < end; e++)
        if (cap[e] > 0 && cost[e] + pi[u] - pi[to[e]] < 0) pushEdge(e, cap[e]);
  }
  const w: Work = {
    excess,
    dist: new Float64Array(V),
    done: new Uint8Array(V),
    heapNode: new Int32Array(E + V),
    heapKey: new Float64Array(E + V),
    admStart: new Int32Array(2 * V),
    admEdge: new Int32Array(E),
    admNodes: new Int32Array(V),
    settled: 0,
    level: new Int32Array(V),
    iter: new Int32Array(V),
    queue: new Int32Array(V),
    pathEdge: new Int32Array(V),
  };
  let phases = 0;
  let augmentations = 0;
  for (;;) {
    let open = false;
    for (let v = 0; v < V; v++) if (excess[v] !== 0) { open = true; break; }
    if (!open) break;
    const dT = shortestPaths(g, pi, w);
    if (dT < 0) throw new Error("transport problem has no feasible flow"); // cannot happen: "unassigned" absorbs all
    phases++;
    augmentations += blockingFlows(g, admissibleGraph(g, pi, w), w);
  }
  const flow = new Int32Array(A);
  for (let a = 0; a < A; a++) flow[a] = cap[rev[fwdPos[n + a]]];
  return { flow, needPotential: pi.slice(1, 1 + n), counselorPotential: pi.slice(1 + n, 1 + n + m), potential: pi, phases, augmentations };
}
