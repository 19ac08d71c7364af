import { z } from "zod";
import { route } from "../route.js";
import { metricsAuthorized, metricsFor, metricsToken } from "../metrics.js";
import { unauthorized } from "../problem.js";
import type { AppContext } from "../../services/context.js";
import { storeReachable } from "../../services/health.js";

const healthSchema = z.object({
  status: z.enum(["ok", "degraded"]),
  db: z.object({ ok: z.boolean(), kind: z.string() }),
  chain: z.object({
    ok: z.boolean(),
    chainId: z.number().optional(),
    block: z.number().optional(),
    embedded: z.boolean(),
    rpcUrl: z.string().optional().describe("the chain endpoint this server uses, without credentials or query"),
    registry: z.string(),
    consentLedger: z.string(),
    checkpointLog: z.string(),
  }),
  version: z.string(),
});

export default (ctx: AppContext) => {
  let token: string | undefined;
  return [
  route({
    method: "get",
    path: "/healthz",
    summary: "Liveness and dependencies: database and chain",
    tags: ["ops"],
    roles: ["public"],
    response: healthSchema,
    async handler({ res }) {
      const db = await storeReachable(ctx);
      const chain = await Promise.race([
        ctx.chain.provider.getBlockNumber().then((block) => ({ ok: true, block }), () => ({ ok: false, block: undefined })),
        new Promise<{ ok: false; block: undefined }>((r) => setTimeout(() => r({ ok: false, block: undefined }), 2000)),
      ]);
      const ok = db && chain.ok;
      const d = ctx.chain.deployment;
      res.setHeader("cache-control", "no-store");
      return {
        status: ok ? 200 : 503,
        body: {
          status: ok ? "ok" : "degraded",
          db: { ok: db, kind: ctx.db.kind },
          chain: {
            ok: chain.ok,
            chainId: d.chainId,
            block: chain.block,
            embedded: ctx.chain.embedded,
            ...(d.rpcUrl ? { rpcUrl: d.rpcUrl } : {}),
            registry: d.registry,
            consentLedger: d.consentLedger,
            checkpointLog: d.checkpointLog,
          },
          version: "0.1.0",
        },
      };
    },
  }),
  route({
    method: "get",
    path: "/metrics",
    summary: "Prometheus metrics for the operator (bearer: the metrics token); route patterns and counts only",
    tags: ["ops"],
    roles: ["public"],
    sessionless: true,
    response: z.string().describe("Prometheus text exposition format"),
    responseType: "text/plain",
    async handler({ req }) {
      token ??= metricsToken(ctx.cfg);
      if (!metricsAuthorized(req.get("authorization"), token)) throw unauthorized("metrics need the operator's metrics token (ANXIN_METRICS_TOKEN_FILE, or metrics.token in the data directory)");
      return { body: await metricsFor(ctx).registry.metrics(), type: metricsFor(ctx).registry.contentType };
    },
  }),
];
};
