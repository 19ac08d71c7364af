// /v1/consents: residents submit signed grants and revokes (relayed on chain by the service); every party reads
// the state it is entitled to; receipts (Kantara) and FHIR R4 exports; the plain-language screen for a draft.
import { z } from "zod";
import { address } from "../schemas.js";
import {
  DATA_CATEGORIES,
  Purpose,
  bytes32Schema,
  explainGrant,
  grantWireSchema,
  receiptText,
  revokeWireSchema,
  signatureSchema,
  type GranteeRole,
  type Lang,
} from "../../consent/index.js";
import { route, type RouteDef, type Session } from "../route.js";
import { badRequest, conflict, forbidden, notFound } from "../problem.js";
import type { AppContext } from "../../services/context.js";
import {
  consentView,
  fhirFor,
  grantRecord,
  indexedGrant,
  listConsents,
  notificationsOf,
  receiptFor,
  registerEmergency,
  relayHistoryOf,
  researchGrantee,
  submitGrant,
  submitRevoke,
  type ConsentView,
} from "../../services/consents.js";

const langSchema = z.enum(["zh", "zh-CN", "en"]).optional().transform((l): Lang => (l === "en" ? "en" : "zh-CN"));
const grantIdParams = z.strictObject({ grantId: bytes32Schema });
const categoriesSchema = z.array(z.enum(DATA_CATEGORIES)).min(1).max(DATA_CATEGORIES.length);

const consentViewSchema = z.object({
  grantId: z.string(),
  subject: z.string(),
  grantee: z.string(),
  purpose: z.number(),
  purposeName: z.string(),
  categories: z.array(z.string()).nullable(),
  emergency: z.boolean(),
  status: z.enum(["queued", "submitted", "on_chain", "failed"]),
  onChain: z.boolean(),
  state: z.enum(["pending", "not_yet_valid", "active", "expired", "revoked", "failed"]),
  active: z.boolean(),
  notBefore: z.number().nullable(),
  notAfter: z.number().nullable(),
  revokedAt: z.number().nullable(),
  blockNumber: z.number().nullable(),
  blockTime: z.number().nullable(),
  txHash: z.string().nullable(),
  error: z.string().nullable(),
  attempts: z.number(),
  revoke: z.object({ status: z.string(), txHash: z.string().nullable(), blockNumber: z.number().nullable(), error: z.string().nullable() }).nullable(),
});

/** Subject, grantee and auditors may see a grant; to anyone else it does not exist. */
function canSee(s: Session, v: Pick<ConsentView, "subject" | "grantee">): boolean {
  return s.roles.has("auditor") || s.address === v.subject || s.address === v.grantee;
}

async function visible(ctx: AppContext, session: Session, grantId: string): Promise<ConsentView> {
  const v = await consentView(ctx, grantId);
  if (!v || !canSee(session, v)) throw notFound("no such consent");
  return v;
}

const signedIn = ["resident", "counselor", "auditor", "matcher", "admin"] as const;

export default (ctx: AppContext): RouteDef[] => [...drafting(ctx), ...grants(ctx), ...documents(ctx)];

