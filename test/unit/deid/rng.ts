// Deterministic FillRandom for tests (xoshiro128**): reproducible statistics, never used in production code.
import type { FillRandom } from "../../../src/deid/index.js";

export function seededFill(seed: number): FillRandom {
  let a = seed >>> 0 || 1, b = 0x9e3779b9, c = 0x243f6a88, d = 0xb7e15162;
  const next = () => {
    const r = Math.imul(((Math.imul(b, 5) << 7) | (Math.imul(b, 5) >>> 25)), 9) >>> 0;
    const t = b << 9;
    c ^= a; d ^= b; b ^= c; a ^= d; c ^= t; d = (d << 11) | (d >>> 21);
    return r;
  };
  for (let i = 0; i < 16; i++) next();
  return (out) => {
    for (let i = 0; i < out.length; i++) out[i] = next();
    return out;
  };
}
