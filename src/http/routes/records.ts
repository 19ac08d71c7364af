// /v1/records: encrypted record envelopes (write, amend, list, version chain) and the logged key release.
// The server validates envelopes and consent; it never receives a plaintext or an unsealed key.
import { z } from "zod";
import { address, hash32 as hash, recordId } from "../schemas.js";
import { RECORD_KINDS, recordEnvelopeSchema } from "../../crypto/index.js";
import type { AppContext } from "../../services/context.js";
import { vaultFor } from "../../services/records/vault.js";
import { MAX_BATCH, writeBatch } from "../../services/records/record-batch.js";
import { toHttpError } from "../app.js";
import { problemBody, unauthorized } from "../problem.js";
import { route, type Session } from "../route.js";


const recordMeta = z.object({
  recordId: z.string(),
  version: z.number().int(),
  contentHash: z.string(),
  kind: z.string(),
  schema: z.string(),
  author: z.string(),
  subjectRef: z.string(),
  consentId: z.string().nullable(),
  prev: z.string().nullable(),
  createdAt: z.string(),
  receivedAt: z.string(),
  leafIndex: z.number().int(),
  erased: z.boolean(),
});

export const sealedKeyBody = z.strictObject({
  keys: z
    .array(
      z.strictObject({
        to: address,
        sealed: z.string().length(108).regex(/^[A-Za-z0-9+/]+={0,2}$/, "must be base64 of an 80-byte sealed box"),
        grantId: hash.optional(),
        pk: z.string().length(44).regex(/^[A-Za-z0-9+/]{43}=$/, "must be base64 of a 32-byte X25519 public key").optional().describe("the X25519 key the box is sealed to (committed in the key-added leaf; the audit checks it was published)"),
      }),
    )
    .min(1)
    .max(16)
    .refine((k) => new Set(k.map((x) => x.to)).size === k.length, "keys[].to must be unique"),
});

/** Reads that may end in a logged refusal admit every signed-in address (a suspended counselor holds no role). */
function signedIn(session: Session | undefined): Session {
  if (!session) throw unauthorized();
  return session;
}

export default (ctx: AppContext) => {
  const vault = vaultFor(ctx);
  return [
    route({
      method: "post",
      path: "/v1/records",
      summary: "Store a record version: a signed envelope sealed on the client (counselor under an active TREATMENT grant, or a resident's own entry)",
      tags: ["records"],
      roles: ["counselor", "resident"],
      body: recordEnvelopeSchema,
      response: z.object({ recordId: z.string(), version: z.number().int(), contentHash: z.string(), leafIndex: z.number().int() }),
      successStatus: 201,
      async handler({ body, session }) {
        return { status: 201, body: await vault.write(session!, body) };
      },
    }),
    route({
      method: "post",
      // AIP-136 custom method: the colon is literal (escaped for the router).
      path: "/v1/records\\:batch",
      operationId: "postRecordsBatch",
      summary: `Batch sync: store up to ${MAX_BATCH} record versions, each atomic on its own, one result (or problem) per item; a version already stored is answered as stored`,
      tags: ["records"],
      roles: ["counselor", "resident"],
      body: z.strictObject({ records: z.array(z.unknown()).min(1).max(MAX_BATCH) }),
      response: z.object({
        stored: z.number().int(),
        refused: z.number().int(),
        results: z.array(
          z.object({
            index: z.number().int(),
            status: z.number().int(),
            record: z.object({ recordId: z.string(), version: z.number().int(), contentHash: z.string(), leafIndex: z.number().int(), alreadyStored: z.boolean() }).optional(),
            problem: z.record(z.string(), z.unknown()).optional(),
          }),
        ),
      }),
      async handler({ body, session, requestId }) {
        const items = await writeBatch(ctx, vault, session!, body.records);
        const results = items.map((it) => {
          if (it.ok) return { index: it.index, status: it.record.alreadyStored ? 200 : 201, record: it.record };
          const e = toHttpError(it.error);
          return { index: it.index, status: e.status, problem: problemBody(e, `${requestId}#${it.index}`) };
        });
        const stored = results.filter((r) => r.status < 300).length;
        return { body: { stored, refused: results.length - stored, results } };
      },
    }),
    route({
      method: "get",
      path: "/v1/records",
      summary: "List record metadata you have a basis to see (own, written by you, or of a subject whose consent you hold)",
      tags: ["records"],
      roles: ["counselor", "resident"],
      query: z.strictObject({
        subject: address.optional(),
        author: address.optional(),
        kind: z.enum(RECORD_KINDS).optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(200),
      }),
      response: z.object({ records: z.array(recordMeta) }),
      async handler({ query, session }) {
        return { body: { records: await vault.list(session!, query) } };
      },
    }),
    route({
      method: "get",
      path: "/v1/counselors/me/identities",
      summary: "Counselor: the identity entries residents shared with me under an active TREATMENT grant (ids only; contents are fetched and opened like any record)",
      tags: ["records"],
      roles: ["counselor"],
      response: z.object({ identities: z.array(z.object({ subject: z.string(), grantId: z.string(), recordId: z.string(), version: z.number().int(), contentHash: z.string() })) }),
      async handler({ session }) {
        return { body: { identities: await vault.sharedIdentities(session!) } };
      },
    }),
    route({
      method: "get",
      path: "/v1/records/:recordId",
      summary: "The version chain of a record: envelopes without keys (sign-in required; refusals are access-logged)",
      tags: ["records"],
      roles: ["public"],
      signedIn: true,
      loggedRead: true, // a refusal writes a permanent log leaf: limited per address like key releases
      params: z.strictObject({ recordId }),
      response: z.object({
        recordId: z.string(),
        kind: z.string(),
        subjectRef: z.string(),
        versions: z.array(recordMeta.extend({ envelope: z.record(z.string(), z.unknown()) })),
      }),
      async handler({ params, session }) {
        return { body: await vault.chain(signedIn(session), params.recordId) };
      },
    }),
    route({
      method: "get",
      path: "/v1/records/:recordId/versions/:contentHash/key",
      summary: "Key release: your sealed content key for one version, if consent allows it now (every release and refusal is logged)",
      tags: ["records"],
      roles: ["public"],
      signedIn: true,
      loggedRead: true,
      params: z.strictObject({ recordId, contentHash: hash }),
      response: z.object({
        contentHash: z.string(),
        recipient: z.string(),
        sealed: z.string(),
        basis: z.enum(["author", "subject", "grant", "emergency"]),
        grantId: z.string().nullable(),
        accessId: z.number().int(),
      }),
      async handler({ params, session }) {
        return { body: await vault.releaseKey(signedIn(session), params.recordId, params.contentHash) };
      },
    }),
    route({
      method: "post",
      path: "/v1/records/:contentHash/keys",
      summary: "The subject shares a version's content key, re-sealed to a reader holding their active TREATMENT grant",
      tags: ["records"],
      roles: ["resident"],
      params: z.strictObject({ contentHash: hash }),
      body: sealedKeyBody,
      response: z.object({ contentHash: z.string(), added: z.number().int() }),
      successStatus: 201,
      async handler({ params, body, session }) {
        return { status: 201, body: await vault.addKeys(session!, params.contentHash, body.keys) };
      },
    }),
  ];
};
