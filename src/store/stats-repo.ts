// Differentially private community statistics: the ε budget per month and the releases charged to it.
import type { Queryable } from "./db.js";

export interface Budget {
  total: number;
  spent: number;
}

/** The month's budget, created with `total` if new, locked for this transaction (charges serialise on it). */
export async function lockBudget(q: Queryable, period: string, total: number): Promise<Budget> {
  await q.query("INSERT INTO dp_budgets (period, total) VALUES ($1, $2) ON CONFLICT (period) DO NOTHING", [period, total]);
  const [b] = await q.query<{ total: number; spent: number }>("SELECT total, spent FROM dp_budgets WHERE period = $1 FOR UPDATE", [period]);
  return { total: Number(b.total), spent: Number(b.spent) };
}

export async function setSpent(q: Queryable, period: string, spent: number): Promise<void> {
  await q.query("UPDATE dp_budgets SET spent = $2 WHERE period = $1", [period, spent]);
}

/** The month's budget, if any release was ever charged to it. */
export async function budgetOf(q: Queryable, period: string): Promise<Budget | undefined> {
  const [b] = await q.query<{ total: number; spent: number }>("SELECT total, spent FROM dp_budgets WHERE period = $1", [period]);
  return b ? { total: Number(b.total), spent: Number(b.spent) } : undefined;
}

export interface ReleaseRow {
  release_id: string;
  period: string;
  epsilon: number;
  level: string;
  counts: unknown;
  created_at: Date | string;
}

export async function insertRelease(q: Queryable, r: { releaseId: string; period: string; epsilon: number; level: string; counts: unknown; at: string }): Promise<void> {
  await q.query("INSERT INTO dp_releases (release_id, period, epsilon, level, counts, created_at) VALUES ($1,$2,$3,$4,$5,$6)", [
    r.releaseId, r.period, r.epsilon, r.level, JSON.stringify(r.counts), r.at,
  ]);
}

export async function releasesOf(q: Queryable, period: string): Promise<ReleaseRow[]> {
  return q.query<ReleaseRow>("SELECT release_id, period, epsilon, level, counts, created_at FROM dp_releases WHERE period = $1 ORDER BY created_at", [period]);
}
