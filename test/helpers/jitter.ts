// Checks of the grant time jitter (docs/FORMATS.md §Time jitter) shared by the unit test of the drafting function
// (Node) and the browser test (the same function in Chromium): notBefore = now − U[0, 3600) s and
// notAfter = notBefore + days·86400 + U[0, 86400) s.
import { expect } from "chai";
import { END_JITTER_SECONDS, START_JITTER_SECONDS } from "../../src/client/index.js";

export interface Offsets {
  /** now − notBefore */
  start: number;
  /** notAfter − notBefore − days·86400 */
  end: number;
}

export const offsetsOf = (w: { notBefore: number; notAfter: number }, now: number, days: number): Offsets => ({
  start: now - w.notBefore,
  end: w.notAfter - w.notBefore - days * 86400,
});

/** χ² statistic of `xs` ∈ [0, range) against the uniform distribution over `bins` equal bins. */
export function chiSquare(xs: number[], range: number, bins: number): number {
  const counts = new Array<number>(bins).fill(0);
  for (const x of xs) counts[Math.floor((x * bins) / range)]++;
  const e = xs.length / bins;
  return counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
}

/** Two-sample Kolmogorov–Smirnov statistic D (the largest gap between the empirical distribution functions). */
export function ksStatistic(a: number[], b: number[]): number {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i], y[j]);
    while (i < x.length && x[i] === v) i++;
    while (j < y.length && y[j] === v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

/** KS critical value at α = 10⁻⁵ for samples of n and m: √(−ln(α/2)/2) · √((n+m)/(nm)). */
export const ksCritical = (n: number, m: number) => Math.sqrt(-Math.log(1e-5 / 2) / 2) * Math.sqrt((n + m) / (n * m));

/** 32 bins: the χ² quantile 1 − 10⁻⁵ at 31 degrees of freedom is 76.6 (a correct sampler fails 1 run in 10⁵). */
const BINS = 32;
const CHI2_31 = 76.6;

/**
 * Every offset within its range, both offsets uniform (χ²), means near the middle, and two grants sharing a
 * notBefore only by chance (≈ 1/3600 per pair).
 */
export function expectTimeJitter(samples: Offsets[], what: string): void {
  expect(samples.length, what).to.be.at.least(2000);
  for (const s of samples) {
    expect(Number.isInteger(s.start) && s.start >= 0 && s.start < START_JITTER_SECONDS, `${what}: start offset ${s.start}`).to.equal(true);
    expect(Number.isInteger(s.end) && s.end >= 0 && s.end < END_JITTER_SECONDS, `${what}: end offset ${s.end}`).to.equal(true);
  }
  const starts = samples.map((s) => s.start);
  const ends = samples.map((s) => s.end);
  expect(chiSquare(starts, START_JITTER_SECONDS, BINS), `${what}: start offsets uniform`).to.be.below(CHI2_31);
  expect(chiSquare(ends, END_JITTER_SECONDS, BINS), `${what}: end offsets uniform`).to.be.below(CHI2_31);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  // σ of the mean of n uniform draws over [0, R): R / √(12 n); 5σ bounds.
  const tol = (r: number) => (5 * r) / Math.sqrt(12 * samples.length);
  expect(Math.abs(mean(starts) - (START_JITTER_SECONDS - 1) / 2), `${what}: mean start offset`).to.be.below(tol(START_JITTER_SECONDS));
  expect(Math.abs(mean(ends) - (END_JITTER_SECONDS - 1) / 2), `${what}: mean end offset`).to.be.below(tol(END_JITTER_SECONDS));
  // Consecutive pairs: expected n/2 / 3600 equal starts; a constant offset (the old `now − 60`) makes them all equal.
  let same = 0;
  for (let i = 1; i < samples.length; i += 2) if (samples[i].start === samples[i - 1].start) same++;
  const pairs = Math.floor(samples.length / 2);
  expect(same, `${what}: pairs sharing a notBefore`).to.be.at.most(pairs / START_JITTER_SECONDS + 5 * Math.sqrt(pairs / START_JITTER_SECONDS) + 3);
}
