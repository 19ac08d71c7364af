// `anxin wearable import <file>`: read a phone's health export as the phone gives it (Apple Health export.zip or
// export.xml, Health Connect export zip, Garmin FIT, Huawei Health JSON) or our own CSV/JSON, recognised by content;
// compute the daily stress index and warnings here on the client, and with --url + --seed upload only the index
// (the server re-derives warnings and alerts the MONITORING counselor). Raw samples never leave this machine.
import type { Command } from "commander";
import { createReadStream, statSync } from "node:fs";
import cliProgress from "cli-progress";
import { detectWarnings, stressIndex, WearableImportError, STRESS_INDEX_NOTICE } from "../../assess/index.js";
import { importWearable } from "../../assess/wearable/sources/import.js";
import { relationshipKeys } from "../../crypto/index.js";
import { ApiClient, ApiError } from "../../client/index.js";
import { CliError, printResult } from "../io.js";
import { loadSeed } from "./keys.js";
import { defaultServerUrl } from "../../config.js";
import { openSqlite } from "../wearable-sqlite.js";

/** Files at least this large get a progress bar on an interactive terminal. */
const PROGRESS_FROM_BYTES = 8 * 1024 * 1024;

export function register(program: Command) {
  const w = program.command("wearable").description("wearable early warning (heart rate, HRV, sleep)");
  w.command("import")
    .description(
      "import a health export (Apple Health export.zip/export.xml, Health Connect export zip, Garmin .fit, Huawei Health JSON, or Anxin CSV/JSON; recognised by content), print the daily figures, stress index and warnings",
    )
    .argument("<file>", "the export file")
    .option("--seed <file>", "resident seed file (to upload the index)")
    .option("--counselor <address>", "with --seed: the MONITORING counselor relationship to upload under")
    .option("--passphrase-file <file>", "passphrase file")
    .option("--utc-offset <minutes>", "your UTC offset in minutes (days are your local days)", "480")
    .option("--no-progress", "no progress bar")
    .option("--url <url>", "server URL", defaultServerUrl())
    .option("--json", "machine-readable output")
    .action(async (file: string, o: { seed?: string; counselor?: string; passphraseFile?: string; utcOffset: string; progress: boolean; url: string; json?: boolean }) => {
      let size: number;
      try {
        size = statSync(file).size;
      } catch {
        throw new CliError(`cannot read ${file}`);
      }
      const offset = Number(o.utcOffset);
      if (!Number.isInteger(offset) || Math.abs(offset) > 840) throw new CliError("--utc-offset must be whole minutes within ±840");
      const bar = o.progress && process.stderr.isTTY && size >= PROGRESS_FROM_BYTES ? new cliProgress.SingleBar({ stream: process.stderr, format: "{bar} {percentage}% | {value}/{total} MB" }, cliProgress.Presets.shades_classic) : null;
      bar?.start(Math.ceil(size / 1048576), 0);
      let imp;
      try {
        imp = await importWearable(
          { size, chunks: () => createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array> },
          { openSqlite, aggregate: { utcOffsetMinutes: offset }, onProgress: (read) => bar?.update(Math.floor(read / 1048576)) },
        );
      } catch (e) {
        if (e instanceof WearableImportError) {
          const first = e.errors.slice(0, 5).map((x) => `line ${x.line}${x.field ? ` (${x.field})` : ""}: ${x.reason}`);
          throw new CliError(`${file} refused: ${first.join("; ")}${e.errors.length > 5 ? ` (+${e.errors.length - 5} more)` : ""}`);
        }
        if (e instanceof Error && e.name !== "TypeError" && e.name !== "RangeError") throw new CliError(`${file} refused: ${e.message}`);
        throw e;
      } finally {
        bar?.stop();
      }
      const index = stressIndex(imp.daily);
      const warnings = detectWarnings(index);
      const days = index.map((d) => ({ date: d.date, index: d.index, status: d.status }));
      let upload: unknown;
      if (o.seed) {
        if (!o.counselor) throw new CliError("with --seed, name the MONITORING counselor with --counselor");
        const rel = await relationshipKeys(await loadSeed(o.seed, o.passphraseFile), o.counselor);
        try {
          const api = await new ApiClient(o.url).login(rel.wallet);
          upload = await api.post("/v1/wearable/index", { subjectRef: rel.address, days });
        } catch (e) {
          if (e instanceof ApiError) throw new CliError(e.message);
          if ((e as Error).name === "TypeError") throw new CliError(`no Anxin server answers at ${o.url}`);
          throw e;
        }
      }
      const accepted = Object.values(imp.taken).reduce((a, b) => a + (b ?? 0), 0);
      const daily = imp.daily.map((d) => ({ date: d.date, restingHr: d.restingHr, rmssd: d.rmssd, sdnn: d.sdnn, sleepMinutes: d.sleepMinutes, deviceStress: d.deviceStress }));
      const out = { format: imp.format, ...(imp.entry ? { entry: imp.entry } : {}), accepted, taken: imp.taken, skipped: imp.skipped, daily, days, warnings, ...(upload ? { upload } : {}) };
      const fmt = (v: number | null, digits = 0) => (v === null ? "-" : v.toFixed(digits));
      printResult(!!o.json, out, () =>
        [
          `${imp.format}${imp.entry ? ` (${imp.entry})` : ""}: accepted ${accepted} values (${Object.entries(imp.taken).map(([k, n]) => `${k} ${n}`).join(", ")})`,
          ...Object.entries(imp.skipped).map(([why, n]) => `  skipped ${n}: ${why}`),
          "date        restHR  RMSSD  SDNN  sleep  index",
          ...daily.map((d, i) => `${d.date}  ${fmt(d.restingHr).padStart(6)}  ${fmt(d.rmssd).padStart(5)}  ${fmt(d.sdnn).padStart(4)}  ${fmt(d.sleepMinutes).padStart(5)}  ${days[i].index === null ? `- (${days[i].status})` : String(days[i].index).padStart(5)}`),
          ...warnings.map((x) => `WARNING ${x.from}..${x.to} (${x.days} days, peak ${x.peak})\n    ${x.message.zh}\n    ${x.message.en}`),
          STRESS_INDEX_NOTICE.zh,
          STRESS_INDEX_NOTICE.en,
          ...(upload ? ["uploaded the index (raw series stay on this device)"] : []),
        ].join("\n"),
      );
    });
}
