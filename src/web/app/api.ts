// Browser client of the Anxin API: Sign-In with Ethereum (EIP-4361) with a key that never leaves the page,
// JSON calls with the session token, problem+json errors. Mirrors src/cli/client.ts without the siwe package.
import { getAddress, type Signer } from "ethers";

export class ApiError extends Error {
  constructor(readonly status: number, readonly problem: { title?: string; detail?: string } & Record<string, unknown>) {
    super(`${status} ${problem.title ?? ""}${problem.detail ? `: ${problem.detail}` : ""}`);
    this.name = "ApiError";
  }
}

/** EIP-4361 statements are printable ASCII only, hence no 安心 here. */
const STATEMENT = "Sign in to Anxin (an xin).";

export function siweMessage(m: { domain: string; address: string; uri: string; chainId: number; nonce: string; issuedAt: Date; expires: Date }): string {
  return [
    `${m.domain} wants you to sign in with your Ethereum account:`,
    getAddress(m.address),
    "",
    STATEMENT,
    "",
    `URI: ${m.uri}`,
    "Version: 1",
    `Chain ID: ${m.chainId}`,
    `Nonce: ${m.nonce}`,
    `Issued At: ${m.issuedAt.toISOString()}`,
    `Expiration Time: ${m.expires.toISOString()}`,
  ].join("\n");
}

export class Api {
  token?: string;
  address?: string;
  roles: string[] = [];
  constructor(readonly base = location.origin) {}

  async login(signer: Signer): Promise<this> {
    const n = await this.post<{ nonce: string; chainId: number }>("/v1/auth/nonce", {});
    const now = new Date();
    const message = siweMessage({
      domain: location.host,
      address: await signer.getAddress(),
      uri: location.origin,
      chainId: n.chainId,
      nonce: n.nonce,
      issuedAt: now,
      expires: new Date(now.getTime() + 5 * 60_000),
    });
    const signature = await signer.signMessage(message);
    const r = await this.post<{ token: string; address: string; roles: string[] }>("/v1/auth/login", { message, signature });
    this.token = r.token;
    this.address = r.address;
    this.roles = r.roles;
    return this;
  }

  get<T = any>(path: string) {
    return this.request<T>("GET", path);
  }
  post<T = any>(path: string, body: unknown) {
    return this.request<T>("POST", path, body);
  }
  put<T = any>(path: string, body: unknown) {
    return this.request<T>("PUT", path, body);
  }
  patch<T = any>(path: string, body: unknown) {
    return this.request<T>("PATCH", path, body);
  }
  delete<T = any>(path: string, body?: unknown) {
    return this.request<T>("DELETE", path, body);
  }

  async raw(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(new URL(path, this.base), {
      method,
      headers: {
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.raw(method, path, body);
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    if (!res.ok) throw new ApiError(res.status, (parsed as ApiError["problem"]) ?? { title: res.statusText });
    return parsed as T;
  }
}

/** The routes this server offers (from /openapi.json), so a page says plainly what is not available yet. */
export class RouteTable {
  private routes = new Set<string>();
  static async load(): Promise<RouteTable> {
    const t = new RouteTable();
    try {
      const doc = await new Api().get<{ paths: Record<string, Record<string, unknown>> }>("/openapi.json");
      for (const [p, ops] of Object.entries(doc.paths ?? {})) for (const m of Object.keys(ops)) t.routes.add(`${m.toUpperCase()} ${p}`);
    } catch {
      /* an empty table: every optional feature says "not available" */
    }
    return t;
  }
  /** `has("POST", "/v1/consents")`; path params in OpenAPI form: /v1/records/{id}. */
  has(method: string, path: string): boolean {
    return this.routes.has(`${method.toUpperCase()} ${path}`);
  }
  list(): string[] {
    return [...this.routes].sort();
  }
}