/** What a resident needs before signing: the EIP-712 domain and the plain-language screen. */
const drafting = (ctx: AppContext): RouteDef[] => [
  route({
    method: "get",
    path: "/v1/consents/domain",
    summary: "The EIP-712 domain residents sign under, and the research grantee",
    tags: ["consents"],
    roles: ["public"],
    response: z.object({ name: z.string(), version: z.string(), chainId: z.number(), verifyingContract: z.string(), researchGrantee: z.string() }),
    async handler() {
      const d = ctx.chain.deployment;
      return { body: { name: "Anxin Consent", version: "1", chainId: d.chainId, verifyingContract: d.consentLedger, researchGrantee: researchGrantee(ctx) } };
    },
  }),
  route({
    method: "post",
    path: "/v1/consents/preview",
    summary: "The plain-language consent screen for a draft grant (zh-CN or en)",
    tags: ["consents"],
    roles: ["public"],
    write: false,
    body: z.strictObject({
      purpose: z.number().int().min(0).max(4),
      categories: categoriesSchema,
      notBefore: z.number().int().nonnegative(),
      notAfter: z.number().int().positive(),
      granteeRole: z.enum(["counselor", "matching_service", "research_team", "care_team"]).optional(),
      lang: langSchema,
    }),
    response: z.object({ title: z.string(), who: z.string(), what: z.string(), why: z.string(), until: z.string(), howToWithdraw: z.string(), sensitiveNotice: z.string() }),
    async handler({ body }) {
      if (body.notAfter <= body.notBefore) throw badRequest("invalid body", [{ path: "body.notAfter", message: "must be after notBefore" }]);
      const role: GranteeRole = body.granteeRole ?? (["counselor", "matching_service", "research_team", "counselor", "counselor"] as const)[body.purpose];
      return { body: explainGrant({ purpose: body.purpose as Purpose, granteeRole: role, categories: body.categories, notBefore: body.notBefore, notAfter: body.notAfter }, body.lang) };
    },
  }),
];

/** Grants and revokes: submit, list, one grant's status; break-glass openings. */
const grants = (ctx: AppContext): RouteDef[] => [
  route({
    method: "post",
    path: "/v1/consents",
    summary: "Submit a grant signed by the resident's per-relationship key; the service relays it on chain",
    tags: ["consents"],
    roles: ["resident"],
    body: z.strictObject({
      grant: grantWireSchema,
      signature: signatureSchema,
      categories: categoriesSchema,
      scopeSalt: bytes32Schema,
      lang: langSchema,
    }),
    successStatus: 202,
    response: z.object({ grantId: z.string(), status: z.string(), created: z.boolean() }),
    async handler({ body, session }) {
      const r = await submitGrant(ctx, session!.address, { grant: body.grant, signature: body.signature, categories: body.categories, scopeSalt: body.scopeSalt, lang: body.lang });
      const indexed = await indexedGrant(ctx, r.grantId);
      return { status: r.created ? 202 : 200, body: { grantId: r.grantId, status: indexed ? "on_chain" : r.request.status === "on_chain" ? "submitted" : r.request.status, created: r.created } };
    },
  }),
  route({
    method: "get",
    path: "/v1/consents",
    summary: "List consents: residents their own, counselors and matchers those given to them, auditors all metadata",
    tags: ["consents"],
    roles: [...signedIn],
    query: z.strictObject({
      subject: address.optional(),
      grantee: address.optional(),
      emergency: z.enum(["true", "false"]).optional(),
    }),
    response: z.object({ items: z.array(consentViewSchema) }),
    async handler({ query, session }) {
      const s = session!;
      const me = s.address;
      const subject = query.subject?.toLowerCase();
      const grantee = query.grantee?.toLowerCase();
      if (!s.roles.has("auditor")) {
        // Own only: as subject, or as grantee. Anything else is refused rather than silently emptied.
        if (subject && subject !== me) throw forbidden("you may list only your own consents");
        if (grantee && grantee !== me) throw forbidden("you may list only consents given to you");
        if (!subject && !grantee) {
          const items = [...(await listConsents(ctx, { subject: me })), ...(await listConsents(ctx, { grantee: me }))];
          return { body: { items: items.filter((v) => query.emergency !== "true" || v.emergency) } };
        }
      }
      const items = await listConsents(ctx, { subject, grantee, emergency: query.emergency === "true" });
      return { body: { items } };
    },
  }),
  route({
    method: "post",
    path: "/v1/consents/emergency",
    sensitive: true,
    summary: "A counselor registers the scope opening of a break-glass access it opened on chain (openEmergency)",
    tags: ["consents"],
    roles: ["counselor"],
    body: z.strictObject({ grantId: bytes32Schema, categories: categoriesSchema, scopeSalt: bytes32Schema, salt: bytes32Schema }),
    response: consentViewSchema,
    async handler({ body, session }) {
      return { body: await registerEmergency(ctx, session!.address, body) };
    },
  }),
  route({
    method: "get",
    path: "/v1/consents/:grantId",
    summary: "Status of one consent: queued, on chain at block N, failed with reason; and whether it is active now",
    tags: ["consents"],
    roles: [...signedIn],
    params: grantIdParams,
    response: consentViewSchema.extend({ history: z.array(z.object({ kind: z.string(), event: z.string(), detail: z.string().nullable(), at: z.string() })) }),
    async handler({ params, session }) {
      const v = await visible(ctx, session!, params.grantId);
      return { body: { ...v, history: await relayHistoryOf(ctx, v.grantId) } };
    },
  }),
  route({
    method: "post",
    path: "/v1/consents/:grantId/revoke",
    summary: "Withdraw a consent: a Revoke signed by the grant's subject, relayed on chain",
    tags: ["consents"],
    roles: ["resident"],
    params: grantIdParams,
    body: z.strictObject({ revoke: revokeWireSchema, signature: signatureSchema }),
    successStatus: 202,
    response: z.object({ grantId: z.string(), status: z.string(), created: z.boolean() }),
    async handler({ params, body, session }) {
      const r = await submitRevoke(ctx, session!.address, params.grantId, body);
      return { status: r.created ? 202 : 200, body: { grantId: r.grantId, status: r.request.status, created: r.created } };
    },
  }),
];

