// A signed key publication body (POST /v1/vault/recipients) for tests that post raw requests.
import type { Signer } from "ethers";
import { signKeyPublication, toBase64, x25519ToBytes32 } from "../../src/crypto/index.js";

export async function signedKeyBody(owner: Signer & { address: string }, x25519PublicKey: Uint8Array, version = 1, issuedAt = Math.floor(Date.now() / 1000)) {
  const p = await signKeyPublication(owner, { owner: owner.address, x25519PublicKey: x25519ToBytes32(x25519PublicKey), version, issuedAt });
  return { x25519PublicKey: toBase64(x25519PublicKey), version, issuedAt: p.issuedAt, signature: p.signature };
}
