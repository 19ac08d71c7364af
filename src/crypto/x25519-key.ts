// Whether 32 bytes may serve as someone's X25519 public key: canonical (below p = 2^255 − 19 once the unused top bit
// is cleared) and not one of the points of small order, to which every sealed box would have a shared secret an
// attacker knows (libsodium refuses to seal to them; the server refuses to publish them).
const P = 2n ** 255n - 19n;
const SMALL_ORDER = [
  0n,
  1n,
  0x00b8495f16056286fdb1329ceb8d09da6ac49ff1fae35616aeb8413b7c7aebe0n, // order 8
  0x57119fd0dd4e22d8868e1c58c45c44045bef839c55b1d0b1248c50a3bc959c5fn, // order 8
  P - 1n,
  P,
  P + 1n,
];

export function isUsableX25519PublicKey(key: Uint8Array): boolean {
  if (key.length !== 32) return false;
  let u = 0n;
  for (let i = 31; i >= 0; i--) u = (u << 8n) | BigInt(i === 31 ? key[i] & 0x7f : key[i]);
  if (SMALL_ORDER.includes(u)) return false;
  return u < P;
}
