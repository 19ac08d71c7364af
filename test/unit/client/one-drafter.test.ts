// One grant-drafting function (FORMATS §Time jitter): outside the consent core and src/client/grants.ts no source
// file builds a grant itself, so the web pages, the CLI and the demo all draw the same jittered times.
import { expect } from "chai";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

const src = path.resolve(import.meta.dirname, "../../../src");
const files = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(path.join(d, f)).isDirectory() ? files(path.join(d, f)) : f.endsWith(".ts") ? [path.join(d, f)] : []));

describe("one grant-drafting function", () => {
  it("only src/client/grants.ts calls buildGrant (besides the consent core); the web, CLI and demo call draftGrant", () => {
    const callers = files(src).filter((f) => /\bbuildGrant\s*\(/.test(readFileSync(f, "utf8"))).map((f) => path.relative(src, f));
    expect(callers.filter((f) => !f.startsWith("consent/"))).to.deep.equal(["client/grants.ts"]);
    for (const f of ["web/app/resident.ts", "cli/commands/consent.ts", "demo/actors.ts"]) expect(readFileSync(path.join(src, f), "utf8")).to.match(/\bdraftGrant\(/);
  });
});
