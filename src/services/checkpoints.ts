// The anchored history as the chain tells it: every CheckpointSubmitted event of our CheckpointLog, with its
// transaction, block and block time. The auditor trusts these events, not our anchors table.
import { Interface, type Provider } from "ethers";
import { loadArtifact } from "../chain/artifacts.js";

export interface AnchoredCheckpoint {
  size: number;
  /** 64 lowercase hex, no 0x (log format). */
  root: string;
  prevSize: number;
  prevRoot: string;
  txHash: string;
  blockNumber: number;
  blockHash: string;
  logIndex: number;
  /** Unix seconds (block.timestamp). */
  blockTime: number;
}

export const checkpointIface = new Interface(loadArtifact("CheckpointLog").abi);
const TOPIC = checkpointIface.getEvent("CheckpointSubmitted")!.topicHash;
const CHUNK = 50_000;

const strip = (h: string) => h.slice(2).toLowerCase();

/** Every accepted checkpoint of `checkpointLog` from `fromBlock` on (up to `toBlock`, default the head), in chain order. */
export async function anchoredHistory(provider: Provider, checkpointLog: string, fromBlock: number, toBlock?: number): Promise<AnchoredCheckpoint[]> {
  // Raw request: the provider's short request cache could hand back a head from before a dev-chain revert.
  const head = toBlock ?? Number(await (provider as unknown as { send(m: string, p: unknown[]): Promise<string> }).send("eth_blockNumber", []));
  const out: AnchoredCheckpoint[] = [];
  const times = new Map<number, number>();
  for (let from = Math.max(0, fromBlock); from <= head; from += CHUNK) {
    const logs = await provider.getLogs({ address: checkpointLog, topics: [TOPIC], fromBlock: from, toBlock: Math.min(head, from + CHUNK - 1) });
    for (const l of logs) {
      const p = checkpointIface.parseLog(l)!;
      out.push({
        size: Number(p.args.size),
        root: strip(p.args.root),
        prevSize: Number(p.args.previousSize),
        prevRoot: strip(p.args.previousRoot),
        txHash: l.transactionHash.toLowerCase(),
        blockNumber: l.blockNumber,
        blockHash: l.blockHash.toLowerCase(),
        logIndex: l.index,
        blockTime: 0,
      });
    }
  }
  // Block times: one raw request per distinct block hash (no provider cache), a few in flight at once.
  const send = (provider as unknown as { send(m: string, p: unknown[]): Promise<{ timestamp: string } | null> }).send.bind(provider);
  const blocks = [...new Set(out.map((c) => c.blockHash))];
  const byHash = new Map<string, number>();
  for (let i = 0; i < blocks.length; i += 16) {
    await Promise.all(
      blocks.slice(i, i + 16).map(async (h) => {
        const b = await send("eth_getBlockByHash", [h, false]);
        if (!b) throw new Error(`block ${h} of a checkpoint event is missing`);
        byHash.set(h, Number(b.timestamp));
      }),
    );
  }
  for (const c of out) times.set(c.blockNumber, byHash.get(c.blockHash)!);
  for (const c of out) c.blockTime = times.get(c.blockNumber)!;
  return out;
}

/** First checkpoint (in chain order) whose size covers leaf `index`, by binary search over increasing sizes. */
export function firstCovering(history: AnchoredCheckpoint[], index: number): AnchoredCheckpoint | undefined {
  let lo = 0;
  let hi = history.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (history[mid].size > index) hi = mid;
    else lo = mid + 1;
  }
  return history[lo];
}

/** Last checkpoint whose size does not cover leaf `index` (it was on chain without the leaf). */
export function lastNotCovering(history: AnchoredCheckpoint[], index: number): AnchoredCheckpoint | undefined {
  const first = firstCovering(history, index);
  const i = first ? history.indexOf(first) : history.length;
  return i > 0 ? history[i - 1] : undefined;
}
