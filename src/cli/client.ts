// SIWE statements are printable ASCII only (EIP-4361 ABNF), hence no 安心 in them.
// A small HTTP client for the Anxin API: SIWE sign-in with a wallet, JSON calls, problem+json errors.
// Used by the CLI, the demo and the integration tests (it is the real client, not a test double).
import { SiweMessage } from "siwe";
import type { Signer } from "ethers";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: { title?: string; detail?: string; errors?: Array<{ path: string; message: string }> } & Record<string, unknown>,
  ) {
    super(`${status} ${problem.title ?? ""}${problem.detail ? `: ${problem.detail}` : ""}`);
    this.name = "ApiError";
  }
}

export class ApiClient {
  token?: string;
  address?: string;
  roles: string[] = [];

  constructor(readonly baseUrl: string) {}

  /** Signs in with Ethereum: fetch a nonce, sign an EIP-4361 message, exchange it for a session token. */
  async login(signer: Signer, statement = "Sign in to Anxin (an xin)."): Promise<this> {
    const { message, signature } = await this.siwe(signer, statement);
    const r = await this.post<{ token: string; address: string; roles: string[] }>("/v1/auth/login", { message, signature });
    this.token = r.token;
    this.address = r.address;
    this.roles = r.roles;
    return this;
  }

  /** Builds and signs a SIWE message for this server (exposed for tests of forged/replayed messages). */
  async siwe(signer: Signer, statement = "Sign in to Anxin (an xin).") {
    const n = await this.post<{ nonce: string; domains: string[]; chainId: number }>("/v1/auth/nonce", {});
    const url = new URL(this.baseUrl);
    const msg = new SiweMessage({
      domain: url.host,
      address: await signer.getAddress(),
      statement,
      uri: url.origin,
      version: "1",
      chainId: n.chainId,
      nonce: n.nonce,
      issuedAt: new Date().toISOString(),
      expirationTime: new Date(Date.now() + 5 * 60_000).toISOString(),
    });
    const message = msg.prepareMessage();
    return { message, signature: await signer.signMessage(message), nonce: n.nonce };
  }

  as(token: string | undefined): ApiClient {
    const c = new ApiClient(this.baseUrl);
    c.token = token;
    return c;
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
  delete<T = any>(path: string, body?: unknown) {
    return this.request<T>("DELETE", path, body);
  }

  async raw(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(new URL(path, this.baseUrl), {
      method,
      headers: {
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.raw(method, path, body);
    const text = await res.text();
    const parsed = text ? safeJson(text) : undefined;
    if (!res.ok) throw new ApiError(res.status, (parsed as Record<string, unknown>) ?? { title: res.statusText });
    return parsed as T;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
