// Everything the audit's checks look at, read once: the log rebuilt from the stored leaf inputs, the store's rows
// (records, sealed keys, key releases, tombstones, our anchors) and what the chain says (checkpoint events and
// latest(), accreditation histories, grants). The checks are then pure functions of this snapshot.
import { Contract, type Provider } from "ethers";
import { Purpose } from "../../consent/index.js";
import { contentHashHex, keyEntryHash } from "../../crypto/index.js";
import { MerkleTree, leafInputType, toHex, validateLogEvent, type LogEvent } from "../../log/index.js";
import { loadArtifact } from "../../chain/artifacts.js";
import type { Queryable } from "../../store/db.js";
import {
  auditAccess,
  auditKeys,
  auditRecords,
  auditTombstones,
  confirmedAnchors,
  forEachLeafInput,
  readAuditHead,
  type AuditHead,
  changedLeafInputs,
} from "../../store/audit-repo.js";
import { allPublications } from "../../store/key-repo.js";
import { anchoredHistory, type AnchoredCheckpoint } from "../checkpoints.js";
import type { AuditDeps } from "./report.js";
import { allPublicProfiles } from "../../store/profile-repo.js";
import { PublicProfileSchema, publicProfileHash } from "../../deid/public-profile.js";

export type LeafProblem = { problem: "missing"; from: number; to: number } | { problem: "not-event" | "invalid-event"; index: number };

export interface RecordFact {
  contentHash: string;
  /** record_id:version, as its leaf names it. */
  id: string;
  kind: string;
  author: string;
  subject: string;
  /** ISO time, as its leaf states it. */
  createdAt: string;
  leafIndex: number;
  erased: boolean;
  /** The stored envelope: none (erased, or lost), one that recomputes to contentHash, or one that does not. */
  envelope: "absent" | "matches" | "differs";
}
export interface KeyFact {
  contentHash: string;
  recipient: string;
  /** The hash a leaf must carry for this sealed key (record leaf `keys` or a key-added leaf). */
  entryHash: string;
  /** The X25519 key (base64) the entry says it is sealed to; null for entries from before entries named it. */
  pk: string | null;
}
/** A resident's signed key publication as the store keeps it (the key-directory check verifies all of it). */
export interface PublicationFact {
  owner: string;
  version: number;
  /** base64 */
  pk: string;
  issuedAt: number;
  signature: string;
  leafIndex: number;
}
export interface AccessFact {
  id: number;
  at: string;
  requester: string;
  contentHash: string;
  decision: string;
  basis: string | null;
  grantId: string | null;
  leafIndex: number;
}
export interface ChainGrant {
  subject: string;
  grantee: string;
  purpose: number;
  notBefore: number;
  notAfter: number;
  revokedAt: number | null;
}
export interface AccreditationState {
  since: number;
  validFrom: number;
  validUntil: number;
  suspended: boolean;
}

export interface LogSnapshot {
  head: AuditHead;
  /** Rebuilt from the stored inputs that are present (gaps are in leafProblems). */
  tree: MerkleTree;
  leafProblems: LeafProblem[];
  missingLeaves: number;
  recordLeaves: Map<number, LogEvent>;
  /** Key releases and refusals ("acc:<id>") only: matching, alert and booking leaves are access leaves too. */
  accessLeaves: Map<number, LogEvent>;
  tombstoneLeaves: Map<number, LogEvent>;
  /** Sealed-key hashes some leaf commits to. */
  keyHashes: Set<string>;
  /** The first leaf committing each sealed-key hash: when that key entry was written. */
  keyHashLeaf: Map<string, number>;
  /** That leaf's time (unix seconds). */
  keyHashAt: Map<string, number>;
  /** Key publication leaves ("key"). */
  keyLeaves: Map<number, LogEvent>;
  /** Leaves whose stored input no longer hashes to their stored leaf hash (any type: consent leaves too). */
  changedInputs: Array<{ idx: number; type: string; refId: string }>;
}
export interface AuditSnapshot extends LogSnapshot {
  history: AnchoredCheckpoint[];
  latest: { size: number; root: string };
  ourAnchors: Array<{ size: number; root: string }>;
  /** By content hash, in content-hash order. */
  records: Map<string, RecordFact>;
  keys: KeyFact[];
  access: AccessFact[];
  tombstones: Array<{ contentHash: string; leafIndex: number }>;
  /** On-chain status history of every author who wrote about someone else. */
  accreditation: Map<string, AccreditationState[]>;
  /** Grants named by releases: null when the index or the chain does not have them. */
  grants: Map<string, ChainGrant | null>;
  /** Every stored public profile beside the registry's profile hash for that counselor now. */
  profiles: ProfileFact[];
  /** Residents' signed key publications (the store's; each checked against its signature and leaf). */
  publications: PublicationFact[];
  /** Every X25519 key (base64) the registry on chain accredited each key-entry recipient with, and when it was in
   * force (block times; `until` is the next accreditation's time, null while it is the current key). */
  registryKeys: Map<string, RegistryKeySpan[]>;
}
export interface RegistryKeySpan {
  pk: string;
  from: number;
  until: number | null;
}
export interface ProfileFact {
  counselor: string;
  /** The hash the row claims, and the hash its stored document actually has (null: not a valid profile). */
  storedHash: string;
  documentHash: string | null;
  /** CounselorRegistry.profileHashOf(counselor), read from the chain. */
  chainHash: string;
}

