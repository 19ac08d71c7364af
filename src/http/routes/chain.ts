// Chain access for staff whose own key must sign (a counselor opening break-glass access: msg.sender must be the
// accredited counselor), the directory residents need (which matching services exist), and each resident's view of
// who accessed their records.
import { Transaction, isAddress, parseEther } from "ethers";
import { z } from "zod";
import { route } from "../route.js";
import { badRequest, conflict, forbidden, unprocessable } from "../problem.js";
import type { AppContext } from "../../services/context.js";
import { registeredMatchers } from "../../services/registry-view.js";
import { vaultFor } from "../../services/records/vault.js";
import { revertName } from "../../chain/errors.js";

const FUND_BELOW = parseEther("0.01");
const FUND_AMOUNT = parseEther("0.05");

export default (ctx: AppContext) => [
  route({
    method: "get",
    path: "/v1/chain/account",
    summary: "What a browser needs to sign a transaction itself: chain id, contracts, nonce, balance, fees",
    tags: ["chain"],
    roles: ["counselor", "admin"],
    response: z.object({ chainId: z.number(), consentLedger: z.string(), registry: z.string(), address: z.string(), nonce: z.number(), balance: z.string(), maxFeePerGas: z.string(), maxPriorityFeePerGas: z.string() }),
    async handler({ session }) {
      const p = ctx.chain.provider;
      const [nonce, balance, fee] = await Promise.all([p.getTransactionCount(session!.address, "pending"), p.getBalance(session!.address), p.getFeeData()]);
      const d = ctx.chain.deployment;
      return {
        body: {
          chainId: d.chainId,
          consentLedger: d.consentLedger,
          registry: d.registry,
          address: session!.address,
          nonce,
          balance: balance.toString(),
          maxFeePerGas: (fee.maxFeePerGas ?? fee.gasPrice ?? 0n).toString(),
          maxPriorityFeePerGas: (fee.maxPriorityFeePerGas ?? 0n).toString(),
        },
      };
    },
  }),
  route({
    method: "post",
    path: "/v1/chain/fund",
    summary: "Embedded dev chain only: the operator tops up a staff account's gas",
    tags: ["chain"],
    roles: ["counselor", "admin"],
    body: z.strictObject({}),
    successStatus: 200,
    response: z.object({ funded: z.boolean(), balance: z.string() }),
    async handler({ session }) {
      if (!ctx.chain.embedded) throw conflict("gas is funded by the network's own means on a real chain");
      const balance = await ctx.chain.provider.getBalance(session!.address);
      if (balance >= FUND_BELOW) return { body: { funded: false, balance: balance.toString() } };
      await (await ctx.chain.operator.sendTransaction({ to: session!.address, value: FUND_AMOUNT })).wait();
      return { body: { funded: true, balance: (await ctx.chain.provider.getBalance(session!.address)).toString() } };
    },
  }),
  route({
    method: "post",
    path: "/v1/chain/transactions",
    summary: "Broadcast a transaction the signed-in staff member signed for one of our contracts; waits for it and indexes it",
    tags: ["chain"],
    roles: ["counselor", "admin"],
    body: z.strictObject({ rawTransaction: z.string().regex(/^0x[0-9a-fA-F]{2,20000}$/, "must be a signed transaction in hex") }),
    successStatus: 200,
    response: z.object({ txHash: z.string(), block: z.number(), status: z.number() }),
    async handler({ body, session }) {
      let tx: Transaction;
      let from: string | null;
      try {
        tx = Transaction.from(body.rawTransaction);
        // Recovering the signer can throw too (an r that is not on the curve): that is bad input, not a 500.
        from = tx.from;
      } catch {
        throw badRequest("invalid body", [{ path: "body.rawTransaction", message: "not a signed transaction" }]);
      }
      const d = ctx.chain.deployment;
      if (!from || from.toLowerCase() !== session!.address) throw forbidden("the transaction is not signed by the signed-in account");
      if (!tx.to || ![d.consentLedger, d.registry].map((a) => a.toLowerCase()).includes(tx.to.toLowerCase())) throw forbidden("only transactions to Anxin's contracts are relayed");
      if (Number(tx.chainId) !== d.chainId) throw unprocessable("the transaction is for another chain");
      // Simulate first: a transaction that would revert is refused with the contract's reason and not broadcast.
      try {
        await ctx.chain.provider.call({ from, to: tx.to, data: tx.data, value: tx.value });
      } catch (e) {
        const name = revertName(e, [ctx.chain.consentLedger.interface, ctx.chain.registry.interface]);
        if (name) throw unprocessable(`the contract refused: ${name}`);
        throw e;
      }
      const sent = await ctx.chain.provider.broadcastTransaction(body.rawTransaction);
      const receipt = await sent.wait();
      await ctx.indexer.syncTo(receipt!.blockNumber);
      ctx.roles.invalidate();
      return { body: { txHash: receipt!.hash, block: receipt!.blockNumber, status: receipt!.status ?? 0 } };
    },
  }),
  route({
    method: "get",
    path: "/v1/matchers",
    summary: "The matching services registered on chain (a resident grants MATCHING to one of them)",
    tags: ["directory"],
    roles: ["public"],
    response: z.object({ matchers: z.array(z.object({ address: z.string(), since: z.number() })) }),
    async handler() {
      return { body: { matchers: await registeredMatchers(ctx.db) } };
    },
  }),
  route({
    method: "get",
    path: "/v1/log/access",
    summary: "A resident's own access log: who opened or was refused which of their records, and when",
    tags: ["records"],
    roles: ["resident"],
    query: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
    response: z.object({
      items: z.array(z.object({ at: z.string(), requester: z.string(), recordId: z.string(), kind: z.string(), decision: z.string(), basis: z.string().nullable(), reason: z.string().nullable(), leafIndex: z.number() })),
    }),
    async handler({ session, query }) {
      if (!isAddress(session!.address)) throw forbidden();
      return { body: { items: await vaultFor(ctx).accessLog(session!, query.limit) } };
    },
  }),
];
