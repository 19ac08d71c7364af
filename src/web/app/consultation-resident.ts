// The resident's way into a booked video or voice consultation: a card on her home screen with a large 进入咨询
// button from shortly before the booked time (the server's window), and the call screen. Her counsellor is the one
// her own relationship list names; the call is refused if the server names anyone else or relays an SDP her
// counsellor did not sign. Chat messages are sealed here to her and her counsellor (the key read from the chain).
import { sealJson, openJson } from "../../crypto/envelope.js";
import { walletSigner } from "../../crypto/keys.js";
import type { BookingDeps } from "./resident-booking.js";
import { lang, t } from "./i18n.js";
import { actions, button, h, p, show } from "./ui.js";
import { clock, when } from "./zone.js";
import { callScreen } from "./consultation-view.js";
import "./consultation-words.js";

interface Booking { bookingId: string; counselorId: string; start: string; end: string; status: string; sealedDetails: unknown }
interface Info { open: boolean; opensAt: string; closesAt: string }

const IN_APP = new Set(["video", "phone"]);

/** Her next video or voice booking that has not closed, with its join information; undefined when none. */
async function nextSession(d: BookingDeps) {
  for (const c of await d.treatmentCounselors()) {
    const api = await d.apiFor(c.address);
    const me = await d.rel(c.address);
    const list = (await api.get<{ bookings: Booking[] }>("/v1/bookings")).bookings.filter((b) => b.status === "booked" && b.counselorId === c.address);
    for (const b of list) {
      const det = (await openJson(b.sealedDetails, me.address, me.x25519).catch(() => undefined)) as { modality?: string } | undefined;
      if (!det?.modality || !IN_APP.has(det.modality)) continue;
      const info = await api.get<Info>(`/v1/consultations/${b.bookingId}`);
      if (Date.parse(info.closesAt) > Date.now()) return { c, api, me, b, info, video: det.modality === "video" };
    }
  }
  return undefined;
}

/** The home-screen card: a join button while the session is open, the opening time before; null otherwise. */
export async function consultationCard(d: BookingDeps): Promise<HTMLElement | null> {
  const s = await nextSession(d);
  if (!s) return null;
  const how = t(s.video ? "modeVideo" : "modePhone");
  const span = `${when(s.b.start, lang())} – ${clock(s.b.end)}`;
  if (!s.info.open) {
    if (Date.parse(s.b.start) - Date.now() > 86_400_000) return null; // the booking reminder covers later ones
    return h("div", { class: "card consultation", id: "consultation-card" }, p(t("consultLater", { how, when: span, opens: clock(s.info.opensAt) })));
  }
  let counselorPk: Promise<Uint8Array> | undefined;
  const keyOf = () =>
    (counselorPk ??= s.api.get<{ x25519PublicKey: string }>(`/v1/vault/recipients/${s.c.address}`).then((r) => d.counselorKey(s.api, s.c.address, r.x25519PublicKey)));
  const call = callScreen(
    {
      api: s.api,
      signer: s.me.wallet,
      bookingId: s.b.bookingId,
      peer: s.c.address,
      video: s.video,
      sealChat: async (text, at) =>
        sealJson({
          kind: "consultation_note",
          schema: "anxin.chat.v1",
          subjectRef: s.me.address,
          body: { bookingId: s.b.bookingId, from: "resident", text, at },
          recipients: [{ address: s.me.address, x25519PublicKey: s.me.x25519.publicKey }, { address: s.c.address, x25519PublicKey: await keyOf() }],
          signer: walletSigner(s.me.wallet),
        }),
    },
    "consultPeerCounselor",
    d.home,
  );
  return h(
    "div",
    { class: "card consultation ready", id: "consultation-card" },
    h("h2", {}, t(s.video ? "consultVideoTitle" : "consultPhoneTitle")),
    p(t("consultReady", { how, when: span }), "lead"),
    actions(button("consultJoin", () => void show(call), "primary", { id: "consultation-join" })),
  );
}
