// Public API of the RFC 6962 log core (pure: no I/O, no adapters).
export { EMPTY_ROOT, HASH_SIZE, LEAF_PREFIX, NODE_PREFIX, bytesEqual, leafHash, nodeHash } from "./hash.js";
export { fromHex, isHash32Hex, toHex } from "./hex.js";
export type { TreeSize } from "./size.js";
export {
  LogProofError,
  type ProofFailure,
  assertConsistency,
  assertInclusion,
  rootFromInclusionProof,
  rootsFromConsistencyProof,
  verifyConsistency,
  verifyInclusion,
} from "./proofs.js";
export { type LeafHashes, MerkleTree, consistencyProof, inclusionProof, rootOf } from "./tree.js";
export { CompactRange, type CompactRangeState, rootsAt, rootsAtAsync } from "./compact.js";
export {
  LOG_EVENT_TYPES,
  type LogEvent,
  LogEventError,
  type LogEventType,
  type LogValue,
  eventLeafHash,
  eventTime,
  leafInput,
  leafInputType,
  parseLeafInput,
  validateLogEvent,
} from "./event.js";
export {
  ALG_COSIGNATURE_V1,
  ALG_ED25519,
  type Checkpoint,
  type Ed25519Signer,
  NoteError,
  type NoteSignature,
  type NoteVerifier,
  cosignLine,
  cosignedBy,
  cosignedMessage,
  encodeSignerKey,
  formatCheckpoint,
  isKeyName,
  keyId,
  noteSignedBy,
  parseCheckpoint,
  parseSignerKey,
  parseVkey,
  signNoteLine,
  signerFromSeed,
  splitNote,
  vkeyOf,
} from "./note.js";
export * from "./tiles.js";
export * from "./tlog-proof.js";
