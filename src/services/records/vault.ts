// The encrypted record vault: counselors (and residents, for their own entries) store signed envelopes; the server
// checks structure, signature, accreditation and consent, never sees a plaintext, releases sealed content keys only
// on a basis the consent index gives at that moment, logs every release and refusal, and crypto-shreds on erasure.
// Who may read: policy.ts; storing versions: record-writes.ts; recipients' X25519 keys: recipients.ts.
// Formats: docs/FORMATS.md (Record vault).
import { accessLeaf } from "./access-leaf.js";
import { contentHashHex, keyEntryHash, type RecordEnvelope } from "../../crypto/index.js";
import { Purpose } from "../../consent/types.js";
import { bytesEqual, leafHash } from "../../log/index.js";
import { Refusal, conflict, forbidden, gone, integrity, notFound, unprocessable } from "../errors.js";
import { refuseErased } from "../erasure.js";
import type { Session } from "../session.js";
import { activeGrants, getGrant, grantCovers, isActiveAt } from "../../store/consent-repo.js";
import { accessesOfSubject, insertAccess, nextAccessId } from "../../store/access-log-repo.js";
import { deleteRecipientKey, identityKeysTo, keyCount, keyOf, putKeys, shredKeysOfSubject } from "../../store/key-repo.js";
import { insertTombstones, listVersions, shredVersions, versionByHash, versionWithLeaf, versionsWithLeaf, type RecordRow } from "../../store/record-repo.js";
import type { AppContext } from "../context.js";
import type { UnitCtx } from "../log-writer.js";
import { counselorMayList, decide, nowSeconds, readingPurposes, type Decision, type RefusalReason } from "./policy.js";
import { EnvelopeChecker } from "./envelope-check.js";
import { DUPLICATE, GrantCache, recordWrites, type PendingRecord } from "./record-writes.js";

/** Kinds a resident may write about themself (self-assessment, wearable summary, identity vault entry). */
const SELF_KINDS = new Set(["assessment", "wearable_summary", "identity"]);
/** Her own messages in a consultation's chat are notes of the relationship too (docs/consultation.md). */
const SELF_SCHEMAS = new Map([["consultation_note", "anxin.chat.v1"]]);
/** Clock skew tolerated for createdAt in the future. */
const MAX_FUTURE_MS = 5 * 60_000;
/** Sealed keys a version may carry on the server (envelope ≤ 16 + later re-wraps). */
const MAX_KEYS_PER_VERSION = 64;

/** The stored envelope no longer hashes to its logged content hash: never serve it. */
export const integrityFailure = () => integrity();

export interface RecordMeta {
  recordId: string;
  version: number;
  contentHash: string;
  kind: string;
  schema: string;
  author: string;
  subjectRef: string;
  consentId: string | null;
  prev: string | null;
  createdAt: string;
  receivedAt: string;
  leafIndex: number;
  erased: boolean;
}

const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();

function meta(r: RecordRow): RecordMeta {
  return {
    recordId: r.record_id,
    version: Number(r.version),
    contentHash: r.content_hash,
    kind: r.kind,
    schema: r.schema,
    author: r.author,
    subjectRef: r.subject_ref,
    consentId: r.consent_id,
    prev: r.prev,
    createdAt: iso(r.created_at),
    receivedAt: iso(r.received_at),
    leafIndex: Number(r.leaf_index),
    erased: r.erased_at !== null,
  };
}

/** One "key-added" leaf per sealed key stored after its version (re-wraps; docs/FORMATS.md (Audit formats)): keys are
 *  outside contentHash, so each is committed on its own. */
function appendKeyLeaves(append: UnitCtx["append"], id: string, contentHash: string, keys: Array<{ to: string; sealed: string; pk?: string }>) {
  const at = new Date().toISOString();
  for (const k of keys) append({ type: "access", id, hash: keyEntryHash(contentHash, k.to, k.sealed, k.pk), at, decision: "key-added" });
}

/**
 * The stored envelope (without keys) still hashes to content_hash; its log leaf's stored input hashes to the stored
 * leaf hash (the one the tree and the anchors were built from), so no field of it — `at` included — was changed;
 * and that input names this version: its type, id, content hash and time.
 */
export function intact(r: RecordRow): boolean {
  if (r.envelope === null) return false;
  try {
    const h = contentHashHex(JSON.parse(r.envelope));
    if (h !== r.content_hash) return false;
    if (r.leaf_input == null || r.leaf_hash == null) return false;
    if (!bytesEqual(leafHash(new TextEncoder().encode(r.leaf_input)), new Uint8Array(r.leaf_hash))) return false;
    const leaf = JSON.parse(r.leaf_input) as { type?: string; id?: string; hash?: string; at?: string };
    return (
      leaf.type === "record" &&
      "0x" + leaf.hash === h &&
      leaf.id === `${r.record_id}:${Number(r.version)}` &&
      leaf.at === new Date(r.created_at).toISOString()
    );
  } catch {
    return false;
  }
}

