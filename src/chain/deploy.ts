// Deploys the three contracts once and remembers their addresses in <dataDir>/deployment.json (docs/FORMATS.md,
// "deployment.json"). A chain that does not hold them (another chain id, no code, other code) stops start-up: only
// `anxin deploy --force` deploys new ones, never a start.
// Addresses are written in lowercase, like everywhere else in Anxin; a file from before that rule is rewritten.
import { existsSync, readFileSync, writeFileSync, renameSync } from "node:fs";
import { ContractFactory, type Provider, type Signer } from "ethers";
import { loadArtifact } from "./artifacts.js";

export interface Deployment {
  /** The chain's JSON-RPC endpoint as this server reaches it (credentials and query removed). */
  rpcUrl?: string;
  chainId: number;
  registry: string;
  consentLedger: string;
  checkpointLog: string;
  deployBlock: number;
  operator: string;
  deployedAt: string;
}

export interface EnsureResult {
  deployment: Deployment;
  /** "reused", "deployed" (first start, or `anxin deploy`) or "redeployed" (`anxin deploy --force`). */
  action: "reused" | "deployed" | "redeployed";
  reason?: string;
}

/**
 * The chain does not hold the contracts deployment.json names (another chain id, no code, or other code). Start-up
 * stops: deploying again would silently start a new registry, consent ledger and checkpoint log.
 */
export class DeploymentMismatchError extends Error {
  constructor(readonly reason: string, readonly file: string) {
    super(
      `${reason}. The chain does not hold the contracts in ${file}: check CHAIN_RPC_URL (and the chain id); ` +
        "to deploy new contracts on purpose (a new registry, consent ledger and checkpoint log: every accreditation, consent and anchor starts over) run `anxin deploy --force`",
    );
    this.name = "DeploymentMismatchError";
  }
}

/** A chain other than the embedded dev chain and no deployment.json: the contracts are deployed only on request. */
export class NoDeploymentError extends Error {
  constructor(readonly file: string) {
    super(`no ${file} for CHAIN_RPC_URL: deploy the contracts with \`anxin deploy --authority <address>\` (the authority's own key holds the registry's roles, not the operator), or put the deployment.json of the existing contracts there`);
    this.name = "NoDeploymentError";
  }
}

const lower = (d: Deployment): Deployment => ({
  ...d,
  registry: d.registry.toLowerCase(),
  consentLedger: d.consentLedger.toLowerCase(),
  checkpointLog: d.checkpointLog.toLowerCase(),
  operator: d.operator.toLowerCase(),
});

/** The RPC URL fit to write down and show: no user:password, no query string (API keys often sit there). */
export function publicRpcUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    u.search = "";
    u.hash = "";
    return u.toString().replace(/\/$/, "");
  } catch {
    return "";
  }
}

export function readDeployment(file: string): Deployment | undefined {
  if (!existsSync(file)) return undefined;
  return lower(JSON.parse(readFileSync(file, "utf8")) as Deployment);
}

function writeDeployment(file: string, d: Deployment) {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(d, null, 2) + "\n");
  renameSync(tmp, file); // atomic: a crash never leaves half a file
}

/** Runtime code with the immutable values (constructor-set addresses) zeroed, to compare with the compiled code. */
function masked(code: string, immutables: Record<string, Array<{ start: number; length: number }>> | undefined): string {
  const hex = code.replace(/^0x/, "").toLowerCase();
  const chars = hex.split("");
  for (const refs of Object.values(immutables ?? {})) for (const r of refs) chars.fill("0", r.start * 2, (r.start + r.length) * 2);
  return chars.join("");
}

/** Why the chain does not hold this deployment's contracts: no code, or code other than the compiled contract's. */
async function codeMismatch(provider: Provider, d: Deployment): Promise<string | undefined> {
  for (const [name, addr] of [["CounselorRegistry", d.registry], ["ConsentLedger", d.consentLedger], ["CheckpointLog", d.checkpointLog]] as const) {
    const code = await provider.getCode(addr);
    if (code === "0x") return `${name} has no code at ${addr}`;
    const a = loadArtifact(name);
    if (a.deployedBytecode && masked(code, a.immutableReferences) !== masked(a.deployedBytecode, a.immutableReferences)) {
      return `the code at ${addr} is not this version's ${name}`;
    }
  }
  return undefined;
}

