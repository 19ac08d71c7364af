// /v1/audit (auditor role) and /v1/log (public): verification report, offline proof bundles, the break-glass review
// list, the local and anchored checkpoint, and inclusion/consistency proofs. Proofs are public: they hold only
// hashes, so a resident can check a receipt without an account; the report and bundles are for auditors.
import { z } from "zod";
import { recordId } from "../schemas.js";
import { toHex } from "../../log/index.js";
import { anchorerFor, chainLatest } from "../../services/anchoring.js";
import { verifyAudit } from "../../services/audit.js";
import { BundleError, buildBundle } from "../../services/bundle.js";
import type { AppContext } from "../../services/context.js";
import { emergencyReview } from "../../services/consents.js";
import { readHead } from "../../services/log-tree.js";
import { badRequest, conflict, notFound } from "../problem.js";
import { route } from "../route.js";

const size = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const check = z.object({
  id: z.string(),
  name: z.string(),
  ok: z.boolean(),
  failures: z.array(z.object({ code: z.string(), detail: z.string() })),
  moreFailures: z.number().int(),
});
const hex64 = z.string().regex(/^[0-9a-f]{64}$/).describe("32-byte hash: 64 lowercase hex digits, no 0x");
const anchoredCheckpoint = z
  .object({ size: z.number().int(), root: hex64, txHash: z.string(), blockNumber: z.number().int(), blockHash: z.string(), blockTime: z.number().int().describe("unix seconds"), logIndex: z.number().int() })
  .meta({ id: "AnchoredCheckpoint" });
const bundleSchema = z
  .object({
    format: z.literal("anxin.audit.bundle.v2"),
    recordId: z.string(),
    createdAt: z.string(),
    chain: z.object({ chainId: z.number().int(), checkpointLog: z.string() }),
    latest: anchoredCheckpoint.nullable().describe("the latest checkpoint on chain when the bundle was made"),
    entries: z.array(
      z.object({
        index: z.number().int(),
        input: z.string().describe("leaf input: canonical JSON text of the log event"),
        leafHash: hex64,
        checkpoint: anchoredCheckpoint.describe("the first anchored checkpoint covering the leaf"),
        proof: z.array(hex64).describe("inclusion proof PATH(index, checkpoint.size), sibling first"),
        consistency: z.array(hex64).describe("consistency proof PROOF(checkpoint.size, latest.size)"),
      }),
    ),
    unanchored: z.array(z.number().int()).describe("leaf indices not yet covered by an anchored checkpoint"),
  })
  .meta({ id: "AuditBundle" });
const treeHead = z.object({ size: z.number().int(), root: hex64 });
const reportSchema = z
  .object({
    format: z.literal("anxin.audit.report.v1"),
    ok: z.boolean(),
    generatedAt: z.string(),
    log: treeHead,
    chain: z.object({ chainId: z.number().int(), checkpointLog: z.string(), latest: treeHead }).passthrough(),
    checks: z.array(check),
    stats: z.object({}).passthrough(),
  })
  .meta({ id: "AuditReport" });

