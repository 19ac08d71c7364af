// Test hygiene that a single file's run cannot show: once any contract test loads hardhat's ethers chai matchers in
// the same mocha process, chai's closeTo/approximately become bigint matchers and throw on fractions, so a float
// assertion passes alone and fails in the full run (it happened twice). Floats use test/helpers/close.ts.
import { expect } from "chai";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? testFiles(p) : /\.ts$/.test(n) ? [p] : [];
  });
}

describe("test hygiene", () => {
  it("no test uses chai's closeTo or approximately (hardhat's matchers replace them with integer-only ones)", () => {
    const offenders = testFiles(root)
      .filter((f) => !f.endsWith("test-hygiene.test.ts") && !f.endsWith(path.join("helpers", "close.ts")))
      .filter((f) => /\.(closeTo|approximately)\(/.test(readFileSync(f, "utf8")))
      .map((f) => path.relative(root, f));
    expect(offenders, "use expectClose from test/helpers/close.ts").to.deep.equal([]);
  });
});
