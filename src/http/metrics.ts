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
