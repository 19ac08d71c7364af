// A tampering proxy between real clients and the real server (issue 17, hostile case c): forwards every request and
// lets a test rewrite the JSON answers of chosen routes, as a compromised server or a network attacker would.
import http from "node:http";
import type { AddressInfo } from "node:net";

export type Rewrite = (path: string, body: unknown) => unknown | undefined;

export interface TamperingProxy {
  url: string;
  /** The rewrite in force (undefined answers pass the server's answer through). */
  rewrite?: Rewrite;
  close(): Promise<void>;
}

export async function startTamperingProxy(target: string): Promise<TamperingProxy> {
  const proxy: TamperingProxy = { url: "", close: async () => {} };
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && !["host", "content-length", "connection"].includes(k)) headers[k] = v;
    try {
      const upstream = await fetch(new URL(req.url!, target), { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
      let text = await upstream.text();
      const type = upstream.headers.get("content-type") ?? "application/json";
      if (proxy.rewrite && type.includes("json") && text) {
        const changed = proxy.rewrite(new URL(req.url!, target).pathname, JSON.parse(text));
        if (changed !== undefined) text = JSON.stringify(changed);
      }
      res.writeHead(upstream.status, { "content-type": type });
      res.end(text);
    } catch (e) {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(String(e));
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () => new Promise((r) => server.close(() => r()));
  return proxy;
}
