// The authority's (管理方) registry actions: accredit, suspend and reinstate counselors; appoint and dismiss
// auditors; register and deregister matching services. A signed-in admin (AUTHORITY_ROLE on chain) asks; the
// service's operator key sends the transaction, which it can only do when it holds AUTHORITY_ROLE itself (the
// embedded default). Otherwise the authority signs registry transactions with its own wallet.
import { keccak256, randomBytes, toUtf8Bytes, hexlify, type Contract } from "ethers";
import { z } from "zod";
import { address, hash32 as bytes32 } from "../schemas.js";
import { route } from "../route.js";
import { conflict, unprocessable } from "../problem.js";
import type { AppContext } from "../../services/context.js";
import { AUTHORITY_ROLE } from "../../services/roles.js";
import { registryHistory } from "../../services/directory.js";
import { revertName } from "../../chain/errors.js";

const txResult = z.object({ txHash: z.string(), block: z.number() });
/** Reasons are codes, never free text: they end up hashed on chain and in the log. */
const SUSPEND_REASONS = ["complaint_review", "license_lapsed", "misconduct", "requested", "other"] as const;

async function asAuthority(ctx: AppContext, send: (registry: Contract) => Promise<{ wait(): Promise<{ blockNumber: number; hash: string } | null> }>) {
  const registry = ctx.chain.registry;
  if (!(await registry.hasRole(AUTHORITY_ROLE, ctx.chain.operatorAddress))) {
    throw conflict("the service's operator key is not an authority on this chain: sign registry transactions with the authority's own wallet");
  }
  let tx;
  try {
    tx = await send(registry);
  } catch (e) {
    const name = revertName(e, [registry.interface]);
    if (name) throw unprocessable(`the registry refused: ${name}`);
    throw e;
  }
  const receipt = await tx.wait();
  await ctx.indexer.syncTo(receipt!.blockNumber);
  ctx.roles.invalidate();
  return { txHash: receipt!.hash, block: receipt!.blockNumber };
}

const action = (path: string, summary: string, body: z.ZodObject<any>, run: (r: Contract, b: any) => Promise<any>) => (ctx: AppContext) =>
  route({
    method: "post",
    path,
    summary,
    tags: ["admin"],
    roles: ["admin"],
    body: body.strict(),
    response: txResult,
    successStatus: 200,
    async handler({ body: b }) {
      return { status: 200, body: await asAuthority(ctx, (r) => run(r, b)) };
    },
  });

const counselorBody = z.object({
  address,
  encryptionKey: bytes32,
  /** SHA-256 or keccak of the license document; a random commitment is made when omitted. */
  licenseHash: bytes32.optional(),
  validDays: z.number().int().min(1).max(3650).default(365),
});

export default (ctx: AppContext) => [
  action("/v1/admin/counselors", "Accredit (or re-accredit) a counselor with their X25519 key", counselorBody, (r, b) => {
    const now = Math.floor(Date.now() / 1000);
    const licenseHash = b.licenseHash ?? keccak256(toUtf8Bytes(`anxin.license:${b.address}:${hexlify(randomBytes(16))}`));
    return r.accredit(b.address, licenseHash, b.encryptionKey, now - 60, now + b.validDays * 86_400);
  })(ctx),
  action("/v1/admin/counselors/suspend", "Suspend a counselor (reason is a code)", z.object({ address, reason: z.enum(SUSPEND_REASONS).default("other") }), (r, b) =>
    r.suspend(b.address, keccak256(toUtf8Bytes(`anxin.suspend:${b.reason}`))),
  )(ctx),
  action("/v1/admin/counselors/reinstate", "Reinstate a suspended counselor", z.object({ address }), (r, b) => r.reinstate(b.address))(ctx),
  action("/v1/admin/auditors", "Appoint an auditor", z.object({ address }), (r, b) => r.appointAuditor(b.address))(ctx),
  action("/v1/admin/auditors/dismiss", "Dismiss an auditor", z.object({ address }), (r, b) => r.dismissAuditor(b.address))(ctx),
  action("/v1/admin/matchers", "Register a matching service", z.object({ address }), (r, b) => r.registerMatcher(b.address))(ctx),
  action("/v1/admin/matchers/deregister", "Deregister a matching service", z.object({ address }), (r, b) => r.deregisterMatcher(b.address))(ctx),
  route({
    method: "get",
    path: "/v1/admin/registry",
    summary: "Registry events seen on chain (counselors, auditors, matchers), newest first",
    tags: ["admin"],
    roles: ["admin", "auditor"],
    response: z.object({ events: z.array(z.object({ event: z.string(), account: z.string(), block: z.number(), at: z.number() })) }),
    async handler() {
      return { body: { events: await registryHistory(ctx) } };
    },
  }),
];
