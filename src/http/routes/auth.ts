// Sign-In with Ethereum (EIP-4361): nonce → signed message → short-lived session token.
import { randomBytes } from "node:crypto";
import { SiweMessage } from "siwe";
import { z } from "zod";
import { issueToken } from "../session-token.js";
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
      await ctx.db.query("DELETE FROM auth_nonces WHERE expires_at < now() - interval '1 hour'");
      await ctx.db.query("INSERT INTO auth_nonces (nonce, expires_at) VALUES ($1, $2)", [nonce, expiresAt]);
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
      const result = await msg
        .verify({ signature: body.signature, nonce: msg.nonce, time: new Date().toISOString() }, { suppressExceptions: true })
        .catch(() => ({ success: false }));
      if (!result.success) throw unauthorized("signature or message validity check failed");
      // Consume the nonce atomically: a replayed message finds it used and is refused.
      const used = await ctx.db.query(
        "UPDATE auth_nonces SET used_at = now() WHERE nonce = $1 AND used_at IS NULL AND expires_at > now() RETURNING nonce",
        [msg.nonce],
      );
      if (used.length !== 1) throw unauthorized("nonce unknown, expired or already used");
      const address = msg.address.toLowerCase();
      ctx.roles.invalidate(address);
      const session = await ctx.roles.sessionFor(address);
      const { token, payload } = issueToken(ctx.sessionKey, address, ctx.cfg.sessionTtlSeconds);
      return { body: { token, address, roles: [...session.roles], expiresAt: new Date(payload.exp * 1000).toISOString() } };
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
