// `anxin match solve` (offline: needs.json × counselors.json → assignment and total cost) and `anxin match run`
// (the matching service asks a running server to solve its published pool and store proposals).
import type { Command } from "commander";
import { z, ZodError } from "zod";
import { NeedSchema } from "../../deid/index.js";
import { CounselorSchema, solveFromJson } from "../../matching/index.js";
import { ApiClient, ApiError } from "../../client/index.js";
import { CliError, printResult, readJsonFile } from "../io.js";
import { loadWallet } from "./keys.js";
import { defaultServerUrl, loadConfig } from "../../config.js";
import { cityPlaces } from "../../deid/divisions.js";


/** A zod error as one line naming the file and the first few paths (never the values). */
function describe(e: ZodError, needsFile: string, counselorsFile: string): string {
  const first = e.issues.slice(0, 3).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  return `invalid input (${needsFile} / ${counselorsFile}): ${first.join("; ")}${e.issues.length > 3 ? ` (+${e.issues.length - 3} more)` : ""}`;
}

export function register(program: Command) {
  const match = program.command("match").description("matching: offline solve, or run the matching service's pool");
  match
    .command("solve")
    .description("solve an assignment offline from a needs file and a counselors file (JSON arrays)")
    .requiredOption("--needs <file>", "JSON array of anonymized needs (docs/FORMATS.md (Anonymized need))")
    .requiredOption("--counselors <file>", "JSON array of counselor profiles")
    .option("--json", "machine-readable output")
    .action(async (opts: { needs: string; counselors: string; json?: boolean }) => {
      const needs = readJsonFile(opts.needs);
      const counselors = readJsonFile(opts.counselors);
      if (!Array.isArray(needs)) throw new CliError(`${opts.needs} must hold a JSON array of needs`);
      if (!Array.isArray(counselors)) throw new CliError(`${opts.counselors} must hold a JSON array of counselors`);
      // Validate each file on its own so the message names the file and the entry at fault.
      for (const [file, schema, what] of [[opts.needs, z.array(NeedSchema), "needs"], [opts.counselors, z.array(CounselorSchema), "counselors"]] as const) {
        const v = (schema as z.ZodType).safeParse(what === "needs" ? needs : counselors);
        if (!v.success) {
          const first = v.error.issues.slice(0, 3).map((i) => `${what}[${i.path.map(String).join("].")}${i.path.length > 1 ? "" : "]"}: ${i.message}`);
          throw new CliError(`${file}: invalid ${what}: ${first.join("; ")}${v.error.issues.length > 3 ? ` (+${v.error.issues.length - 3} more)` : ""}`);
        }
      }
      // The deployment's city and zones (ANXIN_CITY, ANXIN_ZONES): zones decide "near", names go into the reasons.
      const cfg = loadConfig(process.env);
      const places = await cityPlaces(cfg.city, cfg.zones);
      for (const [what, list] of [["needs", (needs as { district: string }[]).map((n) => [n.district])], ["counselors", (counselors as { districts: string[] }[]).map((c) => c.districts)]] as const)
        list.forEach((codes, i) => {
          const bad = codes.find((c) => !places.isArea(c));
          if (bad) throw new CliError(`${what === "needs" ? opts.needs : opts.counselors}: ${what}[${i}]: ${bad} is not a place of ${places.label(places.city).zh} (${places.city}); set ANXIN_CITY / ANXIN_ZONES`);
        });
      let r;
      try {
        r = solveFromJson(needs, counselors, undefined, { places });
      } catch (e) {
        if (e instanceof ZodError) throw new CliError(describe(e, opts.needs, opts.counselors));
        throw new CliError((e as Error).message);
      }
      const out = { assignments: r.assignments, unassigned: r.unassigned, totalCost: r.totalCost, served: r.served, urgentServed: r.urgentServed };
      printResult(!!opts.json, out, () =>
        [
          ...r.assignments.map((a) => `${a.needId} → ${a.counselorId}  cost ${a.cost}\n    ${a.reasons.zh}\n    ${a.reasons.en}`),
          ...(r.unassigned.length ? [`unassigned: ${r.unassigned.join(", ")}`] : []),
          `served ${r.served} of ${r.served + r.unassigned.length} (urgent ${r.urgentServed}); total cost ${r.totalCost}`,
        ].join("\n"),
      );
    });
  match
    .command("run")
    .description("as the matching service: solve the published pool on the server and store proposals")
    .requiredOption("--key <file>", "the matching service's encrypted keystore")
    .option("--passphrase-file <file>", "passphrase file")
    .option("--ttl <seconds>", "how long residents have to answer", (v) => Number(v))
    .option("--url <url>", "server URL", defaultServerUrl())
    .option("--json", "machine-readable output")
    .action(async (opts: { key: string; passphraseFile?: string; ttl?: number; url: string; json?: boolean }) => {
      const wallet = await loadWallet(opts.key, opts.passphraseFile);
      try {
        const api = await new ApiClient(opts.url).login(wallet);
        const r = await api.post("/v1/match/run", opts.ttl ? { ttlSeconds: opts.ttl } : {});
        printResult(!!opts.json, r, () => `${r.proposals.length} proposals from ${r.considered} published needs and ${r.counselors} counselors; total cost ${r.totalCost}`);
      } catch (e) {
        if (e instanceof ApiError) throw new CliError(e.message);
        if ((e as Error).name === "TypeError") throw new CliError(`no Anxin server answers at ${opts.url}`);
        throw e;
      }
    });
}
