// Deploys the three contracts once and remembers their addresses in <dataDir>/deployment.json.
// A chain that lost them (a fresh dev chain, a wiped state file) gets them again, and we say so.
import { existsSync, readFileSync, writeFileSync, renameSync } from "node:fs";
import { ContractFactory, type Provider, type Signer } from "ethers";
import { loadArtifact } from "./artifacts.js";

export interface Deployment {
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

export function readDeployment(file: string): Deployment | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as Deployment;
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
  return {
    chainId: Number(chainId),
    registry: registry.address,
    consentLedger: ledger.address,
    checkpointLog: checkpoints.address,
    deployBlock: registry.block,
    operator: me,
    deployedAt: new Date().toISOString(),
  };
}

export async function ensureDeployment(operator: Signer, file: string): Promise<EnsureResult> {
  const provider = operator.provider!;
  const known = readDeployment(file);
  const chainId = Number((await provider.getNetwork()).chainId);
  let reason: string | undefined;
  if (known) {
    if (known.chainId !== chainId) reason = `deployment.json is for chain ${known.chainId}, the node is chain ${chainId}`;
    else reason = await missingCode(provider, known);
    if (!reason) return { deployment: known, action: "reused" };
  }
  const deployment = await deployContracts(operator);
  writeDeployment(file, deployment);
  return { deployment, action: known ? "redeployed" : "deployed", reason };
}
