// Batch sync: up to 256 record versions in one request, each stored (or refused) on its own. A client that
// resends what the server already holds (its acknowledgement was lost, the power went) gets the stored version
// back instead of a duplicate conflict, so a sync can always be repeated.
import { contentHashHex, recordEnvelopeSchema, type RecordEnvelope } from "../../crypto/index.js";
import { versionWithLeaf } from "../../store/record-repo.js";
import type { AppContext } from "../context.js";
import { Refusal, gone, invalid } from "../errors.js";
import type { Session } from "../session.js";
import type { RecordVault } from "./vault.js";
import type { WrittenRecord } from "./record-writes.js";

export const MAX_BATCH = 256;

export type BatchItem =
  | { index: number; ok: true; record: WrittenRecord & { alreadyStored: boolean } }
  | { index: number; ok: false; error: unknown };

/** The zod check of one item: a malformed item is refused alone, with its field errors under `records.<i>`. */
function parseItem(raw: unknown, index: number): RecordEnvelope {
  const r = recordEnvelopeSchema.safeParse(raw);
  if (r.success) return r.data;
  const errors = r.error.issues.slice(0, 20).map((i) => ({ path: ["records", index, ...i.path].map(String).join("."), message: i.message.slice(0, 200) }));
  throw invalid("this record is not a valid envelope", { errors });
}

/** The version already stored under this envelope's id and content hash, if the envelope is exactly it. */
async function storedAs(ctx: AppContext, env: RecordEnvelope): Promise<(WrittenRecord & { alreadyStored: true }) | undefined> {
  const hash = contentHashHex(env);
  const row = await versionWithLeaf(ctx.db, env.id, hash);
  if (!row || row.author !== env.author) return undefined;
  if (row.erased_at !== null) throw gone("this record was erased");
  return { recordId: row.record_id, version: Number(row.version), contentHash: row.content_hash, leafIndex: Number(row.leaf_index), alreadyStored: true };
}

/**
 * Writes every item as the single route would, concurrently, so that they meet in the same group commits.
 * Results come back in input order; nothing of one item depends on another's success.
 */
export async function writeBatch(ctx: AppContext, vault: RecordVault, session: Session, records: unknown[]): Promise<BatchItem[]> {
  if (records.length === 0 || records.length > MAX_BATCH) throw invalid(`send 1 to ${MAX_BATCH} records per batch`, { errors: [{ path: "body.records", message: `1 to ${MAX_BATCH} items` }] });
  return Promise.all(
    records.map(async (raw, index): Promise<BatchItem> => {
      let env: RecordEnvelope | undefined;
      try {
        env = parseItem(raw, index);
        return { index, ok: true, record: { ...(await vault.write(session, env)), alreadyStored: false } };
      } catch (error) {
        if (env && error instanceof Refusal && error.kind === "conflict") {
          try {
            const same = await storedAs(ctx, env);
            if (same) return { index, ok: true, record: same };
          } catch (e) {
            return { index, ok: false, error: e };
          }
        }
        return { index, ok: false, error };
      }
    }),
  );
}