function isUniqueViolation(e: unknown): boolean {
  return (e as { code?: string })?.code === "23505";
}

/** Who may write an envelope about whom (counselor under a named consent, or a resident's own entry). */
function writerRefusal(session: Session, envelope: RecordEnvelope, recipients: Set<string>): void {
  const me = session.address;
  if (session.roles.has("counselor")) {
    if (envelope.subjectRef === me) throw forbidden("a counselor's record is about a resident (subjectRef), not about the counselor");
    if (envelope.kind === "identity") throw forbidden("identity vault entries are written by the resident only");
    if (!recipients.has(envelope.subjectRef)) throw unprocessable("keys[] must include a key for subjectRef: the resident always reads their own records");
    if (!envelope.consentId) throw forbidden("a counselor's record must name the consent (consentId) it relies on");
    // The named grant is checked inside the write transaction (record-writes.ts), so it holds at commit time.
  } else if (session.roles.has("resident")) {
    // A resident's own entry: self-assessment, wearable summary, identity vault.
    if (envelope.subjectRef !== me) throw forbidden("a resident writes only about their own address (subjectRef = author)");
    if (!SELF_KINDS.has(envelope.kind) && SELF_SCHEMAS.get(envelope.kind) !== envelope.schema) throw forbidden(`a resident may write only ${[...SELF_KINDS].join(", ")} entries, and consultation chat messages (anxin.chat.v1)`);
    if (envelope.consentId !== null) throw unprocessable("a resident's own entry has consentId null");
  } else {
    throw forbidden("only accredited counselors and residents write records");
  }
}

export class RecordVault {
  /** Signature, content hash and key commitments of an envelope, off the HTTP thread (see envelope-check.ts). */
  readonly #checker: EnvelopeChecker;
  /** The grants counselors' records name, read before the write transaction (see record-writes.ts). */
  readonly #grants: GrantCache;
  constructor(private readonly ctx: AppContext) {
    this.#grants = new GrantCache(ctx.db);
    this.#checker = new EnvelopeChecker(ctx.cfg.checkThread !== false, (e) =>
      ctx.log.error({ error: (e as Error)?.name }, "the envelope check thread stopped: record writes are checked on the event loop (slower) until restart"),
    );
    ctx.onClose.push(() => this.#checker.close());
  }

  // ---------- write ----------

  /** Stores a new record or an amendment. The envelope's structure was validated by the route's zod schema. */
  async write(session: Session, envelope: RecordEnvelope) {
    const me = session.address;
    if (envelope.author !== me) throw forbidden("the envelope's author must be the signed-in address");
    const check = await this.#checker.check(envelope);
    if (!check.ok) throw unprocessable(`envelope refused: ${check.reason}`);
    if (Date.parse(envelope.createdAt) > Date.now() + MAX_FUTURE_MS) throw unprocessable("createdAt is in the future");
    const recipients = new Set(envelope.keys.map((k) => k.to));
    if (!recipients.has(me)) throw unprocessable("keys[] must include a key for the author");
    writerRefusal(session, envelope, recipients);

    const underGrant = session.roles.has("counselor");
    const item: PendingRecord = { envelope, contentHash: check.contentHash, stored: check.stored, keyHashes: check.keyHashes, underGrant };
    try {
      // The named grant, read now (cached), decides in the commit under a guard: if it changed meanwhile, the
      // transaction reads it again and decides on that.
      if (underGrant && envelope.consentId) item.grant = await this.#grants.get(envelope.consentId);
      // Everything above is checked without the store (the envelope checks of concurrent writes come back together,
      // so they meet in one group commit). Inside the write transaction: the consent grant, the version rules, the
      // inserts — set-based for all records of one group commit.
      return await this.ctx.writer.submitBatched(recordWrites, item);
    } catch (e) {
      // A write about an erased address is refused for want of consent; say why (410). Checked only on refusal.
      if (e instanceof Refusal && (e.kind === "forbidden" || e.kind === "not_found")) await refuseErased(this.ctx, envelope.subjectRef);
      if (isUniqueViolation(e)) throw conflict(envelope.prev === null ? DUPLICATE : "this version was amended concurrently: amend the latest version");
      throw e;
    }
  }

  // ---------- read ----------

