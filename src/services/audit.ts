// The auditor's verification (`anxin audit verify`, POST /v1/audit/verify). It sees hashes, times, pseudonymous
// addresses and ids, never contents or identities. Everything is read in big pages; the anchored history comes
// from the chain's CheckpointSubmitted events (the auditor trusts the chain, not our anchors table).
//   1 leaves        every leaf index 0..size-1 present; the tree rebuilt from the stored leaf inputs reproduces
//                   the head; every stored envelope recomputes to its record leaf; every sealed key is logged
//   2 anchors       every anchored root is reproduced; successive checkpoints are consistent; our anchors agree
//   3 timing        no record claims a time after its first covering anchor or long before an anchor that did
//                   not include it (back-dating); the maximum anchoring delay
//   4 access        every key release was covered by authorship, the subject, an active grant, or an EMERGENCY
//                   grant (listed for review); every access row has its leaf and every access leaf its row
//   5 accreditation every counselor-written record's author was accredited (on chain) at its createdAt
//   6 erasure       tombstoned data is gone while the leaves remain
import { Contract, type Provider } from "ethers";
import { contentHashHex, keyEntryHash } from "../crypto/index.js";
import { MerkleTree, bytesEqual, fromHex, leafInputType, toHex, validateLogEvent, verifyConsistency, type LogEvent } from "../log/index.js";
import { CompactRange } from "../log/index.js";
import { loadArtifact } from "../chain/artifacts.js";
import type { Queryable } from "../store/db.js";
import { anchoredHistory, firstCovering, lastNotCovering, type AnchoredCheckpoint } from "./checkpoints.js";
import { accreditedAt, type Snapshot } from "./accreditation.js";

export interface AuditFailure {
  code: string;
  /** Ids, indices, sizes and hashes only. */
  detail: string;
}
export interface AuditCheck {
  id: "leaves" | "anchors" | "timing" | "access" | "accreditation" | "erasure";
  name: string;
  ok: boolean;
  failures: AuditFailure[];
  /** Failures beyond the first MAX_FAILURES are counted here, not listed. */
  moreFailures: number;
}
export interface EmergencyReviewItem {
  accessId: string;
  leafIndex: number;
  at: string;
  counselor: string;
  grantId: string;
  contentHash: string;
}
export interface AuditReport {
  format: "anxin.audit.report.v1";
  ok: boolean;
  generatedAt: string;
  log: { size: number; root: string };
  chain: { chainId: number; checkpointLog: string; latest: { size: number; root: string } };
  checks: AuditCheck[];
  stats: {
    leaves: number;
    anchors: number;
    records: number;
    keyEntries: number;
    releases: number;
    refusals: number;
    tombstones: number;
    unanchoredLeaves: number;
    maxAnchorDelaySeconds: number | null;
    seconds: number;
    emergencyReview: EmergencyReviewItem[];
  };
}
export interface AuditDeps {
  db: Queryable;
  provider: Provider;
  deployment: { chainId: number; checkpointLog: string; registry: string; consentLedger: string; deployBlock: number };
  /** A record may be stored this long after its claimed time before we call it back-dated. Default 300 s. */
  backdateToleranceSeconds?: number;
  /** Block times vs claimed times: clock skew allowed. Default 60 s. */
  clockSkewSeconds?: number;
}

const MAX_FAILURES = 100;
const PAGE = 100_000;
const ROW_PAGE = 5_000;
const READING_PURPOSES = (kind: string) => (kind === "wearable_summary" ? [0, 3] : [0]);
const EMERGENCY = 4;

class Check {
  failures: AuditFailure[] = [];
  more = 0;
  constructor(
    readonly id: AuditCheck["id"],
    readonly name: string,
  ) {}
  fail(code: string, detail: string) {
    if (this.failures.length < MAX_FAILURES) this.failures.push({ code, detail });
    else this.more++;
  }
  done(): AuditCheck {
    return { id: this.id, name: this.name, ok: this.failures.length === 0, failures: this.failures, moreFailures: this.more };
  }
}

interface ParsedLeaf {
  index: number;
  event: LogEvent;
}

const NEEDS_PARSE = new Set(["record", "access", "tombstone"]);
const utf8 = new TextDecoder();

