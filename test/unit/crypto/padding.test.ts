// Size buckets of sealed JSON records (FORMATS §2.2 padding): Padmé lengths, a floor of 1 KiB, records before
// padding still open, and sealed records of different sizes within a bucket are the same length on the wire.
import { expect } from "chai";
import { Wallet } from "ethers";
import { MIN_PADDED_BYTES, padJsonPlaintext, padmeLength } from "../../../src/crypto/padding.js";
import { canonicalBytes, counselorKeys, openJson, sealJson, sealRecord, walletSigner } from "../../../src/crypto/index.js";

describe("record padding (Padmé buckets)", () => {
  it("rounds up to a Padmé length, never shorter, at most 12.5 % more, at least 1 KiB", () => {
    for (let L = 0; L < 300_000; L += 1 + Math.floor(L / 50)) {
      const P = padmeLength(L);
      expect(P).to.be.at.least(Math.max(L, MIN_PADDED_BYTES));
      if (L > MIN_PADDED_BYTES) expect(P / L).to.be.at.most(1.125);
    }
    expect(padmeLength(1)).to.equal(1024);
    expect(padmeLength(1025)).to.equal(1088); // E = 10, S = 4: multiples of 2^6
    // Few distinct sizes: 1 KiB … 64 KiB fall into far fewer buckets than lengths.
    const buckets = new Set(Array.from({ length: 64 * 1024 }, (_, i) => padmeLength(i)));
    expect(buckets.size).to.be.below(300);
  });

  it("pads sealed JSON with spaces; a record sealed before padding opens the same way", async () => {
    const w = Wallet.createRandom();
    const k = await counselorKeys(w.privateKey);
    const to = [{ address: w.address, x25519PublicKey: k.x25519.publicKey }];
    const common = { kind: "assessment", schema: "anxin.assessment.phq9.v1", subjectRef: w.address, recipients: to, signer: walletSigner(new Wallet(w.privateKey)) } as const;
    const small = await sealJson({ ...common, body: { total: 1 } });
    const larger = await sealJson({ ...common, body: { total: 27, answers: Array.from({ length: 9 }, () => 3), note: "x".repeat(400) } });
    expect(small.ciphertext.length, "two assessments of different sizes look alike").to.equal(larger.ciphertext.length);
    expect(await openJson(small, w.address, k.x25519)).to.deep.equal({ total: 1 });
    const old = await sealRecord({ ...common, plaintext: canonicalBytes({ total: 1 }) }); // as before padding
    expect(old.ciphertext.length).to.be.below(small.ciphertext.length);
    expect(await openJson(old, w.address, k.x25519)).to.deep.equal({ total: 1 });
    expect(padJsonPlaintext(new Uint8Array(2000)).length).to.equal(padmeLength(2000));
  });
});
