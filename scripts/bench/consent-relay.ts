// Consent relay throughput on the embedded Anvil: N resident-signed grants queued at once (the relayer batches up to
// 64 per grantBatchBySig transaction) and, for comparison, grants relayed one at a time (one transaction each).
// Measured from "all queued" to "all in the event index" (what access relies on). `node --import tsx
// scripts/bench/consent-relay.ts` prints the figures.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Wallet, type Contract } from "ethers";
import { Purpose, consentDomain, signGrant } from "../../src/consent/index.js";
import { loadConfig } from "../../src/config.js";
import { counselorKeys, x25519PublicKeyToBytes32 } from "../../src/crypto/index.js";
import { createLogger } from "../../src/http/logger.js";
import { startServer } from "../../src/http/server.js";
import { draftGrant } from "../../src/client/index.js";
import { submitGrant } from "../../src/services/consents.js";
import { relayerOf } from "../../src/services/consent-relayer.js";

export async function benchConsentRelay(opts: { batched?: number; single?: number } = {}) {
  const batched = opts.batched ?? 256;
  const single = opts.single ?? 16;
  const dataDir = mkdtempSync(path.join(tmpdir(), "anxin-bench-consent-"));
  const cfg = loadConfig({}, { dataDir, port: 0, anvilPort: 0, logLevel: "silent", chainPollMs: 50 });
  const srv = await startServer(cfg, createLogger("silent"));
  try {
    const ctx = srv.ctx;
    const counselor = Wallet.createRandom();
    const keys = await counselorKeys(counselor.privateKey);
    const head = (await ctx.chain.provider.getBlock("latest"))!.timestamp;
    await (await (ctx.chain.registry as Contract).accredit(counselor.address, "0x" + "11".repeat(32), x25519PublicKeyToBytes32(keys.x25519.publicKey), head - 60, head + 365 * 86400)).wait();
    const domain = consentDomain(ctx.chain.deployment.chainId, ctx.chain.deployment.consentLedger);
    const relayer = relayerOf(ctx)!;

    const queue = async (n: number) => {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const key = Wallet.createRandom(); // one relationship key per resident
        const b = draftGrant({ subject: key.address, grantee: counselor.address, purpose: Purpose.TREATMENT, categories: ["assessment"], days: 30 });
        const signature = await signGrant(key, domain, b.grant);
        ids.push((await submitGrant(ctx, key.address, { grant: b.grant, signature, categories: b.categories, scopeSalt: b.scopeSalt })).grantId);
      }
      return ids;
    };
    const onChainCount = async (ids: string[]) =>
      Number((await ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM consent_grants WHERE grant_id = ANY($1::text[])", [ids]))[0].n);
    const drain = async (ids: string[]) => {
      const t0 = performance.now();
      relayer.resume();
      while ((await onChainCount(ids)) < ids.length) await new Promise((r) => setTimeout(r, 20));
      return (performance.now() - t0) / 1000;
    };

    relayer.pause();
    await relayer.tick();
    const txsBefore = relayer.stats.txs;
    const ids = await queue(batched);
    const batchedSeconds = await drain(ids);
    const batchedTxs = relayer.stats.txs - txsBefore;

    // One at a time: each grant queued only after the previous is on chain (no batching possible).
    const t0 = performance.now();
    for (let i = 0; i < single; i++) await drain(await queue(1));
    const singleSeconds = (performance.now() - t0) / 1000;

    const gasRows = await ctx.chain.provider.send("eth_getBlockByNumber", ["latest", false]);
    return {
      batchedGrants: batched,
      batchedSeconds: Number(batchedSeconds.toFixed(3)),
      batchedGrantsPerSecond: Number((batched / batchedSeconds).toFixed(1)),
      batchedTransactions: batchedTxs,
      singleGrants: single,
      singleGrantsPerSecond: Number((single / singleSeconds).toFixed(1)),
      singleLatencyMs: Math.round((singleSeconds / single) * 1000),
      chain: "embedded anvil (automine)",
      lastBlock: Number(gasRows.number),
    };
  } finally {
    await srv.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await benchConsentRelay(), null, 2));
}
