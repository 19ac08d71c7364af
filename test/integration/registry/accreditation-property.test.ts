// Property (issue 17.2): the registry index answers exactly as CounselorRegistry.isAccredited. 1,000 random steps
// on the embedded Anvil — accredit and re-accredit with random validity windows (past, current, future, short),
// suspend, reinstate (reverting ones included), two changes in one block, and time passing (evm_increaseTime) —
// each followed by the real indexer; after every step the index (registry-view → accreditation.ts, the function
// every decision path uses) is compared with the contract for every counselor at the block time and at a random
// earlier time, and every 100 steps the whole status history is compared snapshot by snapshot.
// Seeded: ANXIN_PROPERTY_SEED=<n> replays a run; a failure names the seed, the step and the steps before it.
import { expect } from "chai";
import { JsonRpcProvider, Wallet, hexlify, randomBytes, type Contract } from "ethers";
import { DEV_OPERATOR_KEY } from "../../../src/chain/index.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { accreditationEvents, isIndexedAccredited } from "../../../src/services/registry-view.js";
import { snapshotsOf } from "../../../src/services/accreditation.js";
import { ChainIndexer } from "../../../src/services/chain-index.js";

const STEPS = Number(process.env.ANXIN_PROPERTY_STEPS ?? 1000);
const SEED = Number(process.env.ANXIN_PROPERTY_SEED ?? 0x5eed17);

