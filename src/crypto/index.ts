// Public API of the crypto core (pure: no I/O, no adapter imports).
export { ready } from "./sodium.js";
export * from "./errors.js";
export { canonicalJson, canonicalBytes, type JsonValue } from "./canonical.js";
export * from "./encoding.js";
export * from "./envelope-schema.js";
export * from "./envelope.js";
export * from "./key-publication.js";
export * from "./keys.js";
export * from "./keystore.js";
export * from "./identity.js";
export * from "./relationship-vault.js";
export * from "./key-rotation.js";
export * from "./x25519-key.js";
