// zod schema of the record envelope anxin.record.v1 (docs/FORMATS.md (Crypto formats)). Single source of structural
// validation: the HTTP layer reuses it for request bodies and OpenAPI; verifyEnvelope/openRecord run it too.
import { z } from "zod";
import { BASE64_PATTERN, base64Length, isCanonicalBase64 } from "./encoding.js";

/** Canonical base64, checked by isCanonicalBase64 (fast) and documented in OpenAPI as the equivalent pattern. */
const canonicalBase64 = (s: z.ZodString) => s.refine(isCanonicalBase64, "must be canonical padded standard base64").meta({ pattern: BASE64_PATTERN.source });

export const ENVELOPE_VERSION = "anxin.record.v1";

export const RECORD_KINDS = [
  "assessment",
  "consultation_note",
  "care_plan",
  "referral",
  "wearable_summary",
  "identity",
] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/** Largest `ciphertext` field, in base64 characters (1 MiB). */
export const MAX_CIPHERTEXT_CHARS = 1024 * 1024;
/** Largest plaintext sealRecord accepts: the most bytes whose ciphertext (plaintext + 16-byte tag) fits. */
export const MAX_PLAINTEXT_BYTES = (MAX_CIPHERTEXT_CHARS / 4) * 3 - 16;
/** Most recipients (`keys` entries) per envelope. */
export const MAX_RECIPIENTS = 16;
export const NONCE_BYTES = 24;
export const DEK_BYTES = 32;
/** crypto_box_seal output for a 32-byte DEK: 32-byte ephemeral public key + 16-byte MAC + 32 bytes. */
export const SEALED_DEK_BYTES = 32 + 16 + DEK_BYTES;
export const AEAD_TAG_BYTES = 16;

export const addressPattern = /^0x[0-9a-f]{40}$/;
export const bytes32Pattern = /^0x[0-9a-f]{64}$/;
export const uuidV4Pattern = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const createdAtPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const schemaNamePattern = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
export const signaturePattern = /^0x[0-9a-f]{130}$/;

function base64Of(bytes: number) {
  const len = base64Length(bytes);
  return canonicalBase64(z.string().length(len));
}

/** Lowercase 0x-hex EVM address. */
export const addressSchema = z.string().regex(addressPattern, "must be a lowercase 0x-prefixed 20-byte hex address");
/** Lowercase 0x-hex 32 bytes (hashes, grant ids). */
export const bytes32Schema = z.string().regex(bytes32Pattern, "must be lowercase 0x-prefixed 32-byte hex");

export const createdAtSchema = z
  .string()
  .regex(createdAtPattern, "must be UTC ISO-8601 with milliseconds, e.g. 2025-01-31T08:00:00.000Z")
  .refine((s) => !Number.isNaN(Date.parse(s)) && new Date(s).toISOString() === s, "must be a real UTC instant");

export const keyEntrySchema = z.strictObject({
  to: addressSchema,
  sealed: base64Of(SEALED_DEK_BYTES),
  /** The X25519 public key the DEK is sealed to (base64), so an auditor can tell which published key it was. */
  pk: base64Of(32).optional(),
});

export const recordHeaderShape = {
  v: z.literal(ENVELOPE_VERSION),
  id: z.string().regex(uuidV4Pattern, "must be a lowercase UUIDv4"),
  kind: z.enum(RECORD_KINDS),
  schema: z.string().min(1).max(128).regex(schemaNamePattern, "must be a dotted lowercase schema name"),
  createdAt: createdAtSchema,
  author: addressSchema,
  subjectRef: addressSchema,
  consentId: bytes32Schema.nullable(),
  prev: bytes32Schema.nullable(),
  nonce: base64Of(NONCE_BYTES),
};

/** The header: every envelope field but ciphertext, sig and keys. Its canonical JSON is the AEAD associated data. */
export const recordHeaderSchema = z.strictObject(recordHeaderShape);

export const recordEnvelopeSchema = z
  .strictObject({
    ...recordHeaderShape,
    ciphertext: canonicalBase64(z.string().min(base64Length(AEAD_TAG_BYTES)).max(MAX_CIPHERTEXT_CHARS)),
    sig: z.string().regex(signaturePattern, "must be a 65-byte lowercase 0x-hex signature"),
    keys: z
      .array(keyEntrySchema)
      .min(1)
      .max(MAX_RECIPIENTS)
      .refine((keys) => new Set(keys.map((k) => k.to)).size === keys.length, "keys[].to must be unique"),
  })
  .meta({ id: "RecordEnvelope", description: "Encrypted, signed record envelope (anxin.record.v1)" });

export type RecordHeader = z.infer<typeof recordHeaderSchema>;
export type KeyEntry = z.infer<typeof keyEntrySchema>;
export type RecordEnvelope = z.infer<typeof recordEnvelopeSchema>;