  /** The version chain (envelopes without keys). Refusals are logged like key refusals. */
  async chain(session: Session, recordId: string) {
    const rows = await versionsWithLeaf(this.ctx.db, recordId);
    if (rows.length === 0) throw notFound("no such record");
    const latest = rows[rows.length - 1];
    if (rows.every((r) => r.erased_at !== null)) throw gone();
    const keyRow = await keyOf(this.ctx.db, latest.content_hash, session.address);
    const d = await decide(this.ctx.db, session, latest, keyRow?.grant_id ?? null);
    if (!d.ok) {
      await this.#logAccess(session.address, latest, d);
      throw forbidden(refusalText(d.reason));
    }
    if (!rows.every(intact)) throw integrityFailure();
    return {
      recordId,
      kind: latest.kind,
      subjectRef: latest.subject_ref,
      versions: rows.map((r) => ({ ...meta(r), envelope: JSON.parse(r.envelope!) })),
    };
  }

  /** Key release: the requester's sealed DEK for one version, if the consent index gives a basis now. Logged. */
  async releaseKey(session: Session, recordId: string, contentHash: string) {
    const row = await versionWithLeaf(this.ctx.db, recordId, contentHash);
    if (!row) throw notFound("no such record version");
    const keyRow = await keyOf(this.ctx.db, contentHash, session.address);
    // An erased version is gone for everyone (its tombstone leaf is public): 410 before any consent decision.
    let d: Decision = row.erased_at !== null ? { ok: false, reason: "erased" } : await decide(this.ctx.db, session, row, keyRow?.grant_id ?? null);
    if (d.ok && !intact(row)) d = { ok: false, reason: "integrity" };
    if (d.ok && !keyRow?.sealed) d = { ok: false, reason: "no_sealed_key" };
    const logged = await this.#logAccess(session.address, row, d);
    if (!d.ok) {
      if (d.reason === "erased") throw gone();
      if (d.reason === "integrity") throw integrityFailure();
      if (d.reason === "no_sealed_key") throw notFound("no content key is sealed for you for this version yet: the resident shares it when granting consent");
      throw forbidden(refusalText(d.reason));
    }
    return { contentHash, recipient: session.address, sealed: keyRow!.sealed!, basis: d.basis, grantId: d.grantId, accessId: logged.id };
  }

