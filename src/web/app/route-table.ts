// The routes this server offers (from /openapi.json), so a page says plainly what is not available yet.
import { ApiClient } from "../../client/index.js";

export class RouteTable {
  private routes = new Set<string>();
  static async load(): Promise<RouteTable> {
    const t = new RouteTable();
    try {
      const doc = await new ApiClient(location.origin).get<{ paths: Record<string, Record<string, unknown>> }>("/openapi.json");
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