export default (ctx: AppContext) => {
  const deps = () => ({ db: ctx.db, provider: ctx.chain.provider, deployment: ctx.chain.deployment });
  const tree = () => anchorerFor(ctx).tree;
  return [
    route({
      method: "post",
      path: "/v1/audit/verify",
      summary: "Run the full audit (leaves, anchors, timing, access, accreditation, erasure) and return the report",
      tags: ["audit"],
      roles: ["auditor"],
      body: z.strictObject({}),
      response: reportSchema,
      async handler() {
        return { body: await verifyAudit(deps()) };
      },
    }),
    route({
      method: "get",
      path: "/v1/audit/bundle/:recordId",
      summary: "Offline proof bundle of one record: leaf inputs, inclusion proofs, anchoring transactions and blocks",
      tags: ["audit"],
      roles: ["auditor"],
      params: z.strictObject({ recordId }),
      response: bundleSchema,
      async handler({ params }) {
        try {
          return { body: await buildBundle({ ...deps(), tree: tree() }, params.recordId) };
        } catch (e) {
          if (e instanceof BundleError) throw notFound(e.message);
          throw e;
        }
      },
    }),
    route({
      method: "get",
      path: "/v1/audit/emergency",
      summary: "Break-glass review list: every EMERGENCY grant and every key released under one",
      tags: ["audit"],
      roles: ["auditor"],
      response: z.object({
        grants: z.array(z.object({ grantId: z.string(), counselor: z.string(), subject: z.string(), notBefore: z.number(), notAfter: z.number(), revokedAt: z.number().nullable(), block: z.number(), txHash: z.string() }).passthrough()),
        releases: z.array(z.object({ accessId: z.string(), at: z.string(), counselor: z.string(), grantId: z.string().nullable(), contentHash: z.string(), leafIndex: z.number() }).passthrough()),
      }),
      async handler() {
        return { body: await emergencyReview(ctx) };
      },
    }),
    route({
      method: "get",
      path: "/v1/log/checkpoint",
      summary: "The local log's size and root, and the latest checkpoint anchored on chain",
      tags: ["log"],
      roles: ["public"],
      response: z.object({
        local: treeHead.describe("this server's log: size and RFC 6962 root"),
        anchored: treeHead.extend({ chainId: z.number().int(), checkpointLog: z.string() }).describe("CheckpointLog.latest() on chain"),
        anchoringHalted: z.boolean(),
      }),
      async handler() {
        const head = await readHead(ctx.db);
        const anchored = await chainLatest(ctx.chain.checkpointLog);
        const a = anchorerFor(ctx);
        return {
          body: {
            local: { size: head.size, root: toHex(head.root) },
            anchored: { ...anchored, chainId: ctx.chain.deployment.chainId, checkpointLog: ctx.chain.deployment.checkpointLog.toLowerCase() },
            anchoringHalted: a.halted !== undefined,
          },
        };
      },
    }),
    route({
      method: "get",
      path: "/v1/log/proof/inclusion",
      summary: "Inclusion proof of leaf `index` in the tree of `size` leaves (RFC 6962 PATH, sibling first)",
      tags: ["log"],
      roles: ["public"],
      query: z.strictObject({ index: size, size }),
      response: z.object({ index: z.number().int(), size: z.number().int(), leafHash: hex64, root: hex64, proof: z.array(hex64) }),
      async handler({ query }) {
        const head = await readHead(ctx.db);
        if (query.size > head.size || query.index >= query.size) throw badRequest("need index < size <= the log size");
        const t = await tree().upTo(head);
        return { body: { index: query.index, size: query.size, leafHash: toHex(t.leafHash(query.index)), root: toHex(t.rootAt(query.size)), proof: t.inclusionProof(query.index, query.size).map(toHex) } };
      },
    }),
    route({
      method: "get",
      path: "/v1/log/proof/consistency",
      summary: "Consistency proof from the tree of `from` leaves to the tree of `to` leaves (RFC 6962 PROOF)",
      tags: ["log"],
      roles: ["public"],
      query: z.strictObject({ from: size, to: size }),
      response: z.object({ from: z.number().int(), to: z.number().int(), fromRoot: hex64, toRoot: hex64, proof: z.array(hex64) }),
      async handler({ query }) {
        const head = await readHead(ctx.db);
        if (query.to > head.size || query.from > query.to) throw badRequest("need from <= to <= the log size");
        const t = await tree().upTo(head);
        return { body: { from: query.from, to: query.to, fromRoot: toHex(t.rootAt(query.from)), toRoot: toHex(t.rootAt(query.to)), proof: t.consistencyProof(query.from, query.to).map(toHex) } };
      },
    }),
    route({
      method: "post",
      path: "/v1/log/anchor",
      summary: "Anchor the log now (admin): submits a checkpoint of everything not yet anchored",
      tags: ["log"],
      roles: ["admin"],
      body: z.strictObject({}),
      successStatus: 200,
      response: z.union([
        z.object({ size: z.number().int(), root: hex64, prevSize: z.number().int(), txHash: z.string(), blockNumber: z.number().int(), blockTime: z.number().int(), gasUsed: z.number().int() }),
        z.object({ nothingToAnchor: z.literal(true) }),
      ]),
      async handler() {
        const a = anchorerFor(ctx);
        if (a.halted) throw conflict(`anchoring is halted: ${a.halted}`);
        const r = await a.anchorNow();
        return { body: r ?? { nothingToAnchor: true } };
      },
    }),
  ];
};
