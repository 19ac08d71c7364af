// Deploys the three contracts once and remembers their addresses in <dataDir>/deployment.json (docs/FORMATS.md,
// "deployment.json"). A chain that lost them (a fresh dev chain, a wiped state file) gets them again, and we say so.
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
  /** "reused", "deployed" (first start) or "redeployed" (the chain lost the contracts). */
  action: "reused" | "deployed" | "redeployed";
  reason?: string;
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

async function missingCode(provider: Provider, d: Deployment): Promise<string | undefined> {
  for (const [name, addr] of [["CounselorRegistry", d.registry], ["ConsentLedger", d.consentLedger], ["CheckpointLog", d.checkpointLog]]) {
    if ((await provider.getCode(addr)) === "0x") return `${name} has no code at ${addr}`;
  }
  return undefined;
}

export async function deployContracts(operator: Signer, adminDelaySeconds = 0): Promise<Deployment> {
  const provider = operator.provider!;
  const me = await operator.getAddress();
  const deploy = async (name: "CounselorRegistry" | "ConsentLedger" | "CheckpointLog", ...args: unknown[]) => {
    const a = loadArtifact(name);
    const c = await new ContractFactory(a.abi, a.bytecode, operator).deploy(...args);
    await c.waitForDeployment();
    return { address: await c.getAddress(), block: (await c.deploymentTransaction()!.wait())!.blockNumber };
  };
  const registry = await deploy("CounselorRegistry", adminDelaySeconds, me);
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

export async function ensureDeployment(operator: Signer, file: string, rpcUrl?: string): Promise<EnsureResult> {
  const provider = operator.provider!;
  const known = readDeployment(file);
  const chainId = Number((await provider.getNetwork()).chainId);
  const url = rpcUrl === undefined ? undefined : publicRpcUrl(rpcUrl);
  let reason: string | undefined;
  if (known) {
    if (known.chainId !== chainId) reason = `deployment.json is for chain ${known.chainId}, the node is chain ${chainId}`;
    else reason = await missingCode(provider, known);
    if (!reason) {
      // Keep the file true: the RPC URL of this start (an embedded chain may get another port), lowercase addresses.
      const current: Deployment = { rpcUrl: url ?? known.rpcUrl, ...known, ...(url !== undefined ? { rpcUrl: url } : {}) };
      if (JSON.stringify(current, null, 2) + "\n" !== readFileSync(file, "utf8")) writeDeployment(file, current);
      return { deployment: current, action: "reused" };
    }
  }
  const deployment = { ...(url !== undefined ? { rpcUrl: url } : {}), ...(await deployContracts(operator)) };
  writeDeployment(file, deployment);
  return { deployment, action: known ? "redeployed" : "deployed", reason };
}
