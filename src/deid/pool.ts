// The publication gate in front of the matching pool. Invariant, after every call: the published pool is
// k-anonymous on the quasi-identifiers and distinct-l-diverse on the category set. A need that cannot yet be
// published without breaking that is held (by the gate, never shown to the matching service) and retried on every
// later call, generalized further step by step; urgent and crisis needs never wait here: they are routed to the
// emergency path.
//
// Quasi-identifiers (QI): district, ageBand and the language set. District and age are what a neighbour knows;
// a spoken dialect (Cantonese in Shanghai, sign language) is visible and rare, so it singles a resident out as
// surely as an address. They are the only attributes generalized. Categories are the sensitive attribute
// (l-diversity). Severity, modalities, availability and the gender preference stay exact because matching needs
// them; they are not treated as QIs (see docs/FORMATS.md (Anonymized need), "Residual risk").
import { AGE_LEVELS, widenAgeBand } from "./age.js";
import { coarsenPlace, NATIONAL, type GeoLevel, type PlaceHierarchy } from "./geo.js";
import { NeedSchema, type Need } from "./need.js";
import { isUrgent } from "./vocab.js";

/**
 * Generalization ladder: step g widens (place level, age level). Step 0 keeps the need as derived. The zone steps
 * use the deployment's zones; a district in none goes to its city there (and a municipality's city is the
 * municipality itself), so the ladder is street → district → (zone) → city → province for any city.
 */
export const LADDER: readonly { place: GeoLevel; age: number }[] = [
  { place: "district", age: 0 },
  { place: "district", age: 1 },
  { place: "zone", age: 1 },
  { place: "zone", age: 2 },
  { place: "city", age: 2 },
  { place: "city", age: AGE_LEVELS - 1 },
  { place: "province", age: AGE_LEVELS - 1 },
];

export interface PoolOptions {
  /** Minimum size of an equivalence class (default 5). */
  k?: number;
  /** Minimum number of distinct category sets in a class (default 2). */
  l?: number;
  /**
   * Arrivals a held need waits before each further generalization step. 0 (default) generalizes as far as needed
   * at once (fastest service); larger values keep needs finer for longer, hoping similar needs arrive.
   */
  patience?: number;
  /** Highest ladder step allowed (default: the last). */
  maxStep?: number;
  /** The deployment's places (its zones); default: the code system alone, without zones. */
  places?: PlaceHierarchy;
}

export interface RiskClass {
  district: string;
  ageBand: string;
  languages: string[];
  size: number;
  distinctCategorySets: number;
}
export interface RiskReport {
  /** Prosecutor-model re-identification risk: max over classes of 1/|class| (0 for an empty pool). */
  maxRisk: number;
  /** Mean risk over published records: (#classes / #records). */
  averageRisk: number;
  publishedCount: number;
  classes: RiskClass[];
}

export type SubmitResult =
  | { route: "emergency"; need: Need }
  | { route: "pool"; newlyPublished: Need[]; isHeld: boolean };

/** The QI tuple of a need as a string key (arrays in sorted order). */
export function quasiIdentifierKey(n: Pick<Need, "district" | "ageBand" | "languages">): string {
  return `${n.district}|${n.ageBand}|${[...n.languages].sort().join(",")}`;
}
/** The sensitive value: the need's category set. */
export function sensitiveKey(n: Pick<Need, "categories">): string {
  return [...n.categories].sort().join(",");
}

/** Independent check of a released set of needs: every QI class has ≥ k members and ≥ l distinct category sets. */
export function isKAnonymousLDiverse(needs: readonly Need[], k: number, l: number): boolean {
  const classes = new Map<string, Set<string>>();
  const sizes = new Map<string, number>();
  for (const n of needs) {
    const q = quasiIdentifierKey(n);
    sizes.set(q, (sizes.get(q) ?? 0) + 1);
    if (!classes.has(q)) classes.set(q, new Set());
    classes.get(q)!.add(sensitiveKey(n));
  }
  for (const [q, size] of sizes) if (size < k || classes.get(q)!.size < l) return false;
  return true;
}

/** A need generalized to ladder step `step` (never made finer than it already is). */
export function generalizeNeed(n: Need, step: number, places: PlaceHierarchy = NATIONAL): Need {
  const s = LADDER[step];
  if (!s) throw new RangeError("ladder step out of range");
  return { ...n, district: coarsenPlace(n.district, s.place, places), ageBand: widenAgeBand(n.ageBand, s.age) };
}

interface Held {
  base: Need;
  rounds: number;
}
interface Published {
  base: Need;
  shown: Need;
  step: number;
}

export class NeedPool {
  readonly k: number;
  readonly l: number;
  readonly patience: number;
  readonly maxStep: number;
  readonly places: PlaceHierarchy;
  #classes = new Map<string, Published[]>();
  #classOf = new Map<string, string>(); // needId → QI key of its published class
  #held: Held[] = [];

  constructor(opts: PoolOptions = {}) {
    this.k = opts.k ?? 5;
    this.l = opts.l ?? 2;
    this.patience = opts.patience ?? 0;
    this.maxStep = opts.maxStep ?? LADDER.length - 1;
    this.places = opts.places ?? NATIONAL;
    if (!Number.isInteger(this.k) || this.k < 1) throw new RangeError("k must be a positive integer");
    if (!Number.isInteger(this.l) || this.l < 1 || this.l > this.k) throw new RangeError("l must be in 1..k");
    if (!Number.isInteger(this.patience) || this.patience < 0) throw new RangeError("patience must be ≥ 0");
    if (!Number.isInteger(this.maxStep) || this.maxStep < 0 || this.maxStep >= LADDER.length)
      throw new RangeError("maxStep out of range");
  }

