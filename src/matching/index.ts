// Matching (pure): counselor profiles, the cost model, the exact class-level min-cost-flow solver.
export * from "./counselor.js";
export * from "./cost.js";
export * from "./flow.js";
export * from "./flow-classic.js";
export * from "./explain.js";
export * from "./solve.js";
export * from "./accept.js";