/** Receipts, FHIR exports and the resident's notices. */
const documents = (ctx: AppContext): RouteDef[] => [
  route({
    method: "get",
    path: "/v1/consents/:grantId/receipt",
    summary: "Consent receipt (Kantara CR v1.1) as JSON, or ?format=text for the readable one",
    tags: ["consents"],
    roles: [...signedIn],
    params: grantIdParams,
    query: z.strictObject({ lang: langSchema, format: z.enum(["json", "text"]).optional() }),
    response: z
      .object({ version: z.literal("KI-CR-v1.1.0"), consentReceiptID: z.string(), piiPrincipalId: z.string(), anxin: z.object({ grantId: z.string(), chainId: z.string(), ledger: z.string() }).passthrough() })
      .passthrough()
      .describe("Kantara Consent Receipt v1.1 with the anxin extension (docs/FORMATS.md); text/plain with format=text"),
    async handler({ params, query, session }) {
      const v = await visible(ctx, session!, params.grantId);
      if (v.emergency) throw conflict("break-glass access is not consent: there is no receipt (see the notification)");
      const rec = await grantRecord(ctx, v.grantId);
      if (!rec) throw conflict("the consent is not on chain yet: a receipt is issued once it is");
      const receipt = receiptFor(ctx, rec.record, query.lang);
      if (query.format === "text") return { body: receiptText(receipt, query.lang), type: "text/plain; charset=utf-8" };
      return { body: receipt };
    },
  }),
  route({
    method: "get",
    path: "/v1/consents/:grantId/fhir",
    summary: "The consent as a FHIR R4 Consent resource",
    tags: ["consents"],
    roles: [...signedIn],
    params: grantIdParams,
    query: z.strictObject({ lang: langSchema }),
    response: z.object({ resourceType: z.literal("Consent"), id: z.string(), status: z.string() }).passthrough().describe("FHIR R4 Consent"),
    responseType: "application/fhir+json",
    async handler({ params, query, session }) {
      const v = await visible(ctx, session!, params.grantId);
      const rec = await grantRecord(ctx, v.grantId);
      if (!rec) throw conflict("the consent is not on chain yet (or its scope opening is unknown)");
      return { body: fhirFor(ctx, rec.record, query.lang), type: "application/fhir+json" };
    },
  }),
  route({
    method: "get",
    path: "/v1/notifications",
    summary: "Notices for the signed-in resident address (break-glass access opened on them)",
    tags: ["consents"],
    roles: ["resident"],
    response: z.object({ items: z.array(z.object({ grantId: z.string(), kind: z.string(), at: z.string(), counselor: z.string(), notBefore: z.number(), notAfter: z.number() })) }),
    async handler({ session }) {
      return { body: { items: await notificationsOf(ctx, session!.address) } };
    },
  }),
];