/**
 * Deploys the three contracts with `operator` paying. The registry's default admin and AUTHORITY_ROLE go to
 * `authority` (the operator itself only on the embedded dev chain); the checkpoint log's owner and writer are the
 * operator, which anchors.
 */
export async function deployContracts(operator: Signer, adminDelaySeconds = 0, authority?: string): Promise<Deployment> {
  const provider = operator.provider!;
  const me = await operator.getAddress();
  const deploy = async (name: "CounselorRegistry" | "ConsentLedger" | "CheckpointLog", ...args: unknown[]) => {
    const a = loadArtifact(name);
    const c = await new ContractFactory(a.abi, a.bytecode, operator).deploy(...args);
    await c.waitForDeployment();
    return { address: await c.getAddress(), block: (await c.deploymentTransaction()!.wait())!.blockNumber };
  };
  const registry = await deploy("CounselorRegistry", adminDelaySeconds, authority ?? me);
  const ledger = await deploy("ConsentLedger", registry.address);
  const checkpoints = await deploy("CheckpointLog", me, me);
  const { chainId } = await provider.getNetwork();
  return lower({
    chainId: Number(chainId),
    registry: registry.address,
    consentLedger: ledger.address,
    checkpointLog: checkpoints.address,
    deployBlock: registry.block,
    operator: me,
    deployedAt: new Date().toISOString(),
  });
}

/** Why deployment.json does not describe contracts on this chain, or undefined when it does. */
export async function deploymentMismatch(provider: Provider, known: Deployment): Promise<string | undefined> {
  const chainId = Number((await provider.getNetwork()).chainId);
  if (known.chainId !== chainId) return `deployment.json is for chain ${known.chainId}, the node is chain ${chainId}`;
  return codeMismatch(provider, known);
}

export interface EnsureOptions {
  /** The embedded dev chain: the first start deploys (with the operator as authority). */
  embedded: boolean;
}

/**
 * Start-up: reuse the contracts deployment.json names, or stop. Only the embedded dev chain's first start deploys;
 * a mismatch never redeploys (that is `anxin deploy --force`).
 */
export async function ensureDeployment(operator: Signer, file: string, rpcUrl: string | undefined, opts: EnsureOptions): Promise<EnsureResult> {
  const provider = operator.provider!;
  const known = readDeployment(file);
  const url = rpcUrl === undefined ? undefined : publicRpcUrl(rpcUrl);
  if (!known) {
    if (!opts.embedded) throw new NoDeploymentError(file);
    const deployment = { ...(url !== undefined ? { rpcUrl: url } : {}), ...(await deployContracts(operator)) };
    writeDeployment(file, deployment);
    return { deployment, action: "deployed" };
  }
  const reason = await deploymentMismatch(provider, known);
  if (reason) throw new DeploymentMismatchError(reason, file);
  // Keep the file true: the RPC URL of this start (an embedded chain may get another port), lowercase addresses.
  const current: Deployment = { rpcUrl: url ?? known.rpcUrl, ...known, ...(url !== undefined ? { rpcUrl: url } : {}) };
  if (JSON.stringify(current, null, 2) + "\n" !== readFileSync(file, "utf8")) writeDeployment(file, current);
  return { deployment: current, action: "reused" };
}

/**
 * `anxin deploy`: deploys when there is no deployment.json; with `force`, also over one that does not match the
 * chain (or does: a fresh start on purpose). Without `force` an existing, matching deployment is kept.
 */
export async function deployOnRequest(operator: Signer, file: string, rpcUrl: string | undefined, opts: { force: boolean; authority?: string }): Promise<EnsureResult> {
  const known = readDeployment(file);
  const url = rpcUrl === undefined ? undefined : publicRpcUrl(rpcUrl);
  let reason: string | undefined;
  if (known) {
    reason = await deploymentMismatch(operator.provider!, known);
    if (!opts.force) {
      if (reason) throw new DeploymentMismatchError(reason, file);
      return { deployment: known, action: "reused" };
    }
  }
  const deployment = { ...(url !== undefined ? { rpcUrl: url } : {}), ...(await deployContracts(operator, 0, opts.authority)) };
  if (known) renameSync(file, `${file}.${known.deployedAt.replace(/[:.]/g, "-")}.old`); // the old addresses stay readable
  writeDeployment(file, deployment);
  return { deployment, action: known ? "redeployed" : "deployed", reason: reason ?? (known ? "forced" : undefined) };
}
