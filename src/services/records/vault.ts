// The encrypted record vault: counselors (and residents, for their own entries) store signed envelopes; the server
// checks structure, signature, accreditation and consent, never sees a plaintext, releases sealed content keys only
// on a basis the consent index gives at that moment, logs every release and refusal, and crypto-shreds on erasure.
// Formats: docs/FORMATS.md (Record vault).
import { contentHashHex, type RecordEnvelope } from "../../crypto/index.js";
import { Refusal, conflict, forbidden, gone, integrity, notFound, unprocessable } from "../errors.js";
import type { Session } from "../session.js";
import { send, type Queryable } from "../../store/db.js";
import { activeGrants, getGrant, grantCovers, isActiveAt } from "../../store/consent-repo.js";
import type { AppContext } from "../context.js";
import type { BatchHandler, Outcome, UnitCtx } from "../log-writer.js";
import { counselorMayList, decide, nowSeconds, readingPurposes, TREATMENT, type Decision, type RefusalReason } from "./policy.js";
import { EnvelopeChecker } from "./envelope-check.js";
import { keyEntryHash } from "../../crypto/index.js";

/** Kinds a resident may write about themself (self-assessment, wearable summary, identity vault entry). */
const SELF_KINDS = new Set(["assessment", "wearable_summary", "identity"]);
/** Clock skew tolerated for createdAt in the future. */
const MAX_FUTURE_MS = 5 * 60_000;
/** Sealed keys a version may carry on the server (envelope ≤ 16 + later re-wraps). */
const MAX_KEYS_PER_VERSION = 64;

/** The stored envelope no longer hashes to its logged content hash: never serve it. */
export const integrityFailure = () => integrity();

export interface RecordRow {
  content_hash: string;
  record_id: string;
  version: number;
  kind: string;
  schema: string;
  author: string;
  subject_ref: string;
  consent_id: string | null;
  prev: string | null;
  created_at: Date | string;
  envelope: string | null;
  leaf_index: number;
  received_at: Date | string;
  erased_at: Date | string | null;
  leaf_input?: string | null;
}

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

const ROW_COLS = `r.content_hash, r.record_id, r.version, r.kind, r.schema, r.author, r.subject_ref, r.consent_id, r.prev,
  r.created_at, r.envelope, r.leaf_index, r.received_at, r.erased_at`;

/** A record version checked outside the transaction (structure, signature, role, consent), waiting to be stored. */
interface PendingRecord {
  envelope: RecordEnvelope;
  contentHash: string;
  /** Canonical JSON of the envelope without keys: what records.envelope holds. */
  stored: string;
  /** keyEntryHash of each sealed key of the envelope, sorted: committed in the record leaf. */
  keyHashes: string[];
  /** A counselor's record: consentId must name an active grant from subjectRef to the author (checked in the transaction). */
  underGrant: boolean;
}

/** Why the grant a counselor's record names does not allow it now (null: it does). */
function grantRefusal(grant: Awaited<ReturnType<typeof getGrant>>, env: RecordEnvelope): Refusal | null {
  if (!grant) return conflict("the consent is not in the index yet (it may still be in relay); retry once it is mined");
  if (grant.subject !== env.subjectRef || grant.grantee !== env.author || !readingPurposes(env.kind).includes(grant.purpose)) {
    return forbidden("the named consent does not cover this counselor and subject");
  }
  if (!isActiveAt(grant, nowSeconds())) return forbidden("the named consent is not active (revoked or expired)");
  if (!grantCovers(grant, env.kind)) return forbidden("the named consent does not cover records of this kind");
  return null;
}
interface WrittenRecord {
  recordId: string;
  version: number;
  contentHash: string;
  leafIndex: number;
}
type LatestRow = Pick<RecordRow, "record_id" | "content_hash" | "version" | "kind" | "author" | "subject_ref" | "created_at" | "erased_at">;
const LATEST_SQL = "SELECT r.record_id, r.content_hash, r.version, r.kind, r.author, r.subject_ref, r.created_at, r.erased_at FROM records r";

