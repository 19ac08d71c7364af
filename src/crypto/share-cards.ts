// Backup cards (备用卡片): the seed split k-of-n with Shamir's scheme over GF(2^8) (shamir-secret-sharing by Privy,
// independently audited by Cure53 and Zellic). Fewer than k cards say nothing about the seed. Each card carries a
// random set id (cards of different splits are never combined into a wrong seed) and a 26-bit SHA-256 checksum;
// its written form is 30 characters of the same word list as the seed, its QR "AX1C:" + hex.
// docs/FORMATS.md (Recovery words and cards).
import { combine, split } from "shamir-secret-sharing";
import { sha256 } from "@noble/hashes/sha2.js";
import { SEED_BYTES } from "./keys.js";
import { indicesToWords, wordIndex, wordsOf } from "./seed-words.js";

export const CARD_WORDS = 30;
const VERSION = 1;
/** version, k|n, set id (3), share (seed + 1 x-coordinate byte). */
const PAYLOAD_BYTES = 1 + 1 + 3 + SEED_BYTES + 1;
const CHECK_BITS = CARD_WORDS * 11 - PAYLOAD_BYTES * 8; // 26

export interface ShareCard {
  k: number;
  n: number;
  /** 6 hex: the same on every card of one split. */
  setId: string;
  /** 1-based position in the split (which card: 1 = hers, 2 = family, 3 = community office by default). */
  index: number;
  share: Uint8Array;
}

export type ParsedCard = { ok: true; card: ShareCard } | { ok: false; reason: "length" | "notInList" | "checksum" | "version"; position?: number; count?: number };

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
const unhex = (s: string) => Uint8Array.from(s.match(/.{2}/g)!.map((x) => parseInt(x, 16)));

/** Splits a 32-byte seed into n cards, any k of which restore it (1 < k ≤ n ≤ 15). */
export async function splitSeed(seed: Uint8Array, k = 2, n = 3): Promise<ShareCard[]> {
  if (seed.length !== SEED_BYTES) throw new Error(`seed must be ${SEED_BYTES} bytes`);
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 2 || n < k || n > 15) throw new Error("need 2 ≤ k ≤ n ≤ 15");
  const shares = await split(seed, n, k);
  const setId = hex(crypto.getRandomValues(new Uint8Array(3)));
  return shares.map((share, i) => ({ k, n, setId, index: i + 1, share }));
}

/** The seed from at least k cards of one split; throws a CardError saying why not. */
export async function combineCards(cards: ShareCard[]): Promise<Uint8Array> {
  if (cards.length === 0) throw new CardError("tooFew");
  const { k, setId } = cards[0];
  if (cards.some((c) => c.setId !== setId || c.k !== k)) throw new CardError("mixedSets");
  const distinct = [...new Map(cards.map((c) => [c.share[SEED_BYTES], c])).values()];
  if (distinct.length < k) throw new CardError("tooFew");
  return combine(distinct.slice(0, k).map((c) => c.share));
}

export class CardError extends Error {
  constructor(readonly reason: "tooFew" | "mixedSets") {
    super(reason);
  }
}

function payload(c: ShareCard): Uint8Array {
  const p = new Uint8Array(PAYLOAD_BYTES);
  p[0] = VERSION;
  p[1] = (c.k << 4) | c.n;
  p.set(unhex(c.setId), 2);
  p.set(c.share, 5);
  return p;
}

function fromPayload(p: Uint8Array, index?: number): ParsedCard {
  if (p[0] !== VERSION) return { ok: false, reason: "version" };
  return { ok: true, card: { k: p[1] >> 4, n: p[1] & 15, setId: hex(p.subarray(2, 5)), index: index ?? 0, share: p.slice(5) } };
}

const toBits = (b: Uint8Array) => [...b].map((x) => x.toString(2).padStart(8, "0")).join("");
const checkBits = (p: Uint8Array) => toBits(sha256(p)).slice(0, CHECK_BITS);

/** The 30 characters written on a card. */
export function cardWords(c: ShareCard): string[] {
  const p = payload(c);
  const bits = toBits(p) + checkBits(p);
  return indicesToWords(bits.match(/.{11}/g)!.map((b) => parseInt(b, 2)));
}

/** Reads typed card characters (separators ignored). */
export function parseCardWords(text: string): ParsedCard {
  const words = wordsOf(text);
  const ix = words.map(wordIndex);
  const unknown = ix.findIndex((i) => i === undefined);
  if (unknown >= 0) return { ok: false, reason: "notInList", position: unknown + 1 };
  if (words.length !== CARD_WORDS) return { ok: false, reason: "length", count: words.length };
  const bits = ix.map((i) => i!.toString(2).padStart(11, "0")).join("");
  const p = unhex(bits.slice(0, PAYLOAD_BYTES * 8).match(/.{8}/g)!.map((b) => parseInt(b, 2).toString(16).padStart(2, "0")).join(""));
  if (bits.slice(PAYLOAD_BYTES * 8) !== checkBits(p)) return { ok: false, reason: "checksum" };
  return fromPayload(p);
}

/** QR payload: "AX1C:" + upper-case hex of the payload and its first 4 SHA-256 bytes (alphanumeric QR mode). */
export function cardQr(c: ShareCard): string {
  const p = payload(c);
  return ("AX1C:" + hex(p) + hex(sha256(p).subarray(0, 4))).toUpperCase();
}

export function parseCardQr(text: string): ParsedCard {
  const m = /^AX1C:([0-9A-F]+)$/.exec(text.trim());
  if (!m || m[1].length !== (PAYLOAD_BYTES + 4) * 2) return { ok: false, reason: "length" };
  const all = unhex(m[1].toLowerCase());
  const p = all.subarray(0, PAYLOAD_BYTES);
  if (hex(sha256(p).subarray(0, 4)) !== hex(all.subarray(PAYLOAD_BYTES))) return { ok: false, reason: "checksum" };
  return fromPayload(p.slice());
}
