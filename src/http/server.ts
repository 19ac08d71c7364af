// Starts the whole service: context (store, chain), background workers, HTTP; and stops it gracefully.
import { refuseErased } from "../services/erasure.js";
import type { Server } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import type { Logger } from "pino";
import type { Config } from "../config.js";
import { closeContext, createContext, type AppContext } from "../services/context.js";
import { startWorkers } from "../services/workers.js";
import { createApp } from "./app.js";
import { allRoutes } from "./routes/index.js";
import { lockDataDir } from "../data-dir-lock.js";
import { metricsFor, metricsToken } from "./metrics.js";
import { ensureWebBundle } from "./web-bundle.js";

export interface RunningServer {
  url: string;
  port: number;
  ctx: AppContext;
  close(): Promise<void>;
}

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../web");

export async function startServer(cfg: Config, log: Logger): Promise<RunningServer> {
  // The embedded store and chain live in the data directory: one server at a time may use them.
  // (A worker of `anxin serve --workers` runs under its primary process, which holds the lock.)
  const unlock = (!cfg.databaseUrl || !cfg.chainRpcUrl) && !cfg.embeddedChainUrl ? lockDataDir(cfg.dataDir) : () => undefined;
  let ctx: Awaited<ReturnType<typeof createContext>>;
  try {
    ctx = await createContext(cfg, log);
  } catch (e) {
    unlock();
    throw e;
  }
  let server: Server | undefined;
  try {
    await startWorkers(ctx);
    if (existsSync(webDir)) await ensureWebBundle(); // browser pages: build src/web/dist when missing or stale
    metricsToken(cfg); // created now, so the operator finds it before the first scrape
    const app = createApp({
      log,
      routes: allRoutes(ctx),
      jsonBodyLimit: cfg.jsonBodyLimit,
      rateLimitPerMinute: cfg.rateLimitPerMinute,
      loggedReadRateLimitPerMinute: cfg.loggedReadRateLimitPerMinute,
      trustProxy: cfg.trustProxy,
      authRateLimitPerMinute: cfg.authRateLimitPerMinute,
      metrics: metricsFor(ctx),
      staticDir: existsSync(webDir) ? webDir : undefined,
      // The staff pages read the chain themselves (web/app/trusted-chain.ts): the endpoint this server advertises.
      connectOrigins: ctx.chain.deployment.rpcUrl ? [new URL(ctx.chain.deployment.rpcUrl).origin] : [],
      tokenSubject: (token) => ctx.sessions.subject(token),
      async authenticate(token) {
        const address = await ctx.sessions.verify(token);
        // A token whose session row went with an erasure: say the address is gone (410), not "sign in again".
        if (!address) await refuseErased(ctx, ctx.sessions.subject(token));
        return address ? ctx.roles.sessionFor(address) : undefined;
      },
    });
    server = await new Promise<Server>((resolve, reject) => {
      // Express 5 hands a listen error to this callback (and server.address() is then null).
      const s = app.listen(cfg.port, cfg.host, (err?: Error) => (err ? reject(listenError(err, cfg.host, cfg.port)) : resolve(s)));
    });
    // Idle keep-alive connections stay open longer than clients keep them (undici: the server's hint less 1 s; proxies
    // commonly 60 s): a server that closes first races a client's next request, which then fails with a reset socket
    // (seen as UND_ERR_SOCKET from the CLI on a busy machine with 5 s). Headers must arrive within a little more.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
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
          unlock();
          log.info("anxin stopped");
        })()),
    };
  } catch (e) {
    server?.close();
    await closeContext(ctx);
    unlock();
    throw e;
  }
}

function listenError(err: Error, host: string, port: number): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "EADDRINUSE") return new Error(`port ${port} on ${host} is already in use (another server?): stop it or set PORT`);
  if (code === "EACCES") return new Error(`no permission to listen on ${host}:${port}: choose a PORT above 1023`);
  if (code === "EADDRNOTAVAIL") return new Error(`${host} is not an address of this machine: check HOST`);
  return err;
}
