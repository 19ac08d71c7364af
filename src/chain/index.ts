// Chain connection: an embedded Anvil (default) or any EVM JSON-RPC endpoint (CHAIN_RPC_URL),
// the operator's signer (relayer + checkpoint writer) and the three deployed contracts.
import { readFileSync } from "node:fs";
import path from "node:path";
import { Contract, JsonRpcProvider, Wallet, type Signer } from "ethers";
import { OperatorSigner } from "./operator.js";
import { decryptWalletJson, passphraseFromFileText } from "../crypto/keystore.js";
import type { Config } from "../config.js";
import { startAnvil, type AnvilHandle } from "./anvil.js";
import { loadArtifact } from "./artifacts.js";
import { deployOnRequest, ensureDeployment, type Deployment, type EnsureResult } from "./deploy.js";
import { assertSeparatePowers } from "./powers.js";

/** Anvil's first well-known dev account: usable ONLY on the embedded dev chain. */
export const DEV_OPERATOR_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

export interface Chain {
  provider: JsonRpcProvider;
  operator: OperatorSigner;
  operatorAddress: string;
  deployment: Deployment;
  deploy: EnsureResult;
  registry: Contract;
  consentLedger: Contract;
  checkpointLog: Contract;
  anvil?: AnvilHandle;
  embedded: boolean;
  /** Called after the supervisor restarted an embedded chain that died (workers re-check what it may have lost). */
  onRestart: Set<() => void>;
  close(): Promise<void>;
}

export interface ChainLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

async function operatorWallet(cfg: Config, embedded: boolean): Promise<Wallet> {
  if (cfg.operatorKeystore) {
    if (!cfg.operatorPassphraseFile) throw new Error("ANXIN_OPERATOR_KEYSTORE needs ANXIN_OPERATOR_PASSPHRASE_FILE");
    const pass = passphraseFromFileText(readFileSync(cfg.operatorPassphraseFile, "utf8")); // the CLI's rule: first line
    const w = await decryptWalletJson(readFileSync(cfg.operatorKeystore, "utf8"), pass);
    return new Wallet(w.privateKey);
  }
  if (cfg.operatorPrivateKey) return new Wallet(cfg.operatorPrivateKey);
  if (embedded) return new Wallet(DEV_OPERATOR_KEY);
  throw new Error("CHAIN_RPC_URL is set but no operator key: set ANXIN_OPERATOR_KEYSTORE and ANXIN_OPERATOR_PASSPHRASE_FILE");
}

export function contractsFor(d: Deployment, runner: Signer | JsonRpcProvider) {
  return {
    registry: new Contract(d.registry, loadArtifact("CounselorRegistry").abi, runner),
    consentLedger: new Contract(d.consentLedger, loadArtifact("ConsentLedger").abi, runner),
    checkpointLog: new Contract(d.checkpointLog, loadArtifact("CheckpointLog").abi, runner),
  };
}

export interface ConnectOptions {
  /** `anxin deploy`: deploy (over a mismatching deployment.json only with `force`) instead of only checking. */
  deploy?: { force: boolean; authority?: string };
}

export async function connectChain(cfg: Config, log: ChainLogger, opts: ConnectOptions = {}): Promise<Chain> {
  // A worker of `anxin serve --workers` uses the embedded chain its primary process runs (and supervises).
  const embedded = !cfg.chainRpcUrl;
  let anvil: AnvilHandle | undefined;
  let url = cfg.chainRpcUrl ?? cfg.embeddedChainUrl;
  const onRestart = new Set<() => void>();
  if (embedded && !cfg.embeddedChainUrl) {
    anvil = await startAnvil({
      stateFile: path.join(cfg.dataDir, "chain-state.json"),
      port: cfg.anvilPort,
      supervise(ev) {
        if (ev.error) return log.error({ restarts: ev.restarts, exitCode: ev.exitCode, error: ev.error }, "the embedded chain died and could not be restarted");
        log.warn({ restarts: ev.restarts, exitCode: ev.exitCode, pid: ev.pid }, "the embedded chain died: restarted it from its state file");
        for (const f of onRestart) f();
      },
    });
    url = anvil.url;
    log.info({ pid: anvil.pid, url }, "embedded chain started (anvil)");
  }
  try {
    const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, pollingInterval: cfg.chainPollMs });
    provider.pollingInterval = cfg.chainPollMs;
    const wallet = (await operatorWallet(cfg, embedded)).connect(provider);
    const operator = new OperatorSigner(wallet, provider);
    const file = path.join(cfg.dataDir, "deployment.json");
    const deploy = opts.deploy ? await deployOnRequest(operator, file, url, opts.deploy) : await ensureDeployment(operator, file, url, { embedded });
    if (deploy.action === "redeployed") log.warn({ reason: deploy.reason, ...deploy.deployment }, "new contracts deployed on request (anxin deploy --force)");
    else if (deploy.action === "deployed") log.info({ ...deploy.deployment }, "contracts deployed");
    else log.info({ registry: deploy.deployment.registry, consentLedger: deploy.deployment.consentLedger, checkpointLog: deploy.deployment.checkpointLog }, "contracts found");
    const contracts = contractsFor(deploy.deployment, operator);
    if (embedded) {
      log.warn({ operator: wallet.address.toLowerCase() }, "embedded dev chain: the operator key (Anvil's published dev key) is also the registry's authority — for development only; on any other chain the operator holds no authority role");
    } else if (!opts.deploy) {
      await assertSeparatePowers(contracts.registry, wallet.address);
    }
    return {
      provider,
      operator,
      operatorAddress: wallet.address,
      deployment: deploy.deployment,
      deploy,
      ...contracts,
      anvil,
      embedded,
      onRestart,
      async close() {
        provider.destroy();
        await anvil?.stop();
      },
    };
  } catch (e) {
    await anvil?.stop();
    throw e;
  }
}
