// Which chain the CLI trusts for keys and checkpoints: `--rpc <url>` (default CHAIN_RPC_URL), and the contract
// addresses from `--deployment <deployment.json>` (the authority's published file). What the CLI takes from the app
// server instead (its advertised endpoint or addresses) it says on stderr, so the user knows whom they trusted.
import type { Command } from "commander";
import type { ApiClient } from "../client/index.js";
import { ChainReader, KeyDirectoryError } from "../client/key-directory.js";
import { CliError, readJsonFile } from "./io.js";
import { defaultChainRpcUrl } from "../config.js";

export interface ChainOpts {
  rpc?: string;
  deployment?: string;
}

export function chainOptions(c: Command): Command {
  return c
    .option("--rpc <url>", "chain JSON-RPC endpoint you trust for keys, accreditation and checkpoints (default CHAIN_RPC_URL)", defaultChainRpcUrl())
    .option("--deployment <file>", "deployment.json naming the contracts (default: the addresses the server reports)");
}

export async function trustedChain(api: ApiClient, o: ChainOpts): Promise<ChainReader> {
  let addresses: { registry?: string; checkpointLog?: string } = {};
  let rpc = o.rpc;
  if (o.deployment) addresses = readJsonFile(o.deployment) as typeof addresses;
  if (!addresses.registry || !addresses.checkpointLog || !rpc) {
    const { chain } = await api.get<{ chain?: { rpcUrl?: string; registry: string; checkpointLog: string } }>("/healthz");
    if (!chain) throw new CliError("the server reports no chain: give --rpc and --deployment");
    if (!addresses.registry || !addresses.checkpointLog) {
      process.stderr.write("note: contract addresses are the app server's (give --deployment to pin them)\n");
      addresses = { registry: chain.registry, checkpointLog: chain.checkpointLog };
    }
    if (!rpc) {
      if (!chain.rpcUrl) throw new CliError(new KeyDirectoryError("no_trusted_chain", "give --rpc <url> (or CHAIN_RPC_URL): the chain endpoint you trust").message);
      process.stderr.write("note: reading the chain through the app server's advertised endpoint (give --rpc to choose your own)\n");
      rpc = chain.rpcUrl;
    }
  }
  return new ChainReader({ rpcUrl: rpc, registry: addresses.registry!.toLowerCase(), checkpointLog: addresses.checkpointLog!.toLowerCase() });
}

/** KeyDirectoryError → one clear CLI line naming the error. */
export async function refusingUntrusted<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof KeyDirectoryError) throw new CliError(`refusing to seal: ${e.message}`);
    throw e;
  }
}
