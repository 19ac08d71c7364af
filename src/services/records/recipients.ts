// The recipient-key directory: the X25519 public keys records are sealed to. A resident publishes one per
// pseudonymous address (the signed-in one), signed by that address (EIP-712, crypto/key-publication.ts); each
// publication and rotation is a "key" log leaf, so clients check the signature and the leaf before sealing, and the
// audit checks every sealed key entry against this history (docs/FORMATS.md (Key directory)). A counselor's key is
// on chain; clients read it there themselves (client/key-directory.ts). A resident's key is shown only to themself
// or a counselor holding their consent, so the directory does not enumerate residents.
import type { Session } from "../session.js";
import { conflict, notFound, unprocessable } from "../errors.js";
import type { AppContext } from "../context.js";
import { latestKeyVersion, putRecipientKey, recipientKeyOf } from "../../store/key-repo.js";
import { readLeaves } from "../../store/log-repo.js";
import { KeyPublicationError, keyPublicationHash, verifyKeyPublication, x25519FromBase64, type KeyPublication } from "../../crypto/key-publication.js";
import { canonicalJson } from "../../crypto/canonical.js";
import { counselorMayList } from "./policy.js";

const NONE = "no key published for this address, or you hold no consent from it";
/** How far issuedAt may be from the server's clock. */
const MAX_SKEW_S = 10 * 60;

export interface PublishRequest {
  x25519PublicKey: string;
  version: number;
  issuedAt: number;
  signature: string;
}

/** The log event of a publication (docs/FORMATS.md (Key directory)): the client rebuilds it to check the leaf. */
export function keyLeafEvent(p: KeyPublication, at: string) {
  return { type: "key" as const, id: `key:${p.owner}:${p.version}`, hash: keyPublicationHash(p), at };
}

export class RecipientDirectory {
  constructor(private readonly ctx: AppContext) {}

  /** A resident publishes (or rotates) the signed X25519 key of the signed-in address; version = previous + 1. */
  async publish(session: Session, r: PublishRequest) {
    let p: KeyPublication;
    try {
      p = verifyKeyPublication({ owner: session.address, x25519PublicKey: x25519FromBase64(r.x25519PublicKey), version: r.version, issuedAt: r.issuedAt, signature: r.signature }, session.address);
    } catch (e) {
      if (e instanceof KeyPublicationError) throw unprocessable(`key publication refused: ${e.message}`, { code: e.code });
      throw e;
    }
    if (Math.abs(r.issuedAt - Date.now() / 1000) > MAX_SKEW_S) throw unprocessable("issuedAt is more than 10 minutes from now", { code: "key_time_skew" });
    const at = new Date().toISOString();
    return this.ctx.writer.submit(async ({ q, append }) => {
      const latest = await latestKeyVersion(q, session.address);
      if (r.version !== latest + 1) throw conflict(`the next version of this key is ${latest + 1}`, { code: "key_version" });
      const leafIndex = append(keyLeafEvent(p, at));
      await putRecipientKey(q, { owner: p.owner, version: p.version, x25519PublicKey: r.x25519PublicKey, issuedAt: p.issuedAt, signature: p.signature, leafIndex });
      return { address: session.address, x25519PublicKey: r.x25519PublicKey, source: "resident" as const, publication: { ...pub(p), leafIndex, leafInput: canonicalJson(keyLeafEvent(p, at)) } };
    });
  }

  /** A reader's X25519 key: a counselor's from the registry; a resident's only to themself or a consented counselor. */
  async keyOf(session: Session, address: string) {
    const published = await recipientKeyOf(this.ctx.db, address);
    if (published) {
      const allowed = address === session.address || (session.roles.has("counselor") && (await counselorMayList(this.ctx.db, session.address, address)));
      if (!allowed) throw notFound(NONE);
      return { address, x25519PublicKey: published.x25519_public_key, source: "resident" as const, publication: await this.#publication(address, published) };
    }
    // Served for convenience only: clients read counselors' keys from the chain themselves.
    const onChain = (await this.ctx.chain.registry.encryptionKeyOf(address)) as string;
    if (/^0x0{64}$/.test(onChain)) throw notFound(NONE);
    return { address, x25519PublicKey: Buffer.from(onChain.slice(2), "hex").toString("base64"), source: "registry" as const, publication: null };
  }

  /** The signed publication with its log leaf; null for a key published before signatures existed (legacy). */
  async #publication(owner: string, row: NonNullable<Awaited<ReturnType<typeof recipientKeyOf>>>) {
    if (row.version === null || row.signature === null || row.leaf_index === null || row.issued_at === null) return null;
    const idx = Number(row.leaf_index);
    const [leaf] = await readLeaves(this.ctx.db, idx, idx + 1);
    return {
      owner,
      x25519PublicKey: x25519FromBase64(row.x25519_public_key),
      version: Number(row.version),
      issuedAt: Number(row.issued_at),
      signature: row.signature,
      leafIndex: idx,
      leafInput: leaf?.input ?? null,
    };
  }
}

function pub(p: KeyPublication) {
  return { owner: p.owner, x25519PublicKey: p.x25519PublicKey, version: p.version, issuedAt: p.issuedAt, signature: p.signature };
}

export function recipientDirectory(ctx: AppContext): RecipientDirectory {
  return new RecipientDirectory(ctx);
}
