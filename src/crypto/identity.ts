// Identity vault: a resident's real identity, the only place it exists, stored as an ordinary envelope of kind
// "identity". Author and subjectRef are the resident's vault address (relationship "vault"); readers are the resident
// (vault X25519 key) and counselors holding an active TREATMENT consent.
import { z } from "zod";
import { openJson, sealJson, type Recipient } from "./envelope.js";
import type { RecordEnvelope } from "./envelope-schema.js";
import { MalformedEnvelope } from "./errors.js";
import { vaultKeys, walletSigner, type X25519KeyPair } from "./keys.js";

export const IDENTITY_SCHEMA = "anxin.identity.v1";

export const identitySchema = z
  .strictObject({
    name: z.string().min(1).max(200).optional(),
    /** What she wants her counselor to call her (may be no real name at all): the caseload shows it. */
    displayName: z.string().trim().min(1).max(40).optional(),
    idNumber: z.string().min(1).max(64).optional(),
    phone: z.string().min(1).max(32).optional(),
    address: z.string().min(1).max(500).optional(),
  })
  .refine((x) => x.name !== undefined || x.displayName !== undefined, "an identity entry names her: name or displayName");
export type Identity = z.infer<typeof identitySchema>;

export interface SealIdentityInput {
  seed: Uint8Array;
  identity: Identity;
  /** Counselors with an active TREATMENT grant; the resident's own vault key is always added. */
  counselors?: Recipient[];
  /** contentHash of the identity version this one replaces. */
  prev?: string | null;
  /** Record id of the vault entry when amending. */
  id?: string;
  createdAt?: Date | string;
}

/** Seals the identity as an envelope of kind "identity", signed by the vault key. */
export async function sealIdentity(input: SealIdentityInput): Promise<RecordEnvelope> {
  const parsed = identitySchema.safeParse(input.identity);
  if (!parsed.success) throw new MalformedEnvelope("identity does not match anxin.identity.v1"); // no values echoed
  const vault = await vaultKeys(input.seed);
  const recipients: Recipient[] = [{ address: vault.address, x25519PublicKey: vault.x25519.publicKey }, ...(input.counselors ?? [])];
  return sealJson({
    kind: "identity",
    schema: IDENTITY_SCHEMA,
    subjectRef: vault.address,
    consentId: null,
    prev: input.prev ?? null,
    id: input.id,
    createdAt: input.createdAt,
    body: parsed.data,
    recipients,
    signer: walletSigner(vault.wallet),
  });
}

/** Opens an identity entry for a reader (counselor address + X25519 key pair). Validates kind, schema and body. */
export async function openIdentity(
  envelope: RecordEnvelope,
  readerAddress: string,
  keyPair: X25519KeyPair,
): Promise<Identity> {
  if (envelope?.kind !== "identity" || envelope?.schema !== IDENTITY_SCHEMA) {
    throw new MalformedEnvelope("not an identity vault entry");
  }
  if (envelope.author !== envelope.subjectRef) throw new MalformedEnvelope("identity entry must be authored by its subject");
  const body = await openJson(envelope, readerAddress, keyPair);
  const parsed = identitySchema.safeParse(body);
  if (!parsed.success) throw new MalformedEnvelope("identity plaintext does not match anxin.identity.v1");
  return parsed.data;
}

/** The resident opens their own vault entry with their root seed (also checks it is their vault). */
export async function openOwnIdentity(envelope: RecordEnvelope, seed: Uint8Array): Promise<Identity> {
  const vault = await vaultKeys(seed);
  if (envelope?.author !== vault.address) throw new MalformedEnvelope("identity entry is not this resident's vault");
  return openIdentity(envelope, vault.address, vault.x25519);
}
