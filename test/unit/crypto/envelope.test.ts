import { expect } from "chai";
import { padmeLength } from "../../../src/crypto/padding.js";
import { Signature, Wallet, getBytes } from "ethers";
import {
  MAX_PLAINTEXT_BYTES,
  InvalidSignature,
  MalformedEnvelope,
  NoKeyForRecipient,
  TamperedCiphertext,
  TamperedKey,
  addKeyEntry,
  canonicalBytes,
  checkAmendment,
  contentHash,
  contentHashHex,
  counselorKeys,
  fromBase64,
  headerBytes,
  openJson,
  openRecord,
  ready,
  recordEnvelopeSchema,
  removeKeyEntry,
  rewrapKey,
  sealJson,
  sealRecord,
  toBase64,
  toHex0x,
  verifyEnvelope,
  walletSigner,
  type RecordEnvelope,
} from "../../../src/crypto/index.js";
import { flipBase64, scenario } from "./fixtures.js";

describe("record envelope anxin.record.v1", () => {
  let s: Awaited<ReturnType<typeof scenario>>;
  before(async () => {
    s = await scenario();
  });

  it("has exactly the DESIGN format 2 fields, in the documented spellings", () => {
    const e = s.envelope;
    expect(Object.keys(e).sort()).to.deep.equal(
      ["author", "ciphertext", "consentId", "createdAt", "id", "keys", "kind", "nonce", "prev", "schema", "sig", "subjectRef", "v"],
    );
    expect(e.v).to.equal("anxin.record.v1");
    expect(e.id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(e.author).to.equal(s.counselor.address).and.to.match(/^0x[0-9a-f]{40}$/);
    expect(e.subjectRef).to.equal(s.resident.address);
    expect(e.prev).to.equal(null);
    expect(fromBase64(e.nonce)).to.have.length(24);
    expect(e.sig).to.match(/^0x[0-9a-f]{130}$/);
    expect(e.keys.map((k) => k.to)).to.deep.equal([s.counselor.address, s.resident.address]);
    expect(new Date(e.createdAt).toISOString()).to.equal(e.createdAt);
  });

  it("round-trips for every recipient, and the ciphertext does not contain the plaintext", async () => {
    expect(await openJson(s.envelope, s.counselor.address, s.counselor.x25519)).to.deep.equal(s.body);
    expect(await openJson(s.envelope, s.resident.address.toUpperCase().replace("0X", "0x"), s.resident.x25519)).to.deep.equal(s.body);
    const plain = await openRecord(s.envelope, s.counselor.address, s.counselor.x25519);
    // The canonical JSON, then spaces up to its size bucket (FORMATS §2.2 padding).
    const canon = Buffer.from(canonicalBytes(s.body));
    expect(plain.length).to.equal(padmeLength(canon.length));
    expect(Buffer.from(plain.subarray(0, canon.length)).equals(canon)).to.equal(true);
    expect([...plain.subarray(canon.length)].every((b) => b === 0x20)).to.equal(true);
    expect(Buffer.from(s.envelope.ciphertext, "base64").includes(Buffer.from("睡眠不好"))).to.equal(false);
  });

  it("round-trips raw bytes, including empty plaintext and the maximum size", async () => {
    for (const size of [0, 1, MAX_PLAINTEXT_BYTES]) {
      const plaintext = new Uint8Array(size).map((_, i) => i * 7);
      const e = await sealRecord({
        kind: "wearable_summary", schema: "anxin.wearable.daily.v1", subjectRef: s.resident.address, plaintext,
        recipients: [{ address: s.counselor.address, x25519PublicKey: s.counselor.x25519.publicKey }],
        signer: walletSigner(s.counselor.wallet),
      });
      expect(e.ciphertext.length).to.be.at.most(1024 * 1024);
      expect(Buffer.from(await openRecord(e, s.counselor.address, s.counselor.x25519)).equals(Buffer.from(plaintext))).to.equal(true);
    }
  });

  it("refuses a plaintext larger than the 1 MiB ciphertext limit allows", async () => {
    await expectReject(sealRecord({
      kind: "referral", schema: "anxin.referral.v1", subjectRef: s.resident.address,
      plaintext: new Uint8Array(MAX_PLAINTEXT_BYTES + 1),
      recipients: [{ address: s.counselor.address, x25519PublicKey: s.counselor.x25519.publicKey }],
      signer: walletSigner(s.counselor.wallet),
    }), MalformedEnvelope);
  });

  it("uses a fresh DEK and nonce per envelope", async () => {
    const again = await sealJson({
      kind: "assessment", schema: "anxin.assessment.phq9.v1", subjectRef: s.resident.address, body: s.body,
      recipients: [{ address: s.counselor.address, x25519PublicKey: s.counselor.x25519.publicKey }],
      signer: walletSigner(s.counselor.wallet),
    });
    expect(again.nonce).to.not.equal(s.envelope.nonce);
    expect(again.ciphertext).to.not.equal(s.envelope.ciphertext);
    expect(again.id).to.not.equal(s.envelope.id);
  });

  it("verifies structure and the author's signature without any key", () => {
    const r = verifyEnvelope(s.envelope);
    expect(r.ok).to.equal(true);
    if (r.ok) expect(r.contentHash).to.equal(contentHashHex(s.envelope));
  });

  it("contentHash is SHA-256 of the canonical envelope without keys and sig", async () => {
    const { keys: _k, sig: _s, ...rest } = s.envelope;
    const { createHash } = await import("node:crypto");
    const expected = createHash("sha256").update(canonicalBytes(rest)).digest();
    expect(Buffer.from(contentHash(s.envelope)).equals(expected)).to.equal(true);
  });

  it("says who has no key", async () => {
    const stranger = await counselorKeys(Wallet.createRandom());
    await expectReject(openRecord(s.envelope, stranger.address, stranger.x25519), NoKeyForRecipient);
  });

  it("refuses a wrong X25519 key for an existing entry as TamperedKey", async () => {
    const stranger = await counselorKeys(Wallet.createRandom());
    await expectReject(openRecord(s.envelope, s.counselor.address, stranger.x25519), TamperedKey);
  });

  for (const index of [0, 17, -1]) {
    it(`refuses a ciphertext with byte ${index} flipped`, async () => {
      const t = { ...s.envelope, ciphertext: flipBase64(s.envelope.ciphertext, index) };
      await expectReject(openRecord(t, s.counselor.address, s.counselor.x25519), TamperedCiphertext);
      expect(verifyEnvelope(t).ok).to.equal(false);
    });
  }

  it("refuses a nonce with one byte flipped", async () => {
    const t = { ...s.envelope, nonce: flipBase64(s.envelope.nonce, 5) };
    await expectReject(openRecord(t, s.resident.address, s.resident.x25519), TamperedCiphertext);
    expect(verifyEnvelope(t).ok).to.equal(false);
  });

  const headerEdits: [string, (e: RecordEnvelope) => Partial<RecordEnvelope>][] = [
    ["id", (e) => ({ id: e.id.replace(/^./, (c) => (c === "a" ? "b" : "a")) })],
    ["kind", () => ({ kind: "care_plan" })],
    ["schema", () => ({ schema: "anxin.assessment.gad7.v1" })],
    ["createdAt", (e) => ({ createdAt: new Date(Date.parse(e.createdAt) + 1).toISOString() })],
    ["author", () => ({ author: "0x" + "11".repeat(20) })],
    ["subjectRef", () => ({ subjectRef: "0x" + "22".repeat(20) })],
    ["consentId", () => ({ consentId: null })],
    ["prev", () => ({ prev: "0x" + "33".repeat(32) })],
  ];
  for (const [field, edit] of headerEdits) {
    it(`refuses a changed header field: ${field}`, async () => {
      const t = { ...s.envelope, ...edit(s.envelope) };
      expect(recordEnvelopeSchema.safeParse(t).success, "edit keeps the envelope well formed").to.equal(true);
      await expectReject(openRecord(t, s.counselor.address, s.counselor.x25519), TamperedCiphertext);
      expect(verifyEnvelope(t).ok).to.equal(false);
    });
  }

  it("refuses a changed version as malformed", async () => {
    const t = { ...s.envelope, v: "anxin.record.v2" };
    await expectReject(openRecord(t, s.counselor.address, s.counselor.x25519), MalformedEnvelope);
  });

  for (const index of [0, 40, -1]) {
    it(`refuses a sealed key with byte ${index} flipped`, async () => {
      const keys = s.envelope.keys.map((k) => (k.to === s.resident.address ? { ...k, sealed: flipBase64(k.sealed, index) } : k));
      const t = { ...s.envelope, keys };
      await expectReject(openRecord(t, s.resident.address, s.resident.x25519), TamperedKey);
      // keys are outside contentHash: the signature still verifies, the counselor's entry still opens
      expect(verifyEnvelope(t).ok).to.equal(true);
      expect(await openJson(t, s.counselor.address, s.counselor.x25519)).to.deep.equal(s.body);
    });
  }

  it("refuses a signature that is altered, or by someone else", async () => {
    const sigBytes = getBytes(s.envelope.sig);
    sigBytes[10] ^= 1;
    const altered = { ...s.envelope, sig: toHex0x(sigBytes) };
    expect(verifyEnvelope(altered).ok).to.equal(false);
    await expectReject(openRecord(altered, s.counselor.address, s.counselor.x25519), InvalidSignature);

    const other = Wallet.createRandom();
    const foreign = { ...s.envelope, sig: (await other.signMessage(contentHash(s.envelope))).toLowerCase() };
    const r = verifyEnvelope(foreign);
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.reason).to.match(/not by the author/);
    await expectReject(openRecord(foreign, s.counselor.address, s.counselor.x25519), InvalidSignature);
  });

  it("refuses the high-s twin of a valid signature", () => {
    const sig = Signature.from(s.envelope.sig);
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const highS = (n - BigInt(sig.s)).toString(16).padStart(64, "0");
    const v = sig.v === 27 ? "1c" : "1b";
    const twin = { ...s.envelope, sig: sig.r + highS + v };
    const r = verifyEnvelope(twin);
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.reason).to.match(/low-s/);
  });

  it("refuses a record forged by a co-recipient who knows the DEK (signature check in openRecord)", async () => {
    const sodium = await ready();
    const dek = sodium.crypto_box_seal_open(fromBase64(s.envelope.keys[1].sealed), s.resident.x25519.publicKey, s.resident.x25519.privateKey);
    const forgedPlain = canonicalBytes({ ...s.body, total: 27 });
    const ciphertext = toBase64(sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
      forgedPlain, headerBytes(s.envelope), null, fromBase64(s.envelope.nonce), dek));
    const forged = { ...s.envelope, ciphertext };
    forged.sig = (await s.resident.wallet.signMessage(contentHash(forged))).toLowerCase();
    await expectReject(openRecord(forged, s.counselor.address, s.counselor.x25519), InvalidSignature);
  });

  it("rewraps the DEK for a newly consented counselor without changing contentHash or signature", async () => {
    const newCounselor = await counselorKeys(Wallet.createRandom());
    const before = contentHashHex(s.envelope);
    await expectReject(openRecord(s.envelope, newCounselor.address, newCounselor.x25519), NoKeyForRecipient);
    const entry = await rewrapKey(s.envelope, s.resident.x25519, s.resident.address,
      { address: newCounselor.address, x25519PublicKey: newCounselor.x25519.publicKey });
    expect(entry.to).to.equal(newCounselor.address);
    const widened = addKeyEntry(s.envelope, entry);
    expect(widened.keys).to.have.length(3);
    expect(contentHashHex(widened)).to.equal(before);
    expect(widened.sig).to.equal(s.envelope.sig);
    expect(verifyEnvelope(widened).ok).to.equal(true);
    expect(await openJson(widened, newCounselor.address, newCounselor.x25519)).to.deep.equal(s.body);

    expect(() => addKeyEntry(widened, entry)).to.throw(MalformedEnvelope, /exists/);
    const narrowed = removeKeyEntry(widened, newCounselor.address);
    expect(contentHashHex(narrowed)).to.equal(before);
    await expectReject(openRecord(narrowed, newCounselor.address, newCounselor.x25519), NoKeyForRecipient);
  });

  it("refuses to rewrap for a holder without a key, or from a tampered envelope", async () => {
    const outsider = await counselorKeys(Wallet.createRandom());
    const target = { address: outsider.address, x25519PublicKey: outsider.x25519.publicKey };
    await expectReject(rewrapKey(s.envelope, outsider.x25519, outsider.address, target), NoKeyForRecipient);
    const t = { ...s.envelope, ciphertext: flipBase64(s.envelope.ciphertext, 3) };
    await expectReject(rewrapKey(t, s.resident.x25519, s.resident.address, target), TamperedCiphertext);
  });

  it("links amendments by prev and id", async () => {
    const v2 = await sealJson({
      id: s.envelope.id, prev: contentHashHex(s.envelope),
      kind: "assessment", schema: "anxin.assessment.phq9.v1", subjectRef: s.resident.address, body: { ...s.body, total: 11 },
      recipients: [{ address: s.counselor.address, x25519PublicKey: s.counselor.x25519.publicKey }],
      signer: walletSigner(s.counselor.wallet),
    });
    expect(checkAmendment(s.envelope, v2)).to.deep.equal({ ok: true });
    const r = checkAmendment(v2, s.envelope);
    expect(r.ok).to.equal(false);
    const unrelated = await sealJson({
      prev: contentHashHex(s.envelope), kind: "assessment", schema: "anxin.assessment.phq9.v1",
      subjectRef: s.resident.address, body: s.body,
      recipients: [{ address: s.counselor.address, x25519PublicKey: s.counselor.x25519.publicKey }],
      signer: walletSigner(s.counselor.wallet),
    });
    const r2 = checkAmendment(s.envelope, unrelated);
    expect(r2.ok).to.equal(false);
    if (!r2.ok) expect(r2.reason).to.match(/^id/);
  });

  it("sealRecord refuses bad inputs", async () => {
    const base = {
      kind: "assessment" as const, schema: "anxin.assessment.phq9.v1", subjectRef: s.resident.address,
      plaintext: new Uint8Array(3), signer: walletSigner(s.counselor.wallet),
      recipients: [{ address: s.counselor.address, x25519PublicKey: s.counselor.x25519.publicKey }],
    };
    await expectReject(sealRecord({ ...base, recipients: [] }), MalformedEnvelope);
    await expectReject(sealRecord({ ...base, recipients: Array.from({ length: 17 }, () => base.recipients[0]) }), MalformedEnvelope);
    await expectReject(sealRecord({ ...base, recipients: [base.recipients[0], base.recipients[0]] }), MalformedEnvelope);
    await expectReject(sealRecord({ ...base, kind: "diary" as never }), MalformedEnvelope);
    await expectReject(sealRecord({ ...base, schema: "Has Spaces" }), MalformedEnvelope);
    await expectReject(sealRecord({ ...base, consentId: "0x1234" }), MalformedEnvelope);
    await expectReject(sealRecord({ ...base, subjectRef: "resident-42" }), MalformedEnvelope);
    await expectReject(sealRecord({ ...base, recipients: [{ address: s.counselor.address, x25519PublicKey: new Uint8Array(31) }] }), MalformedEnvelope);
    const liar = { address: s.counselor.address, signDigest: (h: Uint8Array) => Wallet.createRandom().signMessage(h) };
    await expectReject(sealRecord({ ...base, signer: liar }), InvalidSignature);
  });
});

