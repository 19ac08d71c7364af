// `anxin deploy [--force] [--authority a]`: the only way contracts get deployed besides the embedded dev chain's first
// start. A server whose chain does not hold the contracts in deployment.json stops (another chain id, no code, other
// code); deploying new ones — a new registry, consent ledger and checkpoint log — is this explicit step. The old
// deployment.json is kept beside the new one (deployment.json.<time>.old).
import type { Command } from "commander";
import { isAddress } from "ethers";
import { loadConfig } from "../../config.js";
import { createLogger } from "../../http/logger.js";
import { connectChain } from "../../chain/index.js";
import { DataDirLockedError, lockDataDir } from "../../data-dir-lock.js";
import { CliError, printResult } from "../io.js";

interface DeployOpts {
  force?: boolean;
  authority?: string;
  dataDir?: string;
  json?: boolean;
}

export function register(program: Command) {
  program
    .command("deploy")
    .description("deploy the contracts (CounselorRegistry, ConsentLedger, CheckpointLog) with the operator key; stop the server first")
    .option("--force", "deploy new contracts even though deployment.json names contracts (every accreditation, consent and anchor starts over)")
    .option("--authority <address>", "the authority's own address: the registry's default admin and AUTHORITY_ROLE (required outside the embedded dev chain)")
    .option("--data-dir <dir>", "data directory (env ANXIN_DATA_DIR, default ./data)")
    .option("--json", "machine-readable output")
    .addHelpText("after", "\nThe operator key (ANXIN_OPERATOR_KEYSTORE + ANXIN_OPERATOR_PASSPHRASE_FILE) pays and owns the checkpoint log; on a chain\nother than the embedded dev chain it must not be the authority, so --authority is required there.")
    .action(async (opts: DeployOpts) => {
      const cfg = loadConfig(process.env, { dataDir: opts.dataDir });
      const embedded = !cfg.chainRpcUrl;
      if (opts.authority !== undefined && !isAddress(opts.authority)) throw new CliError("--authority must be a 0x address", 2);
      if (!embedded && !opts.authority) throw new CliError("--authority <address> is required outside the embedded dev chain: the operator key holds no authority role", 2);
      let unlock: () => void;
      try {
        unlock = lockDataDir(cfg.dataDir);
      } catch (e) {
        if (e instanceof DataDirLockedError) throw new CliError(`${e.message} (stop the server before deploying)`);
        throw e;
      }
      const log = createLogger(process.env.LOG_LEVEL ? cfg.logLevel : "warn");
      try {
        const chain = await connectChain(cfg, log, { deploy: { force: !!opts.force, authority: opts.authority?.toLowerCase() } }).catch((e: Error) => {
          throw new CliError(e.message, 1);
        });
        try {
          const d = chain.deploy;
          const authority = (opts.authority ?? d.deployment.operator).toLowerCase();
          const result = { action: d.action, ...(d.reason ? { reason: d.reason } : {}), authority, ...d.deployment };
          printResult(!!opts.json, result, () =>
            d.action === "reused"
              ? `deployment.json matches the chain (chain ${d.deployment.chainId}, registry ${d.deployment.registry}): nothing deployed (--force deploys new contracts)`
              : [
                  `${d.action === "redeployed" ? "new contracts deployed (the old deployment.json is kept as deployment.json.<time>.old)" : "contracts deployed"} on chain ${d.deployment.chainId}`,
                  `  CounselorRegistry ${d.deployment.registry} (authority ${authority})`,
                  `  ConsentLedger     ${d.deployment.consentLedger}`,
                  `  CheckpointLog     ${d.deployment.checkpointLog} (writer: the operator ${d.deployment.operator})`,
                ].join("\n"),
          );
        } finally {
          await chain.close();
        }
      } finally {
        unlock();
      }
    });
}
