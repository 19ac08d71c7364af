import { randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface HttpMetrics {
  registry: Registry;
  observe(method: string, route: string, status: number, seconds: number): void;
  /** A gauge whose value is read when /metrics is scraped. */
  gauge(name: string, help: string, read: () => number | Promise<number>): void;
}

export function createMetrics(): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "anxin_" });
  const requests = new Counter({ name: "anxin_http_requests_total", help: "HTTP requests by route pattern and status", labelNames: ["method", "route", "status"], registers: [registry] });
  const duration = new Histogram({ name: "anxin_http_request_duration_seconds", help: "HTTP request latency", labelNames: ["method", "route"], buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] });
  return {
    registry,
    observe(method, route, status, seconds) {
      requests.inc({ method, route, status: String(status) });
      duration.observe({ method, route }, seconds);
    },
    gauge(name, help, read) {
      new Gauge({ name, help, registers: [registry], async collect() { this.set(await read()); } });
    },
  };
}

const perContext = new WeakMap<object, HttpMetrics>();
/** One registry per running server context: the http adapter owns metrics, the services never see them. */
export function metricsFor(ctx: object): HttpMetrics {
  let m = perContext.get(ctx);
  if (!m) perContext.set(ctx, (m = createMetrics()));
  return m;
}

/**
 * The bearer token a scraper sends to /metrics: from ANXIN_METRICS_TOKEN_FILE, else `metrics.token` in the data
 * directory, created 0600 on first start. Request counts are the operator's business, not the public's.
 */
export function metricsToken(cfg: { dataDir: string; metricsTokenFile?: string }): string {
  const file = cfg.metricsTokenFile ?? path.join(cfg.dataDir, "metrics.token");
  if (!cfg.metricsTokenFile && !existsSync(file)) {
    writeFileSync(file, randomBytes(32).toString("base64url") + "\n", { mode: 0o600, flag: "wx" });
    chmodSync(file, 0o600);
  }
  const token = readFileSync(file, "utf8").trim();
  if (token.length < 16) throw new Error(`the metrics token in ${file} is shorter than 16 characters`);
  return token;
}

/** Constant-time check of an Authorization header against the metrics token. */
export function metricsAuthorized(header: string | undefined, token: string): boolean {
  const m = /^Bearer (\S+)$/.exec(header ?? "");
  if (!m) return false;
  const a = Buffer.from(m[1]);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
