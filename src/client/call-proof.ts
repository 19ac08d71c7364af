// End-to-end authentication of a consultation call (docs/FORMATS.md §Call proof, anxin.call.v1). WebRTC encrypts
// media with DTLS-SRTP, but the keys are only as good as the fingerprints in the SDP, and the SDP travels through
// the server. So each side signs the fingerprints of its own SDP with its relationship key (EIP-191), and the other
// browser checks the signer is the party it expects before it applies the description: an SDP whose fingerprint
// the server swapped (to sit in the middle) is refused. The browser then checks the peer's DTLS certificate
// against the fingerprint it accepted.
import { verifyMessage } from "ethers";
import { sha256 } from "@noble/hashes/sha2.js";
import { canonicalJson } from "../crypto/canonical.js";

export const CALL_PROOF = "anxin.call.v1";
export type CallRole = "offer" | "answer";

export interface CallProof {
  /** Signing time, ms since the epoch (inside the signed statement). */
  at: number;
  sig: string;
}

export interface ProofSigner {
  address: string;
  signMessage(message: string): Promise<string>;
}

/** The DTLS fingerprints an SDP declares, normalized ("sha-256 AB:CD:…"), sorted and unique. */
export function sdpFingerprints(sdp: string): string[] {
  const out = new Set<string>();
  for (const m of sdp.matchAll(/^a=fingerprint:(\S+) ([0-9A-Fa-f:]+)\s*$/gm)) out.add(`${m[1]!.toLowerCase()} ${m[2]!.toUpperCase()}`);
  return [...out].sort();
}

/** The statement one side signs: the booking, the call attempt, its role and its fingerprints. */
export function callStatement(x: { bookingId: string; callId: string; role: CallRole; fingerprints: string[]; at: number }): string {
  return canonicalJson({ type: CALL_PROOF, bookingId: x.bookingId, callId: x.callId, role: x.role, fingerprints: [...x.fingerprints].sort(), at: x.at });
}

export async function signCall(signer: ProofSigner, x: { bookingId: string; callId: string; role: CallRole; sdp: string }): Promise<CallProof> {
  const fingerprints = sdpFingerprints(x.sdp);
  if (!fingerprints.length) throw new Error("the local description has no DTLS fingerprint");
  const at = Date.now();
  return { at, sig: await signer.signMessage(callStatement({ ...x, fingerprints, at })) };
}

export type ProofCheck = { ok: true; fingerprints: string[] } | { ok: false; reason: "no_fingerprint" | "bad_signature" | "wrong_signer" };

/** Whether `sdp` carries fingerprints that `expected` signed for this booking, call attempt and role. */
export function checkCall(x: { sdp: string; proof: CallProof; bookingId: string; callId: string; role: CallRole; expected: string }): ProofCheck {
  const fingerprints = sdpFingerprints(x.sdp);
  if (!fingerprints.length) return { ok: false, reason: "no_fingerprint" };
  let signer: string;
  try {
    signer = verifyMessage(callStatement({ bookingId: x.bookingId, callId: x.callId, role: x.role, fingerprints, at: x.proof.at }), x.proof.sig);
  } catch {
    return { ok: false, reason: "bad_signature" };
  }
  return signer.toLowerCase() === x.expected.toLowerCase() ? { ok: true, fingerprints } : { ok: false, reason: "wrong_signer" };
}

/** A six-digit code both sides can read to each other: the same code means the same two certificates. */
export function safetyCode(a: string[], b: string[]): string {
  const h = sha256(new TextEncoder().encode(canonicalJson([...new Set([...a, ...b])].sort())));
  const n = ((h[0]! << 16) | (h[1]! << 8) | h[2]!) % 1_000_000;
  const s = String(n).padStart(6, "0");
  return `${s.slice(0, 3)} ${s.slice(3)}`;
}
