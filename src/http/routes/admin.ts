// The authority's (管理方) registry actions: accredit, suspend and reinstate counselors; appoint and dismiss
// auditors; register and deregister matching services. A signed-in admin (AUTHORITY_ROLE on chain) asks; the
// service's operator key sends the transaction — on the embedded dev chain only, where the operator is the dev
// authority. On any other chain these routes refuse (409 operator_not_authority) before touching the chain: the
// authority signs registry transactions with its own key (`anxin admin …`, relayed through POST /v1/chain/transactions).
import { isUsableX25519PublicKey } from "../../crypto/index.js";
import type { Contract } from "ethers";
import { z } from "zod";
import { address, hash32 as bytes32 } from "../schemas.js";
import { route } from "../route.js";
import { HttpError, unprocessable } from "../problem.js";
import type { AppContext } from "../../services/context.js";
import { AUTHORITY_ROLE } from "../../services/roles.js";
import { registryHistory } from "../../services/registry-view.js";
import { revertName } from "../../chain/errors.js";
import { SUSPEND_REASONS, registryCall, type RegistryAction, type RegistryInput } from "../../services/registry-calls.js";
import { PublicProfileSchema, makeMatcherProfile, makePublicProfile, publicProfileHash } from "../../deid/public-profile.js";
import { storePublicProfile } from "../../services/public-profiles.js";

const txResult = z.object({ txHash: z.string(), block: z.number(), profileHash: z.string().optional() }).meta({ id: "RegistryTransaction" });

async function asAuthority(ctx: AppContext, send: (registry: Contract) => Promise<{ wait(): Promise<{ blockNumber: number; hash: string } | null> }>) {
  const registry = ctx.chain.registry;
  if (!ctx.chain.embedded || !(await registry.hasRole(AUTHORITY_ROLE, ctx.chain.operatorAddress))) {
    throw new HttpError(409, "Conflict", "the service's operator key is no authority outside the embedded dev chain: sign registry transactions with the authority's own key (anxin admin …)", undefined, "about:blank", "operator_not_authority");
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

const action = (path: string, summary: string, body: z.ZodObject<any>, fn: RegistryAction) => (ctx: AppContext) =>
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
      const { args } = registryCall(fn, b as unknown as RegistryInput);
      const done = await asAuthority(ctx, (r) => r[fn](...args));
      const fields = (b as { profile?: Parameters<typeof makePublicProfile>[1] }).profile;
      if (fn === "registerMatcher" && fields) {
        // A matching service's registered name: the same profile document with role "matcher" (publishMatcherProfile).
        const profile = makeMatcherProfile(String(b.address), fields);
        const profileHash = publicProfileHash(profile);
        const published = await asAuthority(ctx, (r) => r.publishMatcherProfile(profile.counselor, profileHash));
        await storePublicProfile(ctx, profile);
        return { status: 200, body: { ...published, profileHash } };
      }
      if (fn !== "accredit" || !fields) return { status: 200, body: done };
      // The profile goes with the accreditation: its hash on chain, then the document the chain now vouches for.
      const profile = makePublicProfile(String(b.address), fields);
      const profileHash = publicProfileHash(profile);
      const published = await asAuthority(ctx, (r) => r.publishProfile(profile.counselor, profileHash));
      await storePublicProfile(ctx, profile);
      return { status: 200, body: { ...published, profileHash } };
    },
  });

const counselorBody = z.object({
  address,
  encryptionKey: bytes32.refine((k) => isUsableX25519PublicKey(Buffer.from(k.slice(2), "hex")), "must be a canonical X25519 public key of full order"),
  /** The public profile the authority publishes with the accreditation (its hash on chain, the document stored). */
  profile: PublicProfileSchema.omit({ v: true, counselor: true }).optional(),
  /** SHA-256 or keccak of the license document; a random commitment is made when omitted. */
  licenseHash: bytes32.optional(),
  validDays: z.number().int().min(1).max(3650).default(365),
});

export default (ctx: AppContext) => [
  action("/v1/admin/counselors", "Accredit (or re-accredit) a counselor with their X25519 key", counselorBody, "accredit")(ctx),
  action("/v1/admin/counselors/suspend", "Suspend a counselor (reason is a code)", z.object({ address, reason: z.enum(SUSPEND_REASONS).default("other") }), "suspend")(ctx),
  action("/v1/admin/counselors/reinstate", "Reinstate a suspended counselor", z.object({ address }), "reinstate")(ctx),
  action("/v1/admin/auditors", "Appoint an auditor", z.object({ address }), "appointAuditor")(ctx),
  action("/v1/admin/auditors/dismiss", "Dismiss an auditor", z.object({ address }), "dismissAuditor")(ctx),
  action("/v1/admin/matchers", "Register a matching service (with the public profile naming it, optionally)", z.object({ address, profile: PublicProfileSchema.omit({ v: true, counselor: true, role: true }).optional() }), "registerMatcher")(ctx),
  action("/v1/admin/matchers/deregister", "Deregister a matching service", z.object({ address }), "deregisterMatcher")(ctx),
  route({
    method: "get",
    path: "/v1/admin/registry",
    summary: "Registry events seen on chain (counselors, auditors, matchers), newest first; `account` narrows to one address",
    tags: ["admin"],
    roles: ["admin", "auditor"],
    query: z.strictObject({ account: address.optional(), limit: z.coerce.number().int().min(1).max(500).default(500) }),
    response: z.object({
      events: z.array(z.object({ event: z.string(), account: z.string(), block: z.number(), at: z.number().describe("block time, unix seconds"), txHash: z.string() })),
    }),
    async handler({ query }) {
      const rows = await registryHistory(ctx.db, query.limit, query.account);
      return { body: { events: rows.map((r) => ({ event: r.event, account: r.account, block: r.blockNumber, at: r.blockTime, txHash: r.txHash })) } };
    },
  }),
];
