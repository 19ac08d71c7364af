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
const reportSchema = z.object({ format: z.string(), ok: z.boolean(), generatedAt: z.string(), log: z.object({ size: z.number(), root: z.string() }), chain: z.object({}).passthrough(), checks: z.array(check), stats: z.object({}).passthrough() });

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
      async handler() {
        const a = anchorerFor(ctx);
        if (a.halted) throw conflict(`anchoring is halted: ${a.halted}`);
        const r = await a.anchorNow();
        return { body: r ?? { nothingToAnchor: true } };
      },
    }),
  ];
};