describe("envelope zod schema", () => {
  let e: RecordEnvelope;
  before(async () => {
    e = (await scenario()).envelope;
  });
  const bad: [string, (e: RecordEnvelope) => unknown][] = [
    ["extra field", (e) => ({ ...e, extra: 1 })],
    ["missing field", ({ prev: _p, ...rest }) => rest],
    ["prev omitted instead of null", ({ prev: _p, ...rest }) => rest],
    ["uppercase author", (e) => ({ ...e, author: e.author.toUpperCase().replace("0X", "0x") })],
    ["url-safe base64 nonce", (e) => ({ ...e, nonce: "-".repeat(32) })],
    ["short nonce", (e) => ({ ...e, nonce: "AAAA" })],
    ["unpadded ciphertext", (e) => ({ ...e, ciphertext: /=$/.test(e.ciphertext) ? e.ciphertext.replace(/=+$/, "") : e.ciphertext.slice(0, -1) })],
    ["ciphertext over 1 MiB", (e) => ({ ...e, ciphertext: "A".repeat(1024 * 1024 + 4) })],
    ["no keys", (e) => ({ ...e, keys: [] })],
    ["17 keys", (e) => ({ ...e, keys: Array.from({ length: 17 }, (_, i) => ({ to: "0x" + i.toString(16).padStart(40, "0"), sealed: e.keys[0].sealed })) })],
    ["duplicate key recipient", (e) => ({ ...e, keys: [e.keys[0], e.keys[0]] })],
    ["extra member in key entry", (e) => ({ ...e, keys: [{ ...e.keys[0], alg: "x" }] })],
    ["sealed key of wrong length", (e) => ({ ...e, keys: [{ ...e.keys[0], sealed: "AAAA" }] })],
    ["createdAt without ms", (e) => ({ ...e, createdAt: e.createdAt.replace(/\.\d{3}Z$/, "Z") })],
    ["createdAt impossible date", (e) => ({ ...e, createdAt: "2025-02-30T00:00:00.000Z" })],
    ["id not UUIDv4", (e) => ({ ...e, id: "0".repeat(32) })],
    ["short sig", (e) => ({ ...e, sig: e.sig.slice(0, 130) })],
  ];
  for (const [name, make] of bad) {
    it(`rejects: ${name}`, () => {
      expect(recordEnvelopeSchema.safeParse(make(e)).success).to.equal(false);
      const r = verifyEnvelope(make(e));
      expect(r.ok).to.equal(false);
      if (!r.ok) expect(r.reason).to.match(/^malformed envelope: /);
    });
  }
  it("accepts a ciphertext of exactly 1 MiB of base64", () => {
    expect(recordEnvelopeSchema.safeParse({ ...e, ciphertext: "A".repeat(1024 * 1024) }).success).to.equal(true);
  });
});

async function expectReject(p: Promise<unknown>, type: new (...args: never[]) => Error): Promise<Error> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(type);
    return err as Error;
  }
  expect.fail(`expected ${type.name}`);
}
