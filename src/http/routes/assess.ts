// Assessments API: the crisis path (alerts), wearable stress index, booking slots and bookings.
// Scoring happens on the client; the server receives levels, indices and sealed envelopes, never answers,
// raw series or booking details in clear.
import { z } from "zod";
import { address } from "../schemas.js";
import type { AppContext } from "../../services/context.js";
import { ackAlert, counselorAlerts, raiseAlert, residentAlerts } from "../../services/alerts.js";
import { indexFor, uploadIndex } from "../../services/wearable.js";
import { book, cancel, listBookings, publishSlots, reschedule, slotsFor } from "../../services/booking.js";
import { hasActiveGrant } from "../../services/consents.js";
import { Purpose } from "../../consent/types.js";
import { INSTRUMENT_IDS } from "../../assess/index.js";
import { route, type RouteDef } from "../route.js";
import { forbidden, unprocessable } from "../problem.js";
import { servedArea } from "./crisis.js";

const hexId = z.string().regex(/^[0-9a-f]{16,64}$/, "must be lowercase hex");
const lang = z.enum(["zh", "en"]).optional();
const isoTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/, "ISO-8601 date-time with offset").refine((s) => !Number.isNaN(Date.parse(s)), "not a real time");
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "YYYY-MM-DD").refine((s) => !Number.isNaN(Date.parse(s + "T00:00:00Z")) && new Date(s + "T00:00:00Z").toISOString().startsWith(s), "not a real date");

const AlertBody = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("crisis"), level: z.enum(["elevated", "high", "imminent"]), instrument: z.enum(INSTRUMENT_IDS as unknown as [string, ...string[]]).optional(), subjectRef: address, lang, area: z.string().regex(/^\d{6}$/, "a district code").optional() }),
  z.strictObject({ kind: z.literal("counselor_mark"), level: z.enum(["high", "imminent"]), subjectRef: address, lang }),
]);

const IndexDaySchema = z.strictObject({
  date,
  index: z.number().int().min(0).max(100).nullable(),
  status: z.enum(["ok", "no_data", "insufficient_baseline"]),
}).refine((d) => (d.status === "ok") === (d.index !== null), { message: "index must be set exactly when status is ok" });

const SealedSchema = z.record(z.string(), z.unknown());

export default function assess(ctx: AppContext): RouteDef[] {
  return [...alerts(ctx), ...wearable(ctx), ...booking(ctx)];
}

/** The crisis path and early-warning alerts. */
function alerts(ctx: AppContext): RouteDef[] {
  return [
    route({
      method: "post",
      path: "/v1/alerts",
      sensitive: true,
      summary: "Raise a crisis alert (resident, about themself) or a risk mark (counselor with TREATMENT consent)",
      tags: ["alerts"],
      roles: ["resident", "counselor"],
      body: AlertBody,
      successStatus: 201,
      async handler({ body, session }) {
        const s = session!;
        if (body.kind === "crisis") {
          if (!s.roles.has("resident") || body.subjectRef !== s.address) throw forbidden("a crisis alert is raised by the resident about their own address");
        } else {
          if (!s.roles.has("counselor")) throw forbidden("only a counselor marks risk");
          if (!(await hasActiveGrant(ctx, { subject: body.subjectRef, grantee: s.address, purposes: [Purpose.TREATMENT] }))) throw forbidden("no active TREATMENT consent from this resident");
        }
        const alert = await raiseAlert(ctx, {
          kind: body.kind,
          level: body.level,
          subject: body.subjectRef,
          raisedBy: s.address,
          instrument: body.kind === "crisis" ? body.instrument : undefined,
          lang: body.lang,
          area: body.kind === "crisis" && body.area ? servedArea(ctx, body.area) : null,
        });
        return { status: 201, body: alert };
      },
    }),
    route({
      method: "get",
      path: "/v1/alerts",
      sensitive: true,
      summary: "Counselor: alerts addressed to me; resident: alerts raised about me (and how many counselors were told)",
      tags: ["alerts"],
      roles: ["resident", "counselor"],
      // Newest first, a page at a time: `next` is the cursor of the following page (null on the last one).
      query: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(100), cursor: z.string().max(200).optional() }),
      async handler({ session, query }) {
        const s = session!;
        return { body: s.roles.has("counselor") ? await counselorAlerts(ctx, s.address, query) : await residentAlerts(ctx, s.address, query) };
      },
    }),
    route({
      method: "post",
      path: "/v1/alerts/:id/ack",
      sensitive: true,
      summary: "Counselor acknowledges an alert",
      tags: ["alerts"],
      roles: ["counselor"],
      params: z.strictObject({ id: hexId }),
      body: z.strictObject({}),
      async handler({ params, session }) {
        await ackAlert(ctx, session!.address, params.id);
        return { body: { alertId: params.id, acknowledged: true } };
      },
    }),
  ];
}

