// `anxin consent grant|revoke|list|status|receipt|export`: a resident signs with the per-relationship key derived
// from their root seed and the counterparty's address (never with one key for everyone), the server relays it.
import { writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import type { Command } from "commander";
import { Wallet } from "ethers";
import {
  Purpose,
  consentDomain,
  explainGrant,
  type Lang,
} from "../../consent/index.js";
import { decryptSeed, decryptWalletJson, relationshipKeys } from "../../crypto/index.js";
import { ApiClient, ApiError, consentDomainOf, draftGrant, submitGrant, submitRevoke } from "../../client/index.js";
import { CliError, passphrase, printResult } from "../io.js";
import { readFileSync } from "node:fs";
import { defaultServerUrl } from "../../config.js";

const PURPOSES: Record<string, Purpose> = { treatment: Purpose.TREATMENT, matching: Purpose.MATCHING, research: Purpose.RESEARCH_AGGREGATE, monitoring: Purpose.MONITORING };

interface Common {
  url: string;
  json?: boolean;
  seed?: string;
  key?: string;
  passphraseFile?: string;
  counterparty?: string;
  lang?: string;
}

const lang = (l?: string): Lang => (l === "en" ? "en" : "zh-CN");

function common(cmd: Command): Command {
  return cmd
    .option("--url <url>", "server URL (env ANXIN_URL)", defaultServerUrl())
    .option("--seed <file>", "resident: your encrypted root seed (anxin keys new --seed)")
    .option("--counterparty <address>", "resident: the counselor or service of this relationship (comma-separated for list/export)")
    .option("--key <file>", "staff (counselor, matcher, auditor): your encrypted key file")
    .option("--passphrase-file <file>", "read the passphrase from a file instead of asking")
    .option("--lang <lang>", "zh (default) or en", "zh")
    .option("--json", "machine-readable output");
}

async function call<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ApiError) throw new CliError(`server refused: ${e.message}`);
    if ((e as { cause?: { code?: string } }).cause?.code === "ECONNREFUSED" || (e as Error).name === "TypeError") throw new CliError("no Anxin server answers at the given --url");
    throw e;
  }
}

/** The signers this invocation acts as: one per relationship for a resident, or the staff wallet. */
async function signers(o: Common, needCounterparty = true): Promise<Array<{ wallet: Wallet; counterparty?: string }>> {
  if (o.seed && o.key) throw new CliError("use either --seed (resident) or --key (staff), not both");
  if (o.seed) {
    const cps = (o.counterparty ?? "").split(",").map((s) => s.trim()).filter(Boolean);
    if (needCounterparty && cps.length === 0) throw new CliError("--counterparty <address> is required with --seed");
    for (const c of cps) if (!/^0x[0-9a-fA-F]{40}$/.test(c)) throw new CliError("--counterparty must be 0x + 40 hex digits");
    let seed: Uint8Array;
    try {
      seed = await decryptSeed(readFileSync(o.seed, "utf8"), await passphrase(o.passphraseFile, "Passphrase: "));
    } catch (e) {
      if (e instanceof CliError) throw e;
      throw new CliError(`cannot open the seed file ${o.seed} (wrong passphrase or not a seed store)`);
    }
    return Promise.all(cps.map(async (c) => ({ wallet: (await relationshipKeys(seed, c)).wallet, counterparty: c })));
  }
  if (o.key) {
    try {
      return [{ wallet: await decryptWalletJson(readFileSync(o.key, "utf8"), await passphrase(o.passphraseFile, "Passphrase: ")) }];
    } catch (e) {
      if (e instanceof CliError) throw e;
      throw new CliError(`cannot open the key file ${o.key} (wrong passphrase or not a keystore)`);
    }
  }
  throw new CliError("say who you are: --seed <file> --counterparty <address> (resident) or --key <file> (staff)");
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const a = await new Promise<string>((r) => rl.question(question, r));
  rl.close();
  return /^(y|yes|是|好|同意)$/i.test(a.trim());
}

