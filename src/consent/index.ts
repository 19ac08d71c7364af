// Consent core: EIP-712 grants and revocations, salted scopes, status rule, and exports (plain text, receipt, FHIR).
export * from "./types.js";
export * from "./scope.js";
export * from "./messages.js";
export * from "./plain.js";
export * from "./receipt.js";
export * from "./fhir.js";
