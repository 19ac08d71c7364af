// `anxin fhir export`: the resident's own assessments and wearable summaries as a FHIR R4 Bundle (PIPL Art. 45
// portability), or a counselor's export of a resident's records under an active TREATMENT grant (the server
// releases each record key only under the grant; records it refuses are counted, not exported). Records are
// decrypted and converted here; the server never sees the FHIR resources. --wearable-file adds day Observations
// computed locally from a phone export (its raw samples stay on this machine).
import { createReadStream, statSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { assessmentToFhir, fhirBundle, wearableToFhir } from "../../assess/fhir.js";
import { importWearable } from "../../assess/wearable/sources/import.js";
import type { Lang, ScoredAssessment } from "../../assess/types.js";
import { defaultServerUrl } from "../../config.js";
import { CliError, printResult } from "../io.js";
import { openSqlite } from "../wearable-sqlite.js";
import { ApiError } from "../../client/index.js";
import { call, openVersion, session } from "./record.js";

interface Opts {
  url: string;
  key?: string;
  seed?: string;
  counterparty?: string;
  passphraseFile?: string;
  subject?: string;
  lang: string;
  out?: string;
  wearableFile?: string;
  json?: boolean;
}

export function register(program: Command) {
  const fhir = program.command("fhir").description("FHIR R4 exports of assessments and wearable summaries");
  fhir
    .command("export")
    .description("export assessments (QuestionnaireResponse + Observation) and wearable day summaries (Observation) as a FHIR R4 Bundle")
    .option("--url <url>", "server URL", defaultServerUrl())
    .option("--key <file>", "counselor wallet keystore (export a resident's records under a TREATMENT grant)")
    .option("--seed <file>", "resident seed store (export your own records)")
    .option("--counterparty <address|vault>", "with --seed: the relationship (counselor address, or vault)", "vault")
    .option("--passphrase-file <file>", "file whose first line is the passphrase")
    .option("--subject <address>", "with --key: the resident's pseudonymous address")
    .option("--lang <zh|en>", "language of question texts", "zh")
    .option("--wearable-file <file>", "also add day Observations computed here from a phone export")
    .option("--out <file>", "write the Bundle to this file (otherwise it is printed)")
    .option("--json", "machine-readable summary (with --out)")
    .action(async (o: Opts) => {
      if (o.lang !== "zh" && o.lang !== "en") throw new CliError("--lang must be zh or en");
      if (o.key && !o.subject) throw new CliError("with --key, name the resident with --subject <address>");
      const { api, actor } = await session(o);
      const subject = (o.subject ?? actor.address).toLowerCase();
      const list = await call(api.get<{ records: Array<{ recordId: string; kind: string; erased?: boolean }> }>(`/v1/records?subject=${subject}`));
      const resources: Record<string, unknown>[] = [];
      const counts = { assessments: 0, wearableSummaries: 0, refused: 0, wearableDays: 0 };
      for (const r of list.records) {
        if (r.erased || (r.kind !== "assessment" && r.kind !== "wearable_summary")) continue;
        let opened;
        try {
          const chain = await api.get<{ versions: Array<{ contentHash: string; envelope: object; createdAt: string }> }>(`/v1/records/${r.recordId}`);
          const latest = chain.versions[chain.versions.length - 1];
          opened = { createdAt: latest.createdAt, ...(await openVersion(api, actor, r.recordId, latest)) };
        } catch (e) {
          if (e instanceof ApiError && (e.status === 403 || e.status === 404 || e.status === 410)) {
            counts.refused++;
            continue;
          }
          throw e;
        }
        const base = { recordId: r.recordId, createdAt: new Date(opened.createdAt).toISOString(), subjectRef: subject };
        if (r.kind === "assessment") {
          resources.push(...assessmentToFhir({ ...base, body: opened.body as unknown as ScoredAssessment }, o.lang as Lang));
          counts.assessments++;
        } else {
          const days = (opened.body as { days?: unknown }).days;
          if (Array.isArray(days)) resources.push(...wearableToFhir({ ...base, days }));
          counts.wearableSummaries++;
        }
      }
      if (o.wearableFile) {
        const file = o.wearableFile;
        let size: number;
        try {
          size = statSync(file).size;
        } catch {
          throw new CliError(`cannot read ${file}`);
        }
        try {
          const imp = await importWearable({ size, chunks: () => createReadStream(file) as AsyncIterable<Uint8Array> }, { openSqlite });
          resources.push(...wearableToFhir({ recordId: `local:${imp.format}`, createdAt: new Date().toISOString(), subjectRef: subject, days: imp.daily }));
          counts.wearableDays = imp.daily.length;
        } catch (e) {
          throw new CliError(`${file} refused: ${(e as Error).message}`);
        }
      }
      const bundle = fhirBundle(resources as never, new Date().toISOString());
      if (!o.out) return void process.stdout.write(JSON.stringify(bundle, null, 2) + "\n");
      writeFileSync(o.out, JSON.stringify(bundle, null, 2) + "\n", { mode: 0o600 });
      printResult(!!o.json, { out: o.out, resources: resources.length, ...counts }, () => `wrote ${resources.length} FHIR resources to ${o.out} (${counts.assessments} assessments, ${counts.wearableSummaries} wearable summaries, ${counts.wearableDays} local wearable days${counts.refused ? `, ${counts.refused} records refused` : ""})`);
    });
}