  /** Offer a need to the pool. Urgent/crisis → emergency route, never stored. */
  submit(input: Need): SubmitResult {
    const need = NeedSchema.parse(input);
    this.places.level(need.district); // a place the deployment does not know is refused before it is held
    if (isUrgent(need.urgency)) return { route: "emergency", need };
    if (this.#classOf.has(need.needId) || this.#held.some((h) => h.base.needId === need.needId))
      throw new Error("duplicate needId");
    this.#held.push({ base: need, rounds: 0 });
    const newly = this.#settle();
    return { route: "pool", newlyPublished: newly, isHeld: this.#held.some((h) => h.base.needId === need.needId) };
  }

  /**
   * Remove a need (matched, consent withdrawn). If its class would drop below k or lose diversity, the rest of
   * that class goes back to held (and is retried, possibly more generalized), so the invariant keeps holding.
   * Returns the needs that were taken out of the published pool besides the withdrawn one.
   */
  withdraw(needId: string): { found: boolean; unpublished: Need[] } {
    const heldIdx = this.#held.findIndex((h) => h.base.needId === needId);
    if (heldIdx >= 0) {
      this.#held.splice(heldIdx, 1);
      return { found: true, unpublished: [] };
    }
    const key = this.#classOf.get(needId);
    if (key === undefined) return { found: false, unpublished: [] };
    const members = this.#classes.get(key)!.filter((p) => p.base.needId !== needId);
    this.#classOf.delete(needId);
    let unpublished: Need[] = [];
    if (members.length < this.k || new Set(members.map((p) => sensitiveKey(p.base))).size < this.l) {
      this.#classes.delete(key);
      for (const p of members) {
        this.#classOf.delete(p.base.needId);
        // Start where it was: it may be republished at the same step without waiting again.
        this.#held.push({ base: p.base, rounds: p.step * this.patience });
      }
      unpublished = members.map((p) => p.shown);
      const republished = new Set(this.#settle().map((n) => n.needId));
      unpublished = unpublished.filter((n) => !republished.has(n.needId));
    } else {
      this.#classes.set(key, members);
    }
    return { found: true, unpublished };
  }

  /** The published pool: what the matching service may see. */
  published(): Need[] {
    return [...this.#classes.values()].flatMap((c) => c.map((p) => p.shown));
  }
  /** Held needs as derived (visible to the gate only). */
  held(): Need[] {
    return this.#held.map((h) => h.base);
  }

  risk(): RiskReport {
    const classes: RiskClass[] = [];
    let maxRisk = 0;
    let count = 0;
    for (const members of this.#classes.values()) {
      const s = members[0].shown;
      classes.push({
        district: s.district,
        ageBand: s.ageBand,
        languages: [...s.languages],
        size: members.length,
        distinctCategorySets: new Set(members.map((p) => sensitiveKey(p.base))).size,
      });
      maxRisk = Math.max(maxRisk, 1 / members.length);
      count += members.length;
    }
    return { maxRisk, averageRisk: count === 0 ? 0 : classes.length / count, publishedCount: count, classes };
  }

  #allowedStep(h: Held): number {
    if (this.patience === 0) return this.maxStep;
    return Math.min(this.maxStep, Math.floor(h.rounds / this.patience));
  }

  // Publish what can be published, least generalization first. A held need joins an existing published class with
  // the same QI tuple (that class stays ≥ k and keeps its diversity), or a group of held needs that agree at the
  // same step forms a new class when it alone has ≥ k members and ≥ l category sets.
  #settle(): Need[] {
    for (const h of this.#held) h.rounds++;
    const newly: Need[] = [];
    for (let step = 0; step <= this.maxStep && this.#held.length > 0; step++) {
      const groups = new Map<string, { h: Held; shown: Need }[]>();
      for (const h of this.#held) {
        if (this.#allowedStep(h) < step) continue;
        const shown = generalizeNeed(h.base, step, this.places);
        const q = quasiIdentifierKey(shown);
        if (!groups.has(q)) groups.set(q, []);
        groups.get(q)!.push({ h, shown });
      }
      const done = new Set<Held>();
      for (const [q, g] of groups) {
        const existing = this.#classes.get(q);
        const ok =
          existing !== undefined ||
          (g.length >= this.k && new Set(g.map((x) => sensitiveKey(x.h.base))).size >= this.l);
        if (!ok) continue;
        const cls = existing ?? [];
        for (const x of g) {
          cls.push({ base: x.h.base, shown: x.shown, step });
          this.#classOf.set(x.h.base.needId, q);
          newly.push(x.shown);
          done.add(x.h);
        }
        this.#classes.set(q, cls);
      }
      if (done.size > 0) this.#held = this.#held.filter((h) => !done.has(h));
    }
    return newly;
  }
}

/**
 * Functional entry point (the issue's `publish(pool, need)`): submit and return the whole picture after the call.
 */
export function publish(
  pool: NeedPool,
  need: Need,
):
  | { route: "emergency"; need: Need }
  | { route: "pool"; published: Need[]; held: Need[]; newlyPublished: Need[]; risk: RiskReport } {
  const r = pool.submit(need);
  if (r.route === "emergency") return r;
  return { route: "pool", published: pool.published(), held: pool.held(), newlyPublished: r.newlyPublished, risk: pool.risk() };
}
