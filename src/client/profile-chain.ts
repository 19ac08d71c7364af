// What a client reads from CounselorRegistry itself, over a chain endpoint it chose (never the app server's word):
// a counselor's public-profile hash and whether they are accredited now. Plain JSON-RPC `eth_call` with fetch, so
// the same code runs in Node (CLI, demo) and in the web pages; an ethers Contract for the registry fits too.
import { keccak_256 } from "@noble/hashes/sha3.js";

export interface RegistryReader {
  /** CounselorRegistry.profileHashOf(counselor): 0x + 64 hex, all zero when none was published. */
  profileHashOf(counselor: string): Promise<string>;
  /** CounselorRegistry.isAccredited(counselor, time). */
  isAccredited(counselor: string, time: number | bigint): Promise<boolean>;
  /** CounselorRegistry.isMatcher(account): a matching service's profile is shown only while it is registered. */
  isMatcher(account: string): Promise<boolean>;
}

/** The chain endpoint did not answer as a JSON-RPC node holding the registry would. */
export class ChainReadError extends Error {
  constructor(detail: string) {
    super(`cannot read CounselorRegistry from the chain: ${detail}`);
    this.name = "ChainReadError";
  }
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const selector = (sig: string) => hex(keccak_256(new TextEncoder().encode(sig))).slice(0, 8);
const SEL_PROFILE = selector("profileHashOf(address)");
const SEL_ACCREDITED = selector("isAccredited(address,uint64)");
const SEL_MATCHER = selector("isMatcher(address)");
const word = (v: string | bigint) => (typeof v === "bigint" ? v.toString(16) : v.replace(/^0x/, "").toLowerCase()).padStart(64, "0");

/** A registry reader over `rpcUrl` (the client's own choice: CLI --rpc / CHAIN_RPC_URL, the page's RPC setting). */
export function rpcRegistryReader(rpcUrl: string, registry: string, fetchFn: typeof fetch = fetch): RegistryReader {
  let id = 0;
  const call = async (data: string): Promise<string> => {
    let res: Response;
    try {
      res = await fetchFn(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method: "eth_call", params: [{ to: registry, data: "0x" + data }, "latest"] }),
      });
    } catch (e) {
      throw new ChainReadError((e as Error).message);
    }
    const body = (await res.json().catch(() => undefined)) as { result?: string; error?: { message?: string } } | undefined;
    if (!body || body.error || typeof body.result !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(body.result)) {
      throw new ChainReadError(body?.error?.message ?? `unexpected answer (HTTP ${res.status})`);
    }
    return body.result.toLowerCase();
  };
  return {
    profileHashOf: (counselor) => call(SEL_PROFILE + word(counselor)),
    isAccredited: async (counselor, time) => BigInt(await call(SEL_ACCREDITED + word(counselor) + word(BigInt(time)))) === 1n,
    isMatcher: async (account) => BigInt(await call(SEL_MATCHER + word(account))) === 1n,
  };
}
