// One consultation call in the page (both sides): WebRTC audio/video peer to peer, DTLS-SRTP; the server relays
// signaling only (src/services/consultation.ts). Fingerprints are signed and checked end to end (client/call-proof.ts).
// The counsellor offers (again whenever the resident says hello); the resident answers the newest offer. The chat
// goes over a data channel inside the same DTLS session and is stored as an encrypted record of the relationship.
import type { ApiClient } from "../../client/index.js";
import { checkCall, safetyCode, sdpFingerprints, signCall, type CallProof, type ProofSigner } from "../../client/call-proof.js";

export type CallState = "starting" | "waiting" | "connecting" | "connected" | "refused" | "peer_left" | "failed" | "ended" | "no_media";

export interface CallOptions {
  api: ApiClient;
  signer: ProofSigner;
  bookingId: string;
  /** The other party's address as this side knows it (her counsellor; the booking's signed subject). */
  peer: string;
  video: boolean;
  /** Seals one chat message as a record envelope of the relationship (to both sides); the page posts it. */
  sealChat(text: string, at: string): Promise<unknown>;
  onState(s: CallState): void;
  onChat(m: { mine: boolean; text: string; at: string }): void;
  onSafety(code: string): void;
}

interface JoinInfo { side: "resident" | "counselor"; peer: string; open: boolean; lastSeq: number; iceServers: RTCIceServer[]; iceTransportPolicy: RTCIceTransportPolicy }
interface Signal { seq: number; kind: string; data: { callId?: string; sdp?: string; proof?: CallProof; video?: boolean; candidate?: RTCIceCandidateInit } }

const hex = (n: number) => [...crypto.getRandomValues(new Uint8Array(n))].map((b) => b.toString(16).padStart(2, "0")).join("");

export class Call {
  readonly remote: HTMLVideoElement;
  readonly local: HTMLVideoElement;
  private info!: JoinInfo;
  private media?: MediaStream;
  private pc?: RTCPeerConnection;
  private dc?: RTCDataChannel;
  private callId = "";
  private queued: RTCIceCandidateInit[] = [];
  private after = 0;
  private stopped = false;
  private localFps: string[] = [];
  state: CallState = "starting";

  constructor(private o: CallOptions) {
    this.remote = Object.assign(document.createElement("video"), { autoplay: true, playsInline: true });
    this.remote.className = "call-remote";
    this.local = Object.assign(document.createElement("video"), { autoplay: true, playsInline: true, muted: true });
    this.local.className = "call-local";
  }

  private set(s: CallState) {
    this.state = s;
    this.o.onState(s);
  }

  private path(p = "") {
    return `/v1/consultations/${this.o.bookingId}${p}`;
  }

  /** Joins: checks the peer the server names, opens the camera/microphone, starts listening and says hello or offers. */
  async start(): Promise<void> {
    this.info = await this.o.api.get<JoinInfo>(this.path());
    if (this.info.peer.toLowerCase() !== this.o.peer.toLowerCase()) return this.refuse();
    try {
      this.media = await navigator.mediaDevices.getUserMedia({ audio: true, video: this.o.video });
    } catch {
      return this.set("no_media");
    }
    this.local.srcObject = this.media;
    this.after = this.info.lastSeq;
    this.set("waiting");
    void this.listen();
    if (this.info.side === "counselor") await this.offer();
    else await this.send({ kind: "hello" });
  }

  private send(body: Record<string, unknown>) {
    return this.o.api.post(this.path("/signals"), body);
  }

  private async listen(): Promise<void> {
    while (!this.stopped) {
      try {
        const r = await this.o.api.get<{ signals: Signal[] }>(this.path(`/signals?after=${this.after}&wait=20`));
        for (const s of r.signals) {
          if (this.stopped) return; // a poll in flight when she left: nothing of it is applied
          this.after = s.seq;
          await this.handle(s).catch(() => undefined);
        }
      } catch (e) {
        if ((e as { status?: number }).status === 409 || (e as { status?: number }).status === 404) return void (this.stopped || this.set("ended"));
        await new Promise((res) => setTimeout(res, 2000));
      }
    }
  }