/** Amendment rules (docs/FORMATS.md (Crypto formats) §2.5): prev is the latest version of the same record, same kind, author, subject. */
function amendmentVersion(latest: LatestRow | undefined, env: RecordEnvelope): number {
  if (!latest) throw notFound("prev names a record this server does not hold");
  if (latest.erased_at !== null) throw gone();
  if (latest.content_hash !== env.prev) throw conflict("prev is not the latest version of this record: read the chain and amend its latest version");
  if (latest.kind !== env.kind || latest.author !== env.author || latest.subject_ref !== env.subjectRef) {
    throw unprocessable("an amendment keeps the kind, author and subjectRef of the record");
  }
  if (env.createdAt < iso(latest.created_at)) throw unprocessable("an amendment cannot be created before the version it amends");
  return Number(latest.version) + 1;
}

/** The record-version leaf. It also commits the version's initial sealed keys (`keys`: their keyEntryHashes, sorted;
 *  docs/FORMATS.md (Audit formats) §Sealed-key leaf): one leaf per write instead of one more per key, and a swapped
 *  sealed key is still caught by the audit (key-entry-not-in-log). Keys added later get "key-added" leaves. */
function appendRecordLeaf(append: UnitCtx["append"], item: PendingRecord, version: number): number {
  const env = item.envelope;
  return append({ type: "record", id: `${env.id}:${version}`, hash: item.contentHash.slice(2), at: env.createdAt, kind: env.kind, keys: item.keyHashes });
}

/** One "key-added" leaf per sealed key stored after its version (re-wraps; docs/FORMATS.md (Audit formats)): keys are
 *  outside contentHash, so each is committed on its own. */
function appendKeyLeaves(append: UnitCtx["append"], id: string, contentHash: string, keys: Array<{ to: string; sealed: string }>) {
  const at = new Date().toISOString();
  for (const k of keys) append({ type: "access", id, hash: keyEntryHash(contentHash, k.to, k.sealed), at, decision: "key-added" });
}

type Insertable = PendingRecord & { version: number; leafIndex: number };

/** The records rows and their key rows, in one statement for any number of versions. */
const INSERT_RECORDS = `WITH r AS (
       INSERT INTO records (content_hash, record_id, version, kind, schema, author, subject_ref, consent_id, prev, created_at, envelope, leaf_index)
       SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                            $10::timestamptz[], $11::text[], $12::bigint[])
       RETURNING content_hash),
     k AS (
       INSERT INTO record_keys (content_hash, recipient, sealed, added_by)
       SELECT k.h, k.rcpt, k.sealed, k.by FROM unnest($13::text[], $14::text[], $15::text[], $16::text[]) AS k(h, rcpt, sealed, by)
       JOIN r ON r.content_hash = k.h)
     SELECT content_hash FROM r`;

function insertParams(rs: Insertable[]): unknown[] {
  const keys = rs.flatMap((r) => r.envelope.keys.map((k) => ({ h: r.contentHash, to: k.to, sealed: k.sealed, by: r.envelope.author })));
  return [
    rs.map((r) => r.contentHash), rs.map((r) => r.envelope.id), rs.map((r) => r.version), rs.map((r) => r.envelope.kind),
    rs.map((r) => r.envelope.schema), rs.map((r) => r.envelope.author), rs.map((r) => r.envelope.subjectRef),
    rs.map((r) => r.envelope.consentId), rs.map((r) => r.envelope.prev), rs.map((r) => r.envelope.createdAt),
    rs.map((r) => r.stored), rs.map((r) => r.leafIndex),
    keys.map((k) => k.h), keys.map((k) => k.to), keys.map((k) => k.sealed), keys.map((k) => k.by),
  ];
}

/** Inserts and returns what was written (rows in input order). */
async function insertRecords(q: Queryable, rs: Insertable[]): Promise<WrittenRecord[]> {
  if (rs.length === 0) return [];
  const rows = await q.query<{ content_hash: string }>(INSERT_RECORDS, insertParams(rs));
  const inserted = new Set(rows.map((r) => r.content_hash));
  return rs.filter((r) => inserted.has(r.contentHash)).map((r) => ({ recordId: r.envelope.id, version: r.version, contentHash: r.contentHash, leafIndex: r.leafIndex }));
}

/** Inserts without waiting where the driver allows (see BatchHandler): every row is stored, or the commit fails. */
async function sendRecords(q: Queryable, rs: Insertable[]): Promise<void> {
  if (rs.length > 0) await send(q, INSERT_RECORDS, insertParams(rs));
}

function isUniqueViolation(e: unknown): boolean {
  return (e as { code?: string })?.code === "23505";
}

