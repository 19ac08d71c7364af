// Sign-In with Ethereum (EIP-4361): nonce → signed message → short-lived server-side session; sign-out.
import { refuseErased } from "../../services/erasure.js";
import { randomBytes } from "node:crypto";
import { SiweMessage } from "siwe";
import { Signature } from "ethers";
import { z } from "zod";
import { issueNonce, takeNonce } from "../../services/sessions.js";
import { route } from "../route.js";
import { unauthorized } from "../problem.js";
import type { AppContext } from "../../services/context.js";

const NONCE_TTL_SECONDS = 300;

export const loginBody = z
  .object({
    message: z.string().min(50).max(4000),
    signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, "must be a 65-byte hex signature"),
  })
  .strict();

export default (ctx: AppContext) => [
  route({
    method: "post",
    path: "/v1/auth/nonce",
    summary: "Get a single-use SIWE nonce (valid 5 minutes)",
    tags: ["auth"],
    roles: ["public"],
    successStatus: 201,
    response: z.object({ nonce: z.string(), expiresAt: z.string(), domains: z.array(z.string()), chainId: z.number() }),
    async handler() {
      const nonce = randomBytes(16).toString("hex");
      const expiresAt = new Date(Date.now() + NONCE_TTL_SECONDS * 1000);
      await issueNonce(ctx.db, nonce, expiresAt);
      return { status: 201, body: { nonce, expiresAt: expiresAt.toISOString(), domains: [...ctx.siweDomains], chainId: ctx.chain.deployment.chainId } };
    },
  }),
  route({
    method: "post",
    path: "/v1/auth/login",
    summary: "Exchange a signed SIWE message for a session token",
    tags: ["auth"],
    roles: ["public"],
    body: loginBody,
    response: z.object({ token: z.string(), address: z.string(), roles: z.array(z.string()), expiresAt: z.string() }),
    async handler({ body }) {
      let msg: SiweMessage;
      try {
        msg = new SiweMessage(body.message);
      } catch {
        throw unauthorized("not a valid Sign-In with Ethereum message");
      }
      if (!ctx.siweDomains.has(msg.domain)) throw unauthorized("the message names another domain");
      if (Number(msg.chainId) !== ctx.chain.deployment.chainId) throw unauthorized("the message names another chain");
      // A malformed or non-canonical signature is refused here: the SIWE library would print its stack to stderr.
      if (!isCanonicalSignature(body.signature)) throw unauthorized("signature or message validity check failed");
      const result = await msg
        .verify({ signature: body.signature, nonce: msg.nonce, time: new Date().toISOString() }, { suppressExceptions: true })
        .catch(() => ({ success: false }));
      if (!result.success) throw unauthorized("signature or message validity check failed");
      // Consume the nonce atomically: a replayed message finds it used and is refused.
      if (!(await takeNonce(ctx.db, msg.nonce))) throw unauthorized("nonce unknown, expired or already used");
      const address = msg.address.toLowerCase();
      await refuseErased(ctx, address); // an erased address never signs in again (410)
      ctx.roles.invalidate(address);
      const session = await ctx.roles.sessionFor(address);
      const { token, expiresAt } = await ctx.sessions.issue(address);
      return { body: { token, address, roles: [...session.roles], expiresAt: expiresAt.toISOString() } };
    },
  }),
  route({
    method: "post",
    path: "/v1/auth/logout",
    summary: "Sign out: end this session, or with everywhere every session of this address",
    tags: ["auth"],
    // Any valid session, even one that holds no role any more (a suspended counselor still signs out).
    roles: ["public"],
    signedIn: true,
    body: z.strictObject({ everywhere: z.boolean().default(false) }),
    successStatus: 200,
    response: z.object({ revoked: z.number() }),
    async handler({ req, body, session }) {
      if (!session) throw unauthorized();
      const token = /^Bearer (\S+)$/.exec(req.get("authorization") ?? "")![1];
      const revoked = body.everywhere ? await ctx.sessions.revokeAll(session.address) : Number(await ctx.sessions.revoke(token));
      return { body: { revoked } };
    },
  }),
  route({
    method: "get",
    path: "/v1/auth/session",
    summary: "Who am I: the session's address and roles",
    tags: ["auth"],
    roles: ["resident", "counselor", "auditor", "matcher", "admin"],
    response: z.object({ address: z.string(), roles: z.array(z.string()) }),
    async handler({ session }) {
      return { body: { address: session!.address, roles: [...session!.roles] } };
    },
  }),
];

function isCanonicalSignature(signature: string): boolean {
  try {
    const sig = Signature.from(signature);
    return Boolean(sig.r && sig.s); // the getters throw on a non-canonical (high) s
  } catch {
    return false;
  }
}
