// A hostile app server: a real HTTP proxy in front of the real server that rewrites the JSON answers of chosen
// routes, as a compromised server (or anyone between the client and it) could. Everything else passes through.
import http from "node:http";
import type { AddressInfo } from "node:net";

/** Rewrites a parsed JSON answer of `GET path` (return it changed, or undefined to leave it). */
export type Tamper = (path: string, body: any) => unknown;

export interface TamperingProxy {
  url: string;
  /** The rewrite in force (none: a faithful proxy). */
  tamper: Tamper | undefined;
  /** Paths whose answers were rewritten, in order. */
  rewritten: string[];
  close(): Promise<void>;
}

export async function startTamperingProxy(upstream: string): Promise<TamperingProxy> {
  const target = new URL(upstream);
  const proxy: TamperingProxy = { url: "", tamper: undefined, rewritten: [], close: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const headers = { ...req.headers }; // Host kept: to the client the proxy is the server
      delete headers["accept-encoding"]; // plain bodies, so answers can be rewritten
      const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (ur) => {
        const body: Buffer[] = [];
        ur.on("data", (c) => body.push(c));
        ur.on("end", () => {
          let out = Buffer.concat(body);
          let changedBody = false;
          const path = (req.url ?? "").split("?")[0];
          const json = /json/.test(String(ur.headers["content-type"] ?? "")) && !ur.headers["content-encoding"];
          if (proxy.tamper && req.method === "GET" && json && (ur.statusCode ?? 500) < 300) {
            const changed = proxy.tamper(req.url ?? path, JSON.parse(out.toString("utf8")));
            if (changed !== undefined) {
              out = Buffer.from(JSON.stringify(changed));
              changedBody = true;
              proxy.rewritten.push(path);
            }
          }
          const h = { ...ur.headers };
          if (changedBody) {
            h["content-length"] = String(out.length);
            delete h["transfer-encoding"];
            delete h["etag"];
          }
          res.writeHead(ur.statusCode ?? 502, h);
          res.end(out);
        });
      });
      up.on("error", () => res.destroy());
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); });
  return proxy;
}