/** mulberry32: small, fast, reproducible. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)), pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)] };
}

describe("registry index = CounselorRegistry.isAccredited (property, real chain)", function () {
  this.timeout(900_000);
  let srv: TestServer;
  before(async () => {
    // No anchoring during the run, and no background index polls: the test syncs the index after each step.
    srv = await startTestServer({ config: { anchorIntervalSeconds: 86_400, anchorEveryLeaves: 1_000_000, chainPollMs: 60_000 } });
  });
  after(async () => srv?.stop());

  it(`agrees after every one of ${STEPS} random steps`, async () => {
    const rnd = prng(SEED);
    // The test's own connection, without the 10 ms batching stall of the server's provider: a thousand steps of
    // several calls each would otherwise spend most of their time waiting for it.
    const provider = new JsonRpcProvider(srv.ctx.chain.anvil!.url, srv.ctx.chain.deployment.chainId, { staticNetwork: true, batchStallTime: 0 });
    const registry = (srv.ctx.chain.registry as Contract).connect(new Wallet(DEV_OPERATOR_KEY, provider)) as Contract;
    // The server's own indexer class on the same store, over that connection (the server's poller is idle).
    const indexer = new ChainIndexer({ db: srv.ctx.db, writer: srv.ctx.writer, provider, deployment: srv.ctx.chain.deployment, confirmations: 0, log: srv.ctx.log });
    const counselors = [0, 1, 2].map(() => Wallet.createRandom().address);
    // Straight to the node: ethers may answer "latest" from a cache a block behind.
    const latest = async () => Number(((await provider.send("eth_getBlockByNumber", ["latest", false])) as { timestamp: string }).timestamp);
    const t0 = await latest();
    const trail: string[] = [];
    const seen = { true: 0, false: 0, reverted: 0, burst: 0, reaccreditedSuspended: 0, expired: 0 };
    const suspended = new Map<string, boolean>(); // only to count the interesting case, never to decide

    const change = (c: string): { name: string; send: () => Promise<unknown> } => {
      const r = rnd.next();
      if (r < 0.4) {
        const from = rnd.int(-3000, 600);
        const len = rnd.pick([1, 5, 60, 600, 3000, 86_400, 864_000]);
        return {
          name: `accredit(${c.slice(0, 6)}, from ${from}, len ${len})`,
          send: async () => {
            const base = await latest();
            if (suspended.get(c)) seen.reaccreditedSuspended++;
            return registry.accredit(c, hexlify(randomBytes(32)), hexlify(randomBytes(32)), Math.max(0, base + from), Math.max(0, base + from) + len);
          },
        };
      }
      if (r < 0.7) return { name: `suspend(${c.slice(0, 6)})`, send: () => registry.suspend(c, hexlify(randomBytes(32))) };
      return { name: `reinstate(${c.slice(0, 6)})`, send: () => registry.reinstate(c) };
    };
    const sent: string[] = [];
    const attempt = async (ch: { send: () => Promise<unknown> }) => {
      try {
        sent.push(((await ch.send()) as { hash: string }).hash);
      } catch {
        seen.reverted++; // refused before broadcast (estimateGas): no event, no state change
      }
    };
    /** Automine answers before its block exists: wait for every sent transaction to be in a block. */
    const mined = async () => {
      for (const h of sent.splice(0)) while (!(await provider.getTransactionReceipt(h))) await new Promise((r) => setTimeout(r, 5));
    };

    const compare = async (step: number) => {
      const T = await latest();
      // All questions at once: the provider batches them into one round trip.
      const answers = await Promise.all(
        counselors.map(async (c) => {
          const past = rnd.int(t0 - 10, T);
          const [onChain, pastOnChain, info, indexed, pastIndexed] = await Promise.all([
            registry.isAccredited(c, T) as Promise<boolean>,
            registry.isAccredited(c, past) as Promise<boolean>,
            registry.counselorInfo(c) as Promise<[string, string, bigint, bigint, boolean]>,
            isIndexedAccredited(srv.ctx.db, c, T),
            // The chain's present is T: an earlier time is history, answered exactly (nowSeconds = T + 1).
            isIndexedAccredited(srv.ctx.db, c, past, T + 1),
          ]);
          return { c, past, onChain, pastOnChain, info, indexed, pastIndexed };
        }),
      );
      for (const { c, past, onChain, pastOnChain, info, indexed, pastIndexed } of answers) {
        const where = `seed ${SEED}, step ${step}, counselor ${c.slice(0, 6)}; last steps: ${trail.slice(-8).join(" → ")}`;
        expect(indexed, `at block time ${T} (${where})`).to.equal(onChain);
        expect(pastIndexed, `at past time ${past} (${where})`).to.equal(pastOnChain);
        seen[onChain ? "true" : "false"]++;
        if (info[3] > 0n && Number(info[3]) <= T) seen.expired++;
        suspended.set(c, info[4]);
      }
      if (step % 100 === 0 || step === STEPS) {
        for (const c of counselors) {
          const n = Number(await registry.historyLength(c));
          const chainHistory = [];
          for (let i = 0; i < n; i++) {
            const s = await registry.historyAt(c, i);
            chainHistory.push({ since: Number(s[0]), validFrom: Number(s[1]), validUntil: Number(s[2]), suspended: Boolean(s[3]) });
          }
          expect(snapshotsOf(await accreditationEvents(srv.ctx.db, c)), `history of ${c.slice(0, 6)} at step ${step}`).to.deep.equal(chainHistory);
        }
      }
    };

    for (let step = 1; step <= STEPS; step++) {
      const r = rnd.next();
      if (r < 0.25) {
        const dt = rnd.pick([1, 2, 30, 300, 1000, 3000, 20_000]);
        trail.push(`+${dt}s`);
        await provider.send("evm_increaseTime", [dt]);
        await provider.send("evm_mine", []);
      } else if (r < 0.35) {
        // Two changes in one block: the same `since`, applied in log order.
        const a = change(rnd.pick(counselors));
        const b = change(rnd.pick(counselors));
        trail.push(`[${a.name} + ${b.name}]`);
        seen.burst++;
        await provider.send("evm_setAutomine", [false]);
        try {
          await attempt(a);
          await attempt(b);
          await provider.send("evm_mine", []);
        } finally {
          await provider.send("evm_setAutomine", [true]);
        }
      } else {
        const ch = change(rnd.pick(counselors));
        trail.push(ch.name);
        await attempt(ch);
      }
      await mined();
      await indexer.sync();
      await compare(step);
    }
    // The run covered both answers and the cases the old index got wrong.
    expect(seen.true, JSON.stringify(seen)).to.be.greaterThan(STEPS / 10);
    expect(seen.false, JSON.stringify(seen)).to.be.greaterThan(STEPS / 10);
    expect(seen.reaccreditedSuspended, JSON.stringify(seen)).to.be.greaterThan(STEPS / 50);
    expect(seen.expired, JSON.stringify(seen)).to.be.greaterThan(STEPS / 50);
    expect(seen.reverted, JSON.stringify(seen)).to.be.greaterThan(STEPS / 50);
    console.log(`      ${STEPS} steps, seed ${SEED}: ${JSON.stringify(seen)}`);
  });
});
