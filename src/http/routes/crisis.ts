// Crisis escalation API: counselors' on-call hours, and the callback number a resident seals to the counselors
// told of her alert (the server stores ciphertext with an expiry; every share and read is a log leaf).
import { z } from "zod";
import type { AppContext } from "../../services/context.js";
import { CALLBACK_MAX_SECONDS, onCallHoursOf, putOnCallHours, readCallback, shareCallback } from "../../services/escalation.js";
import { OnCallWindowSchema } from "../../assess/on-call.js";
import { codeLevel } from "../../deid/geo.js";
import { unprocessable } from "../problem.js";
import { route, type RouteDef } from "../route.js";

const hexId = z.string().regex(/^[0-9a-f]{16,64}$/, "must be lowercase hex");
const addr = z.string().regex(/^0x[0-9a-f]{40}$/, "a lowercase 0x address");
/** A sealed box (base64) of a phone number: small, never a document. */
const sealedBox = z.string().regex(/^[A-Za-z0-9+/=_-]{60,400}$/, "base64 sealed box");

/** A district (or zone/city) of the configured city; anything else is refused with 422. */
export function servedArea(ctx: AppContext, code: string): string {
  if (!ctx.places.has(code) || codeLevel(code) === "street") throw unprocessable("area is not a district of this city");
  return code;
}

export default function crisis(ctx: AppContext): RouteDef[] {
  return [
    route({
      method: "get",
      path: "/v1/counselors/me/on-call",
      summary: "Counselor: my weekly on-call hours (in the deployment's time zone) and whether I am on call now",
      tags: ["alerts"],
      roles: ["counselor"],
      async handler({ session }) {
        return { body: await onCallHoursOf(ctx, session!.address) };
      },
    }),
    route({
      method: "put",
      path: "/v1/counselors/me/on-call",
      summary: "Counselor: replace my weekly on-call hours; crisis alerts for my areas reach me while on call",
      tags: ["alerts"],
      roles: ["counselor"],
      body: z.strictObject({ hours: z.array(OnCallWindowSchema).max(28) }),
      async handler({ body, session }) {
        return { body: await putOnCallHours(ctx, session!.address, body.hours) };
      },
    }),
    route({
      method: "post",
      path: "/v1/alerts/:id/callback",
      sensitive: true,
      summary: "Resident: share a callback number sealed to counselors told of my alert (EMERGENCY, logged, expiring)",
      tags: ["alerts"],
      roles: ["resident"],
      params: z.strictObject({ id: hexId }),
      body: z.strictObject({ sealed: z.record(addr, sealedBox), expiresInSeconds: z.number().int().min(60).max(CALLBACK_MAX_SECONDS).default(86_400) }),
      successStatus: 201,
      async handler({ params, body, session }) {
        return { status: 201, body: await shareCallback(ctx, session!.address, params.id, body.sealed, body.expiresInSeconds) };
      },
    }),
    route({
      method: "get",
      path: "/v1/alerts/:id/callback",
      sensitive: true,
      summary: "Counselor: the callback number sealed to me for this alert (logged; gone after its expiry)",
      tags: ["alerts"],
      roles: ["counselor"],
      params: z.strictObject({ id: hexId }),
      async handler({ params, session }) {
        return { body: await readCallback(ctx, session!.address, params.id) };
      },
    }),
  ];
}
