// The counsellor's way into a booked video or voice consultation: a 进入咨询 button on the booking while its window
// is open. The expected peer is the booking's subject, checked against the resident's own signature on the sealed
// booking details (a subject the server swapped would not have signed them). Chat messages are sealed to the
// counsellor and to the resident's key from the key directory (checked against the chain), under her TREATMENT consent.
import { openJson, sealJson } from "../../crypto/envelope.js";
import { walletSigner, type CounselorKeys } from "../../crypto/keys.js";
import { Purpose } from "../../consent/index.js";
import type { ApiClient } from "../../client/index.js";
import { residentKey } from "../../client/key-directory.js";
import { pageChain } from "./trusted-chain.js";
import { t } from "./i18n.js";
import { button, h, p, show, type Screen } from "./ui.js";
import { clock } from "./zone.js";
import { callScreen } from "./consultation-view.js";
import "./consultation-words.js";

interface Booking { bookingId: string; subjectRef: string; start: string; end: string; status: string; sealedDetails?: unknown }

let ck: CounselorKeys | undefined;
let home: Screen | undefined;
/** Wires the open counsellor key and the screen to return to after a call (counselor.ts). */
export function initConsultations(keys: CounselorKeys, back: Screen): void {
  ck = keys;
  home = back;
}

async function treatmentGrant(api: ApiClient, subject: string): Promise<string> {
  const res = await api.get<{ items: Array<{ subject: string; grantId: string; purpose: number; state: string }> }>(`/v1/consents?grantee=${api.address}`);
  const g = res.items.find((v) => v.subject === subject && v.purpose === Purpose.TREATMENT && v.state === "active");
  if (!g) throw new Error(t("err403"));
  return g.grantId;
}

/** The join button (or when it opens) for one booking; null for in-person sessions and cancelled bookings. */
export async function joinControl(api: ApiClient, b: Booking): Promise<HTMLElement | null> {
  if (!ck || !home || b.status !== "booked" || !b.sealedDetails) return null;
  const keys = ck;
  // openJson checks the author's signature; the author must be the subject the server names.
  if ((b.sealedDetails as { author?: string }).author !== b.subjectRef) return null;
  const det = (await openJson(b.sealedDetails, keys.address, keys.x25519).catch(() => undefined)) as { modality?: string } | undefined;
  if (det?.modality !== "video" && det?.modality !== "phone") return null;
  const info = await api.get<{ open: boolean; opensAt: string; closesAt: string }>(`/v1/consultations/${b.bookingId}`);
  if (Date.parse(info.closesAt) < Date.now()) return null;
  const how = t(det.modality === "video" ? "modeVideo" : "modePhone");
  if (!info.open) return p(`${how} · ${t("consultLater", { how, when: clock(b.start), opens: clock(info.opensAt) })}`, "note");
  let sealTo: Promise<{ pk: Uint8Array; grantId: string }> | undefined;
  const recipient = () =>
    (sealTo ??= (async () => {
      const chain = await pageChain(api);
      try {
        return { pk: await residentKey(api, chain.reader, b.subjectRef), grantId: await treatmentGrant(api, b.subjectRef) };
      } finally {
        chain.reader.destroy();
      }
    })());
  const call = callScreen(
    {
      api,
      signer: keys.wallet,
      bookingId: b.bookingId,
      peer: b.subjectRef,
      video: det.modality === "video",
      sealChat: async (text, at) => {
        const r = await recipient();
        return sealJson({
          kind: "consultation_note",
          schema: "anxin.chat.v1",
          subjectRef: b.subjectRef,
          consentId: r.grantId,
          body: { bookingId: b.bookingId, from: "counselor", text, at },
          recipients: [{ address: keys.address, x25519PublicKey: keys.x25519.publicKey }, { address: b.subjectRef, x25519PublicKey: r.pk }],
          signer: walletSigner(keys.wallet),
        });
      },
    },
    "consultPeerResident",
    home,
  );
  return h("div", { class: "actions" }, button("consultJoin", () => void show(call), "primary", { "data-join": b.bookingId }));
}