/** The stored envelope (without keys) still hashes to content_hash and to the hash of its log leaf. */
export function intact(r: RecordRow): boolean {
  if (r.envelope === null) return false;
  try {
    const h = contentHashHex(JSON.parse(r.envelope));
    if (h !== r.content_hash) return false;
    if (r.leaf_input == null) return false;
    const leaf = JSON.parse(r.leaf_input) as { type?: string; hash?: string };
    return leaf.type === "record" && "0x" + leaf.hash === h;
  } catch {
    return false;
  }
}

export class RecordVault {
  /** Signature, content hash and key commitments of an envelope, off the HTTP thread (see envelope-check.ts). */
  readonly #checker: EnvelopeChecker;
  constructor(private readonly ctx: AppContext) {
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
    const contentHash = check.contentHash;
    if (Date.parse(envelope.createdAt) > Date.now() + MAX_FUTURE_MS) throw unprocessable("createdAt is in the future");
    const recipients = new Set(envelope.keys.map((k) => k.to));
    if (!recipients.has(me)) throw unprocessable("keys[] must include a key for the author");

    if (session.roles.has("counselor")) {
      if (envelope.subjectRef === me) throw forbidden("a counselor's record is about a resident (subjectRef), not about the counselor");
      if (envelope.kind === "identity") throw forbidden("identity vault entries are written by the resident only");
      if (!recipients.has(envelope.subjectRef)) throw unprocessable("keys[] must include a key for subjectRef: the resident always reads their own records");
      if (!envelope.consentId) throw forbidden("a counselor's record must name the consent (consentId) it relies on");
      // The named grant is checked inside the write transaction (grantRefusal), so it holds at commit time.
    } else if (session.roles.has("resident")) {
      // A resident's own entry: self-assessment, wearable summary, identity vault.
      if (envelope.subjectRef !== me) throw forbidden("a resident writes only about their own address (subjectRef = author)");
      if (!SELF_KINDS.has(envelope.kind)) throw forbidden(`a resident may write only ${[...SELF_KINDS].join(", ")} entries`);
      if (envelope.consentId !== null) throw unprocessable("a resident's own entry has consentId null");
    } else {
      throw forbidden("only accredited counselors and residents write records");
    }

    const item: PendingRecord = { envelope, contentHash, stored: check.stored, keyHashes: check.keyHashes, underGrant: session.roles.has("counselor") };
    try {
      // Everything above is checked without the store (the envelope checks of concurrent writes come back together,
      // so they meet in one group commit). Inside the write transaction: the consent grant, the version rules, the
      // inserts — set-based for all records of one group commit.
      return await this.ctx.writer.submitBatched(this.#records, item);
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw conflict(envelope.prev === null ? "a record with this id (or this exact version) exists already: amend it with prev" : "this version was amended concurrently: amend the latest version");
      }
      throw e;
    }
  }

