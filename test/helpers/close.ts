// chai's closeTo is replaced by @nomicfoundation/hardhat-ethers-chai-matchers (bigint-aware) once any contract test
// loads it in the same mocha process, and then refuses non-integers. Float comparisons use this instead.
import { expect } from "chai";

export function expectClose(actual: number, expected: number, tolerance: number, what = "value"): void {
  expect(Number.isFinite(actual), `${what} is not a finite number: ${actual}`).to.equal(true);
  expect(Math.abs(actual - expected) <= tolerance, `${what} ${actual} is not within ${tolerance} of ${expected}`).to.equal(true);
}