export async function verifyAudit(d: AuditDeps): Promise<AuditReport> {
  const t0 = performance.now();
  const { db } = d;
  const skew = d.clockSkewSeconds ?? 60;
  const tolerance = d.backdateToleranceSeconds ?? 300;
  const c1 = new Check("leaves", "every leaf present and rebuilt; every envelope and sealed key matches its leaf");
  const c2 = new Check("anchors", "every anchored root reproduced; successive checkpoints consistent");
  const c3 = new Check("timing", "claimed times agree with the anchors; maximum anchoring delay");
  const c4 = new Check("access", "every key release covered by authorship, the subject, a grant or a reviewed emergency grant");
  const c5 = new Check("accreditation", "every counselor-written record's author was accredited when it was written");
  const c6 = new Check("erasure", "erased data gone, leaves kept");

  // ---------- 1. leaves: page the inputs, rebuild the tree ----------
  const [headRow] = await db.query<{ size: number; frontier: string }>("SELECT size, frontier FROM log_head WHERE id = 1");
  const headSize = Number(headRow.size);
  const frontier = JSON.parse(headRow.frontier);
  const headRoot = (Array.isArray(frontier) ? new CompactRange() : CompactRange.fromState(frontier)).root();
  const [{ maxIdx }] = await db.query<{ maxIdx: number | null }>('SELECT max(idx) AS "maxIdx" FROM log_leaves');
  const span = Math.max(headSize, maxIdx === null ? 0 : Number(maxIdx) + 1);
  const tree = new MerkleTree(Math.max(1024, span));
  const parsed = new Map<number, ParsedLeaf>(); // record / access / tombstone leaves by index
  let missing = 0;
  const missingUpTo = (expect: number, next: number) => {
    for (; expect < next; expect++) {
      missing++;
      c1.fail("leaf-missing", `leaf ${expect} is missing from the log`);
    }
  };
  // Every leaf is hashed into the tree; only the types other checks need are parsed, the rest is hashed, not read.
  const onLeaf = (index: number, bytes: Uint8Array) => {
    tree.appendLeafInput(bytes);
    const type = leafInputType(bytes);
    if (type === undefined) c1.fail("leaf-invalid", `leaf ${index} is not a log event`);
    else if (NEEDS_PARSE.has(type)) {
      try {
        parsed.set(index, { index, event: validateLogEvent(JSON.parse(utf8.decode(bytes))) });
      } catch {
        c1.fail("leaf-invalid", `leaf ${index} is not a valid log event`);
      }
    }
  };
  if (db.streamRows) {
    // Embedded store: one ordered pass over the raw rows, hashing as they arrive (no strings, no row objects).
    let expect = 0;
    await db.streamRows("SELECT idx, input FROM log_leaves ORDER BY idx", (buf, b) => {
      // idx is a bigint in decimal; a negative one or one read past `span` is never a leaf of ours (the paged
      // path does not read those rows either).
      if (b[0] === b[1] || buf[b[0]] === 0x2d) return;
      let index = 0;
      for (let p = b[0]; p < b[1]; p++) index = index * 10 + (buf[p] - 48);
      if (index >= span) return;
      missingUpTo(expect, index);
      expect = index + 1;
      onLeaf(index, buf.subarray(b[2], b[3]));
    });
    missingUpTo(expect, span);
  } else {
    for (let from = 0; from < span; from += PAGE) {
      const to = Math.min(span, from + PAGE);
      const [row] = await db.query<{ s: string | null; c: number }>(
        "SELECT string_agg(input, E'\\n') AS s, count(*)::int AS c FROM (SELECT input FROM log_leaves WHERE idx >= $1 AND idx < $2 ORDER BY idx) x",
        [from, to],
      );
      const buf = Buffer.from(row.s ?? "", "utf8");
      const count = Number(row.c);
      // Split on newlines (canonical JSON never holds a raw one); anything odd falls back to one row at a time.
      const ends: number[] = [];
      for (let p = buf.indexOf(10); p !== -1; p = buf.indexOf(10, p + 1)) ends.push(p);
      ends.push(buf.length);
      if (count === to - from && ends.length === count) {
        let start = 0;
        for (let k = 0; k < count; k++) {
          onLeaf(from + k, buf.subarray(start, ends[k]));
          start = ends[k] + 1;
        }
      } else {
        const rows = await db.query<{ idx: number; input: string }>("SELECT idx, input FROM log_leaves WHERE idx >= $1 AND idx < $2 ORDER BY idx", [from, to]);
        let expect = from;
        for (const r of rows) {
          const i = Number(r.idx);
          missingUpTo(expect, i);
          expect = i + 1;
          onLeaf(i, Buffer.from(r.input, "utf8"));
        }
        missingUpTo(expect, to);
      }
    }
  }
  if (maxIdx !== null && Number(maxIdx) + 1 > headSize) c1.fail("leaf-beyond-head", `leaves exist up to index ${maxIdx} but the head says ${headSize}`);
  if (missing === 0 && tree.size === headSize && !bytesEqual(tree.rootAt(headSize), headRoot)) {
    c1.fail("head-root-mismatch", `the leaves do not reproduce the head's root at size ${headSize}`);
  }
  const localRoot = toHex(tree.root());

  // ---------- 2. anchors: the chain's checkpoints against the rebuilt tree ----------
  const history = await anchoredHistory(d.provider, d.deployment.checkpointLog, d.deployment.deployBlock);
  const cpl = new Contract(d.deployment.checkpointLog, loadArtifact("CheckpointLog").abi, d.provider);
  const [latestSize, latestRoot] = (await cpl.latest()) as [bigint, string];
  const latest = { size: Number(latestSize), root: latestRoot.slice(2).toLowerCase() };
  let prev = { size: 0, root: toHex(tree.rootAt(0)) };
  for (const [j, c] of history.entries()) {
    if (c.prevSize !== prev.size || (prev.size > 0 && c.prevRoot !== prev.root)) {
      c2.fail("chain-history-broken", `checkpoint ${j} (size ${c.size}) does not follow checkpoint size ${prev.size}`);
    }
    if (c.size > tree.size) {
      c2.fail("anchored-beyond-log", `checkpoint size ${c.size} (block ${c.blockNumber}) exceeds the local log's ${tree.size} leaves`);
    } else {
      if (toHex(tree.rootAt(c.size)) !== c.root) c2.fail("anchored-root-mismatch", `the rebuilt tree's root at size ${c.size} differs from the root anchored in block ${c.blockNumber}`);
      if (prev.size <= c.size) {
        const proof = tree.consistencyProof(prev.size, c.size);
        if (!verifyConsistency(prev.size, c.size, fromHex(prev.root), fromHex(c.root), proof)) {
          c2.fail("checkpoint-inconsistent", `checkpoints of size ${prev.size} and ${c.size} are not consistent with the local log`);
        }
      }
    }
    prev = { size: c.size, root: c.root };
  }
  const last = history.at(-1);
  if ((last?.size ?? 0) !== latest.size || (last && last.root !== latest.root)) {
    c2.fail("latest-mismatch", `CheckpointLog.latest() is size ${latest.size}, its last event says ${last?.size ?? 0}`);
  }
  const onChain = new Set(history.map((c) => `${c.size}:${c.root}`));
  const ours = await db.query<{ size: number; root: Uint8Array }>(
    "SELECT size, root FROM anchors WHERE status = 'confirmed' AND contract = $1",
    [d.deployment.checkpointLog.toLowerCase()],
  );
  for (const a of ours) {
    if (!onChain.has(`${Number(a.size)}:${toHex(new Uint8Array(a.root))}`)) c2.fail("anchor-not-on-chain", `our confirmed anchor at size ${a.size} is not among the chain's checkpoints`);
  }

  // ---------- records (1, 3, 5, 6) ----------
  const recordLeaves = new Map<number, LogEvent>();
  const accessLeaves = new Map<number, LogEvent>();
  const tombstoneLeaves = new Map<number, LogEvent>();
  const keyHashes = new Set<string>();
  for (const { index, event } of parsed.values()) {
    if (event.type === "record") {
      recordLeaves.set(index, event);
      if (Array.isArray(event.keys)) for (const k of event.keys) if (typeof k === "string") keyHashes.add(k);
    } else if (event.type === "access") {
      if (event.decision === "key-added") keyHashes.add(event.hash);
      // Only key releases/refusals ("acc:<id>") have access_log rows; matching, alert and booking leaves are also
      // of type access (need:, proposal:, profile:, alert:, booking:, slots:, stats:) and are not cross-checked here.
      else if (event.id.startsWith("acc:")) accessLeaves.set(index, event);
    } else if (event.type === "tombstone") tombstoneLeaves.set(index, event);
  }
  const facts = new Map<string, { author: string; subject: string; kind: string; erased: boolean; leafIndex: number; recordId: string }>();
  const matchedRecordLeaves = new Set<number>();
  const authorTimes = new Map<string, Array<{ t: number; id: string }>>();
  let maxDelay: number | null = null;
  let after = "";
  for (;;) {
    const rows = await db.query<{
      content_hash: string; record_id: string; version: number; kind: string; author: string; subject_ref: string;
      created_at: Date; envelope: string | null; leaf_index: number; erased_at: Date | null;
    }>(
      `SELECT content_hash, record_id, version, kind, author, subject_ref, created_at, envelope, leaf_index, erased_at
       FROM records WHERE content_hash > $1 ORDER BY content_hash LIMIT ${ROW_PAGE}`,
      [after],
    );
    if (rows.length === 0) break;
    after = rows[rows.length - 1].content_hash;
    for (const r of rows) {
      const idx = Number(r.leaf_index);
      const id = `${r.record_id}:${r.version}`;
      const createdAt = new Date(r.created_at).toISOString();
      facts.set(r.content_hash, { author: r.author, subject: r.subject_ref, kind: r.kind, erased: r.erased_at !== null, leafIndex: idx, recordId: id });
      if (r.envelope !== null) {
        let recomputed: string | undefined;
        try {
          recomputed = contentHashHex(JSON.parse(r.envelope));
        } catch {
          recomputed = undefined;
        }
        if (recomputed !== r.content_hash) c1.fail("content-hash-mismatch", `record ${id}: the stored envelope does not hash to ${r.content_hash}`);
        if (r.erased_at !== null) c6.fail("erased-data-present", `record ${id} is erased but its envelope is still stored`);
      } else if (r.erased_at === null) c1.fail("envelope-missing", `record ${id} has no envelope and no erasure`);
      const leaf = recordLeaves.get(idx);
      if (!leaf) {
        c1.fail("record-not-in-log", `record ${id}: leaf ${idx} is not its record leaf`);
        continue;
      }
      matchedRecordLeaves.add(idx);
      if (leaf.hash !== r.content_hash.slice(2) || leaf.id !== id || leaf.at !== createdAt) {
        c1.fail("record-leaf-mismatch", `record ${id}: leaf ${idx} names another record, hash or time`);
        continue;
      }
      if (r.author !== r.subject_ref) {
        const list = authorTimes.get(r.author) ?? [];
        list.push({ t: Math.floor(Date.parse(createdAt) / 1000), id });
        authorTimes.set(r.author, list);
      }
    }
  }
  for (const [idx, leaf] of recordLeaves) if (!matchedRecordLeaves.has(idx)) c1.fail("record-row-missing", `record leaf ${idx} (${leaf.id}) has no record row`);
  // 3. timing of record leaves
  for (const [idx, leaf] of recordLeaves) {
    const claimed = Date.parse(leaf.at) / 1000;
    const cover = firstCovering(history, idx);
    if (cover) {
      if (claimed > cover.blockTime + skew) c3.fail("claimed-after-anchor", `record leaf ${idx} (${leaf.id}) claims a time after block ${cover.blockNumber} that anchored it`);
      const delay = Math.max(0, cover.blockTime - claimed);
      maxDelay = Math.max(maxDelay ?? 0, delay);
    }
    const before = lastNotCovering(history, idx);
    if (before && claimed < before.blockTime - tolerance) {
      c3.fail("backdated", `record leaf ${idx} (${leaf.id}) claims a time ${Math.round(before.blockTime - claimed)} s before checkpoint size ${before.size} (block ${before.blockNumber}) that did not include it`);
    }
  }
  // 1. sealed keys: each must be logged (keys are outside the content hash by design).
  let keyEntries = 0;
  let afterKey = ["", ""];
  for (;;) {
    const rows = await db.query<{ content_hash: string; recipient: string; sealed: string | null }>(
      `SELECT content_hash, recipient, sealed FROM record_keys WHERE (content_hash, recipient) > ($1, $2)
       ORDER BY content_hash, recipient LIMIT ${ROW_PAGE}`,
      afterKey,
    );
    if (rows.length === 0) break;
    afterKey = [rows[rows.length - 1].content_hash, rows[rows.length - 1].recipient];
    for (const k of rows) {
      if (k.sealed === null) continue;
      keyEntries++;
      const f = facts.get(k.content_hash);
      if (f?.erased) c6.fail("erased-data-present", `record ${f.recordId} is erased but a sealed key is still stored`);
      if (!keyHashes.has(keyEntryHash(k.content_hash, k.recipient, k.sealed))) {
        c1.fail("key-entry-not-in-log", `a sealed key of record ${f?.recordId ?? k.content_hash} for ${k.recipient} is not covered by any leaf`);
      }
    }
  }
  // 5. accreditation, from the registry's on-chain status history
  const registry = new Contract(d.deployment.registry, loadArtifact("CounselorRegistry").abi, d.provider);
  for (const [author, writes] of authorTimes) {
    const n = Number(await registry.historyLength(author));
    const snaps: Snapshot[] = [];
    for (let i = 0; i < n; i++) {
      const s = await registry.historyAt(author, i);
      snaps.push({ since: Number(s[0]), validFrom: Number(s[1]), validUntil: Number(s[2]), suspended: Boolean(s[3]) });
    }
    for (const w of writes) {
      const ok = accreditedAt(snaps, w.t);
      if (!ok) c5.fail("author-not-accredited", `record ${w.id}: author ${author} was not accredited at its createdAt`);
    }
  }

  // ---------- 4. access ----------
  const ledger = new Contract(d.deployment.consentLedger, loadArtifact("ConsentLedger").abi, d.provider);
  const grantCache = new Map<string, { subject: string; grantee: string; purpose: number; notBefore: number; notAfter: number; revokedAt: number | null } | null>();
  const grantOf = async (grantId: string) => {
    if (grantCache.has(grantId)) return grantCache.get(grantId)!;
    const [idx] = await db.query<{ grantee: string; purpose: number }>("SELECT grantee, purpose FROM consent_grants WHERE grant_id = $1", [grantId]);
    let g = null;
    if (idx) {
      // Times and subject from the chain itself; grantee and purpose are committed to by the grantId (event data).
      const [subject, nb, na, rv] = (await ledger.getGrant(grantId)) as [string, bigint, bigint, bigint];
      if (Number(na) > 0) g = { subject: subject.toLowerCase(), grantee: idx.grantee, purpose: Number(idx.purpose), notBefore: Number(nb), notAfter: Number(na), revokedAt: Number(rv) || null };
    }
    grantCache.set(grantId, g);
    return g;
  };
  const emergencyReview: EmergencyReviewItem[] = [];
  const matchedAccess = new Set<number>();
  let releases = 0;
  let refusals = 0;
  let afterId = 0;
  for (;;) {
    const rows = await db.query<{
      id: number; at: Date; requester: string; content_hash: string; record_id: string; decision: string; basis: string | null; grant_id: string | null; leaf_index: number;
    }>(`SELECT id, at, requester, content_hash, record_id, decision, basis, grant_id, leaf_index FROM access_log WHERE id > $1 ORDER BY id LIMIT ${ROW_PAGE}`, [afterId]);
    if (rows.length === 0) break;
    afterId = Number(rows[rows.length - 1].id);
    for (const a of rows) {
      const idx = Number(a.leaf_index);
      const leaf = accessLeaves.get(idx);
      const atIso = new Date(a.at).toISOString();
      if (!leaf) c4.fail("access-not-in-log", `access ${a.id}: leaf ${idx} is not its access leaf`);
      else {
        matchedAccess.add(idx);
        if (leaf.hash !== a.content_hash.slice(2) || leaf.decision !== a.decision || (leaf.basis ?? null) !== a.basis || leaf.at !== atIso) {
          c4.fail("access-leaf-mismatch", `access ${a.id}: leaf ${idx} records another record, decision, basis or time`);
        }
      }
      if (a.decision !== "released") {
        refusals++;
        continue;
      }
      releases++;
      const t = Math.floor(Date.parse(atIso) / 1000);
      const f = facts.get(a.content_hash);
      if (!f) {
        c4.fail("release-of-unknown-record", `access ${a.id}: released a key of a record that is not stored`);
        continue;
      }
      let covered = false;
      if (a.basis === "author") covered = a.requester === f.author;
      else if (a.basis === "subject") covered = a.requester === f.subject;
      else if ((a.basis === "grant" || a.basis === "emergency") && a.grant_id) {
        const g = await grantOf(a.grant_id);
        // Chain times are whole seconds and so is t: a release in the same second as the revocation's block is
        // ambiguous and counts as before it (the service refuses any release once it has seen the revocation).
        const active = !!g && g.notBefore <= t && t < g.notAfter && (g.revokedAt === null || t <= g.revokedAt);
        const party = !!g && g.grantee === a.requester && (f.kind === "identity" || g.subject === f.subject);
        const purpose = !!g && (a.basis === "emergency" ? g.purpose === EMERGENCY : READING_PURPOSES(f.kind).includes(g.purpose));
        covered = active && party && purpose;
        if (covered && a.basis === "emergency") {
          emergencyReview.push({ accessId: String(a.id), leafIndex: idx, at: atIso, counselor: a.requester, grantId: a.grant_id, contentHash: a.content_hash });
        }
      }
      if (!covered) c4.fail("release-without-basis", `access ${a.id} (leaf ${idx}): key released to ${a.requester} with basis ${a.basis ?? "none"} not covered at that time`);
    }
  }
  for (const [idx, leaf] of accessLeaves) if (!matchedAccess.has(idx)) c4.fail("access-row-missing", `access leaf ${idx} (${leaf.id}) has no access row`);

  // ---------- 6. erasure ----------
  const tombs = await db.query<{ content_hash: string; leaf_index: number }>("SELECT content_hash, leaf_index FROM tombstones ORDER BY content_hash");
  const matchedTombs = new Set<number>();
  const tombHashes = new Set<string>();
  for (const t of tombs) {
    const idx = Number(t.leaf_index);
    tombHashes.add(t.content_hash);
    const leaf = tombstoneLeaves.get(idx);
    if (!leaf || leaf.hash !== t.content_hash.slice(2)) c6.fail("tombstone-not-in-log", `tombstone of ${t.content_hash}: leaf ${idx} is not its tombstone leaf`);
    else matchedTombs.add(idx);
    const f = facts.get(t.content_hash);
    if (!f) c6.fail("record-row-missing", `tombstone of ${t.content_hash}: the record row is gone (it must stay, emptied)`);
    else {
      if (!f.erased) c6.fail("erased-data-present", `record ${f.recordId} has a tombstone but is not marked erased`);
      if (!recordLeaves.has(f.leafIndex)) c6.fail("record-leaf-missing", `record ${f.recordId}: its leaf ${f.leafIndex} is gone`);
    }
  }
  for (const [h, f] of facts) if (f.erased && !tombHashes.has(h)) c6.fail("erased-without-tombstone", `record ${f.recordId} is erased without a tombstone`);
  for (const [idx] of tombstoneLeaves) if (!matchedTombs.has(idx)) c6.fail("tombstone-row-missing", `tombstone leaf ${idx} has no tombstone row`);

  const checks = [c1, c2, c3, c4, c5, c6].map((c) => c.done());
  return {
    format: "anxin.audit.report.v1",
    ok: checks.every((c) => c.ok),
    generatedAt: new Date().toISOString(),
    log: { size: tree.size, root: localRoot },
    chain: { chainId: d.deployment.chainId, checkpointLog: d.deployment.checkpointLog.toLowerCase(), latest },
    checks,
    stats: {
      leaves: tree.size,
      anchors: history.length,
      records: facts.size,
      keyEntries,
      releases,
      refusals,
      tombstones: tombs.length,
      unanchoredLeaves: Math.max(0, tree.size - latest.size),
      maxAnchorDelaySeconds: maxDelay,
      seconds: Math.round(performance.now() - t0) / 1000,
      emergencyReview,
    },
  };
}

export type { AnchoredCheckpoint };
