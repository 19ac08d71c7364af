// Browser stand-in for src/log/sha256.ts (which uses node:crypto on the server): same functions, @noble/hashes.
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";

export function sha256Raw(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}

export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}
