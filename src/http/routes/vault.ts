// /v1/vault: the resident's side of the record vault: publishing the X25519 key counselors seal to, and erasure.
import { z } from "zod";
import { address } from "../schemas.js";
import type { AppContext } from "../../services/context.js";
import { eraseAddress, erasurePlan } from "../../services/erasure.js";
import { revokeWireSchema, signatureSchema } from "../../consent/index.js";
import { recipientDirectory } from "../../services/records/recipients.js";
import { keyRotation } from "../../services/records/rotation.js";
import { route } from "../route.js";
import { isUsableX25519PublicKey } from "../../crypto/index.js";

const x25519 = z
  .string()
  .length(44)
  .regex(/^[A-Za-z0-9+/]{43}=$/, "must be base64 of a 32-byte X25519 public key")
  .refine((k) => isUsableX25519PublicKey(Buffer.from(k, "base64")), "must be a canonical X25519 public key of full order");
const hex = (n: number) => z.string().regex(new RegExp(`^0x[0-9a-f]{${n}}$`));
const publication = z
  .object({
    owner: z.string(),
    x25519PublicKey: hex(64),
    version: z.number().int(),
    issuedAt: z.number().int(),
    signature: hex(130),
    leafIndex: z.number().int(),
    leafInput: z.string().nullable().describe("the publication's log leaf input (canonical JSON of the \"key\" event)"),
  })
  .meta({ id: "KeyPublication" });
const recipientReply = z.object({
  address: z.string(),
  x25519PublicKey: z.string(),
  source: z.enum(["resident", "registry"]),
  publication: publication.nullable().describe("the owner's EIP-712 signed publication and its log leaf (docs/FORMATS.md (Key directory)); null: a counselor's key (read it on chain) or a resident's key published before signatures (legacy: clients refuse to seal to it)"),
});
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
  const rotation = keyRotation(ctx);
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
      summary: "Publish or rotate the signed X25519 public key of the signed-in pseudonymous address (counselors seal the resident's copy of each record to it); logged as a \"key\" leaf",
      tags: ["vault"],
      roles: ["resident"],
      body: z.strictObject({
        x25519PublicKey: x25519,
        version: z.number().int().min(1).max(2 ** 31 - 1).describe("1 for the first publication, previous + 1 for a rotation"),
        issuedAt: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).describe("unix seconds"),
        signature: hex(130).describe("EIP-712 RecipientKey signature by the signed-in address (docs/FORMATS.md (Key directory))"),
      }),
      response: recipientReply,
      successStatus: 201,
      async handler({ body, session }) {
        return { status: 201, body: await recipients.publish(session!, body) };
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
      method: "post",
      path: "/v1/vault/rewrap",
      summary: "Key rotation: replace your own sealed keys with ones re-sealed to your current key (each a key-added leaf naming it)",
      tags: ["vault"],
      roles: ["resident", "counselor"],
      body: z.strictObject({
        keys: z
          .array(z.strictObject({ contentHash: z.string().regex(/^0x[0-9a-f]{64}$/), sealed: z.string().length(108).regex(/^[A-Za-z0-9+/]+={0,2}$/, "must be base64 of an 80-byte sealed box"), pk: x25519 }))
          .min(1)
          .max(64)
          .refine((k) => new Set(k.map((x) => x.contentHash)).size === k.length, "keys[].contentHash must be unique"),
      }),
      response: z.object({ rewrapped: z.number().int() }),
      async handler({ body, session }) {
        return { body: await rotation.rewrap(session!, body.keys) };
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
