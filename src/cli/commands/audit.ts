// `anxin audit verify|bundle|check-bundle` and `anxin anchor now`.
// verify and bundle work OFFLINE (straight against the store and the chain, as the server does; what an auditor
// needs) or against a running server (--url with an auditor key). check-bundle needs only the bundle and a chain
// endpoint.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { JsonRpcProvider } from "ethers";
import type { Command } from "commander";
import { defaultServerUrl, loadConfig, setting } from "../../config.js";
import { startAnvil, type AnvilHandle } from "../../chain/anvil.js";
import { readDeployment, type Deployment } from "../../chain/deploy.js";
import { decryptWalletJson } from "../../crypto/index.js";
import { openStore } from "../../store/index.js";
import type { Db } from "../../store/db.js";
import { verifyAudit, type AuditReport } from "../../services/audit.js";
import { buildBundle, checkBundle } from "../../services/bundle.js";
import { LogTreeCache } from "../../services/log-tree.js";
import { ApiClient, ApiError } from "../../client/index.js";
import { CliError, passphrase, printResult, readJsonFile } from "../io.js";
import { checkTlogProofFile, isTlogProofFile } from "./tlog-proof-check.js";
import { registerCheckpointCheck } from "./audit-checkpoint.js";

interface Offline {
  db: Db;
  provider: JsonRpcProvider;
  deployment: Deployment;
  close(): Promise<void>;
}

/** The store and the chain from the configuration, without starting a server. */
async function openOffline(opts: { dataDir?: string; rpc?: string }): Promise<Offline> {
  const cfg = loadConfig(process.env, { dataDir: opts.dataDir });
  const deployment = readDeployment(path.join(cfg.dataDir, "deployment.json"));
  if (!deployment) throw new CliError(`no deployment.json in ${cfg.dataDir}: which contracts should be audited?`);
  let anvil: AnvilHandle | undefined;
  let url = opts.rpc ?? cfg.chainRpcUrl;
  if (!url) {
    // The embedded dev chain, from its state file (the server must be stopped: it owns the state otherwise).
    anvil = await startAnvil({ stateFile: path.join(cfg.dataDir, "chain-state.json"), port: 0 });
    url = anvil.url;
  }
  let db: Db;
  try {
    db = await openStore(cfg);
  } catch (e) {
    await anvil?.stop();
    throw new CliError(`cannot open the store (${(e as Error).message}); if the server is running, use --url with an auditor key`);
  }
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true });
  return {
    db,
    provider,
    deployment,
    async close() {
      provider.destroy();
      await db.close();
      await anvil?.stop();
    },
  };
}

async function online(url: string, key?: string, passphraseFile?: string): Promise<ApiClient> {
  if (!key) throw new CliError("--url needs --key <keystore.json> of an auditor (and --passphrase-file)");
  let json: string;
  try {
    json = readFileSync(key, "utf8");
  } catch {
    throw new CliError(`cannot read ${key}`);
  }
  const wallet = await decryptWalletJson(json, await passphrase(passphraseFile, "Keystore passphrase: "));
  try {
    return await new ApiClient(url).login(wallet);
  } catch (e) {
    throw new CliError(e instanceof ApiError ? `sign-in refused: ${e.message}` : `no Anxin server answers at ${url}`);
  }
}

function humanReport(r: AuditReport): string {
  const lines = [`audit ${r.ok ? "PASSED" : "FAILED"}: ${r.stats.leaves} leaves, ${r.stats.anchors} checkpoints on chain, ${r.stats.records} records (${r.stats.seconds} s)`];
  for (const c of r.checks) {
    lines.push(`  [${c.ok ? "ok" : "FAIL"}] ${c.id}: ${c.name}`);
    for (const f of c.failures) lines.push(`        ${f.code}: ${f.detail}`);
    if (c.moreFailures) lines.push(`        … and ${c.moreFailures} more`);
  }
  lines.push(`  max anchoring delay: ${r.stats.maxAnchorDelaySeconds ?? "n/a"} s; unanchored leaves: ${r.stats.unanchoredLeaves}; emergency releases to review: ${r.stats.emergencyReview.length}`);
  return lines.join("\n");
}

