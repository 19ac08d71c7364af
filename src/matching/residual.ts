// The residual graph of the class-level transportation problem (flow.ts), shared by the solver and by the
// reference solver kept beside it (flow-classic.ts): both route the same graph, they differ only in how.
import type { TransportProblem } from "./flow.js";

/** The residual graph in CSR form, forward edges paired with their reverse edges. */
export interface Residual {
  V: number;
  S: number;
  T: number;
  start: Int32Array;
  to: Int32Array;
  cap: Int32Array;
  cost: Float64Array;
  rev: Int32Array;
  /** Position in the CSR arrays of each forward edge. */
  fwdPos: Int32Array;
}

export function buildResidual(p: TransportProblem): Residual {
  const n = p.supply.length;
  const m = p.capacity.length;
  const A = p.arcFrom.length;
  const S = 0;
  const T = n + m + 1;
  const V = n + m + 2;
  const E0 = n + A + m + n; // forward edges: source, pairs, sink, unassigned

  const eu = new Int32Array(E0);
  const ev = new Int32Array(E0);
  const ecap = new Int32Array(E0);
  const ecost = new Float64Array(E0);
  let k = 0;
  for (let i = 0; i < n; i++) {
    eu[k] = S; ev[k] = 1 + i; ecap[k] = p.supply[i]; ecost[k] = 0; k++;
  }
  for (let a = 0; a < A; a++) {
    const i = p.arcFrom[a];
    const j = p.arcTo[a];
    eu[k] = 1 + i; ev[k] = 1 + n + j; ecap[k] = Math.min(p.supply[i], p.capacity[j]); ecost[k] = p.arcCost[a]; k++;
  }
  for (let j = 0; j < m; j++) {
    eu[k] = 1 + n + j; ev[k] = T; ecap[k] = p.capacity[j]; ecost[k] = 0; k++;
  }
  for (let i = 0; i < n; i++) {
    eu[k] = 1 + i; ev[k] = T; ecap[k] = p.supply[i]; ecost[k] = p.penalty[i]; k++;
  }
  const start = new Int32Array(V + 1);
  for (let e = 0; e < E0; e++) { start[eu[e] + 1]++; start[ev[e] + 1]++; }
  for (let v = 0; v < V; v++) start[v + 1] += start[v];
  const fill = start.slice(0, V);
  const E = 2 * E0;
  const to = new Int32Array(E);
  const cap = new Int32Array(E);
  const cost = new Float64Array(E);
  const rev = new Int32Array(E);
  const fwdPos = new Int32Array(E0);
  for (let e = 0; e < E0; e++) {
    const a = fill[eu[e]]++;
    const b = fill[ev[e]]++;
    to[a] = ev[e]; cap[a] = ecap[e]; cost[a] = ecost[e]; rev[a] = b;
    to[b] = eu[e]; cap[b] = 0; cost[b] = -ecost[e]; rev[b] = a;
    fwdPos[e] = a;
  }
  return { V, S, T, start, to, cap, cost, rev, fwdPos };
}
