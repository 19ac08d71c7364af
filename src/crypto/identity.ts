// Identity vault: a resident's real identity, the only place it exists, stored as an ordinary envelope of kind
// "identity". Author and subjectRef are the resident's vault address (relationship "vault"); readers are the resident
// (vault X25519 key) and counselors holding an active TREATMENT consent.
import { z } from "zod";
import { openJson, sealJson, type Recipient } from "./envelope.js";
import type { RecordEnvelope } from "./envelope-schema.js";
import { MalformedEnvelope } from "./errors.js";
import { vaultKeys, walletSigner, type X25519KeyPair } from "./keys.js";

/** v1: a real name is required. v2 (this version) adds displayName and lets it stand alone. Entries that fit v1 are
 * still written as v1, so readers that know only v1 keep reading them; readers accept both. */
export const IDENTITY_SCHEMA = "anxin.identity.v2";
export const IDENTITY_SCHEMA_V1 = "anxin.identity.v1";

const identityV1Schema = z.strictObject({
  name: z.string().min(1).max(200),
  idNumber: z.string().min(1).max(64).optional(),
  phone: z.string().min(1).max(32).optional(),
  address: z.string().min(1).max(500).optional(),
});

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
  if (!parsed.success) throw new MalformedEnvelope("identity does not match anxin.identity.v2"); // no values echoed
  const vault = await vaultKeys(input.seed);
  const recipients: Recipient[] = [{ address: vault.address, x25519PublicKey: vault.x25519.publicKey }, ...(input.counselors ?? [])];
  return sealJson({
    kind: "identity",
    schema: identitySchemaFor(parsed.data),
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
  if (envelope?.kind !== "identity" || (envelope?.schema !== IDENTITY_SCHEMA && envelope?.schema !== IDENTITY_SCHEMA_V1)) {
    throw new MalformedEnvelope("not an identity vault entry");
  }
  if (envelope.author !== envelope.subjectRef) throw new MalformedEnvelope("identity entry must be authored by its subject");
  const body = await openJson(envelope, readerAddress, keyPair);
  const parsed = (envelope.schema === IDENTITY_SCHEMA_V1 ? identityV1Schema : identitySchema).safeParse(body);
  if (!parsed.success) throw new MalformedEnvelope(`identity plaintext does not match ${envelope.schema}`);
  return parsed.data;
}

/** The resident opens their own vault entry with their root seed (also checks it is their vault). */
export async function openOwnIdentity(envelope: RecordEnvelope, seed: Uint8Array): Promise<Identity> {
  const vault = await vaultKeys(seed);
  if (envelope?.author !== vault.address) throw new MalformedEnvelope("identity entry is not this resident's vault");
  return openIdentity(envelope, vault.address, vault.x25519);
}

/** The schema an entry is written under: v1 when it fits v1 (a name, no displayName), else v2. */
export function identitySchemaFor(identity: Identity): string {
  return identityV1Schema.safeParse(identity).success ? IDENTITY_SCHEMA_V1 : IDENTITY_SCHEMA;
}