/** The wearable stress index (computed on the client) and the warnings re-derived from it. */
function wearable(ctx: AppContext): RouteDef[] {
  return [
    route({
      method: "post",
      path: "/v1/wearable/index",
      summary: "Resident uploads the daily stress index (computed client-side); warnings are re-derived and alerted",
      tags: ["wearable"],
      roles: ["resident"],
      body: z.strictObject({ subjectRef: address, days: z.array(IndexDaySchema).min(1).max(366) }),
      successStatus: 201,
      async handler({ body, session }) {
        if (body.subjectRef !== session!.address) throw forbidden("upload the index for your own signed-in address");
        const dates = body.days.map((d) => d.date);
        if (new Set(dates).size !== dates.length) throw unprocessable("duplicate date in days");
        return { status: 201, body: await uploadIndex(ctx, body.subjectRef, body.days) };
      },
    }),
    route({
      method: "get",
      path: "/v1/wearable/index",
      summary: "Stress index and warnings of a subject: the resident themself or a counselor with active MONITORING consent",
      tags: ["wearable"],
      roles: ["resident", "counselor"],
      query: z.strictObject({ subject: address }),
      async handler({ query, session }) {
        const r = await indexFor(ctx, { address: session!.address, isCounselor: session!.roles.has("counselor") }, query.subject);
        if (!r) throw forbidden("no active MONITORING consent from this resident");
        return { body: r };
      },
    }),
  ];
}

/** Counselors' slots and residents' bookings with sealed details. */
function booking(ctx: AppContext): RouteDef[] {
  return [
    route({
      method: "put",
      path: "/v1/counselors/me/slots",
      summary: "Counselor publishes availability slots (replaces the free ones; taken slots stay)",
      tags: ["booking"],
      roles: ["counselor"],
      body: z.strictObject({
        slots: z
          .array(z.strictObject({ slotId: z.string().regex(/^[0-9a-f]{24}$/, "24 lowercase hex").optional(), start: isoTime, end: isoTime, place: z.string().trim().min(1).max(200).nullable().optional().describe("where the counselor receives residents in person (their workplace, shown to both sides)") }).refine((s) => Date.parse(s.end) > Date.parse(s.start), { message: "end must be after start" }))
          .max(500),
      }),
      async handler({ body, session }) {
        return { body: { slots: await publishSlots(ctx, session!.address, body.slots) } };
      },
    }),
    route({
      method: "get",
      path: "/v1/counselors/:id/slots",
      summary: "A counselor's slots: the counselor themself or a resident with active TREATMENT consent to them",
      tags: ["booking"],
      roles: ["resident", "counselor"],
      params: z.strictObject({ id: address }),
      async handler({ params, session }) {
        const reader = { address: session!.address, isResident: session!.roles.has("resident") };
        return { body: { slots: await slotsFor(ctx, reader, params.id) } };
      },
    }),
    route({
      method: "post",
      path: "/v1/bookings",
      summary: "Book a slot; the details are a record envelope sealed on the client (schema anxin.booking.v1)",
      tags: ["booking"],
      roles: ["resident"],
      body: z.strictObject({ slotId: z.string().regex(/^[0-9a-f]{24}$/), sealedDetails: SealedSchema }),
      successStatus: 201,
      async handler({ body, session }) {
        return { status: 201, body: await book(ctx, session!.address, body.slotId, body.sealedDetails) };
      },
    }),
    route({
      method: "put",
      path: "/v1/bookings/:id",
      summary: "Reschedule a booking to another slot of the same counselor",
      tags: ["booking"],
      roles: ["resident"],
      params: z.strictObject({ id: hexId }),
      body: z.strictObject({ slotId: z.string().regex(/^[0-9a-f]{24}$/), sealedDetails: SealedSchema }),
      async handler({ params, body, session }) {
        return { body: await reschedule(ctx, session!.address, params.id, body.slotId, body.sealedDetails) };
      },
    }),
    route({
      method: "delete",
      path: "/v1/bookings/:id",
      summary: "Cancel a booking (the slot is free again)",
      tags: ["booking"],
      roles: ["resident"],
      params: z.strictObject({ id: hexId }),
      async handler({ params, session }) {
        return { body: await cancel(ctx, session!.address, params.id) };
      },
    }),
    route({
      method: "get",
      path: "/v1/bookings",
      summary: "Resident: own bookings; counselor: bookings on my slots (sealed details included for their recipients)",
      tags: ["booking"],
      roles: ["resident", "counselor"],
      async handler({ session }) {
        return { body: { bookings: await listBookings(ctx, { address: session!.address, isCounselor: session!.roles.has("counselor") }) } };
      },
    }),
  ];
}
