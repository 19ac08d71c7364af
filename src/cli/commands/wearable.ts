// `anxin wearable import <file>`: parse a CSV/JSON export (heart rate, HRV RMSSD, sleep), compute the daily stress
// index and warnings here on the client, and with --url + --seed upload only the index (the server re-derives
// warnings and alerts the MONITORING counselor). Garbage is refused with line numbers.
import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { assessWearable, parseWearableCsv, parseWearableJson, WearableImportError, STRESS_INDEX_NOTICE } from "../../assess/index.js";
import { relationshipKeys } from "../../crypto/index.js";
import { ApiClient, ApiError } from "../../client/index.js";
import { CliError, printResult } from "../io.js";
import { loadSeed } from "./keys.js";
import { defaultServerUrl } from "../../config.js";

export function register(program: Command) {
  const w = program.command("wearable").description("wearable early warning (heart rate, HRV, sleep)");
  w.command("import")
    .description("import a CSV or JSON export, print accepted rows, the daily stress index and warnings")
    .argument("<file>", "CSV or JSON file")
    .option("--seed <file>", "resident seed file (to upload the index)")
    .option("--counselor <address>", "with --seed: the MONITORING counselor relationship to upload under")
    .option("--passphrase-file <file>", "passphrase file")
    .option("--url <url>", "server URL", defaultServerUrl())
    .option("--json", "machine-readable output")
    .action(async (file: string, o: { seed?: string; counselor?: string; passphraseFile?: string; url: string; json?: boolean }) => {
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch {
        throw new CliError(`cannot read ${file}`);
      }
      let parsed;
      try {
        parsed = /^\s*[[{]/.test(text) ? parseWearableJson(text) : parseWearableCsv(text);
      } catch (e) {
        if (e instanceof WearableImportError) {
          const first = e.errors.slice(0, 5).map((x) => `line ${x.line}${x.field ? ` (${x.field})` : ""}: ${x.reason}`);
          throw new CliError(`${file} refused: ${first.join("; ")}${e.errors.length > 5 ? ` (+${e.errors.length - 5} more)` : ""}`);
        }
        throw e;
      }
      const { index, warnings } = assessWearable(parsed.samples);
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
      const out = { accepted: parsed.samples.length, ignoredColumns: parsed.ignoredColumns, days, warnings, ...(upload ? { upload } : {}) };
      printResult(!!o.json, out, () =>
        [
          `accepted ${parsed.samples.length} measurements${parsed.ignoredColumns.length ? ` (ignored columns: ${parsed.ignoredColumns.join(", ")})` : ""}`,
          ...days.map((d) => `${d.date}  ${d.index === null ? "-" : String(d.index).padStart(3)}  ${d.status}`),
          ...warnings.map((x) => `WARNING ${x.from}..${x.to} (${x.days} days, peak ${x.peak})\n    ${x.message.zh}\n    ${x.message.en}`),
          STRESS_INDEX_NOTICE.zh,
          STRESS_INDEX_NOTICE.en,
          ...(upload ? ["uploaded the index (raw series stay on this device)"] : []),
        ].join("\n"),
      );
    });
}
