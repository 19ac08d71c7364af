// The first exact transport solver, kept as an independent reference (tests compare flow.ts with it, and the
// benchmark reports the ratio): cold start, Dinic level graphs rebuilt over the whole residual graph.
// Exact min-cost flow for the class-level transportation problem:
//   source →(supply_i, 0)→ need class i →(cost_ij)→ counselor class j →(capacity_j, 0)→ sink
//   need class i →(supply_i, penalty_i)→ sink            ("left unassigned")
// Every need is routed, either to a counselor or to "unassigned", so the minimum-cost flow of value Σ supply is
// exactly: min Σ cost of assigned pairs + Σ penalty of unassigned needs.
// Algorithm: primal-dual successive shortest paths. Dijkstra on reduced costs (node potentials keep them ≥ 0),
// then Dinic blocking flows on the zero-reduced-cost arcs, so one Dijkstra serves every augmenting path of the
// same length. The final potentials are returned: they certify optimality (every residual arc has reduced cost
// ≥ 0), and let the caller check arcs it left out of the problem (column generation, see solve.ts).
// All costs are integers below 2^53, so reduced costs are compared exactly.

import type { TransportProblem, TransportSolution } from "./flow.js";
import { buildResidual, type Residual } from "./residual.js";

/**
 * Dijkstra on reduced costs from S, stopped once T is settled; then the potentials move by the distances (capped
 * at T's). Returns false when T is unreachable: every need is routed.
 */
function shortestPaths(g: Residual, pi: Float64Array, w: { dist: Float64Array; done: Uint8Array; heapNode: Int32Array; heapKey: Float64Array }): boolean {
  const { V, S, T, start, to, cap, cost } = g;
  const { dist, done, heapNode, heapKey } = w;
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
  dist[S] = 0;
  push(S, 0);
  while (hs > 0) {
    const u = heapNode[0];
    const du = heapKey[0];
    // pop
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
    done[u] = 1;
    if (u === T) break;
    const pu = pi[u];
    for (let e = start[u], end = start[u + 1]; e < end; e++) {
      if (cap[e] === 0) continue;
      const v = to[e];
      if (done[v]) continue;
      const nd = du + cost[e] + pu - pi[v];
      if (nd < dist[v]) { dist[v] = nd; push(v, nd); }
    }
  }
  if (!done[T]) return false;
  const dT = dist[T];
  for (let v = 0; v < V; v++) pi[v] += done[v] && dist[v] < dT ? dist[v] : dT;
  return true;
}

/** Dinic blocking flows on admissible arcs (residual, reduced cost exactly 0); returns the augmentations made. */
function blockingFlows(g: Residual, pi: Float64Array, w: { level: Int32Array; iter: Int32Array; queue: Int32Array; pathEdge: Int32Array }): number {
  const { V, S, T, start, to, cap, cost, rev } = g;
  const { level, iter, queue, pathEdge } = w;
  let augmentations = 0;
  for (;;) {
    level.fill(-1);
    level[S] = 0;
    let qh = 0;
    let qt = 0;
    queue[qt++] = S;
    while (qh < qt) {
      const u = queue[qh++];
      for (let e = start[u], end = start[u + 1]; e < end; e++) {
        const v = to[e];
        if (cap[e] > 0 && level[v] < 0 && cost[e] + pi[u] - pi[v] === 0) { level[v] = level[u] + 1; queue[qt++] = v; }
      }
    }
    if (level[T] < 0) return augmentations;
    for (let v = 0; v < V; v++) iter[v] = start[v];
    let depth = 0;
    let u = S;
    for (;;) {
      if (u === T) {
        let f = 2147483647;
        for (let d = 0; d < depth; d++) if (cap[pathEdge[d]] < f) f = cap[pathEdge[d]];
        let firstSat = -1;
        for (let d = 0; d < depth; d++) {
          const e = pathEdge[d];
          cap[e] -= f;
          cap[rev[e]] += f;
          if (firstSat < 0 && cap[e] === 0) firstSat = d;
        }
        augmentations++;
        depth = firstSat; // retreat to the tail of the first saturated edge
        u = depth === 0 ? S : to[pathEdge[depth - 1]];
        continue;
      }
      let advanced = false;
      for (const end = start[u + 1]; iter[u] < end; iter[u]++) {
        const e = iter[u];
        const v = to[e];
        if (cap[e] > 0 && level[v] === level[u] + 1 && cost[e] + pi[u] - pi[v] === 0) {
          pathEdge[depth++] = e;
          u = v;
          advanced = true;
          break;
        }
      }
      if (advanced) continue;
      if (u === S) break;
      level[u] = -1; // dead end
      depth--;
      const e = pathEdge[depth];
      u = to[rev[e]];
      iter[u]++;
    }
  }
}

export function solveTransportClassic(p: TransportProblem): TransportSolution {
  const n = p.supply.length;
  const m = p.capacity.length;
  const A = p.arcFrom.length;
  const g = buildResidual(p);
  const { V } = g;
  const E = g.to.length;
  // All costs are ≥ 0, so zero potentials are valid to start with.
  const pi = new Float64Array(V);
  const dijkstra = { dist: new Float64Array(V), done: new Uint8Array(V), heapNode: new Int32Array(E + V), heapKey: new Float64Array(E + V) };
  const dinic = { level: new Int32Array(V), iter: new Int32Array(V), queue: new Int32Array(V), pathEdge: new Int32Array(V) };
  let phases = 0;
  let augmentations = 0;
  while (shortestPaths(g, pi, dijkstra)) {
    phases++;
    augmentations += blockingFlows(g, pi, dinic);
  }
  const flow = new Int32Array(A);
  for (let a = 0; a < A; a++) flow[a] = g.cap[g.rev[g.fwdPos[n + a]]];
  return { flow, needPotential: pi.slice(1, 1 + n), counselorPotential: pi.slice(1 + n, 1 + n + m), potential: pi, phases, augmentations };
}
