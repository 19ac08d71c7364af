// The recipient-key directory: the X25519 public keys records are sealed to. A resident publishes one per
// pseudonymous address (the signed-in one); a counselor's comes from the registry on chain. A resident's key is
// shown only to themself or a counselor holding their consent, so the directory does not enumerate residents.
import type { Session } from "../session.js";
import { notFound } from "../errors.js";
import type { AppContext } from "../context.js";
import { putRecipientKey, recipientKeyOf } from "../../store/key-repo.js";
import { counselorMayList } from "./policy.js";

const NONE = "no key published for this address, or you hold no consent from it";

export class RecipientDirectory {
  constructor(private readonly ctx: AppContext) {}

  /** A resident publishes the X25519 public key of the signed-in address (replacing an earlier one). */
  async publish(session: Session, x25519PublicKey: string) {
    await this.ctx.writer.submit(({ q }) => putRecipientKey(q, session.address, x25519PublicKey));
    return { address: session.address, x25519PublicKey, source: "resident" as const };
  }

  /** A reader's X25519 key: a counselor's from the registry; a resident's only to themself or a consented counselor. */
  async keyOf(session: Session, address: string) {
    const published = await recipientKeyOf(this.ctx.db, address);
    if (published) {
      const allowed = address === session.address || (session.roles.has("counselor") && (await counselorMayList(this.ctx.db, session.address, address)));
      if (allowed) return { address, x25519PublicKey: published, source: "resident" as const };
      throw notFound(NONE);
    }
    const onChain = (await this.ctx.chain.registry.encryptionKeyOf(address)) as string;
    if (/^0x0{64}$/.test(onChain)) throw notFound(NONE);
    return { address, x25519PublicKey: Buffer.from(onChain.slice(2), "hex").toString("base64"), source: "registry" as const };
  }
}

export function recipientDirectory(ctx: AppContext): RecipientDirectory {
  return new RecipientDirectory(ctx);
}
