// Shared test setup: a counselor, a resident relationship with that counselor, and one sealed record.
import { Wallet } from "ethers";
import {
  counselorKeys,
  generateSeed,
  relationshipKeys,
  sealJson,
  walletSigner,
  type RecordEnvelope,
} from "../../../src/crypto/index.js";

export async function scenario() {
  const counselor = await counselorKeys(Wallet.createRandom());
  const seed = await generateSeed();
  const resident = await relationshipKeys(seed, counselor.address);
  const body = { instrument: "phq9", answers: [1, 2, 0, 3, 1, 0, 2, 1, 0], total: 10, note: "睡眠不好" };
  const envelope: RecordEnvelope = await sealJson({
    kind: "assessment",
    schema: "anxin.assessment.phq9.v1",
    subjectRef: resident.address,
    consentId: "0x" + "ab".repeat(32),
    body,
    recipients: [
      { address: counselor.address, x25519PublicKey: counselor.x25519.publicKey },
      { address: resident.address, x25519PublicKey: resident.x25519.publicKey },
    ],
    signer: walletSigner(counselor.wallet),
  });
  return { counselor, seed, resident, body, envelope };
}

/** Copy of a base64 string with one bit of byte `index` flipped (negative index counts from the end). */
export function flipBase64(b64: string, index: number): string {
  const bytes = Buffer.from(b64, "base64");
  const i = index < 0 ? bytes.length + index : index;
  bytes[i] ^= 0x01;
  return bytes.toString("base64");
}
