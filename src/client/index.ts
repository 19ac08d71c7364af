// The Anxin API client (Node and browser): one package for the CLI, the web pages and the demo.
export * from "./api.js";
export * from "./siwe.js";
export * from "./grants.js";
export * from "./consents.js";
export * from "./record-sync.js";
export * from "./profiles.js";
export * from "./key-directory.js";
export * from "./key-rotation.js";
export * from "./erasure.js";
