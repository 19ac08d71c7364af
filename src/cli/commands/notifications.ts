// `anxin notifications`: the break-glass notices of a resident — every emergency access a counselor opened on one
// of her addresses (the vault and each named relationship), in plain words or as JSON.
import type { Command } from "commander";
import { ApiClient, ApiError } from "../../client/index.js";
import { breakGlassNotices, type BreakGlassNotice as Notice } from "../../client/notifications.js";
import { relationshipKeys } from "../../crypto/index.js";
import { defaultServerUrl } from "../../config.js";
import { CliError, printResult } from "../io.js";
import { loadSeed } from "./keys.js";

const iso = (s: number) => new Date(s * 1000).toISOString();

export function register(program: Command) {
  program
    .command("notifications")
    .description("emergency (break-glass) accesses opened on your addresses: who, when, for how long")
    .requiredOption("--seed <file>", "resident seed file")
    .option("--counterparty <address...>", "relationships to check besides the vault (counselor addresses)", [])
    .option("--passphrase-file <file>", "passphrase file")
    .option("--url <url>", "server URL", defaultServerUrl())
    .option("--json", "machine-readable output")
    .action(async (o: { seed: string; counterparty: string[]; passphraseFile?: string; url: string; json?: boolean }) => {
      const seed = await loadSeed(o.seed, o.passphraseFile);
      const items: Array<Notice & { address: string }> = [];
      try {
        for (const cp of ["vault", ...o.counterparty.map((c) => c.toLowerCase())]) {
          const rel = await relationshipKeys(seed, cp);
          const api = await new ApiClient(o.url).login(rel.wallet);
          for (const n of await breakGlassNotices(api)) items.push({ ...n, address: rel.address.toLowerCase() });
        }
      } catch (e) {
        if (e instanceof ApiError) throw new CliError(e.message);
        if ((e as Error).name === "TypeError") throw new CliError(`no Anxin server answers at ${o.url}`);
        throw e;
      }
      items.sort((a, b) => b.at.localeCompare(a.at));
      printResult(!!o.json, { items }, () =>
        items.length === 0
          ? "no emergency access / 没有紧急查看"
          : items
              .map((n) => `${n.at}  emergency access by counselor ${n.counselor} on ${n.address}\n    valid ${iso(n.notBefore)} → ${iso(n.notAfter)} (${((n.notAfter - n.notBefore) / 3600).toFixed(1)} h); every use is audited. Ask the community about it.\n    咨询师 ${n.counselor} 开启了紧急查看，有效 ${((n.notAfter - n.notBefore) / 3600).toFixed(1)} 小时；每次使用都会被审计。可向社区询问。`)
              .join("\n"),
      );
    });
}
