// Key publications (docs/FORMATS.md (Key directory)): the EIP-712 digest rebuilt by hand from the spec with
// another library (noble keccak + secp256k1) matches ours and verifies the signature; every tampering is named.
import { expect } from "chai";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { Wallet } from "ethers";
import {
  KeyPublicationError,
  keyPublicationDigest,
  keyPublicationHash,
  signKeyPublication,
  verifyKeyPublication,
  fromHex0x,
  toHex,
} from "../../../src/crypto/index.js";

const utf8 = (s: string) => new TextEncoder().encode(s);
const cat = (...a: Uint8Array[]) => {
  const out = new Uint8Array(a.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of a) (out.set(x, o), (o += x.length));
  return out;
};
const word = (n: bigint | number) => fromHex0x("0x" + BigInt(n).toString(16).padStart(64, "0"), 32);

// The published test vector: a fixed key and message.
const OWNER_KEY = "0x" + "42".repeat(32);
const MESSAGE = { owner: new Wallet(OWNER_KEY).address, x25519PublicKey: "0x" + "07".repeat(32), version: 1, issuedAt: 1_800_000_000 };

describe("key publication (EIP-712 RecipientKey)", () => {
  it("has the digest an independent EIP-712 implementation computes from docs/FORMATS.md, and its signature verifies there", async () => {
    const domainType = keccak_256(utf8("EIP712Domain(string name,string version)"));
    const domain = keccak_256(cat(domainType, keccak_256(utf8("Anxin Key Directory")), keccak_256(utf8("1"))));
    const typeHash = keccak_256(utf8("RecipientKey(address owner,bytes32 x25519PublicKey,uint64 version,uint64 issuedAt)"));
    const struct = keccak_256(cat(typeHash, word(BigInt(MESSAGE.owner)), fromHex0x(MESSAGE.x25519PublicKey, 32), word(MESSAGE.version), word(MESSAGE.issuedAt)));
    const digest = keccak_256(cat(new Uint8Array([0x19, 0x01]), domain, struct));
    expect(keyPublicationDigest(MESSAGE)).to.equal("0x" + toHex(digest));
    expect(toHex(digest)).to.equal("2bde6a5bee5e913ada4ffca048fb1680adf55e06b3ee355c1b45669e0dcf6561"); // the vector in docs/FORMATS.md

    const p = await signKeyPublication(new Wallet(OWNER_KEY), MESSAGE);
    expect(p.signature).to.equal("0x3c7f05a7a54c94fc44eb15a9415d73e750c1c5bae6885ab0056e39f24c2b55572fff8a19faf4593467ab83f4edb627b701bf87598e7967afa40ab3ffbde853a81b");
    expect(keyPublicationHash(p)).to.equal("050ad9a5aa4c91e18f91209e56236470982a9f197aaed75f9caf2989b291b28a");
    const sig = fromHex0x(p.signature, 65);
    const pub = secp256k1.getPublicKey(fromHex0x(OWNER_KEY, 32), false);
    expect(secp256k1.verify(sig.slice(0, 64), digest, pub, { prehash: false })).to.equal(true);
    expect(verifyKeyPublication(p, MESSAGE.owner)).to.deep.equal(p);
    expect(keyPublicationHash(p)).to.match(/^[0-9a-f]{64}$/);
  });

  it("names what is wrong: no signature, another signer, another owner, a changed field, a malformed key", async () => {
    const p = await signKeyPublication(new Wallet(OWNER_KEY), MESSAGE);
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).to.be.instanceOf(KeyPublicationError);
        return (e as KeyPublicationError).code;
      }
      return "accepted";
    };
    expect(code(() => verifyKeyPublication({ ...p, signature: undefined }))).to.equal("unsigned_recipient_key");
    expect(code(() => verifyKeyPublication(null))).to.equal("unsigned_recipient_key");
    const other = await signKeyPublication(Wallet.createRandom(), MESSAGE);
    expect(code(() => verifyKeyPublication(other))).to.equal("bad_key_signature");
    expect(code(() => verifyKeyPublication(p, Wallet.createRandom().address))).to.equal("key_owner_mismatch");
    for (const changed of [{ version: 2 }, { issuedAt: MESSAGE.issuedAt + 1 }, { x25519PublicKey: "0x" + "08".repeat(32) }]) {
      expect(code(() => verifyKeyPublication({ ...p, ...changed }))).to.equal("bad_key_signature");
    }
    expect(code(() => verifyKeyPublication({ ...p, x25519PublicKey: "0x07" }))).to.equal("malformed_key_publication");
    expect(code(() => verifyKeyPublication({ ...p, version: 0 }))).to.equal("malformed_key_publication");
  });
});
