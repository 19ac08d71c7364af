// Interoperability: an independent reader/writer that follows ONLY docs/FORMATS.md (Crypto formats) (§1, §2.2–2.7, §3),
// built from libsodium primitives, the `canonicalize` package, node:crypto SHA-256 and ethers — none of our wrappers
// except to produce (or consume) the envelope under test.
import { expect } from "chai";
import canonicalize from "canonicalize";
import { Wallet, getBytes, verifyMessage } from "ethers";
import { createHash, createHmac, randomBytes, randomUUID } from "node:crypto";
import sodium from "libsodium-wrappers";
import {
  counselorKeys,
  generateSeed,
  openJson,
  relationshipKeys,
  sealJson,
  verifyEnvelope,
  walletSigner,
} from "../../../src/crypto/index.js";

const HEADER = ["v", "id", "kind", "schema", "createdAt", "author", "subjectRef", "consentId", "prev", "nonce"] as const;
const b64 = (s: string) => new Uint8Array(Buffer.from(s, "base64"));
const utf8 = (s: string) => new Uint8Array(Buffer.from(s, "utf8"));
const pick = (e: Record<string, unknown>, names: readonly string[]) => Object.fromEntries(names.map((n) => [n, e[n]]));

/** §2.6 steps 2–7 and §2.7, by hand. */
function independentOpen(e: Record<string, any>, address: string, pk: Uint8Array, sk: Uint8Array): unknown {
  const entry = e.keys.find((k: { to: string }) => k.to === address.toLowerCase());
  if (!entry) throw new Error("no access");
  const dek = sodium.crypto_box_seal_open(b64(entry.sealed), pk, sk);
  expect(dek).to.have.length(32);
  const aad = utf8(canonicalize(pick(e, HEADER))!);
  const plaintext = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, b64(e.ciphertext), aad, b64(e.nonce), dek);
  const h = createHash("sha256").update(canonicalize(pick(e, [...HEADER, "ciphertext"]))!, "utf8").digest();
  const sig = getBytes(e.sig);
  expect(sig).to.have.length(65);
  expect([27, 28]).to.include(sig[64]);
  expect(verifyMessage(h, e.sig).toLowerCase()).to.equal(e.author);
  return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(plaintext));
}

/** §3 by hand: HKDF-SHA256 with salt "anxin.rel.v1", one 32-byte block. */
function hkdf32(ikm: Uint8Array, info: string): Uint8Array {
  const prk = createHmac("sha256", "anxin.rel.v1").update(ikm).digest();
  return new Uint8Array(createHmac("sha256", prk).update(Buffer.concat([Buffer.from(info, "utf8"), Buffer.from([1])])).digest());
}

describe("interoperability with docs/FORMATS.md (Crypto formats)", () => {
  before(async () => {
    await sodium.ready;
  });

  it("an independent reader decrypts and verifies our record (counselor and resident)", async () => {
    const counselorWallet = Wallet.createRandom();
    const counselor = await counselorKeys(counselorWallet);
    const seed = await generateSeed();
    const resident = await relationshipKeys(seed, counselor.address);
    const body = { instrument: "gad7", answers: [0, 1, 2, 3, 0, 1, 2], total: 9, note: "夜里焦虑 \"quoted\" \u2028" };
    const envelope = await sealJson({
      kind: "consultation_note", schema: "anxin.note.v1", subjectRef: resident.address, body,
      consentId: "0x" + "cd".repeat(32), prev: null,
      recipients: [
        { address: counselor.address, x25519PublicKey: counselor.x25519.publicKey },
        { address: resident.address, x25519PublicKey: resident.x25519.publicKey },
      ],
      signer: walletSigner(counselorWallet),
    });
    // The envelope travels as JSON text.
    const wire = JSON.parse(JSON.stringify(envelope));

    // Counselor's X25519 key per §3 from the wallet key alone.
    const ckp = sodium.crypto_box_seed_keypair(hkdf32(getBytes(counselorWallet.privateKey), "x25519|self"));
    expect(independentOpen(wire, counselorWallet.address, ckp.publicKey, ckp.privateKey)).to.deep.equal(body);

    // Resident's relationship key per §3 from the seed and the counselor (= author) address alone.
    const rkp = sodium.crypto_box_seed_keypair(hkdf32(seed, `x25519|${wire.author}`));
    const rAddr = new Wallet("0x" + Buffer.from(hkdf32(seed, `sign|${wire.author}`)).toString("hex")).address;
    expect(rAddr.toLowerCase()).to.equal(wire.subjectRef);
    expect(independentOpen(wire, rAddr, rkp.publicKey, rkp.privateKey)).to.deep.equal(body);

    // and a one-byte change is caught by the independent reader too
    const bad = { ...wire, ciphertext: Buffer.from(b64(wire.ciphertext).map((x, i) => (i === 0 ? x ^ 1 : x))).toString("base64") };
    expect(() => independentOpen(bad, counselorWallet.address, ckp.publicKey, ckp.privateKey)).to.throw();
  });

  it("our reader opens an envelope written by an independent writer following the document", async () => {
    const author = Wallet.createRandom();
    const reader = await counselorKeys(Wallet.createRandom());
    const body = { plan: ["每周一次面谈", "sleep hygiene"], reviewInWeeks: 4 };
    const dek = new Uint8Array(randomBytes(32));
    const header = {
      v: "anxin.record.v1",
      id: randomUUID(),
      kind: "care_plan",
      schema: "anxin.careplan.v1",
      createdAt: new Date().toISOString(),
      author: author.address.toLowerCase(),
      subjectRef: Wallet.createRandom().address.toLowerCase(),
      consentId: null,
      prev: null,
      nonce: randomBytes(24).toString("base64"),
    };
    const ct = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
      utf8(canonicalize(body)!), utf8(canonicalize(header)!), null, b64(header.nonce), dek);
    const unsigned = { ...header, ciphertext: Buffer.from(ct).toString("base64") };
    const h = createHash("sha256").update(canonicalize(unsigned)!, "utf8").digest();
    const sig = await author.signMessage(h);
    const envelope = {
      ...unsigned,
      sig,
      keys: [{ to: reader.address, sealed: Buffer.from(sodium.crypto_box_seal(dek, getBytes(reader.encryptionKey))).toString("base64") }],
    };
    const v = verifyEnvelope(envelope);
    expect(v.ok).to.equal(true);
    if (v.ok) expect(v.contentHash).to.equal("0x" + h.toString("hex"));
    expect(await openJson(envelope, reader.address, reader.x25519)).to.deep.equal(body);
  });
});
