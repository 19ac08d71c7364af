// The HTTP client of the Anxin API, one for every party: the CLI, the web pages, the demo and the integration
// tests. SIWE sign-in with the caller's key, JSON calls with the session token, problem+json errors.
// Runs in Node and in the browser (fetch and Web Crypto only; no node: imports).
import type { Signer } from "ethers";
import { SIWE_STATEMENT, siweMessage } from "./siwe.js";

export interface Problem {
  title?: string;
  detail?: string;
  errors?: Array<{ path: string; message: string }>;
  [k: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(`${status} ${problem.title ?? ""}${problem.detail ? `: ${problem.detail}` : ""}`);
    this.name = "ApiError";
  }
}

/** Never renewed (a sign-in that fails is not retried by signing in). */
const SIGN_IN_PATHS = new Set(["/v1/auth/nonce", "/v1/auth/login"]);

/** How long a signed sign-in message stays valid (the server refuses it afterwards). */
const SIWE_VALID_MS = 5 * 60_000;

export class ApiClient {
  token?: string;
  address?: string;
  roles: string[] = [];
  /** Who signs in again after a 401 (see renewWith); undefined: a 401 is thrown as it came. */
  private renewer?: () => Signer | undefined;
  private renewing?: Promise<unknown>;

  constructor(readonly baseUrl: string) {}

  /**
   * An expired session (401) then signs in again with the signer `signer()` returns and retries the request once.
   * A signer of undefined (the page's key is locked) keeps the 401. Opt-in: tests of expiry see the plain 401.
   */
  renewWith(signer: () => Signer | undefined): this {
    this.renewer = signer;
    return this;
  }

  /** Signs in with Ethereum: fetch a nonce, sign an EIP-4361 message, exchange it for a session token. */
  async login(signer: Signer, statement = SIWE_STATEMENT): Promise<this> {
    const { message, signature } = await this.siwe(signer, statement);
    const r = await this.post<{ token: string; address: string; roles: string[] }>("/v1/auth/login", { message, signature });
    this.token = r.token;
    this.address = r.address;
    this.roles = r.roles;
    return this;
  }

  /** Builds and signs a SIWE message for this server (exposed for tests of forged/replayed messages). */
  async siwe(signer: Signer, statement = SIWE_STATEMENT) {
    const n = await this.post<{ nonce: string; chainId: number }>("/v1/auth/nonce", {});
    const url = new URL(this.baseUrl);
    const issuedAt = new Date();
    const message = siweMessage({
      domain: url.host,
      address: await signer.getAddress(),
      statement,
      uri: url.origin,
      chainId: n.chainId,
      nonce: n.nonce,
      issuedAt,
      expires: new Date(issuedAt.getTime() + SIWE_VALID_MS),
    });
    return { message, signature: await signer.signMessage(message), nonce: n.nonce };
  }

  /** The same server with another session token (or none). */
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
  patch<T = any>(path: string, body: unknown) {
    return this.request<T>("PATCH", path, body);
  }
  delete<T = any>(path: string, body?: unknown) {
    return this.request<T>("DELETE", path, body);
  }

  /** The response as it came (for non-JSON answers and tests of status codes); a string body is sent verbatim. */
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

  /** The parsed JSON answer; a non-2xx status throws ApiError with the problem document. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const sent = this.token;
    let res = await this.raw(method, path, body);
    const signer = res.status === 401 && sent && !SIGN_IN_PATHS.has(path) ? this.renewer?.() : undefined;
    if (signer) {
      // Requests that failed together share one sign-in (a later one finds it under way, or done).
      if (!this.renewing && this.token === sent) {
        this.token = undefined; // the sign-in requests must not carry the dead token
        this.renewing = this.login(signer).finally(() => (this.renewing = undefined));
      }
      await this.renewing;
      if (this.token && this.token !== sent) res = await this.raw(method, path, body);
    }
    const text = await res.text();
    const parsed = text ? safeJson(text) : undefined;
    if (!res.ok) throw new ApiError(res.status, (parsed as Problem | undefined) ?? { title: res.statusText });
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
