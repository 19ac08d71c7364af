// Storing record versions inside the write transaction: the consent a counselor's record names, the amendment
// rules (the core's amendmentFault), the version's log leaf and the insert — set-based for all the versions of one
// group commit (a BatchHandler of the LogWriter). In one hop (LogWriter: head in memory) a group of new records
// (prev null) under grants checked before the transaction reads nothing: a record id stored already fails the
// unique constraint, a grant changed since its check fails the grant guard, and either redoes the batch with reads.
import { amendmentFault, type RecordEnvelope } from "../../crypto/index.js";
import { getGrant, grantCovers, guardGrants, isActiveAt, stampedGrant, type GrantRow, type StampedGrant } from "../../store/consent-repo.js";
import { insertVersions, latestVersion, latestVersions, sendVersions, type LatestRow, type NewVersion } from "../../store/record-repo.js";
import { Refusal, conflict, forbidden, gone, notFound, unprocessable } from "../errors.js";
import type { BatchHandler, Outcome, UnitCtx } from "../log-writer.js";
import type { Queryable } from "../../store/db.js";
import { nowSeconds, readingPurposes } from "./policy.js";

/** A record version checked outside the transaction (structure, signature, role, consent), waiting to be stored. */
export interface PendingRecord {
  envelope: RecordEnvelope;
  contentHash: string;
  /** Canonical JSON of the envelope without keys: what records.envelope holds. */
  stored: string;
  /** keyEntryHash of each sealed key of the envelope, sorted: committed in the record leaf. */
  keyHashes: string[];
  /** A counselor's record: consentId must name an active grant from subjectRef to the author (checked in the transaction). */
  underGrant: boolean;
  /** That grant as read before the transaction (GrantCache): the one-hop commit decides on it under a guard. */
  grant?: CheckedGrant;
}

/** A grant read before the transaction; `drop` forgets it where it was cached (seen changed). */
export interface CheckedGrant extends StampedGrant {
  drop(): void;
}

export interface WrittenRecord {
  recordId: string;
  version: number;
  contentHash: string;
  leafIndex: number;
}

export const DUPLICATE = "a record with this id (or this exact version) exists already: amend it with prev";

const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();

/** Why the grant a counselor's record names does not allow it now (null: it does). */
function grantRefusal(grant: GrantRow | undefined, env: RecordEnvelope): Refusal | null {
  if (!grant) return conflict("the consent is not in the index yet (it may still be in relay); retry once it is mined");
  if (grant.subject !== env.subjectRef || grant.grantee !== env.author || !readingPurposes(env.kind).includes(grant.purpose)) {
    return forbidden("the named consent does not cover this counselor and subject");
  }
  if (!isActiveAt(grant, nowSeconds())) return forbidden("the named consent is not active (revoked or expired)");
  if (!grantCovers(grant, env.kind)) return forbidden("the named consent does not cover records of this kind");
  return null;
}

/** The version number an amendment gets, or its refusal: the latest version must exist, not be erased, and be amended by the core's rules. */
function amendmentVersion(latest: LatestRow | undefined, env: RecordEnvelope): number {
  if (!latest) throw notFound("prev names a record this server does not hold");
  if (latest.erased_at !== null) throw gone();
  const fault = amendmentFault(
    { id: latest.record_id, kind: latest.kind, author: latest.author, subjectRef: latest.subject_ref, createdAt: iso(latest.created_at), contentHash: latest.content_hash },
    env,
  );
  if (fault?.rule === "prev") throw conflict("prev is not the latest version of this record: read the chain and amend its latest version");
  if (fault?.rule === "same") throw unprocessable("an amendment keeps the kind, author and subjectRef of the record");
  if (fault?.rule === "time") throw unprocessable("an amendment cannot be created before the version it amends");
  return Number(latest.version) + 1;
}

/** The record-version leaf. It also commits the version's initial sealed keys (`keys`: their keyEntryHashes, sorted;
 *  docs/FORMATS.md (Audit formats) §Sealed-key leaf): one leaf per write instead of one more per key, and a swapped
 *  sealed key is still caught by the audit (key-entry-not-in-log). Keys added later get "key-added" leaves. */
function appendRecordLeaf(append: UnitCtx["append"], item: PendingRecord, version: number): number {
  const env = item.envelope;
  return append({ type: "record", id: `${env.id}:${version}`, hash: item.contentHash.slice(2), at: env.createdAt, kind: env.kind, keys: item.keyHashes });
}

const written = (v: NewVersion): WrittenRecord => ({ recordId: v.envelope.id, version: v.version, contentHash: v.contentHash, leafIndex: v.leafIndex });

type Lookups = { latest: Map<string, LatestRow>; grants: Map<string, GrantRow | undefined> };

