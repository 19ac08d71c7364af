// Shared zod primitives of the HTTP API, one definition each: routes validate with them and the OpenAPI document
// is generated from them. Domain schemas (envelopes, grants, needs) stay in their core modules.
import { isAddress } from "ethers";
import { z } from "zod";

/** An EVM address: 0x + 40 hex digits, all lowercase, all uppercase or a valid EIP-55 checksum; lowercased. */
export const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte hex address")
  .refine((a) => isAddress(a), "has a wrong EIP-55 checksum")
  .transform((a) => a.toLowerCase());

/** 32 bytes as 0x + 64 hex digits (hashes, ids on chain); lowercased. */
export const hash32 = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "must be 0x + 64 hex digits")
  .transform((s) => s.toLowerCase());

/** A 65-byte secp256k1 signature r‖s‖v as 0x + 130 hex digits. */
export const signature65 = z.string().regex(/^0x[0-9a-fA-F]{130}$/, "must be a 65-byte hex signature");

/** A record id: a lowercase UUIDv4. */
export const recordId = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, "must be a lowercase UUIDv4");

/** A calendar month, YYYY-MM. */
export const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "month must be YYYY-MM");
