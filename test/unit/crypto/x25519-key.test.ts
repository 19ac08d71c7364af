import { expect } from "chai";
import { isUsableX25519PublicKey, ready } from "../../../src/crypto/index.js";

const le = (hex: string) => Uint8Array.from(Buffer.from(hex, "hex"));

describe("crypto: usable X25519 public keys", () => {
  it("accepts real keys and refuses small-order points (any top bit), non-canonical encodings and wrong lengths", async () => {
    const sodium = await ready();
    for (let i = 0; i < 20; i++) expect(isUsableX25519PublicKey(sodium.crypto_box_keypair().publicKey)).to.equal(true);
    const small = [
      "00".repeat(32), "01" + "00".repeat(31),
      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
      "ec" + "ff".repeat(30) + "7f", "ed" + "ff".repeat(30) + "7f", "ee" + "ff".repeat(30) + "7f",
    ];
    for (const h of small) {
      expect(isUsableX25519PublicKey(le(h)), h).to.equal(false);
      const top = le(h);
      top[31] |= 0x80;
      expect(isUsableX25519PublicKey(top), `${h} with the top bit`).to.equal(false);
    }
    expect(isUsableX25519PublicKey(le("ff".repeat(32)))).to.equal(false); // ≥ p
    expect(isUsableX25519PublicKey(new Uint8Array(31))).to.equal(false);
    // libsodium agrees: no shared secret with a small-order point.
    const me = sodium.crypto_box_keypair();
    for (const h of small.slice(0, 4)) expect(() => sodium.crypto_scalarmult(me.privateKey, le(h)), h).to.throw();
  });
});
