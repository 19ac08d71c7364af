// The community office's published need-token keys (one RSA key per month; docs/FORMATS.md §Need tokens). The
// office keeps its private keys; the server only publishes and checks against this keyset.
import { z } from "zod";
import type { AppContext } from "../../services/context.js";
import { officeKeyset } from "../../services/enrollment.js";
import { route, type RouteDef } from "../route.js";

const b64 = (max: number) => z.string().min(4).max(max).regex(/^[A-Za-z0-9+/]+={0,2}$/, "must be base64");
export const NeedTokenSchema = z.strictObject({
  period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "period must be YYYY-MM"),
  keyId: z.string().regex(/^[0-9a-f]{32}$/, "must be 32 lowercase hex digits"),
  message: b64(200),
  signature: b64(1400),
});

export default function office(ctx: AppContext): RouteDef[] {
  return [
    route({
      method: "get",
      path: "/v1/office/keys",
      summary: "The community office's need-token public keys, one per month (RFC 9474 blind RSA)",
      tags: ["matching"],
      roles: ["public"],
      response: z.object({ format: z.string(), keys: z.array(z.object({ period: z.string(), keyId: z.string(), spki: z.string() })) }),
      async handler() {
        return { body: officeKeyset(ctx) };
      },
    }),
  ];
}

/** The delays the web pages draw from (docs/threat-model.md, "An observer pairing relationships"). */
export function clientTiming(ctx: AppContext): RouteDef[] {
  return [
    route({
      method: "get",
      path: "/v1/client/timing",
      summary: "Bounds of the random delays the web pages put between copies of a record and after a matching accept",
      tags: ["matching"],
      roles: ["public"],
      response: z.object({ copyDelayMaxMs: z.number().int(), grantDelayMaxMs: z.number().int() }),
      async handler() {
        return { body: { copyDelayMaxMs: ctx.cfg.clientCopyDelayMaxMs, grantDelayMaxMs: ctx.cfg.clientGrantDelayMaxMs } };
      },
    }),
  ];
}
