// Consultation signaling (docs/consultation.md): join information with the ICE servers, and the offers, answers
// and ICE candidates the two parties of a booking exchange. Media never passes here.
import { z } from "zod";
import type { AppContext } from "../../services/context.js";
import { joinInfo, receiveSignals, sendSignal } from "../../services/consultation.js";
import { route, type RouteDef } from "../route.js";

const bookingId = z.strictObject({ id: z.string().regex(/^[0-9a-f]{32}$/, "a booking id: 32 lowercase hex digits") });
const callId = z.string().regex(/^[0-9a-f]{16,64}$/, "16–64 lowercase hex digits");
/** Each side's EIP-191 signature over its DTLS fingerprints (FORMATS: anxin.call.v1), checked by the other browser. */
const proof = z.strictObject({ at: z.number().int().positive(), sig: z.string().regex(/^0x[0-9a-f]{130}$/, "0x + 65-byte signature") });
const description = (kind: "offer" | "answer") => z.strictObject({ kind: z.literal(kind), callId, sdp: z.string().min(20).max(30_000), proof, video: z.boolean() });

export const SignalBody = z.discriminatedUnion("kind", [
  description("offer"),
  description("answer"),
  z.strictObject({
    kind: z.literal("candidate"),
    callId,
    candidate: z.strictObject({ candidate: z.string().max(1000), sdpMid: z.string().max(64).nullable(), sdpMLineIndex: z.number().int().min(0).max(64).nullable() }),
  }),
  z.strictObject({ kind: z.literal("hello") }),
  z.strictObject({ kind: z.literal("bye"), callId: callId.optional() }),
]);

const IceServer = z.object({ urls: z.array(z.string()), username: z.string().optional(), credential: z.string().optional() });

export default function consultation(ctx: AppContext): RouteDef[] {
  const caller = (s: { address: string; roles: Set<string> }) => ({ address: s.address, isCounselor: s.roles.has("counselor") });
  return [
    route({
      method: "get",
      path: "/v1/consultations/:id",
      summary: "Join a booked consultation: its window, the other party's address and the ICE (STUN/TURN) servers",
      tags: ["consultation"],
      roles: ["resident", "counselor"],
      params: bookingId,
      response: z.object({
        bookingId: z.string(), side: z.enum(["resident", "counselor"]), peer: z.string(), start: z.string(), end: z.string(), opensAt: z.string(), closesAt: z.string(),
        open: z.boolean(), lastSeq: z.number().int(), iceServers: z.array(IceServer), iceTransportPolicy: z.enum(["all", "relay"]),
      }),
      async handler({ params, session, res }) {
        res.setHeader("cache-control", "no-store"); // TURN credentials
        return { body: await joinInfo(ctx, caller(session!), params.id) };
      },
    }),
    route({
      method: "post",
      path: "/v1/consultations/:id/signals",
      summary: "Send the other party an offer, answer, ICE candidate, hello or bye (only during the booked window; rate-limited)",
      tags: ["consultation"],
      roles: ["resident", "counselor"],
      params: bookingId,
      body: SignalBody,
      successStatus: 202,
      response: z.object({ seq: z.number().int() }),
      async handler({ params, body, session }) {
        const { kind, ...data } = body;
        return { status: 202, body: await sendSignal(ctx, caller(session!), params.id, kind, data) };
      },
    }),
    route({
      method: "get",
      path: "/v1/consultations/:id/signals",
      summary: "The other party's signals after a sequence number; waits up to `wait` seconds for one (long poll)",
      tags: ["consultation"],
      roles: ["resident", "counselor"],
      params: bookingId,
      query: z.strictObject({ after: z.coerce.number().int().min(0).default(0), wait: z.coerce.number().int().min(0).max(25).default(20) }),
      response: z.object({ signals: z.array(z.object({ seq: z.number().int(), from: z.string(), kind: z.string(), data: z.unknown(), at: z.string() })) }),
      async handler({ params, query, session, req }) {
        let gone = false;
        req.once("close", () => (gone = true));
        return { body: await receiveSignals(ctx, caller(session!), params.id, query.after, query.wait * 1000, () => gone) };
      },
    }),
  ];
}