  /** One access_log row and its log leaf, in their own transaction (a refusal is logged before the 403 is thrown). */
  async #logAccess(requester: string, row: RecordRow, d: Decision) {
    const at = new Date().toISOString();
    return this.ctx.writer.submit(async ({ q, append }) => {
      const id = await nextAccessId(q);
      const decision = d.ok ? "released" : "refused";
      const leafIndex = append(accessLeaf(id, row.content_hash, at, d.ok ? { basis: d.basis, grantId: d.grantId } : undefined));
      await insertAccess(q, {
        id, at, requester, contentHash: row.content_hash, recordId: row.record_id, decision, leafIndex,
        basis: d.ok ? d.basis : null, grantId: d.ok ? d.grantId : null, reason: d.ok ? null : d.reason,
      });
      return { id: Number(id), leafIndex };
    });
  }

  /** Record metadata the requester has a basis to see. */
  async list(session: Session, f: { subject?: string; author?: string; kind?: string; limit: number }) {
    const me = session.address;
    let withoutIdentity = false;
    if (f.subject && f.subject !== me) {
      if (!session.roles.has("counselor") || !(await counselorMayList(this.ctx.db, me, f.subject))) {
        throw forbidden("you hold no active consent from this subject");
      }
      withoutIdentity = true;
    }
    if (f.author && f.author !== me) throw forbidden("you can list only records you wrote");
    const rows = await listVersions(this.ctx.db, {
      subject: f.subject,
      author: f.author,
      authorOrSubject: !f.subject && !f.author ? me : undefined,
      withoutIdentity,
      kind: f.kind,
      limit: f.limit,
    });
    return rows.map(meta);
  }

  /** The signed-in resident's own access log: who opened or was refused which of their records, and when. */
  async accessLog(session: Session, limit: number) {
    const rows = await accessesOfSubject(this.ctx.db, session.address, limit);
    return rows.map((r) => ({ at: new Date(r.at).toISOString(), requester: r.requester, recordId: r.record_id, kind: r.kind, decision: r.decision, basis: r.basis, reason: r.reason, leafIndex: Number(r.leaf_index) }));
  }

  /**
   * The identity entries residents shared with the signed-in counselor, one per relationship (the newest version),
   * each named by the TREATMENT grant it was shared under and that grant's subject: how the caseload shows the
   * name she chose. Only grants active now count; the envelope and key are fetched (and logged) as any record's.
   */
  async sharedIdentities(session: Session) {
    const at = nowSeconds();
    const out = new Map<string, { subject: string; grantId: string; recordId: string; version: number; contentHash: string }>();
    for (const k of await identityKeysTo(this.ctx.db, session.address)) {
      const g = await getGrant(this.ctx.db, k.grant_id);
      if (!g || g.grantee !== session.address || g.purpose !== Purpose.TREATMENT || !isActiveAt(g, at) || !grantCovers(g, "identity")) continue;
      const prev = out.get(g.subject);
      if (!prev || prev.version <= Number(k.version)) out.set(g.subject, { subject: g.subject, grantId: g.grant_id, recordId: k.record_id, version: Number(k.version), contentHash: k.content_hash });
    }
    return [...out.values()];
  }

  // ---------- resident side ----------

  /** The subject adds sealed keys (re-wrapped DEKs) for readers they granted consent to. */
  async addKeys(session: Session, contentHash: string, keys: Array<{ to: string; sealed: string; grantId?: string; pk?: string }>) {
    const row = await versionByHash(this.ctx.db, contentHash);
    if (!row) throw notFound("no such record version");
    if (row.subject_ref !== session.address) throw forbidden("only the record's subject shares its key");
    if (row.erased_at !== null) throw gone();
    const at = nowSeconds();
    for (const k of keys) await this.#checkShare(row, k, at);
    return this.ctx.writer.submit(async ({ q, append }) => {
      if ((await keyCount(q, contentHash)) + keys.length > MAX_KEYS_PER_VERSION) throw unprocessable(`a version carries at most ${MAX_KEYS_PER_VERSION} keys`);
      await putKeys(q, contentHash, session.address, keys);
      appendKeyLeaves(append, `${row.record_id}:${Number(row.version)}`, contentHash, keys);
      return { contentHash, added: keys.length };
    });
  }

  /** A key may go to a reader only under a grant from the subject that is active now and covers the record's kind. */
  async #checkShare(row: RecordRow, k: { to: string; grantId?: string }, at: number) {
    if (k.to === row.subject_ref || k.to === row.author) throw unprocessable("the author and the subject hold their keys already");
    if (row.kind === "identity") {
      if (!k.grantId) throw unprocessable("an identity key names the TREATMENT grant (grantId) it is shared under");
      const g = await getGrant(this.ctx.db, k.grantId);
      if (!g) throw conflict("the grant is not in the index yet (it may still be in relay); retry once it is mined");
      if (g.grantee !== k.to || g.purpose !== Purpose.TREATMENT || !isActiveAt(g, at)) throw forbidden("the named grant is not an active TREATMENT grant to this reader");
      if (!grantCovers(g, "identity")) throw forbidden("the named grant does not cover the identity entry");
    } else {
      const g = await activeGrants(this.ctx.db, { grantee: k.to, subject: row.subject_ref, purposes: readingPurposes(row.kind), atSeconds: at });
      if (g.length === 0) throw conflict("no active TREATMENT grant from you to this reader in the index yet (it may still be in relay); retry once it is mined");
      if (!g.some((x) => grantCovers(x, row.kind))) throw forbidden("your consent to this reader does not cover records of this kind");
    }
  }

  /**
   * Erasure (PIPL Art. 47) of everything whose subject is the signed-in address: ciphertexts and sealed keys are
   * destroyed (crypto-shredding), one tombstone row + leaf per version, in one transaction. Leaves stay: their hashes
   * are of ciphertexts under random keys and nonces, so they reveal nothing.
   */
  async erase(session: Session) {
    return this.ctx.writer.submit((u) => shredVault(u, session.address, new Date()));
  }
}

/** The vault's part of an erasure, inside the caller's transaction (services/erasure.ts erases the rest with it). */
export async function shredVault({ q, append }: UnitCtx, me: string, at: Date) {
  const rows = await shredVersions(q, me, at);
  rows.sort((a, b) => (a.record_id === b.record_id ? Number(a.version) - Number(b.version) : a.record_id < b.record_id ? -1 : 1));
  await shredKeysOfSubject(q, me);
  await deleteRecipientKey(q, me);
  const tombstones = rows.map((r) => ({
    contentHash: r.content_hash,
    leafIndex: append({ type: "tombstone", id: `${r.record_id}:${Number(r.version)}`, hash: r.content_hash.slice(2), at: at.toISOString() }),
  }));
  await insertTombstones(q, me, at, tombstones);
  return { subjectRef: me, erased: tombstones.length, erasedAt: at.toISOString(), tombstones };
}

function refusalText(reason: RefusalReason): string {
  switch (reason) {
    case "grant_revoked":
      return "the resident's consent to you was revoked";
    case "grant_expired":
      return "the resident's consent to you has expired";
    case "counselor_suspended":
      return "your accreditation is not active";
    case "role_auditor":
    case "role_matcher":
      return "your role never reads record contents";
    default:
      return "you hold no active consent from this resident";
  }
}

const vaults = new WeakMap<AppContext, RecordVault>();
/** One vault (and one signature-key cache) per running context. */
export function vaultFor(ctx: AppContext): RecordVault {
  let v = vaults.get(ctx);
  if (!v) vaults.set(ctx, (v = new RecordVault(ctx)));
  return v;
}
