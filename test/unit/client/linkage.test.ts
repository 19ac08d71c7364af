// No linkable traces (issue 22 part 4): an observer who holds the chain and the database (every time and size it
// records, but not the accept link match_proposals.treatment_subject, see docs/threat-model.md) tries to pair the
// relationships of 50 residents — MATCHING ↔ TREATMENT address by the accept → grant timing, vault copy ↔
// counselor copy of one record by send times and ciphertext sizes. It is honest and strong: optimal 1-D
// assignment and nearest-later matching (the better of the two counts), equal sizes first, grant windows on
// chain used too. The client's own functions make every value it sees: grantSendTime, draftGrant's jitter,
// copySendTimes, sealJson's padding. Its success stays within 2× chance; without them (the first release's
// behaviour) it pairs almost everyone, so the test can fail.
import { expect } from "chai";
import { Wallet } from "ethers";
import { copySendTimes, grantSendTime } from "../../../src/client/dispatch.js";
import { draftGrant } from "../../../src/client/grants.js";
import { Purpose } from "../../../src/consent/index.js";
import { canonicalBytes, counselorKeys, sealJson, sealRecord, walletSigner } from "../../../src/crypto/index.js";

const H = 3600_000;
const N = 50;
const ROUNDS = 20;
const SUBJECT = "0x" + "a1".repeat(20);
const GRANTEE = "0x" + "b2".repeat(20);

/** Pairs a[i] with b[j]: the better of optimal 1-D assignment (sorted orders) and nearest later b per a. */
function attack(a: number[], b: number[], truth: (i: number, j: number) => boolean): number {
  const ia = [...a.keys()].sort((x, y) => a[x] - a[y]);
  const ib = [...b.keys()].sort((x, y) => b[x] - b[y]);
  let sorted = 0;
  ia.forEach((i, k) => (sorted += truth(i, ib[k]) ? 1 : 0));
  let nearest = 0;
  a.forEach((t, i) => {
    let best = -1;
    let d = Infinity;
    b.forEach((u, j) => {
      if (u >= t && u - t < d) [d, best] = [u - t, j];
    });
    if (best >= 0 && truth(i, best)) nearest++;
  });
  return Math.max(sorted, nearest);
}
const shuffled = (n: number) => [...Array(n).keys()].sort(() => Math.random() - 0.5);

describe("linkage: an observer pairing 50 residents' relationships by times and sizes", function () {
  this.timeout(120_000);

  it("MATCHING ↔ TREATMENT by accept → grant time (and the grant's window on chain): within 2× chance", () => {
    const run = (decoupled: boolean) => {
      let hits = 0;
      let chance = 0;
      for (let r = 0; r < ROUNDS; r++) {
        const created = Date.UTC(2026, 11, 1, 9);
        const expires = created + 48 * H; // one run's proposals, default TTL
        // Two counselors: the grantee on chain tells the observer which group a grant belongs to.
        for (const group of [25, 25]) {
          const accepts = Array.from({ length: group }, () => created + Math.random() * 47 * H);
          const sent = accepts.map((t) => (decoupled ? grantSendTime(t, expires) : t + 2000));
          // What the chain shows: the grant's block time and its notBefore (drafted when it is sent).
          const chainTimes = sent.map((t) => draftGrant({ subject: SUBJECT, grantee: GRANTEE, purpose: Purpose.TREATMENT, categories: ["assessment"], days: 365, now: Math.floor(t / 1000) }).grant.notBefore * 1000);
          const perm = shuffled(group); // the observer sees grants in chain order, not by resident
          const truth = (i: number, j: number) => perm[j] === i;
          const byBlock = perm.map((i) => sent[i]);
          const byWindow = perm.map((i) => chainTimes[i] + 1800_000); // notBefore + the mean start jitter
          hits += Math.max(attack(accepts, byBlock, truth), attack(accepts, byWindow, truth));
          chance += 1; // 1/group per resident × group residents
        }
      }
      return { rate: hits / (ROUNDS * N), chance: chance / (ROUNDS * N) };
    };
    const on = run(true);
    const off = run(false);
    console.log(`      accept → grant: observer pairs ${(on.rate * 100).toFixed(1)} % (chance ${(on.chance * 100).toFixed(1)} %; without decoupling ${(off.rate * 100).toFixed(1)} %)`);
    expect(on.rate, `success ${on.rate.toFixed(3)} vs chance ${on.chance.toFixed(3)}`).to.be.at.most(2 * on.chance);
    expect(off.rate, "the control: accept and grant in one burst are paired").to.be.above(0.5);
  });

  it("vault copy ↔ counselor copy of one assessment by send time and size: within 2× chance", async () => {
    const w = Wallet.createRandom();
    const k = await counselorKeys(w.privateKey);
    const to = [{ address: w.address, x25519PublicKey: k.x25519.publicKey }];
    const common = { kind: "assessment", schema: "anxin.assessment.phq9.v1", subjectRef: w.address, recipients: to, signer: walletSigner(new Wallet(w.privateKey)) } as const;
    // 50 residents' real assessment bodies (different instruments and answers: different lengths before padding).
    const bodies = Array.from({ length: N }, (_, i) => ({ instrument: ["phq9", "gad7", "who5", "pss10", "k10"][i % 5], answers: Array.from({ length: 5 + (i % 6) }, (_, q) => (i * q) % 4), total: i, band: ["minimal", "mild", "moderate", "moderately_severe", "severe"][i % 5] }));
    const padded = await Promise.all(bodies.map(async (body) => (await sealJson({ ...common, body })).ciphertext.length));
    const unpadded = await Promise.all(bodies.map(async (body) => (await sealRecord({ ...common, plaintext: canonicalBytes(body) })).ciphertext.length));
    const run = (decoupled: boolean) => {
      let hits = 0;
      for (let r = 0; r < ROUNDS; r++) {
        const day = Date.UTC(2026, 11, 2);
        const sealed = Array.from({ length: N }, () => day + Math.random() * 24 * H); // one day of assessments
        const sizes = decoupled ? padded : unpadded;
        const vault = sealed.map((t) => (decoupled ? copySendTimes(1, t)[0] : t));
        const counselor = sealed.map((t) => (decoupled ? copySendTimes(1, t)[0] : t + 300));
        const perm = shuffled(N);
        // Equal sizes first: only copies of the same size can be one record's; then times within each size.
        let found = 0;
        for (const size of new Set(sizes)) {
          const a = [...Array(N).keys()].filter((i) => sizes[i] === size);
          const b = [...Array(N).keys()].filter((j) => sizes[perm[j]] === size);
          found += attack(a.map((i) => vault[i]), b.map((j) => counselor[perm[j]]), (x, y) => perm[b[y]] === a[x]);
        }
        hits += found;
      }
      return hits / (ROUNDS * N);
    };
    expect(new Set(padded).size, "padding puts every assessment in one size bucket").to.equal(1);
    expect(new Set(unpadded).size).to.be.above(5);
    const on = run(true);
    console.log(`      copies: observer pairs ${(on * 100).toFixed(1)} % (chance ${(100 / N).toFixed(1)} %)`);
    expect(on, `success ${on.toFixed(3)} vs chance ${(1 / N).toFixed(3)}`).to.be.at.most(2 / N);
    expect(run(false), "the control: one burst, exact sizes").to.be.above(0.5);
  });
});