  /** Record versions as a BatchHandler: one lookup of latest versions + one INSERT for the group (see LogWriter). */
  readonly #records: BatchHandler<PendingRecord, WrittenRecord, { latest: Map<string, LatestRow>; grants: Map<string, Awaited<ReturnType<typeof getGrant>>> }> = {
    single: async ({ q, append }, item) => {
      const env = item.envelope;
      if (item.underGrant) {
        const refusal = grantRefusal(await getGrant(q, env.consentId!), env);
        if (refusal) throw refusal;
      }
      let version = 1;
      if (env.prev !== null) {
        const [latest] = await q.query<LatestRow>(`${LATEST_SQL} WHERE r.record_id = $1 ORDER BY r.version DESC LIMIT 1`, [env.id]);
        version = amendmentVersion(latest, env);
      }
      const [row] = await insertRecords(q, [{ ...item, version, leafIndex: appendRecordLeaf(append, item, version) }]);
      return row;
    },
    // Latest versions and named grants, in one round trip with the log head lock (see LogWriter).
    read: async (q, items) => {
      const ids = [...new Set(items.map((i) => i.envelope.id))];
      const consentIds = [...new Set(items.filter((i) => i.underGrant).map((i) => i.envelope.consentId!))];
      const [found, grants] = await Promise.all([
        q.query<LatestRow>(
          `SELECT DISTINCT ON (r.record_id) ${LATEST_SQL.slice("SELECT ".length)} WHERE r.record_id = ANY($1::text[]) ORDER BY r.record_id, r.version DESC`,
          [ids],
        ),
        Promise.all(consentIds.map(async (id) => [id, await getGrant(q, id)] as const)),
      ]);
      return { latest: new Map(found.map((r) => [r.record_id, r])), grants: new Map(grants) };
    },
    run: async ({ q, append }, items, { latest, grants }) => {
      const outcomes: Outcome<WrittenRecord>[] = [];
      const ok: Array<PendingRecord & { version: number; leafIndex: number; at: number }> = [];
      // In submit order, as if one after the other: a later item sees the versions of earlier ones.
      items.forEach((item, at) => {
        const env = item.envelope;
        try {
          const refusal = item.underGrant ? grantRefusal(grants.get(env.consentId!), env) : null;
          if (refusal) throw refusal;
          let version = 1;
          if (env.prev === null) {
            if (latest.has(env.id)) throw conflict("a record with this id (or this exact version) exists already: amend it with prev");
          } else {
            version = amendmentVersion(latest.get(env.id), env);
          }
          latest.set(env.id, { record_id: env.id, content_hash: item.contentHash, version, kind: env.kind, author: env.author, subject_ref: env.subjectRef, created_at: env.createdAt, erased_at: null });
          ok.push({ ...item, version, leafIndex: appendRecordLeaf(append, item, version), at });
          outcomes.push({ ok: false, error: new Error("pending") }); // replaced below once inserted
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      });
      // Sent without waiting on the threaded store: the records INSERT either stores every row or fails (a version
      // written concurrently by another instance: unique violation), and then the whole batch is redone item by item.
      await sendRecords(q, ok);
      ok.forEach((o) => (outcomes[o.at] = { ok: true, value: { recordId: o.envelope.id, version: o.version, contentHash: o.contentHash, leafIndex: o.leafIndex } }));
      return outcomes;
    },
  };

  // ---------- read ----------

