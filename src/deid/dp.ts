// Differentially private community statistics: counts of needs by district and category for one period (month),
// released with two-sided geometric (discrete Laplace) noise. Integer noise on integer counts avoids the
// floating-point attacks on continuous Laplace; a per-period budget refuses releases beyond the total ε.
import { CATEGORIES, MAX_CATEGORIES_PER_NEED, type Category } from "./vocab.js";
import { coarsenPlace, type GeoLevel, type Places } from "./geo.js";
import type { Need } from "./need.js";
import { cryptoFill, type FillRandom } from "./need.js";

/** Uniform double in (0, 1] with 53 random bits (never 0, so log() is finite). */
export function uniform53(fill: FillRandom): number {
  const w = fill(new Uint32Array(2));
  const hi = w[0] >>> 5; // 27 bits
  const lo = w[1] >>> 6; // 26 bits
  return (hi * 67108864 + lo + 1) / 9007199254740992;
}

/** Number of failures before the first success, success probability 1 - alpha (inversion sampling). */
function geometric(alpha: number, fill: FillRandom): number {
  return Math.floor(Math.log(uniform53(fill)) / Math.log(alpha));
}

/**
 * One draw of two-sided geometric noise: P(Z = z) = (1-α)/(1+α) · α^|z|. The difference of two independent
 * geometric variables has exactly this law. Variance 2α/(1-α)².
 */
export function twoSidedGeometric(alpha: number, fill: FillRandom = cryptoFill): number {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError("alpha must be in (0, 1)");
  return geometric(alpha, fill) - geometric(alpha, fill);
}

/** α = exp(-ε / Δ) for L1 sensitivity Δ. */
export function geometricAlpha(epsilon: number, sensitivity: number): number {
  if (!(epsilon > 0) || !Number.isFinite(epsilon)) throw new RangeError("epsilon must be a positive number");
  if (!(sensitivity > 0) || !Number.isFinite(sensitivity)) throw new RangeError("sensitivity must be positive");
  return Math.exp(-epsilon / sensitivity);
}

/**
 * Add independent two-sided geometric noise to every count. `sensitivity` is the L1 sensitivity of the whole
 * vector of counts (how much one person can change it in total), so the release is ε-DP as a whole.
 * Noisy counts may be negative: clamping is post-processing that consumers may apply; we do not, to keep the
 * release unbiased.
 */
export function dpCounts<K extends string>(
  counts: Readonly<Record<K, number>>,
  epsilon: number,
  fill: FillRandom = cryptoFill,
  sensitivity = 1,
): Record<K, number> {
  const alpha = geometricAlpha(epsilon, sensitivity);
  const out = {} as Record<K, number>;
  for (const key of Object.keys(counts) as K[]) {
    const c = counts[key];
    if (!Number.isInteger(c) || c < 0) throw new RangeError("counts must be non-negative integers");
    out[key] = c + twoSidedGeometric(alpha, fill);
  }
  return out;
}

/** Thrown when a release would spend more than the period's budget. Carries no data values. */
export class PrivacyBudgetExceededError extends Error {
  readonly code = "PRIVACY_BUDGET_EXCEEDED";
  constructor(
    readonly periodId: string,
    readonly requested: number,
    readonly remaining: number,
  ) {
    super(`privacy budget for period ${periodId} exceeded: requested ε=${requested}, remaining ε=${remaining}`);
    this.name = "PrivacyBudgetExceededError";
  }
}

/** Immutable ε ledger for one period (e.g. "2025-06"). Sequential composition: spent ε add up. */
export interface PrivacyBudget {
  readonly periodId: string;
  readonly total: number;
  readonly spent: number;
}

export function newBudget(periodId: string, total: number): PrivacyBudget {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(periodId)) throw new RangeError("periodId must be YYYY-MM");
  if (!(total > 0) || !Number.isFinite(total)) throw new RangeError("total epsilon must be positive");
  return { periodId, total, spent: 0 };
}

// Tolerance so that e.g. ten releases of ε=0.1 fit a budget of 1.0 despite binary rounding.
const EPS_TOLERANCE = 1e-9;

/** Charge ε against the budget: the new budget, or PrivacyBudgetExceededError (the old budget stays valid). */
export function spend(budget: PrivacyBudget, epsilon: number): PrivacyBudget {
  if (!(epsilon > 0) || !Number.isFinite(epsilon)) throw new RangeError("epsilon must be a positive number");
  const remaining = budget.total - budget.spent;
  if (epsilon > remaining + EPS_TOLERANCE) throw new PrivacyBudgetExceededError(budget.periodId, epsilon, remaining);
  return { ...budget, spent: Math.min(budget.total, budget.spent + epsilon) };
}

/** Cell key "district|category". */
export type CellKey = `${string}|${Category}`;

/**
 * Exact counts of needs per (district at `level`, category) over the full grid, zeros included: releasing only
 * non-empty cells would itself leak which cells are empty. One need adds 1 to each of its categories, so the L1
 * sensitivity is the schema maximum of categories per need, MAX_CATEGORIES_PER_NEED, not the observed maximum
 * (which depends on the data). We assume one need per resident per period; the service enforces that.
 */
export function tallyNeeds(needs: readonly Need[], places: Places, level: GeoLevel = "district"): { counts: Record<CellKey, number>; sensitivity: number } {
  const counts = {} as Record<CellKey, number>;
  for (const d of places.grid(level)) for (const c of CATEGORIES) counts[`${d}|${c}`] = 0;
  for (const n of needs) {
    const d = coarsenPlace(n.district, level, places);
    for (const c of n.categories) {
      const key = `${d}|${c}` as CellKey;
      if (!(key in counts)) throw new RangeError("need is coarser than the requested level");
      counts[key]++;
    }
  }
  return { counts, sensitivity: MAX_CATEGORIES_PER_NEED };
}

export interface CommunityRelease {
  periodId: string;
  epsilon: number;
  level: GeoLevel;
  counts: Record<CellKey, number>;
}

/** A monthly community-statistics release: tally, charge the budget (throws first if it would overrun), add noise. */
export function releaseCommunityStats(
  budget: PrivacyBudget,
  needs: readonly Need[],
  epsilon: number,
  opts: { places: Places; level?: GeoLevel; fill?: FillRandom },
): { release: CommunityRelease; budget: PrivacyBudget } {
  const next = spend(budget, epsilon);
  const level = opts.level ?? "district";
  const { counts, sensitivity } = tallyNeeds(needs, opts.places, level);
  return {
    release: { periodId: budget.periodId, epsilon, level, counts: dpCounts(counts, epsilon, opts.fill ?? cryptoFill, sensitivity) },
    budget: next,
  };
}