type Rpc = { send(m: string, p: unknown[]): Promise<unknown> };
const blockHashAt = async (d: AuditDeps, n: number): Promise<string | undefined> =>
  ((await (d.provider as unknown as Rpc).send("eth_getBlockByNumber", ["0x" + n.toString(16), false])) as { hash?: string } | null)?.hash;

/**
 * Reads in this order (the log first, then the chain's view of it, then the rows that refer to both). A block
 * number names one block only while the chain keeps it: if the pinned block was replaced while the audit read (a
 * reorg, a dev chain restarted from its state file), the reads may mix two chains, so the snapshot is taken again.
 */
export async function loadSnapshot(d: AuditDeps): Promise<AuditSnapshot> {
  for (let attempt = 1; ; attempt++) {
    const { snapshot, block, hash } = await loadPinned(d);
    // latest() and the events, read at one block, must agree; a node that answered one of them from a block still
    // being written would show a mismatch once only, so it is read again (a real mismatch stays and is reported).
    const last = snapshot.history.at(-1);
    const agree = (last?.size ?? 0) === snapshot.latest.size && (!last || last.root === snapshot.latest.root);
    if (((await blockHashAt(d, block)) === hash && agree) || attempt >= 3) return snapshot;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function loadPinned(d: AuditDeps): Promise<{ snapshot: AuditSnapshot; block: number; hash: string | undefined }> {
  const log = await loadLog(d.db);
  // Every chain read of this audit is pinned to one block, taken after the log: a checkpoint, an accreditation
  // change or a revocation landing while the audit runs can never make two answers disagree (a false alarm).
  const block = Number((await (d.provider as unknown as Rpc).send("eth_blockNumber", [])) as string);
  const hash = await blockHashAt(d, block);
  const anchors = await loadAnchors(d, block);
  const records = await loadRecords(d.db);
  const keys = await loadKeys(d.db);
  const registry = new Contract(d.deployment.registry, loadArtifact("CounselorRegistry").abi, d.provider);
  const accreditation = await loadAccreditation(registry, [...new Set([...records.values()].filter((r) => r.author !== r.subject).map((r) => r.author))], block);
  const access = await loadAccess(d.db);
  const named = access.filter((a) => a.decision === "released" && (a.basis === "grant" || a.basis === "emergency") && a.grantId).map((a) => a.grantId!);
  const ledger = new Contract(d.deployment.consentLedger, loadArtifact("ConsentLedger").abi, d.provider);
  const grants = await loadGrants(d.provider, ledger, d.deployment.deployBlock, [...new Set(named)], block);
  const tombstones = (await auditTombstones(d.db)).map((t) => ({ contentHash: t.content_hash, leafIndex: Number(t.leaf_index) }));
  const publications = (await allPublications(d.db)).map((p) => ({ owner: p.owner, version: Number(p.version), pk: p.x25519_public_key, issuedAt: Number(p.issued_at), signature: p.signature, leafIndex: Number(p.leaf_index) }));
  const registryKeys = await loadRegistryKeys(registry, d.deployment.deployBlock, [...new Set(keys.map((k) => k.recipient))], block);
  const profiles = await loadProfiles(d.db, registry, block);
  return { snapshot: { ...log, ...anchors, records, keys, access, tombstones, accreditation, grants, publications, registryKeys, profiles }, block, hash };
}

/** Stored public profiles, each with the hash its document really has and the chain's hash for the counselor. */
async function loadProfiles(db: Queryable, registry: Contract, blockTag: number): Promise<ProfileFact[]> {
  const out: ProfileFact[] = [];
  for (const p of await allPublicProfiles(db, 100_000)) {
    let documentHash: string | null = null;
    try {
      const parsed = PublicProfileSchema.safeParse(JSON.parse(p.document));
      if (parsed.success && parsed.data.counselor === p.counselor) documentHash = publicProfileHash(parsed.data);
    } catch {
      /* not JSON: documentHash stays null */
    }
    out.push({ counselor: p.counselor, storedHash: p.profileHash, documentHash, chainHash: String(await registry.profileHashOf(p.counselor, { blockTag })).toLowerCase() });
  }
  return out;
}

const PARSED_TYPES = new Set(["record", "access", "tombstone", "key"]);
const utf8 = new TextDecoder();

/** Every leaf is hashed into the tree; only the types other checks need are parsed, the rest is hashed, not read. */
async function loadLog(db: Queryable): Promise<LogSnapshot> {
  const head = await readAuditHead(db);
  const span = Math.max(head.size, head.maxIndex === null ? 0 : head.maxIndex + 1);
  const s: LogSnapshot = {
    head,
    tree: new MerkleTree(Math.max(1024, span)),
    leafProblems: [],
    missingLeaves: 0,
    recordLeaves: new Map(),
    accessLeaves: new Map(),
    tombstoneLeaves: new Map(),
    keyHashes: new Set(),
    keyHashLeaf: new Map(),
    keyHashAt: new Map(),
    keyLeaves: new Map(),
    changedInputs: await changedLeafInputs(db),
  };
  let expect = 0;
  const gapUpTo = (next: number) => {
    if (next > expect) {
      s.leafProblems.push({ problem: "missing", from: expect, to: next });
      s.missingLeaves += next - expect;
    }
  };
  await forEachLeafInput(db, span, (index, bytes) => {
    gapUpTo(index);
    expect = index + 1;
    s.tree.appendLeafInput(bytes);
    const type = leafInputType(bytes);
    if (type === undefined) s.leafProblems.push({ problem: "not-event", index });
    else if (PARSED_TYPES.has(type)) {
      let event: LogEvent;
      try {
        event = validateLogEvent(JSON.parse(utf8.decode(bytes)));
      } catch {
        s.leafProblems.push({ problem: "invalid-event", index });
        return;
      }
      classify(s, index, event);
    }
  });
  gapUpTo(span);
  return s;
}

function classify(s: LogSnapshot, index: number, event: LogEvent) {
  if (event.type === "record") {
    s.recordLeaves.set(index, event);
    if (Array.isArray(event.keys)) for (const k of event.keys) if (typeof k === "string") commitKey(s, k, index, event.at);
  } else if (event.type === "access") {
    if (event.decision === "key-added") commitKey(s, event.hash, index, event.at);
    else if (event.id.startsWith("acc:")) s.accessLeaves.set(index, event);
  } else if (event.type === "tombstone") s.tombstoneLeaves.set(index, event);
  else if (event.type === "key") s.keyLeaves.set(index, event);
}

function commitKey(s: LogSnapshot, hash: string, index: number, at: string) {
  s.keyHashes.add(hash);
  if (s.keyHashLeaf.has(hash)) return;
  s.keyHashLeaf.set(hash, index);
  s.keyHashAt.set(hash, Math.floor(Date.parse(at) / 1000));
}

/** The chain's checkpoint events and latest(), both as of one block; our confirmed anchors. */
async function loadAnchors(d: AuditDeps, block: number): Promise<Pick<AuditSnapshot, "history" | "latest" | "ourAnchors">> {
  const history = await anchoredHistory(d.provider, d.deployment.checkpointLog, d.deployment.deployBlock, block);
  const cpl = new Contract(d.deployment.checkpointLog, loadArtifact("CheckpointLog").abi, d.provider);
  const [size, root] = (await cpl.latest({ blockTag: block })) as [bigint, string];
  const ours = await confirmedAnchors(d.db, d.deployment.checkpointLog, block); // confirmed by that block
  return {
    history,
    latest: { size: Number(size), root: root.slice(2).toLowerCase() },
    ourAnchors: ours.map((a) => ({ size: a.size, root: toHex(a.root) })),
  };
}

async function loadRecords(db: Queryable): Promise<Map<string, RecordFact>> {
  const out = new Map<string, RecordFact>();
  for await (const rows of auditRecords(db)) {
    for (const r of rows) {
      out.set(r.content_hash, {
        contentHash: r.content_hash,
        id: `${r.record_id}:${r.version}`,
        kind: r.kind,
        author: r.author,
        subject: r.subject_ref,
        createdAt: new Date(r.created_at).toISOString(),
        leafIndex: Number(r.leaf_index),
        erased: r.erased_at !== null,
        envelope: r.envelope === null ? "absent" : recomputedHash(r.envelope) === r.content_hash ? "matches" : "differs",
      });
    }
  }
  return out;
}

function recomputedHash(envelope: string): string | undefined {
  try {
    return contentHashHex(JSON.parse(envelope));
  } catch {
    return undefined;
  }
}

/** Stored sealed keys (rows whose key was shredded are not keys any more). */
async function loadKeys(db: Queryable): Promise<KeyFact[]> {
  const out: KeyFact[] = [];
  for await (const rows of auditKeys(db)) {
    for (const k of rows) {
      if (k.sealed !== null) out.push({ contentHash: k.content_hash, recipient: k.recipient, entryHash: keyEntryHash(k.content_hash, k.recipient, k.sealed, k.recipient_pk), pk: k.recipient_pk });
    }
  }
  return out;
}

async function loadAccess(db: Queryable): Promise<AccessFact[]> {
  const out: AccessFact[] = [];
  for await (const rows of auditAccess(db)) {
    for (const a of rows) {
      out.push({
        id: Number(a.id),
        at: new Date(a.at).toISOString(),
        requester: a.requester,
        contentHash: a.content_hash,
        decision: a.decision,
        basis: a.basis,
        grantId: a.grant_id,
        leafIndex: Number(a.leaf_index),
      });
    }
  }
  return out;
}

/** The registry's status history of each author, from the chain. */
async function loadAccreditation(registry: Contract, authors: string[], blockTag: number): Promise<Map<string, AccreditationState[]>> {
  const out = new Map<string, AccreditationState[]>();
  for (const author of authors) {
    const n = Number(await registry.historyLength(author, { blockTag }));
    const states: AccreditationState[] = [];
    for (let i = 0; i < n; i++) {
      const s = await registry.historyAt(author, i, { blockTag });
      states.push({ since: Number(s[0]), validFrom: Number(s[1]), validUntil: Number(s[2]), suspended: Boolean(s[3]) });
    }
    out.set(author, states);
  }
  return out;
}

/** The encryption keys of every CounselorAccredited event (the chain's word, not the index's) of these addresses. */
async function loadRegistryKeys(registry: Contract, fromBlock: number, addresses: string[], toBlock: number): Promise<Map<string, RegistryKeySpan[]>> {
  const out = new Map<string, RegistryKeySpan[]>();
  if (addresses.length === 0) return out;
  type Accredited = { blockNumber: number; index: number; args: { counselor: string; encryptionKey: string }; getBlock(): Promise<{ timestamp: number }> };
  const logs = (await registry.queryFilter(registry.filters.CounselorAccredited(), fromBlock, toBlock)) as unknown as Accredited[];
  logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
  const wanted = new Set(addresses);
  const times = new Map<number, number>(); // one block read per block, however many accreditations it holds
  for (const l of logs) {
    const who = l.args.counselor.toLowerCase();
    if (!wanted.has(who)) continue;
    if (!times.has(l.blockNumber)) times.set(l.blockNumber, Number((await l.getBlock()).timestamp));
    const at = times.get(l.blockNumber)!;
    const spans = out.get(who) ?? [];
    const pk = Buffer.from(l.args.encryptionKey.slice(2), "hex").toString("base64");
    const last = spans.at(-1);
    if (last?.pk === pk) continue; // re-accredited with the same key: still the one span
    if (last) last.until = at;
    spans.push({ pk, from: at, until: null });
    out.set(who, spans);
  }
  return out;
}

/**
 * Every fact of a grant from the chain itself, none from the server's index (which its operator could rewrite):
 * grantee and purpose from the ledger's ConsentGranted / EmergencyAccessOpened event for that grant id, times and
 * revocation from `getGrant`. The grantId commits to grantee and purpose, so an event is the ledger's word.
 */
async function loadGrants(provider: Provider, ledger: Contract, fromBlock: number, grantIds: string[], blockTag: number): Promise<Map<string, ChainGrant | null>> {
  const parties = new Map<string, { grantee: string; purpose: number }>();
  const granted = ledger.interface.getEvent("ConsentGranted")!;
  const emergency = ledger.interface.getEvent("EmergencyAccessOpened")!;
  const address = await ledger.getAddress();
  for (let i = 0; i < grantIds.length; i += 200) {
    const ids = grantIds.slice(i, i + 200);
    const logs = await provider.getLogs({ address, fromBlock, toBlock: blockTag, topics: [[granted.topicHash, emergency.topicHash], ids] });
    for (const l of logs) {
      const ev = ledger.interface.parseLog(l)!;
      const id = String(ev.args.grantId).toLowerCase();
      if (ev.name === "ConsentGranted") parties.set(id, { grantee: String(ev.args.grantee).toLowerCase(), purpose: Number(ev.args.purpose) });
      else parties.set(id, { grantee: String(ev.args.counselor).toLowerCase(), purpose: Purpose.EMERGENCY });
    }
  }
  const out = new Map<string, ChainGrant | null>();
  for (const id of grantIds) {
    const p = parties.get(id.toLowerCase());
    let g: ChainGrant | null = null;
    if (p) {
      const [subject, nb, na, rv] = (await ledger.getGrant(id, { blockTag })) as [string, bigint, bigint, bigint];
      if (Number(na) > 0) g = { subject: subject.toLowerCase(), grantee: p.grantee, purpose: p.purpose, notBefore: Number(nb), notAfter: Number(na), revokedAt: Number(rv) || null };
    }
    out.set(id, g);
  }
  return out;
}
