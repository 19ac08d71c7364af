// Backup cards: k-of-n Shamir shares (shamir-secret-sharing) as 30 checksummed characters and a QR payload.
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { combine } from "shamir-secret-sharing";
import { CARD_WORDS, CardError, cardQr, cardWords, combineCards, parseCardQr, parseCardWords, splitSeed, type ShareCard } from "../../../src/crypto/share-cards.js";
import { ZH_WORDS } from "../../../src/crypto/seed-words.js";

const seed = () => new Uint8Array(randomBytes(32));
const eq = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/** GF(2^8) with the AES polynomial x^8+x^4+x^3+x+1: the field the library works in. */
function mul(a: number, b: number): number {
  let p = 0;
  for (let i = 0; i < 8; i++) {
    if (b & 1) p ^= a;
    const hi = a & 0x80;
    a = (a << 1) & 0xff;
    if (hi) a ^= 0x1b;
    b >>= 1;
  }
  return p;
}
const inv = (a: number) => {
  for (let x = 1; x < 256; x++) if (mul(a, x) === 1) return x;
  throw new Error("0 has no inverse");
};

describe("backup cards (Shamir k-of-n)", () => {
  it("any 2 of 3 cards restore the seed, in any order; one card is refused as too few", async () => {
    const s = seed();
    const cards = await splitSeed(s);
    expect(cards).to.have.length(3);
    for (const [a, b] of [[0, 1], [1, 2], [0, 2], [2, 0]]) expect(eq(await combineCards([cards[a], cards[b]]), s)).to.equal(true);
    for (const c of cards) {
      const e = await combineCards([c]).catch((x) => x);
      expect(e).to.be.instanceOf(CardError).with.property("reason", "tooFew");
    }
    // The same card twice is still one card.
    expect(await combineCards([cards[0], cards[0]]).catch((x) => x.reason)).to.equal("tooFew");
  });

  it("k-of-n is configurable: 3 of 5 needs three", async () => {
    const s = seed();
    const cards = await splitSeed(s, 3, 5);
    expect(await combineCards(cards.slice(0, 2)).catch((x) => x.reason)).to.equal("tooFew");
    expect(eq(await combineCards([cards[4], cards[1], cards[3]]), s)).to.equal(true);
    expect(await splitSeed(s, 1, 3).catch((x) => x.message)).to.match(/2 ≤ k/);
  });

  it("one card reveals nothing: for ANY other seed there is a second card that completes it to that seed", async () => {
    const s = seed();
    const [card] = await splitSeed(s);
    const x1 = card.share[32];
    for (let t = 0; t < 5; t++) {
      const other = seed(); // a seed the card holder might guess
      const x2 = x1 === 1 ? 2 : 1;
      // f(x) = other + a·x through (x1, y1): a = (y1 − other)/x1, y2 = other + a·x2 (GF(2^8): − is ⊕).
      const y2 = new Uint8Array(33);
      for (let i = 0; i < 32; i++) y2[i] = other[i] ^ mul(mul(card.share[i] ^ other[i], inv(x1)), x2);
      y2[32] = x2;
      expect(eq(await combine([card.share, y2]), other)).to.equal(true);
    }
    // And the card's bytes are not the seed's.
    expect(eq(card.share.subarray(0, 32), s)).to.equal(false);
  });

  it("never combines cards of two different splits into a wrong seed", async () => {
    const s = seed();
    const a = await splitSeed(s);
    const b = await splitSeed(s);
    expect(a[0].setId).to.not.equal(b[0].setId);
    expect(await combineCards([a[0], b[1]]).catch((x) => x.reason)).to.equal("mixedSets");
  });

  it("writes each card as 30 list characters and a QR payload; both read back to the same card", async () => {
    const cards = await splitSeed(seed());
    const back: ShareCard[] = [];
    for (const c of cards) {
      const words = cardWords(c);
      expect(words).to.have.length(CARD_WORDS);
      for (const w of words) expect(ZH_WORDS).to.include(w);
      const typed = parseCardWords(words.join(" "));
      const scanned = parseCardQr(cardQr(c));
      expect(typed.ok && scanned.ok).to.equal(true);
      if (typed.ok && scanned.ok) {
        expect(eq(typed.card.share, c.share) && eq(scanned.card.share, c.share)).to.equal(true);
        expect([typed.card.k, typed.card.n, typed.card.setId]).to.deep.equal([2, 3, c.setId]);
        back.push(typed.card);
      }
    }
    expect(cardQr(cards[0])).to.match(/^AX1C:[0-9A-F]{84}$/);
    expect(back).to.have.length(3);
  });

  it("refuses a card with one wrong character (26-bit checksum) or a damaged QR payload", async () => {
    const [c] = await splitSeed(seed());
    const words = cardWords(c);
    let refused = 0;
    for (let pos = 0; pos < CARD_WORDS; pos++) {
      const typo = [...words];
      typo[pos] = ZH_WORDS[(ZH_WORDS.indexOf(words[pos]) + 7) % 2048];
      const r = parseCardWords(typo.join(""));
      if (!r.ok && r.reason === "checksum") refused++;
    }
    expect(refused).to.equal(CARD_WORDS);
    const qr = cardQr(c);
    const flipped = qr.slice(0, 10) + (qr[10] === "0" ? "1" : "0") + qr.slice(11);
    expect(parseCardQr(flipped)).to.deep.include({ ok: false, reason: "checksum" });
    expect(parseCardWords(words.slice(1).join(""))).to.deep.include({ ok: false, reason: "length" });
  });
});
