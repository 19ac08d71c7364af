// The client's side of the key directory (docs/FORMATS.md (Key directory), docs/threat-model.md (Key directory)):
// nothing a record is sealed to is taken on the app server's word. A resident's key must carry its owner's EIP-712
// signature and a "key" log leaf included in a checkpoint that extends the checkpoint anchored on chain; a
// counselor's key and accreditation are read from CounselorRegistry over a chain endpoint the client chooses.
// Node and browser (fetch, ethers; no node: imports).
import { Contract, JsonRpcProvider } from "ethers";
import type { Signer } from "ethers";
import { fromHex0x, toBase64 } from "../crypto/encoding.js";
import {
  KeyPublicationError,
  keyPublicationHash,
  signKeyPublication,
  verifyKeyPublication,
  x25519ToBytes32,
  type KeyPublication,
} from "../crypto/key-publication.js";
// The log's modules one by one, not log/index.js: that also exports the signed-note code, which needs node:crypto.
import { parseLeafInput } from "../log/event.js";
import { leafHash } from "../log/hash.js";
import { fromHex } from "../log/hex.js";
import { assertConsistency, assertInclusion } from "../log/proofs.js";
import type { ApiClient } from "./api.js";

export type KeyDirectoryCode =
  | KeyPublicationError["code"]
  | "key_not_logged"
  | "stale_checkpoint"
  | "forked_checkpoint"
  | "counselor_key_mismatch"
  | "counselor_not_accredited"
  | "no_trusted_chain";

/** A key or checkpoint the client will not trust; `code` names why (shown to the user, asserted by tests). */
export class KeyDirectoryError extends Error {
  constructor(readonly code: KeyDirectoryCode, message: string) {
    super(`${message} (${code})`);
    this.name = "KeyDirectoryError";
  }
}

/** The chain as the client reads it itself: its own RPC endpoint and the deployment's contract addresses. */
export interface TrustedChain {
  rpcUrl: string;
  registry: string;
  checkpointLog: string;
}

const REGISTRY_ABI = ["function encryptionKeyOf(address) view returns (bytes32)", "function isAccredited(address,uint64) view returns (bool)"];
const CHECKPOINT_ABI = ["function latest() view returns (uint64 size, bytes32 root)"];

export class ChainReader {
  readonly provider: JsonRpcProvider;
  constructor(readonly chain: TrustedChain) {
    this.provider = new JsonRpcProvider(chain.rpcUrl, undefined, { staticNetwork: true });
  }

  /** CounselorRegistry's word: the counselor's X25519 key, refused unless accredited now. */
  async counselorKey(counselor: string): Promise<Uint8Array> {
    const reg = new Contract(this.chain.registry, REGISTRY_ABI, this.provider);
    const now = Math.floor(Date.now() / 1000);
    if (!(await reg.isAccredited(counselor, now))) throw new KeyDirectoryError("counselor_not_accredited", "the registry on chain does not accredit this counselor");
    return fromHex0x(String(await reg.encryptionKeyOf(counselor)), 32);
  }

  /** CheckpointLog.latest(): the newest (size, root) the chain accepted. */
  async anchored(): Promise<{ size: number; root: Uint8Array }> {
    const cpl = new Contract(this.chain.checkpointLog, CHECKPOINT_ABI, this.provider);
    const [size, root] = (await cpl.latest()) as [bigint, string];
    return { size: Number(size), root: fromHex0x(root, 32) };
  }

  destroy() {
    this.provider.destroy();
  }
}

interface ServedPublication extends KeyPublication {
  leafIndex: number;
  leafInput: string | null;
}
interface ServedKey {
  address: string;
  x25519PublicKey: string;
  source: "resident" | "registry";
  publication: ServedPublication | null;
}

/**
 * The app server's checkpoint, accepted only if it extends the checkpoint anchored on chain (read by the client):
 * an older one is `stale_checkpoint`, one that does not extend it `forked_checkpoint`.
 */
