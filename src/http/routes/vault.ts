// /v1/vault: the resident's side of the record vault: publishing the X25519 key counselors seal to, and erasure.
import { z } from "zod";
import { address } from "../schemas.js";
import type { AppContext } from "../../services/context.js";
import { eraseAddress, erasurePlan } from "../../services/erasure.js";
import { revokeWireSchema, signatureSchema } from "../../consent/index.js";
import { recipientDirectory } from "../../services/records/recipients.js";
import { route } from "../route.js";
import { isUsableX25519PublicKey } from "../../crypto/index.js";

const x25519 = z
  .string()
  .length(44)
  .regex(/^[A-Za-z0-9+/]{43}=$/, "must be base64 of a 32-byte X25519 public key")
  .refine((k) => isUsableX25519PublicKey(Buffer.from(k, "base64")), "must be a canonical X25519 public key of full order");
const recipientReply = z.object({ address: z.string(), x25519PublicKey: z.string(), source: z.enum(["resident", "registry"]) });
const eraseReply = z.object({
  subjectRef: z.string(),
  erased: z.number().int(),
  erasedAt: z.string(),
  tombstones: z.array(z.object({ contentHash: z.string(), leafIndex: z.number().int() })),
  removed: z.record(z.string(), z.number().int()),
  revocationsQueued: z.number().int(),
});
/** The revocations the resident's app signed for this erasure (GET /v1/vault/erasure-plan lists what they must cover). */
const eraseBody = z.strictObject({ revocations: z.array(z.strictObject({ revoke: revokeWireSchema, signature: signatureSchema })).max(256).default([]) });

export default (ctx: AppContext) => {
  const recipients = recipientDirectory(ctx);
  const erase = {
    summary: "Erase (PIPL Art. 47) everything of the signed-in address: vault shredded (tombstones logged), every other table's rows deleted, the signed revocations of its grants queued ahead of any grant; the address answers 410 afterwards",
    tags: ["vault"],
    roles: ["resident"] as ["resident"],
    body: eraseBody,
    response: eraseReply,
    async handler({ session, body }: { session?: import("../route.js").Session; body: z.infer<typeof eraseBody> }) {
      return { body: await eraseAddress(ctx, session!, body.revocations) };
    },
  };
  return [
    route({
      method: "post",
      path: "/v1/vault/recipients",
      summary: "Publish the X25519 public key of the signed-in pseudonymous address (counselors seal the resident's copy of each record to it)",
      tags: ["vault"],
      roles: ["resident"],
      body: z.strictObject({ x25519PublicKey: x25519 }),
      response: recipientReply,
      successStatus: 201,
      async handler({ body, session }) {
        return { status: 201, body: await recipients.publish(session!, body.x25519PublicKey) };
      },
    }),
    route({
      method: "get",
      path: "/v1/vault/recipients/:address",
      summary: "A reader's X25519 public key: a counselor's from the registry, a resident's to themself or a counselor they consented to",
      tags: ["vault"],
      roles: ["resident", "counselor"],
      params: z.strictObject({ address }),
      response: recipientReply,
      async handler({ params, session }) {
        return { body: await recipients.keyOf(session!, params.address) };
      },
    }),
    route({
      method: "get",
      path: "/v1/vault/erasure-plan",
      summary: "The grants of the signed-in address that need a revocation signed by it before it can be erased",
      tags: ["vault"],
      roles: ["resident"],
      response: z.object({ subjectRef: z.string(), revoke: z.array(z.string()) }),
      async handler({ session }) {
        return { body: await erasurePlan(ctx, session!) };
      },
    }),
    route({ method: "delete", path: "/v1/vault", sensitive: true, ...erase }),
    route({ method: "post", path: "/v1/vault/erase", sensitive: true, ...erase }),
  ];
};