/** One item of a group, in submit order: its refusal, or the version it is stored as (also recorded in `latest`). */
function stageInGroup(append: UnitCtx["append"], item: PendingRecord, { latest, grants }: Lookups): NewVersion {
  const env = item.envelope;
  const refusal = item.underGrant ? grantRefusal(grants.get(env.consentId!), env) : null;
  if (refusal) throw refusal;
  let version = 1;
  if (env.prev === null) {
    if (latest.has(env.id)) throw conflict(DUPLICATE);
  } else {
    version = amendmentVersion(latest.get(env.id), env);
  }
  latest.set(env.id, { record_id: env.id, content_hash: item.contentHash, version, kind: env.kind, author: env.author, subject_ref: env.subjectRef, created_at: env.createdAt, erased_at: null });
  return { ...item, version, leafIndex: appendRecordLeaf(append, item, version) };
}

/** Record versions as a BatchHandler: one lookup of latest versions + one INSERT for the group (see LogWriter). */
export const recordWrites: BatchHandler<PendingRecord, WrittenRecord, Lookups> = {
  single: async ({ q, append }, item) => {
    const env = item.envelope;
    if (item.underGrant) {
      const refusal = grantRefusal(await getGrant(q, env.consentId!), env);
      if (refusal) throw refusal;
    }
    const version = env.prev === null ? 1 : amendmentVersion(await latestVersion(q, env.id), env);
    const v: NewVersion = { ...item, version, leafIndex: appendRecordLeaf(append, item, version) };
    await insertVersions(q, [v]); // stores the version or throws (a unique violation: written concurrently)
    return written(v);
  },
  // Latest versions and named grants, in one round trip with the log head lock (see LogWriter).
  read: async (q, items) => {
    const ids = [...new Set(items.map((i) => i.envelope.id))];
    const consentIds = [...new Set(items.filter((i) => i.underGrant).map((i) => i.envelope.consentId!))];
    const [latest, grants] = await Promise.all([
      latestVersions(q, ids),
      Promise.all(consentIds.map(async (id) => [id, await stampedGrant(q, id)] as const)),
    ]);
    const now = new Map(grants);
    // A grant checked beforehand that changed since (the one-hop guard failed on it): forget the checked copy.
    for (const i of items) if (i.grant && now.get(i.envelope.consentId!)?.stamp !== i.grant.stamp) i.grant.drop();
    return { latest, grants: new Map(grants.map(([id, g]) => [id, g?.row])) };
  },
  // One hop: new records only, each grant checked before the transaction; nothing is read.
  known: (items) => {
    if (items.some((i) => i.envelope.prev !== null || (i.underGrant && !i.grant))) return undefined;
    const checked = new Map<string, CheckedGrant>();
    for (const i of items) if (i.underGrant) checked.set(i.envelope.consentId!, i.grant!);
    return {
      // No latest versions: an id stored already fails the records insert (unique), and the batch is redone.
      read: { latest: new Map(), grants: new Map([...checked].map(([id, g]) => [id, g.row])) },
      guard: (q) => guardGrants(q, [...checked].map(([grantId, g]) => ({ grantId, stamp: g.stamp }))),
    };
  },
  run: async ({ q, append }, items, lookups) => {
    const outcomes: Outcome<WrittenRecord>[] = [];
    const ok: NewVersion[] = [];
    // In submit order, as if one after the other: a later item sees the versions of earlier ones.
    for (const item of items) {
      try {
        const v = stageInGroup(append, item, lookups);
        ok.push(v);
        outcomes.push({ ok: true, value: written(v) });
      } catch (error) {
        outcomes.push({ ok: false, error });
      }
    }
    // Sent without waiting on the threaded store: the records INSERT either stores every row or fails (a version
    // written concurrently by another instance: unique violation), and then the whole batch is redone item by item.
    await sendVersions(q, ok);
    return outcomes;
  },
};

/** Grants as read before the write transaction, by id (positive answers only: a missing grant is read in the
 *  transaction). No expiry is needed: a changed grant fails the guard, and the redo's read drops it here. */
export class GrantCache {
  readonly #entries = new Map<string, Promise<StampedGrant | undefined>>();
  constructor(
    private readonly q: Queryable,
    private readonly max = 10_000,
  ) {}

  async get(grantId: string): Promise<CheckedGrant | undefined> {
    let p = this.#entries.get(grantId);
    if (!p) {
      if (this.#entries.size >= this.max) this.#entries.clear();
      p = stampedGrant(this.q, grantId).catch(() => undefined);
      this.#entries.set(grantId, p);
    }
    const g = await p;
    const drop = () => {
      if (this.#entries.get(grantId) === p) this.#entries.delete(grantId);
    };
    if (!g) {
      drop(); // not indexed yet: read again next time
      return undefined;
    }
    return { ...g, drop };
  }
}