async function waitOnChain(api: ApiClient, id: string, field: "grant" | "revoke", timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await call(api.get(`/v1/consents/${id}`));
    if (field === "grant" && v.onChain) return v;
    if (field === "grant" && v.status === "failed") throw new CliError(`the ledger refused the grant: ${v.error}`);
    if (field === "revoke" && v.state === "revoked") return v;
    if (field === "revoke" && v.revoke?.status === "failed") throw new CliError(`the ledger refused the withdrawal: ${v.revoke.error}`);
    if (Date.now() > deadline) throw new CliError(`not on chain after ${timeoutMs / 1000} s (status ${v.status}); check later with: anxin consent status ${id}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

function screenText(e: ReturnType<typeof explainGrant>): string {
  return [e.title, "", e.who, e.what, e.why, e.until, e.howToWithdraw, e.sensitiveNotice].join("\n");
}

export function register(program: Command) {
  const consent = program.command("consent").description("grant, withdraw and inspect consents (同意)");

  common(consent.command("grant"))
    .description("grant consent: shows the plain-language screen, signs with your per-relationship key, relays it")
    .option("--grantee <address>", "same as --counterparty")
    .requiredOption("--purpose <purpose>", "treatment | matching | research | monitoring")
    .requiredOption("--categories <list>", "comma-separated: assessment,consultation_note,care_plan,referral,wearable_summary,identity,need")
    .option("--days <n>", "how long the consent lasts, in days", "365")
    .option("--yes", "do not ask for confirmation")
    .option("--no-wait", "return once queued, without waiting for the chain")
    .action(async (o: Common & { grantee?: string; purpose: string; categories: string; days: string; yes?: boolean; wait: boolean }) => {
      const purpose = PURPOSES[o.purpose.toLowerCase()];
      if (purpose === undefined) throw new CliError("--purpose must be treatment, matching, research or monitoring");
      const api0 = new ApiClient(o.url);
      const domain = await call(api0.get("/v1/consents/domain"));
      const counterparty = o.grantee ?? o.counterparty ?? (purpose === Purpose.RESEARCH_AGGREGATE ? domain.researchGrantee : undefined);
      if (!counterparty) throw new CliError("--grantee <address> is required");
      const [{ wallet }] = await signers({ ...o, counterparty });
      const days = Number(o.days);
      let built;
      try {
        built = draftGrant({ subject: wallet.address, grantee: counterparty, purpose, categories: o.categories.split(",").map((s) => s.trim()), days });
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      const role = (["counselor", "matching_service", "research_team", "counselor"] as const)[purpose as 0 | 1 | 2 | 3];
      const l = lang(o.lang);
      if (!o.json) process.stdout.write(screenText(explainGrant({ purpose, granteeRole: role, categories: built.categories, notBefore: built.grant.notBefore, notAfter: built.grant.notAfter }, l)) + "\n\n");
      if (!o.yes) {
        if (!process.stdin.isTTY) throw new CliError("no terminal to confirm on: read the screen above and add --yes");
        if (!(await confirm(l === "en" ? "Do you agree? (yes/no) " : "您同意吗？（是/否）"))) throw new CliError(l === "en" ? "not granted" : "未同意，没有提交");
      }
      const api = await call(new ApiClient(o.url).login(wallet));
      const id = await call(submitGrant(api, wallet, consentDomain(domain.chainId, domain.verifyingContract), built, l === "en" ? "en" : "zh"));
      if (!o.wait) return printResult(!!o.json, { grantId: id, status: "queued" }, () => `queued: ${id}\ncheck with: anxin consent status ${id}`);
      await waitOnChain(api, id, "grant");
      const receipt = await call(api.get(`/v1/consents/${id}/receipt?lang=${l === "en" ? "en" : "zh"}`));
      if (o.json) return printResult(true, receipt, () => "");
      const text = await (await api.raw("GET", `/v1/consents/${id}/receipt?lang=${l === "en" ? "en" : "zh"}&format=text`)).text();
      process.stdout.write(text + "\n");
    });

  common(consent.command("revoke <grantId>"))
    .description("withdraw a consent (signed by you, relayed on chain; the other side loses access at once)")
    .option("--no-wait", "return once queued")
    .action(async (grantId: string, o: Common & { wait: boolean }) => {
      if (!/^0x[0-9a-fA-F]{64}$/.test(grantId)) throw new CliError("grantId must be 0x + 64 hex digits");
      const [{ wallet }] = await signers(o);
      const api = await call(new ApiClient(o.url).login(wallet));
      await call(submitRevoke(api, wallet, await call(consentDomainOf(api)), grantId.toLowerCase()));
      const v = o.wait ? await waitOnChain(api, grantId.toLowerCase(), "revoke") : await call(api.get(`/v1/consents/${grantId.toLowerCase()}`));
      printResult(!!o.json, v, () => (o.wait ? `withdrawn on chain at block ${v.revoke?.blockNumber}: ${grantId}` : `withdrawal queued: ${grantId}`));
    });

  common(consent.command("list"))
    .description("list your consents (resident: per --counterparty; staff: given to you; auditor: all)")
    .action(async (o: Common) => {
      const items: any[] = [];
      for (const { wallet } of await signers(o)) {
        const api = await call(new ApiClient(o.url).login(wallet));
        items.push(...(await call(api.get("/v1/consents"))).items);
      }
      printResult(!!o.json, { items }, () =>
        items.length === 0
          ? "no consents"
          : items.map((v) => `${v.grantId}  ${v.purposeName.padEnd(18)} ${v.state.padEnd(13)} ${v.status}${v.blockNumber ? ` @${v.blockNumber}` : ""}  to ${v.grantee}`).join("\n"),
      );
    });

  common(consent.command("status <grantId>"))
    .description("relay and ledger status of one consent: queued, on chain at block N, failed with reason")
    .action(async (grantId: string, o: Common) => {
      const [{ wallet }] = await signers(o);
      const api = await call(new ApiClient(o.url).login(wallet));
      const v = await call(api.get(`/v1/consents/${grantId.toLowerCase()}`));
      printResult(!!o.json, v, () =>
        [
          `grant ${v.grantId} (${v.purposeName})`,
          `status: ${v.status}${v.onChain ? ` at block ${v.blockNumber}, tx ${v.txHash}` : ""}${v.error ? ` (${v.error})` : ""}`,
          `state now: ${v.state}`,
          ...(v.revoke ? [`withdrawal: ${v.revoke.status}${v.revoke.blockNumber ? ` at block ${v.revoke.blockNumber}` : ""}${v.revoke.error ? ` (${v.revoke.error})` : ""}`] : []),
        ].join("\n"),
      );
    });

  common(consent.command("receipt <grantId>"))
    .description("your consent receipt (Kantara CR v1.1): readable, or --json")
    .action(async (grantId: string, o: Common) => {
      const [{ wallet }] = await signers(o);
      const api = await call(new ApiClient(o.url).login(wallet));
      const l = lang(o.lang) === "en" ? "en" : "zh";
      if (o.json) return printResult(true, await call(api.get(`/v1/consents/${grantId.toLowerCase()}/receipt?lang=${l}`)), () => "");
      const res = await api.raw("GET", `/v1/consents/${grantId.toLowerCase()}/receipt?lang=${l}&format=text`);
      if (!res.ok) throw new CliError(`server refused: ${res.status} ${((await res.json()) as { detail?: string }).detail ?? ""}`);
      process.stdout.write((await res.text()) + "\n");
    });

  common(consent.command("export"))
    .description("export consents as FHIR R4 Consent resources (a Bundle of type collection)")
    .requiredOption("--fhir", "FHIR R4 (the only format)")
    .option("--out <file>", "write to a file instead of standard output")
    .action(async (o: Common & { out?: string }) => {
      const entries: unknown[] = [];
      for (const { wallet } of await signers(o)) {
        const api = await call(new ApiClient(o.url).login(wallet));
        for (const v of (await call(api.get("/v1/consents"))).items) {
          if (!v.onChain) continue;
          const res = await api.raw("GET", `/v1/consents/${v.grantId}/fhir?lang=${lang(o.lang) === "en" ? "en" : "zh"}`);
          if (res.ok) entries.push({ fullUrl: `urn:anxin:grant-id:${v.grantId}`, resource: await res.json() });
        }
      }
      const bundle = { resourceType: "Bundle", type: "collection", timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"), entry: entries };
      const text = JSON.stringify(bundle, null, 2) + "\n";
      if (o.out) {
        writeFileSync(o.out, text, { mode: 0o600 });
        printResult(!!o.json, { out: o.out, count: entries.length }, () => `wrote ${entries.length} FHIR Consent resource(s) to ${o.out}`);
      } else process.stdout.write(text);
    });
}
