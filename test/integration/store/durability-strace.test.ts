// Durable by default, seen from the kernel: under strace, every group commit of the embedded store (worker thread,
// on disk, one-hop path) makes at least one fsync(2)/fdatasync(2) before its writes are acknowledged, and the store's
// own counter (db.syncCount, used by the bench) agrees with what the kernel saw. strace is part of the test
// environment (apt-get install strace); without it this test fails saying so.
import { expect } from "chai";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), "strace-child.ts");

describe("durability of the embedded store under strace (fsync per group commit)", function () {
  this.timeout(180_000);

  it("syncs once or a few times per group commit, never zero, and the store's counter matches the kernel's", () => {
    expect(() => execFileSync("strace", ["-V"]), "strace is not installed (apt-get install strace)").not.to.throw();
    const dir = mkdtempSync(path.join(tmpdir(), "anxin-strace-"));
    try {
      const trace = path.join(dir, "trace.txt");
      const marker = path.join(dir, "no-such-marker");
      const commits = 30;
      const r = spawnSync(
        "strace",
        ["-f", "-qq", "-e", "trace=fsync,fdatasync,access,faccessat,faccessat2", "-o", trace, process.execPath, "--import", "tsx", child, path.join(dir, "db"), String(commits), marker],
        { encoding: "utf8", timeout: 150_000 },
      );
      expect(r.status, r.stderr).to.equal(0);
      const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
      const lines = readFileSync(trace, "utf8").split("\n");
      const start = lines.findIndex((l) => l.includes(`${marker}-start`));
      const end = lines.findIndex((l) => l.includes(`${marker}-end`));
      expect(start, "start marker not traced").to.be.greaterThan(-1);
      expect(end).to.be.greaterThan(start);
      // Completed calls only (strace -f splits a call interrupted by another thread into two lines).
      const synced = lines.slice(start, end).filter((l) => /\b(fsync|fdatasync)\(/.test(l) && !l.includes("resumed>")).length;
      expect(out.commits).to.equal(commits);
      expect(out.oneHop, "the commits did not take the one-hop path").to.equal(commits);
      expect(out.ackedWithoutSync, "group commits acknowledged without a sync").to.equal(0);
      expect(synced, "fsync/fdatasync calls seen by the kernel").to.be.within(commits, 3 * commits);
      expect(out.counted, "the store's sync counter").to.equal(synced);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
