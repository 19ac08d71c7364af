// The written seed: 24 BIP-39 simplified-Chinese characters with a checksum; a wrong or unknown character is refused,
// the 64-hex code of earlier releases still reads (legacy path).
import { expect } from "chai";
import { entropyToMnemonic } from "@scure/bip39";
import { wordlist as english } from "@scure/bip39/wordlists/english.js";
import { parseSeedQr, parseSeedText, seedQr, seedToWords, wordAt, ZH_WORDS } from "../../../src/crypto/seed-words.js";
import { randomBytes } from "node:crypto";

const seed = () => new Uint8Array(randomBytes(32));

describe("seed words (BIP-39 simplified Chinese)", () => {
  it("writes a 32-byte seed as 24 single characters of the 2048-character list, and reads it back", () => {
    expect(ZH_WORDS).to.have.length(2048);
    for (let i = 0; i < 20; i++) {
      const s = seed();
      const words = seedToWords(s);
      expect(words).to.have.length(24);
      for (const w of words) expect([...w]).to.have.length(1);
      const back = parseSeedText(words.join(""));
      expect(back.ok && back.legacy === false && Buffer.from(back.seed).equals(Buffer.from(s))).to.equal(true);
    }
  });

  it("matches the BIP-39 reference vector (entropy 00…00 → the list's first word ×23 + checksum word)", () => {
    const zero = new Uint8Array(32);
    // English vector: "abandon ×23 art"; the same indices in the Chinese list.
    const en = entropyToMnemonic(zero, english).split(" ");
    const zh = seedToWords(zero);
    expect(zh.map((w) => ZH_WORDS.indexOf(w))).to.deep.equal(en.map((w) => english.indexOf(w)));
    expect(en[23]).to.equal("art");
  });

  it("ignores spaces, punctuation and the position numbers people write beside the characters", () => {
    const s = seed();
    const w = seedToWords(s);
    const written = w.map((c, i) => `${i + 1}.${c}`).join("，\n");
    const r = parseSeedText(written);
    expect(r.ok && Buffer.from(r.seed).equals(Buffer.from(s))).to.equal(true);
  });

  it("refuses every one-character substitution whose checksum fails, and lets only a checksum-sized few through", () => {
    const s = seed();
    const w = seedToWords(s);
    let passed = 0;
    let tried = 0;
    for (let pos = 0; pos < 24; pos++) {
      for (let j = 0; j < 40; j++) {
        const other = ZH_WORDS[(ZH_WORDS.indexOf(w[pos]) + 1 + j * 51) % 2048];
        const typo = [...w];
        typo[pos] = other;
        const r = parseSeedText(typo.join(""));
        tried++;
        if (r.ok) passed++;
        else expect(r.reason).to.equal("checksum");
      }
    }
    // 960 typos; the 8-bit checksum lets ~1/256 through (expected 3.75): far fewer than 1 in 20 would.
    expect(passed).to.be.below(tried / 20);
  });

  it("refuses a character outside the list, naming its position; a missing character by the count", () => {
    const w = seedToWords(seed());
    const typo = [...w];
    typo[4] = "龘";
    expect(parseSeedText(typo.join(""))).to.deep.include({ ok: false, reason: "notInList", position: 5 });
    expect(parseSeedText(w.slice(0, 23).join(""))).to.deep.include({ ok: false, reason: "length", count: 23 });
    expect(parseSeedText("  ")).to.deep.include({ ok: false, reason: "empty" });
  });

  it("still reads the 64-hex code of earlier releases, marked legacy; a short hex code is refused as such", () => {
    const s = seed();
    const hex = Buffer.from(s).toString("hex");
    const r = parseSeedText(hex.match(/.{4}/g)!.join(" ").toUpperCase());
    expect(r.ok && r.legacy && Buffer.from(r.seed).equals(Buffer.from(s))).to.equal(true);
    expect(parseSeedText(hex.slice(1))).to.deep.include({ ok: false, reason: "legacyLength", count: 63 });
  });

  it("checks a kept character at a position, and round-trips the sheet's QR payload", () => {
    const s = seed();
    const w = seedToWords(s);
    expect(wordAt(w, 7, ` ${w[6]} `)).to.equal(true);
    expect(wordAt(w, 7, w[7] === w[6] ? "龘" : w[7])).to.equal(false);
    const qr = seedQr(s);
    expect(qr).to.match(/^AX1S:[0-9A-F]{64}$/);
    expect(Buffer.from(parseSeedQr(qr)!).equals(Buffer.from(s))).to.equal(true);
    expect(parseSeedQr(qr.slice(0, -1))).to.equal(undefined);
  });
});
