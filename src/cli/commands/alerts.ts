// `anxin alerts list`: a counselor's alerts (or a resident's "your counselor was notified" list).
import type { Command } from "commander";
import { ApiClient, ApiError } from "../../client/index.js";
import { CliError, printResult } from "../io.js";
import { loadSeed, loadWallet } from "./keys.js";
import { relationshipKeys } from "../../crypto/index.js";
import { defaultServerUrl } from "../../config.js";

export function register(program: Command) {
  const alerts = program.command("alerts").description("crisis and early-warning alerts");
  alerts
    .command("list")
    .description("list alerts: a counselor's own (--key) or a resident's about themself (--seed + --counterparty)")
    .option("--key <file>", "counselor keystore")
    .option("--seed <file>", "resident seed file")
    .option("--counterparty <address>", "with --seed: the relationship (counselor address) to sign in as")
    .option("--passphrase-file <file>", "passphrase file")
    .option("--url <url>", "server URL", defaultServerUrl())
    .option("--json", "machine-readable output")
    .action(async (o: { key?: string; seed?: string; counterparty?: string; passphraseFile?: string; url: string; json?: boolean }) => {
      if (!o.key && !(o.seed && o.counterparty)) throw new CliError("give --key (counselor) or --seed with --counterparty (resident)");
      const signer = o.key ? await loadWallet(o.key, o.passphraseFile) : (await relationshipKeys(await loadSeed(o.seed!, o.passphraseFile), o.counterparty!)).wallet;
      try {
        const api = await new ApiClient(o.url).login(signer);
        const r = await api.get<{ alerts: Array<Record<string, any>> }>("/v1/alerts");
        printResult(!!o.json, r, () =>
          r.alerts.length === 0
            ? "no alerts"
            : r.alerts.map((a) => `${a.createdAt}  ${a.kind}  ${a.level}${a.subjectRef ? `  ${a.subjectRef}` : ""}${a.message ? `\n    ${a.message.zh}\n    ${a.message.en}` : `  (counselors notified: ${a.notified})`}`).join("\n"),
        );
      } catch (e) {
        if (e instanceof ApiError) throw new CliError(e.message);
        if ((e as Error).name === "TypeError") throw new CliError(`no Anxin server answers at ${o.url}`);
        throw e;
      }
    });
}