  async #versions(recordId: string): Promise<RecordRow[]> {
    return this.ctx.db.query<RecordRow>(
      `SELECT ${ROW_COLS}, l.input AS leaf_input FROM records r LEFT JOIN log_leaves l ON l.idx = r.leaf_index
       WHERE r.record_id = $1 ORDER BY r.version`,
      [recordId],
    );
  }

  /** The version chain (envelopes without keys). Refusals are logged like key refusals. */
  async chain(session: Session, recordId: string) {
    const rows = await this.#versions(recordId);
    if (rows.length === 0) throw notFound("no such record");
    const latest = rows[rows.length - 1];
    const keyRow = await this.#keyRow(latest.content_hash, session.address);
    const d = await decide(this.ctx.db, session, latest, keyRow?.grant_id ?? null);
    if (!d.ok) {
      await this.#logAccess(session.address, latest, d);
      throw forbidden(refusalText(d.reason));
    }
    if (rows.every((r) => r.erased_at !== null)) throw gone();
    if (!rows.every(intact)) throw integrityFailure();
    return {
      recordId,
      kind: latest.kind,
      subjectRef: latest.subject_ref,
      versions: rows.map((r) => ({ ...meta(r), envelope: JSON.parse(r.envelope!) })),
    };
  }

  async #keyRow(contentHash: string, recipient: string) {
    const [k] = await this.ctx.db.query<{ sealed: string | null; grant_id: string | null }>(
      "SELECT sealed, grant_id FROM record_keys WHERE content_hash = $1 AND recipient = $2",
      [contentHash, recipient],
    );
    return k;
  }

  /** Key release: the requester's sealed DEK for one version, if the consent index gives a basis now. Logged. */
  async releaseKey(session: Session, recordId: string, contentHash: string) {
    const [row] = await this.ctx.db.query<RecordRow>(
      `SELECT ${ROW_COLS}, l.input AS leaf_input FROM records r LEFT JOIN log_leaves l ON l.idx = r.leaf_index
       WHERE r.content_hash = $1 AND r.record_id = $2`,
      [contentHash, recordId],
    );
    if (!row) throw notFound("no such record version");
    const keyRow = await this.#keyRow(contentHash, session.address);
    let d: Decision = await decide(this.ctx.db, session, row, keyRow?.grant_id ?? null);
    if (d.ok && row.erased_at !== null) d = { ok: false, reason: "erased" };
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
      const [{ id }] = await q.query<{ id: string }>("SELECT nextval(pg_get_serial_sequence('access_log', 'id'))::text AS id");
      const leafIndex = append({
        type: "access",
        id: `acc:${id}`,
        hash: row.content_hash.slice(2),
        at,
        decision: d.ok ? "released" : "refused",
        ...(d.ok ? { basis: d.basis } : {}),
      });
      await q.query(
        `INSERT INTO access_log (id, at, requester, content_hash, record_id, decision, basis, grant_id, reason, leaf_index)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [id, at, requester, row.content_hash, row.record_id, d.ok ? "released" : "refused", d.ok ? d.basis : null, d.ok ? d.grantId : null, d.ok ? null : d.reason, leafIndex],
      );
      return { id: Number(id), leafIndex };
    });
  }

  /** Record metadata the requester has a basis to see. */
  async list(session: Session, f: { subject?: string; author?: string; kind?: string; limit: number }) {
    const me = session.address;
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.subject) {
      if (f.subject !== me) {
        if (!session.roles.has("counselor") || !(await counselorMayList(this.ctx.db, me, f.subject))) {
          throw forbidden("you hold no active consent from this subject");
        }
        where.push("r.kind <> 'identity'");
      }
      where.push(`r.subject_ref = $${params.push(f.subject)}`);
    }
    if (f.author) {
      if (f.author !== me) throw forbidden("you can list only records you wrote");
      where.push(`r.author = $${params.push(f.author)}`);
    }
    if (!f.subject && !f.author) where.push(`(r.author = $${params.push(me)} OR r.subject_ref = $${params.length})`);
    if (f.kind) where.push(`r.kind = $${params.push(f.kind)}`);
    const rows = await this.ctx.db.query<RecordRow>(
      `SELECT ${ROW_COLS} FROM records r WHERE ${where.join(" AND ")} ORDER BY r.received_at DESC, r.version DESC LIMIT $${params.push(f.limit)}`,
      params,
    );
    return rows.map(meta);
  }

  // ---------- resident side ----------

  /** The subject adds sealed keys (re-wrapped DEKs) for readers they granted consent to. */
  async addKeys(session: Session, contentHash: string, keys: Array<{ to: string; sealed: string; grantId?: string }>) {
    const [row] = await this.ctx.db.query<RecordRow>(`SELECT ${ROW_COLS} FROM records r WHERE r.content_hash = $1`, [contentHash]);
    if (!row) throw notFound("no such record version");
    if (row.subject_ref !== session.address) throw forbidden("only the record's subject shares its key");
    if (row.erased_at !== null) throw gone();
    const at = nowSeconds();
    for (const k of keys) {
      if (k.to === row.subject_ref || k.to === row.author) throw unprocessable("the author and the subject hold their keys already");
      if (row.kind === "identity") {
        if (!k.grantId) throw unprocessable("an identity key names the TREATMENT grant (grantId) it is shared under");
        const g = await getGrant(this.ctx.db, k.grantId);
        if (!g) throw conflict("the grant is not in the index yet (it may still be in relay); retry once it is mined");
        if (g.grantee !== k.to || g.purpose !== TREATMENT || !isActiveAt(g, at)) throw forbidden("the named grant is not an active TREATMENT grant to this reader");
        if (!grantCovers(g, "identity")) throw forbidden("the named grant does not cover the identity entry");
      } else {
        const g = await activeGrants(this.ctx.db, { grantee: k.to, subject: row.subject_ref, purposes: readingPurposes(row.kind), atSeconds: at });
        if (g.length === 0) throw conflict("no active TREATMENT grant from you to this reader in the index yet (it may still be in relay); retry once it is mined");
        if (!g.some((x) => grantCovers(x, row.kind))) throw forbidden("your consent to this reader does not cover records of this kind");
      }
    }
    return this.ctx.writer.submit(async ({ q, append }) => {
      const [{ n }] = await q.query<{ n: number }>("SELECT count(*)::int AS n FROM record_keys WHERE content_hash = $1", [contentHash]);
      if (Number(n) + keys.length > MAX_KEYS_PER_VERSION) throw unprocessable(`a version carries at most ${MAX_KEYS_PER_VERSION} keys`);
      await q.query(
        `INSERT INTO record_keys (content_hash, recipient, sealed, added_by, grant_id)
         SELECT $1, k.rcpt, k.sealed, $2, k.grant_id FROM unnest($3::text[], $4::text[], $5::text[]) AS k(rcpt, sealed, grant_id)
         ON CONFLICT (content_hash, recipient) DO UPDATE SET sealed = EXCLUDED.sealed, added_by = EXCLUDED.added_by,
           added_at = now(), grant_id = EXCLUDED.grant_id`,
        [contentHash, session.address, keys.map((k) => k.to), keys.map((k) => k.sealed), keys.map((k) => k.grantId?.toLowerCase() ?? null)],
      );
      appendKeyLeaves(append, `${row.record_id}:${Number(row.version)}`, contentHash, keys);
      return { contentHash, added: keys.length };
    });
  }

  /** A resident publishes the X25519 public key of one of their pseudonymous addresses (the signed-in one). */
  async publishRecipientKey(session: Session, x25519PublicKey: string) {
    await this.ctx.writer.submit(({ q }) =>
      q.query(
        `INSERT INTO vault_recipients (address, x25519_public_key) VALUES ($1, $2)
         ON CONFLICT (address) DO UPDATE SET x25519_public_key = EXCLUDED.x25519_public_key, updated_at = now()`,
        [session.address, x25519PublicKey],
      ),
    );
    return { address: session.address, x25519PublicKey, source: "resident" as const };
  }

  /** A reader's X25519 key: a counselor's from the registry; a resident's only to themself or a consented counselor. */
  async recipientKey(session: Session, address: string) {
    const [row] = await this.ctx.db.query<{ x25519_public_key: string }>("SELECT x25519_public_key FROM vault_recipients WHERE address = $1", [address]);
    if (row) {
      const allowed = address === session.address || (session.roles.has("counselor") && (await counselorMayList(this.ctx.db, session.address, address)));
      if (allowed) return { address, x25519PublicKey: row.x25519_public_key, source: "resident" as const };
      throw notFound("no key published for this address, or you hold no consent from it");
    }
    const onChain = (await this.ctx.chain.registry.encryptionKeyOf(address)) as string;
    if (/^0x0{64}$/.test(onChain)) throw notFound("no key published for this address, or you hold no consent from it");
    return { address, x25519PublicKey: Buffer.from(onChain.slice(2), "hex").toString("base64"), source: "registry" as const };
  }

  /**
   * Erasure (PIPL Art. 47) of everything whose subject is the signed-in address: ciphertexts and sealed keys are
   * destroyed (crypto-shredding), one tombstone row + leaf per version, in one transaction. Leaves stay: their hashes
   * are of ciphertexts under random keys and nonces, so they reveal nothing.
   */
  async erase(session: Session) {
    const me = session.address;
    const at = new Date();
    return this.ctx.writer.submit(async ({ q, append }) => {
      const rows = await q.query<{ content_hash: string; record_id: string; version: number }>(
        `UPDATE records SET envelope = NULL, erased_at = $2 WHERE subject_ref = $1 AND erased_at IS NULL
         RETURNING content_hash, record_id, version`,
        [me, at],
      );
      rows.sort((a, b) => (a.record_id === b.record_id ? Number(a.version) - Number(b.version) : a.record_id < b.record_id ? -1 : 1));
      await q.query(
        `UPDATE record_keys SET sealed = NULL, grant_id = NULL WHERE content_hash IN (SELECT content_hash FROM records WHERE subject_ref = $1)`,
        [me],
      );
      await q.query("DELETE FROM vault_recipients WHERE address = $1", [me]);
      const tombstones = rows.map((r) => ({
        contentHash: r.content_hash,
        leafIndex: append({ type: "tombstone", id: `${r.record_id}:${Number(r.version)}`, hash: r.content_hash.slice(2), at: at.toISOString() }),
      }));
      if (tombstones.length > 0) {
        await q.query(
          `INSERT INTO tombstones (subject_ref, content_hash, erased_at, leaf_index)
           SELECT $1, t.h, $2, t.i FROM unnest($3::text[], $4::bigint[]) AS t(h, i)`,
          [me, at, tombstones.map((t) => t.contentHash), tombstones.map((t) => t.leafIndex)],
        );
      }
      return { subjectRef: me, erased: tombstones.length, erasedAt: at.toISOString(), tombstones };
    });
  }
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
