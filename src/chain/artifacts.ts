import { readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const CONTRACT_NAMES = ["CounselorRegistry", "ConsentLedger", "CheckpointLog"] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];

export interface Artifact {
  contractName: string;
  abi: any[];
  bytecode: string;
  deployedBytecode?: string;
  immutableReferences?: Record<string, Array<{ start: number; length: number }>>;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const cache = new Map<string, Artifact>();

/** Reads a compiled contract from Hardhat's artifacts (produced by `npm run compile`, run by npm start/test). */
export function loadArtifact(name: ContractName): Artifact {
  const hit = cache.get(name);
  if (hit) return hit;
  const file = path.join(root, "artifacts", "contracts", `${name}.sol`, `${name}.json`);
  if (!existsSync(file)) throw new Error(`contract artifact ${name} not found: run \`npm run compile\` first`);
  const a = JSON.parse(readFileSync(file, "utf8")) as Artifact;
  cache.set(name, a);
  return a;
}