  private newPc(): RTCPeerConnection {
    this.pc?.close();
    const pc = new RTCPeerConnection({ iceServers: this.info.iceServers, iceTransportPolicy: this.info.iceTransportPolicy });
    for (const t of this.media!.getTracks()) pc.addTrack(t, this.media!);
    // Negotiated on both sides (same id): no extra signaling, and it is part of the same DTLS association.
    const dc = pc.createDataChannel("chat", { negotiated: true, id: 0 });
    dc.onmessage = (ev) => {
      try {
        const m = JSON.parse(String(ev.data)) as { text: string; at: string };
        if (typeof m.text === "string") this.o.onChat({ mine: false, text: m.text.slice(0, 2000), at: String(m.at) });
      } catch {
        /* not a chat message */
      }
    };
    this.dc = dc;
    pc.ontrack = (ev) => (this.remote.srcObject = ev.streams[0] ?? new MediaStream([ev.track]));
    const id = this.callId;
    pc.onicecandidate = (ev) => {
      if (ev.candidate && id === this.callId) void this.send({ kind: "candidate", callId: id, candidate: { candidate: ev.candidate.candidate, sdpMid: ev.candidate.sdpMid, sdpMLineIndex: ev.candidate.sdpMLineIndex } }).catch(() => undefined);
    };
    pc.onconnectionstatechange = () => {
      if (pc !== this.pc || this.stopped) return;
      if (pc.connectionState === "connected") this.set("connected");
      else if (pc.connectionState === "failed") this.set("failed");
      else if (pc.connectionState === "disconnected") this.set("peer_left");
    };
    this.pc = pc;
    this.queued = [];
    return pc;
  }

  private async describe(pc: RTCPeerConnection, role: "offer" | "answer") {
    await pc.setLocalDescription(role === "offer" ? await pc.createOffer() : await pc.createAnswer());
    const sdp = pc.localDescription!.sdp;
    const proof = await signCall(this.o.signer, { bookingId: this.o.bookingId, callId: this.callId, role, sdp });
    this.localFps = sdpFingerprints(sdp);
    await this.send({ kind: role, callId: this.callId, sdp, proof, video: this.o.video });
  }

  /** Counsellor: a fresh connection and offer (on joining, and each time the resident says hello). */
  private async offer(): Promise<void> {
    this.callId = hex(16);
    const pc = this.newPc();
    this.set("connecting");
    await this.describe(pc, "offer");
  }

  private refuse() {
    this.pc?.close();
    this.pc = undefined;
    // Nothing goes to a party that could not be verified: the camera and microphone close at once.
    for (const t of this.media?.getTracks() ?? []) t.stop();
    this.set("refused");
  }

  private async handle(s: Signal): Promise<void> {
    const d = s.data;
    if (s.kind === "hello" && this.info.side === "counselor") return this.offer();
    if (s.kind === "bye") {
      if (!d.callId || d.callId === this.callId) {
        this.pc?.close();
        this.pc = undefined;
        this.set("peer_left");
      }
      return;
    }
    if (s.kind === "candidate") {
      if (d.callId !== this.callId || !d.candidate) return;
      if (this.pc?.remoteDescription) await this.pc.addIceCandidate(d.candidate);
      else this.queued.push(d.candidate);
      return;
    }
    if (s.kind !== "offer" && s.kind !== "answer") return;
    const mine = this.info.side === "counselor" ? "answer" : "offer";
    if (s.kind !== mine || !d.sdp || !d.proof || !d.callId) return;
    if (s.kind === "answer" && d.callId !== this.callId) return; // an answer to an offer replaced since
    // Nothing the server relays is applied unless the peer signed its fingerprints (a swapped SDP stops here).
    const check = checkCall({ sdp: d.sdp, proof: d.proof, bookingId: this.o.bookingId, callId: d.callId, role: s.kind, expected: this.o.peer });
    if (!check.ok) return this.refuse();
    let pc = this.pc!;
    if (s.kind === "offer") {
      this.callId = d.callId;
      pc = this.newPc();
      this.set("connecting");
    }
    await pc.setRemoteDescription({ type: s.kind, sdp: d.sdp });
    for (const c of this.queued.splice(0)) await pc.addIceCandidate(c).catch(() => undefined);
    if (s.kind === "offer") await this.describe(pc, "answer");
    this.o.onSafety(safetyCode(this.localFps, check.fingerprints));
  }

  /** Stores the message as an encrypted record first, then sends it to the peer inside the call. */
  async say(text: string): Promise<void> {
    const at = new Date().toISOString();
    await this.o.api.post("/v1/records", await this.o.sealChat(text, at));
    if (this.dc?.readyState === "open") this.dc.send(JSON.stringify({ text, at }));
    this.o.onChat({ mine: true, text, at });
  }

  chatReady(): boolean {
    return this.dc?.readyState === "open";
  }

  async leave(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.send({ kind: "bye", callId: this.callId || undefined }).catch(() => undefined);
    this.pc?.close();
    for (const t of this.media?.getTracks() ?? []) t.stop();
    this.set("ended");
  }
}
