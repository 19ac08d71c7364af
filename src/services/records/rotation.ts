// Key rotation: after publishing a new key (a resident: the next signed version; a counselor: re-accredited on chain
// with it), the owner re-wraps the content keys sealed to it: its client takes each of its sealed keys (a logged key
// release), re-seals the content key to the new key and hands the new entries here. Each replaces the owner's own
// entry and is committed by a "key-added" leaf naming the new key, which the audit's keys check holds to the directory.
import type { Session } from "../session.js";
import { conflict, forbidden, gone, notFound, unprocessable } from "../errors.js";
import type { AppContext } from "../context.js";
import { keyOf, putKeys, recipientKeyOf } from "../../store/key-repo.js";
import { versionByHash } from "../../store/record-repo.js";
import { keyEntryHash } from "../../crypto/envelope.js";

export interface RewrapEntry {
  contentHash: string;
  sealed: string;
  /** The new key (base64) the entry is sealed to. */
  pk: string;
}

export class KeyRotation {
  constructor(private readonly ctx: AppContext) {}

  /** The key this owner's new entries must be sealed to: the published resident key, or the registry's. */
  async #currentKey(session: Session): Promise<string> {
    const published = await recipientKeyOf(this.ctx.db, session.address);
    if (published) return published.x25519_public_key;
    if (session.roles.has("counselor")) {
      const k = String(await this.ctx.chain.registry.encryptionKeyOf(session.address));
      return Buffer.from(k.slice(2), "hex").toString("base64");
    }
    throw conflict("publish the new key first (POST /v1/vault/recipients)", { code: "no_published_key" });
  }

  async rewrap(session: Session, entries: RewrapEntry[]) {
    const me = session.address;
    const current = await this.#currentKey(session);
    const byVersion: Array<{ e: RewrapEntry; id: string }> = [];
    for (const e of entries) {
      if (e.pk !== current) throw unprocessable("an entry must be sealed to your current published key", { code: "not_current_key" });
      const row = await versionByHash(this.ctx.db, e.contentHash);
      if (!row) throw notFound("no such record version");
      if (row.erased_at !== null) throw gone();
      // Only the owner's own entry, and only where they read by right of their own: the subject, or the author while
      // accredited (a suspended counselor holds no counselor role and re-wraps nothing).
      const own = row.subject_ref === me || (row.author === me && session.roles.has("counselor"));
      if (!own) throw forbidden("you re-wrap only your own keys of records about you or written by you");
      const existing = await keyOf(this.ctx.db, e.contentHash, me);
      if (!existing?.sealed) throw notFound("you hold no key for this version to replace");
      byVersion.push({ e, id: `${row.record_id}:${Number(row.version)}` });
    }
    const at = new Date().toISOString();
    return this.ctx.writer.submit(async ({ q, append }) => {
      for (const { e, id } of byVersion) {
        await putKeys(q, e.contentHash, me, [{ to: me, sealed: e.sealed, pk: e.pk }]);
        append({ type: "access", id, hash: keyEntryHash(e.contentHash, me, e.sealed, e.pk), at, decision: "key-added" });
      }
      return { rewrapped: byVersion.length };
    });
  }
}

export function keyRotation(ctx: AppContext): KeyRotation {
  return new KeyRotation(ctx);
}
