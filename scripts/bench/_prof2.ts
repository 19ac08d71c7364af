import { generateNeeds, generateCounselors } from "./matching.js";
import { solve, greedySolve } from "../../src/matching/index.js";
const needs = generateNeeds(10000, 20250601, true);
const cs = generateCounselors(1000, 20250602, true);
for (let r = 0; r < 4; r++) {
  let t = performance.now();
  const a = solve(needs, cs);
  const t1 = performance.now() - t; t = performance.now();
  const b = greedySolve(needs, cs);
  console.log("solve", t1.toFixed(0), "greedy", (performance.now() - t).toFixed(0), a.totalCost, b.totalCost);
}
