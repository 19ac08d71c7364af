// The resident's written seed: 24 characters of the BIP-39 simplified-Chinese word list (2048 single characters;
// 256 bits of seed + an 8-bit SHA-256 checksum, 11 bits a character), via @scure/bip39 (audited). A copy with a
// wrong character fails the checksum with probability 255/256, and a character outside the list is refused outright:
// either way it is refused and never becomes a new identity. The 64-hex code of earlier releases is still read
// (explicit legacy path). docs/FORMATS.md (Recovery words and cards).
import { entropyToMnemonic, mnemonicToEntropy, validateMnemonic } from "@scure/bip39";
import { wordlist } from "@scure/bip39/wordlists/simplified-chinese.js";
import { SEED_BYTES } from "./keys.js";

export const SEED_WORDS = 24;
export const ZH_WORDS: readonly string[] = wordlist;
const INDEX = new Map(wordlist.map((w, i) => [w, i]));

/** The 24 characters of a 32-byte seed, in order. */
export function seedToWords(seed: Uint8Array): string[] {
  if (seed.length !== SEED_BYTES) throw new Error(`seed must be ${SEED_BYTES} bytes`);
  return entropyToMnemonic(seed, wordlist).split(" ");
}

export type ParsedSeed =
  | { ok: true; seed: Uint8Array; legacy: boolean }
  | { ok: false; reason: "empty" | "length" | "notInList" | "checksum" | "legacyLength"; count?: number; position?: number; char?: string };

/** Separators people write between characters or groups: spaces, dashes, commas, full-width punctuation, numbering. */
const SEPARATORS = /[\s\-–—_.,，、。;；:：·•()（）0-9０-９]/gu;
const LEGACY_HEX = /^[0-9a-f]{64}$/;

/** Characters of what was typed, without separators (each CJK character is one word). */
export function wordsOf(text: string): string[] {
  return [...text.normalize("NFKC").replace(SEPARATORS, "")];
}

/** Reads a written seed: 24 list characters whose checksum holds, or (legacy) exactly 64 hex digits. */
export function parseSeedText(text: string): ParsedSeed {
  const hex = text.toLowerCase().replace(/[\s\-–—_.,，、]/g, "");
  if (LEGACY_HEX.test(hex)) return { ok: true, seed: Uint8Array.from(hex.match(/.{2}/g)!.map((x) => parseInt(x, 16))), legacy: true };
  if (/^[0-9a-f]+$/.test(hex)) return { ok: false, reason: "legacyLength", count: hex.length };
  const words = wordsOf(text);
  if (words.length === 0) return { ok: false, reason: "empty" };
  const unknown = words.findIndex((w) => !INDEX.has(w));
  if (unknown >= 0) return { ok: false, reason: "notInList", position: unknown + 1, char: words[unknown] };
  if (words.length !== SEED_WORDS) return { ok: false, reason: "length", count: words.length };
  const phrase = words.join(" ");
  if (!validateMnemonic(phrase, wordlist)) return { ok: false, reason: "checksum" };
  return { ok: true, seed: mnemonicToEntropy(phrase, wordlist), legacy: false };
}

/** Whether `ch` is the character at 1-based `position` of `words` (the sheet's "did you keep it" check). */
export function wordAt(words: readonly string[], position: number, ch: string): boolean {
  return words[position - 1] === ch.normalize("NFKC").trim();
}

/** The QR payload of the seed sheet: "AX1S:" + 64 hex (upper case keeps the QR in alphanumeric mode). */
export function seedQr(seed: Uint8Array): string {
  return "AX1S:" + [...seed].map((b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
}

export function parseSeedQr(text: string): Uint8Array | undefined {
  const m = /^AX1S:([0-9A-F]{64})$/.exec(text.trim());
  return m ? Uint8Array.from(m[1].match(/.{2}/g)!.map((x) => parseInt(x, 16))) : undefined;
}

/** 11-bit word indices → characters of the list, and back (share cards use the same list). */
export function indicesToWords(ix: number[]): string[] {
  return ix.map((i) => wordlist[i]);
}
export function wordIndex(w: string): number | undefined {
  return INDEX.get(w);
}
