import type { PGlite } from "@electric-sql/pglite";

/** A PGlite whose commits are on stable storage when they return; `dir` undefined = in memory (tests). */
export function openDurablePglite(dir?: string): { pg: PGlite; syncs: () => number };
