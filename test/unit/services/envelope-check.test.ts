import { expect } from "chai";
import { Wallet } from "ethers";
import { counselorKeys, keyEntryHash, sealJson, walletSigner, type RecordEnvelope } from "../../../src/crypto/index.js";
import { CHECK_WORKER, EnvelopeChecker, checkEnvelope } from "../../../src/services/records/envelope-check.js";
import { SignatureVerifier } from "../../../src/services/records/signature.js";

describe("record writes: envelope checks on their own thread", function () {
  this.timeout(60_000);
  let good: RecordEnvelope[];
  let forged: RecordEnvelope[];

  before(async () => {
    const author = Wallet.createRandom();
    const other = Wallet.createRandom();
    const ck = await counselorKeys(author.privateKey);
    const rk = await counselorKeys(Wallet.createRandom().privateKey);
    const seal = (i: number, signer: ReturnType<typeof Wallet.createRandom>) =>
      sealJson({
        kind: "consultation_note",
        schema: "anxin.note.v1",
        subjectRef: rk.address,
        consentId: "0x" + "1".repeat(64),
        body: { n: i, text: "会谈记录 ".repeat(200) },
        recipients: [
          { address: ck.address, x25519PublicKey: ck.x25519.publicKey },
          { address: rk.address, x25519PublicKey: rk.x25519.publicKey },
        ],
        signer: walletSigner(signer),
      }).then((e) => ({ ...e, author: author.address.toLowerCase() }));
    good = await Promise.all(Array.from({ length: 24 }, (_, i) => seal(i, author)));
    // Signed by someone else than the author they name; and a genuine envelope with one ciphertext byte changed.
    forged = [await seal(100, other), { ...good[0], ciphertext: "AAAA" + good[0].ciphertext.slice(4) }];
  });

  it("gives exactly the in-process results, in order, for writes that arrive together", async () => {
    const checker = new EnvelopeChecker(true);
    try {
      expect(checker[CHECK_WORKER], "no thread started").to.not.equal(undefined);
      const all = [...good, ...forged];
      const threaded = await Promise.all(all.map((e) => checker.check(e)));
      const local = new SignatureVerifier();
      expect(threaded).to.deep.equal(all.map((e) => checkEnvelope(local, e)));
      expect(threaded.slice(0, good.length).every((r) => r.ok)).to.equal(true);
      expect(threaded.slice(good.length).map((r) => r.ok)).to.deep.equal([false, false]);
      const first = threaded[0];
      if (!first.ok) throw new Error("unreachable");
      // The record leaf's key commitments: one per sealed key, sorted.
      expect(first.keyHashes).to.deep.equal(good[0].keys.map((k) => keyEntryHash(first.contentHash, k.to, k.sealed, k.pk)).sort());
      expect(checker[CHECK_WORKER], "the thread was given up").to.not.equal(undefined);
    } finally {
      await checker.close();
    }
  });

  it("goes on in-process when its thread dies, including the checks that were in flight, and says so once", async () => {
    const stopped: unknown[] = [];
    const checker = new EnvelopeChecker(true, (e) => stopped.push(e));
    try {
      await checker.check(good[1]); // the thread is up and has answered once
      const inFlight = Promise.all(good.map((e) => checker.check(e)));
      await checker[CHECK_WORKER]!.terminate();
      const results = await inFlight;
      expect(results.every((r) => r.ok)).to.equal(true);
      expect(checker[CHECK_WORKER]).to.equal(undefined);
      expect((await checker.check(forged[0])).ok).to.equal(false);
      expect((await checker.check(good[2])).ok).to.equal(true);
      expect(stopped).to.have.length(1);
    } finally {
      await checker.close();
    }
  });

  it("checks in-process without a thread (ANXIN_CHECK_THREAD=false)", async () => {
    const checker = new EnvelopeChecker(false);
    expect(checker[CHECK_WORKER]).to.equal(undefined);
    expect((await checker.check(good[3])).ok).to.equal(true);
    expect((await checker.check(forged[1])).ok).to.equal(false);
    await checker.close();
  });
});