export async function trustedCheckpoint(api: ApiClient, chain: ChainReader): Promise<{ size: number; root: Uint8Array }> {
  const anchor = await chain.anchored();
  const served = await api.get<{ local: { size: number; root: string } }>("/v1/log/checkpoint");
  const local = { size: served.local.size, root: fromHex(served.local.root) };
  if (local.size < anchor.size) throw new KeyDirectoryError("stale_checkpoint", `the server's log (${local.size} leaves) is older than the checkpoint anchored on chain (${anchor.size})`);
  const c = await api.get<{ proof: string[] }>(`/v1/log/proof/consistency?from=${anchor.size}&to=${local.size}`);
  try {
    assertConsistency(anchor.size, local.size, anchor.root, local.root, c.proof.map((h) => fromHex(h)));
  } catch {
    throw new KeyDirectoryError("forked_checkpoint", "the server's log does not extend the checkpoint anchored on chain");
  }
  return local;
}

/** Checks a publication's signature, owner and log leaf against a trusted checkpoint; returns the X25519 key. */
export async function verifyServedKey(api: ApiClient, chain: ChainReader, owner: string, served: ServedKey): Promise<Uint8Array> {
  let pub: KeyPublication;
  try {
    pub = verifyKeyPublication(served.publication, owner);
  } catch (e) {
    if (e instanceof KeyPublicationError) throw new KeyDirectoryError(e.code, e.message);
    throw e;
  }
  const pk = fromHex0x(pub.x25519PublicKey, 32);
  if (toBase64(pk) !== served.x25519PublicKey) throw new KeyDirectoryError("bad_key_signature", "the key served is not the key signed");
  const p = served.publication!;
  if (p.leafInput === null) throw new KeyDirectoryError("key_not_logged", "the publication has no log leaf");
  let ev;
  try {
    ev = parseLeafInput(new TextEncoder().encode(p.leafInput));
  } catch {
    throw new KeyDirectoryError("key_not_logged", "the publication's leaf is not a log event");
  }
  if (ev.type !== "key" || ev.id !== `key:${pub.owner}:${pub.version}` || ev.hash !== keyPublicationHash(pub)) {
    throw new KeyDirectoryError("key_not_logged", "the publication's leaf does not commit to this key");
  }
  const head = await trustedCheckpoint(api, chain);
  if (p.leafIndex >= head.size) throw new KeyDirectoryError("key_not_logged", "the publication's leaf is not in the log yet");
  const proof = await api.get<{ proof: string[] }>(`/v1/log/proof/inclusion?index=${p.leafIndex}&size=${head.size}`);
  try {
    assertInclusion(p.leafIndex, head.size, leafHash(new TextEncoder().encode(p.leafInput)), proof.proof.map((h) => fromHex(h)), head.root);
  } catch {
    throw new KeyDirectoryError("key_not_logged", "the publication's leaf is not included in the log");
  }
  return pk;
}

/** A resident's relationship key, verified; refuses with KeyDirectoryError. */
export async function residentKey(api: ApiClient, chain: ChainReader, owner: string): Promise<Uint8Array> {
  const a = owner.toLowerCase();
  const served = await api.get<ServedKey>(`/v1/vault/recipients/${a}`);
  if (served.source !== "resident") throw new KeyDirectoryError("unsigned_recipient_key", "no resident key is published for this address");
  return verifyServedKey(api, chain, a, served);
}

/** A counselor's key from the chain; if the app server also serves one, it must be the same. */
export async function counselorKey(chain: ChainReader, counselor: string, servedBase64?: string): Promise<Uint8Array> {
  const k = await chain.counselorKey(counselor);
  if (servedBase64 !== undefined && servedBase64 !== toBase64(k)) throw new KeyDirectoryError("counselor_key_mismatch", "the app server's key for this counselor is not the registry's");
  return k;
}

/** The owner publishes (or rotates to) `x25519PublicKey`: signs the next version and posts it. */
export async function publishSignedKey(api: ApiClient, owner: Signer & { address: string }, x25519PublicKey: Uint8Array) {
  const a = owner.address.toLowerCase();
  let version = 1;
  try {
    const mine = await api.get<ServedKey>(`/v1/vault/recipients/${a}`);
    if (mine.publication) version = mine.publication.version + 1;
  } catch (e) {
    if ((e as { status?: number }).status !== 404) throw e;
  }
  const p = await signKeyPublication(owner, { owner: a, x25519PublicKey: x25519ToBytes32(x25519PublicKey), version, issuedAt: Math.floor(Date.now() / 1000) });
  return api.post<ServedKey & { publication: ServedPublication }>("/v1/vault/recipients", {
    x25519PublicKey: toBase64(x25519PublicKey),
    version: p.version,
    issuedAt: p.issuedAt,
    signature: p.signature,
  });
}

