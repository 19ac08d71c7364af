// What a matching service sees of its pool: publications made in scheduled batches (ANXIN_POOL_PUBLISH_MS), not
// the live gate. Each publication gives every need a fresh random reference in place of its needId and lists the
// needs in random order, so neither the id nor the position ties a need in one snapshot to itself in the next. The
// real needId stays in the server's memory (and a proposal's row) only. Between batches, needs that left the pool
// drop out of the view; a class that would then break k or l is hidden as a whole until the next batch.
import { randomBytes } from "node:crypto";
import { canonicalBytes } from "../crypto/index.js";
import { isKAnonymousLDiverse, quasiIdentifierKey, sensitiveKey, type Need, type NeedPool, type RiskReport } from "../deid/index.js";
import { randomBelow } from "../client/grants.js";

export interface PublishedEntry {
  /** The need's reference in this publication only (32 hex, random). */
  ref: string;
  needId: string;
  shown: Need;
}
export interface Publication {
  publicationId: string;
  publishedAt: string;
  entries: PublishedEntry[];
  heldCount: number;
}

const ref = () => randomBytes(16).toString("hex");
// Canonical JSON: a publication read back from the store (jsonb) has its keys in another order than the live need.
const sameShown = (a: Need, b: Need) => Buffer.from(canonicalBytes(a)).equals(Buffer.from(canonicalBytes(b)));

/** A new publication of the gate's current published set: fresh references, shuffled (Fisher–Yates). */
export function publishPool(pool: NeedPool, at = new Date()): Publication {
  const entries = pool.published().map((shown) => ({ ref: ref(), needId: shown.needId, shown }));
  for (let i = entries.length - 1; i > 0; i--) {
    const j = randomBelow(i + 1);
    [entries[i], entries[j]] = [entries[j], entries[i]];
  }
  return { publicationId: ref(), publishedAt: at.toISOString(), entries, heldCount: pool.held().length };
}

/**
 * The publication as it stands now: only entries the gate still publishes unchanged, and only classes that keep
 * ≥ k members and ≥ l category sets (so the view is k-anonymous and l-diverse on its own, at every moment).
 */
export function currentEntries(pub: Publication | undefined, pool: NeedPool): PublishedEntry[] {
  if (!pub) return [];
  const live = new Map(pool.published().map((n) => [n.needId, n]));
  const still = pub.entries.filter((e) => {
    const now = live.get(e.needId);
    return now !== undefined && sameShown(now, e.shown);
  });
  const byClass = new Map<string, PublishedEntry[]>();
  for (const e of still) {
    const q = quasiIdentifierKey(e.shown);
    byClass.set(q, [...(byClass.get(q) ?? []), e]);
  }
  const ok = new Set([...byClass].filter(([, es]) => isKAnonymousLDiverse(es.map((e) => e.shown), pool.k, pool.l)).map(([q]) => q));
  return still.filter((e) => ok.has(quasiIdentifierKey(e.shown)));
}

/** The need as the matcher gets it: its publication reference in place of the needId. */
export function asShown(e: PublishedEntry): Need {
  return { ...e.shown, needId: e.ref };
}

/** The prosecutor-model risk of a view (as NeedPool.risk() does for the gate). */
export function riskOf(needs: readonly Need[]): RiskReport {
  const classes = new Map<string, Need[]>();
  for (const n of needs) {
    const q = quasiIdentifierKey(n);
    classes.set(q, [...(classes.get(q) ?? []), n]);
  }
  const list = [...classes.values()].map((ms) => ({
    district: ms[0].district,
    ageBand: ms[0].ageBand,
    languages: [...ms[0].languages],
    size: ms.length,
    distinctCategorySets: new Set(ms.map(sensitiveKey)).size,
  }));
  const maxRisk = list.reduce((m, c) => Math.max(m, 1 / c.size), 0);
  return { maxRisk, averageRisk: needs.length ? list.length / needs.length : 0, publishedCount: needs.length, classes: list };
}
