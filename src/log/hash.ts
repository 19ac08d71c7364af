// RFC 6962 / RFC 9162 hashing: domain-separated leaf and node hashes (the prefixes stop a leaf from posing as
// a node, the second-preimage attack on plain Merkle trees).
import { sha256, sha256Raw } from "./sha256.js";

export const HASH_SIZE = 32;
export const LEAF_PREFIX = 0x00;
export const NODE_PREFIX = 0x01;

/** Root of the empty tree: SHA-256 of the empty string. */
export const EMPTY_ROOT: Uint8Array = sha256(new Uint8Array(0));

// Reused scratch buffers avoid one allocation per hash on the million-leaf path. Safe: hashing is synchronous
// and nothing keeps a reference to them.
let leafScratch = new Uint8Array(1024);
const nodeScratch = new Uint8Array(1 + 2 * HASH_SIZE);
nodeScratch[0] = NODE_PREFIX;

/** leafHash = SHA-256(0x00 ‖ leafInput). */
export function leafHash(leafInput: Uint8Array): Uint8Array {
  const out = new Uint8Array(HASH_SIZE);
  out.set(leafHashRaw(leafInput));
  return out;
}

/** node = SHA-256(0x01 ‖ left ‖ right). Both children must be 32 bytes. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) throw new RangeError("node children must be 32 bytes");
  const out = new Uint8Array(HASH_SIZE);
  out.set(nodeHashAt(left, 0, right, 0));
  return out;
}

/** @internal leaf hash that may return a Buffer view; copy before keeping. */
export function leafHashRaw(leafInput: Uint8Array): Uint8Array {
  const n = leafInput.length + 1;
  if (n > leafScratch.length) leafScratch = new Uint8Array(Math.max(n, leafScratch.length * 2));
  leafScratch[0] = LEAF_PREFIX;
  leafScratch.set(leafInput, 1);
  return sha256Raw(leafScratch.subarray(0, n));
}

/**
 * @internal node hash of 32-byte children read at byte offsets of (possibly packed) arrays; may return a Buffer
 * view, copy before keeping. Lets the level cache hash without creating subarray views.
 */
export function nodeHashAt(left: Uint8Array, leftOff: number, right: Uint8Array, rightOff: number): Uint8Array {
  for (let i = 0; i < HASH_SIZE; i++) nodeScratch[1 + i] = left[leftOff + i];
  for (let i = 0; i < HASH_SIZE; i++) nodeScratch[1 + HASH_SIZE + i] = right[rightOff + i];
  return sha256Raw(nodeScratch);
}

/** Constant-length byte equality (not constant-time: everything compared here is public). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
