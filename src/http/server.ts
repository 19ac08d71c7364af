// Starts the whole service: context (store, chain), background workers, HTTP; and stops it gracefully.
import type { Server } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import type { Logger } from "pino";
import type { Config } from "../config.js";
import { closeContext, createContext, type AppContext } from "../services/context.js";
import { startWorkers } from "../services/workers.js";
import { createApp } from "./app.js";
import { verifyToken } from "./session-token.js";
import { allRoutes } from "./routes/index.js";
import { metricsFor } from "./metrics.js";
import { ensureWebBundle } from "./web-bundle.js";

export interface RunningServer {
  url: string;
  port: number;
  ctx: AppContext;
  close(): Promise<void>;
}

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../web");

export async function startServer(cfg: Config, log: Logger): Promise<RunningServer> {
  const ctx = await createContext(cfg, log);
  let server: Server | undefined;
  try {
    await startWorkers(ctx);
    if (existsSync(webDir)) await ensureWebBundle(); // browser pages: build src/web/dist when missing or stale
    const app = createApp({
      log,
      routes: allRoutes(ctx),
      jsonBodyLimit: cfg.jsonBodyLimit,
      rateLimitPerMinute: cfg.rateLimitPerMinute,
      authRateLimitPerMinute: cfg.authRateLimitPerMinute,
      metrics: metricsFor(ctx),
      staticDir: existsSync(webDir) ? webDir : undefined,
      tokenSubject: (token) => verifyToken(ctx.sessionKey, token)?.sub,
      async authenticate(token) {
        const p = verifyToken(ctx.sessionKey, token);
        return p ? ctx.roles.sessionFor(p.sub) : undefined;
      },
    });
    server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(cfg.port, cfg.host, () => resolve(s));
      s.once("error", reject);
    });
    server.keepAliveTimeout = 5000;
    const port = (server.address() as { port: number }).port;
    for (const h of ["localhost", "127.0.0.1", cfg.host]) ctx.siweDomains.add(`${h}:${port}`);
    const url = `http://${cfg.host === "0.0.0.0" ? "127.0.0.1" : cfg.host}:${port}`;
    log.info({ url, store: ctx.db.kind, chain: ctx.chain.embedded ? "embedded anvil" : "external rpc" }, "anxin listening");
    const srv = server;
    let closing: Promise<void> | undefined;
    return {
      url,
      port,
      ctx,
      close: () =>
        (closing ??= (async () => {
          // Stop taking requests, let in-flight ones finish, then workers, chain (SIGTERM to anvil) and store.
          await new Promise<void>((r) => {
            srv.close(() => r());
            srv.closeIdleConnections();
            setTimeout(() => srv.closeAllConnections(), 5000).unref();
          });
          await closeContext(ctx);
          log.info("anxin stopped");
        })()),
    };
  } catch (e) {
    server?.close();
    await closeContext(ctx);
    throw e;
  }
}