export function register(program: Command) {
  const audit = program.command("audit").description("verify the log, its anchors and every access (auditor)");
  registerCheckpointCheck(audit);
  const common = (c: Command) =>
    c
      .option("--data-dir <dir>", "offline: data directory (env ANXIN_DATA_DIR)")
      .option("--rpc <url>", "offline: chain endpoint (default CHAIN_RPC_URL, else the embedded chain's state file)")
      .option("--url <url>", "ask a running server instead (needs --key of an auditor)")
      .option("--key <file>", "auditor's ethers JSON keystore (with --url)")
      .option("--passphrase-file <file>", "file holding the keystore passphrase")
      .option("--json", "machine-readable output");

  common(audit.command("verify").description("check leaves, anchors, timing, access, accreditation and erasure; non-zero exit on any failure")).action(
    async (opts: { dataDir?: string; rpc?: string; url?: string; key?: string; passphraseFile?: string; json?: boolean }) => {
      let report: AuditReport;
      if (opts.url) report = await (await online(opts.url, opts.key, opts.passphraseFile)).post<AuditReport>("/v1/audit/verify", {});
      else {
        const o = await openOffline(opts);
        try {
          report = await verifyAudit(o);
        } finally {
          await o.close();
        }
      }
      printResult(!!opts.json, report, () => humanReport(report));
      if (!report.ok) process.exitCode = 1;
    },
  );

  common(audit.command("bundle <recordId>").description("write a self-contained offline proof of one record"))
    .option("--out <file>", "write the bundle here (default: stdout)")
    .action(async (recordId: string, opts: { dataDir?: string; rpc?: string; url?: string; key?: string; passphraseFile?: string; json?: boolean; out?: string }) => {
      let bundle: unknown;
      if (opts.url) {
        try {
          bundle = await (await online(opts.url, opts.key, opts.passphraseFile)).get(`/v1/audit/bundle/${encodeURIComponent(recordId)}`);
        } catch (e) {
          throw new CliError(e instanceof ApiError ? e.message : String(e));
        }
      } else {
        const o = await openOffline(opts);
        try {
          bundle = await buildBundle({ ...o, tree: new LogTreeCache(o.db) }, recordId);
        } catch (e) {
          throw new CliError((e as Error).message);
        } finally {
          await o.close();
        }
      }
      const text = JSON.stringify(bundle, null, 2) + "\n";
      if (opts.out) {
        writeFileSync(opts.out, text);
        process.stderr.write(`bundle written to ${opts.out}\n`);
      } else process.stdout.write(text);
    });

  audit
    .command("check-bundle <file>")
    .description("verify a bundle with nothing but a chain endpoint; non-zero exit if it does not hold")
    .option("--rpc <url>", "chain endpoint (default CHAIN_RPC_URL or http://127.0.0.1:8545)")
    .option("--log-vkey <vkey>", "a C2SP tlog-proof file: the log's verifier key (checked offline, no chain needed)")
    .option("--witness <vkey>", "a tlog-proof file: a witness cosignature key that counts (repeatable)", (v: string, a: string[]) => [...a, v], [] as string[])
    .option("--quorum <k>", "a tlog-proof file: witness cosignatures required")
    .option("--json", "machine-readable output")
    .action(async (file: string, opts: { rpc?: string; json?: boolean; logVkey?: string; witness?: string[]; quorum?: string }) => {
      if (isTlogProofFile(file)) return checkTlogProofFile(file, opts);
      const bundle = readJsonFile(file);
      const rpc = opts.rpc ?? setting("chainRpcUrl") ?? "http://127.0.0.1:8545";
      let r;
      try {
        r = await checkBundle(bundle, rpc);
      } catch (e) {
        throw new CliError(`cannot check the bundle against ${rpc}: ${(e as { code?: string }).code ?? (e as Error).message}`);
      }
      printResult(!!opts.json, r, () =>
        [
          `bundle ${r.ok ? "VERIFIED" : "REFUSED"}`,
          ...(r.latest
            ? [`  latest checkpoint in the bundle: size ${r.latest.size}; the chain's latest(): size ${r.latest.chain.size}${r.latest.current ? " (the same)" : " (later; the bundle's is one of its accepted checkpoints)"}`]
            : []),
          ...r.problems.map((p) => `  ${p}`),
          ...r.entries.map((e) => `  leaf ${e.index} (${e.type ?? "?"} at ${e.at ?? "?"}, anchored ${e.anchoredAt ?? "?"}): ${e.ok ? "ok" : e.problems.join("; ")}`),
        ].join("\n"),
      );
      if (!r.ok) process.exitCode = 1;
    });

  program
    .command("anchor")
    .description("anchoring (admin)")
    .command("now")
    .description("ask the running server to anchor the log now")
    .option("--url <url>", "server URL", defaultServerUrl())
    .option("--key <file>", "admin's ethers JSON keystore")
    .option("--passphrase-file <file>", "file holding the keystore passphrase")
    .option("--json", "machine-readable output")
    .action(async (opts: { url: string; key?: string; passphraseFile?: string; json?: boolean }) => {
      const api = await online(opts.url, opts.key, opts.passphraseFile);
      let r: { size?: number; txHash?: string; blockNumber?: number; nothingToAnchor?: boolean };
      try {
        r = await api.post("/v1/log/anchor", {});
      } catch (e) {
        throw new CliError(e instanceof ApiError ? e.message : String(e));
      }
      printResult(!!opts.json, r, () => (r.nothingToAnchor ? "nothing new to anchor" : `anchored size ${r.size} in block ${r.blockNumber} (tx ${r.txHash})`));
    });
}
