// Streaming import of a large Apple Health export.xml: generate one (scripts/fixtures/wearable.ts --big), then
// import it in a child process twice — with Node's default heap and with the old space capped at 160 MiB — and
// report wall time and peak RSS (getrusage maxrss of the child). The capped run finishing proves the memory the
// import needs is bounded far below the file size.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Runs in the child: import, then print seconds, maxrss and what was read. */
const CHILD = `
import { createReadStream, statSync } from "node:fs";
import { importWearable } from ${JSON.stringify(path.join(root, "src/assess/wearable/sources/import.ts"))};
const f = process.argv[1];
const t0 = performance.now();
const r = await importWearable({ size: statSync(f).size, chunks: () => createReadStream(f, { highWaterMark: 1 << 20 }) });
const seconds = (performance.now() - t0) / 1000;
process.stdout.write(JSON.stringify({ seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024, days: r.daily.length, values: Object.values(r.taken).reduce((a, b) => a + b, 0) }));
`;

async function importOnce(file: string, heapMiB?: number) {
  const args = ["--import", "tsx", ...(heapMiB ? [`--max-old-space-size=${heapMiB}`] : []), "--input-type=module", "-e", CHILD, file];
  const { stdout } = await run(process.execPath, args, { cwd: root, maxBuffer: 1 << 20, timeout: 1_800_000 });
  return JSON.parse(stdout) as { seconds: number; maxRssMiB: number; days: number; values: number };
}

export async function benchWearableImport(mb = 1024) {
  const dir = mkdtempSync(path.join(tmpdir(), "anxin-bench-wearable-"));
  const file = path.join(dir, "export.xml");
  try {
    await run(process.execPath, ["--import", "tsx", "scripts/fixtures/wearable.ts", "--big", String(mb), file], { cwd: root, timeout: 1_800_000 });
    const bytes = statSync(file).size;
    const free = await importOnce(file);
    const capped = await importOnce(file, 160);
    const r3 = (x: number) => Math.round(x * 1000) / 1000;
    return {
      fileMiB: Math.round(bytes / 1048576),
      seconds: r3(free.seconds),
      mibPerSecond: r3(bytes / 1048576 / free.seconds),
      peakRssMiB: Math.round(free.maxRssMiB),
      cappedSeconds: r3(capped.seconds),
      cappedPeakRssMiB: Math.round(capped.maxRssMiB),
      days: free.days,
      values: free.values,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(JSON.stringify(await benchWearableImport(Number(process.argv[2] ?? 1024))) + "\n");
}
