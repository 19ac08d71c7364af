// De-identification gate (pure): need derivation, k-anonymous / l-diverse publication, DP community statistics.
export * from "./vocab.js";
export * from "./geo.js";
export * from "./age.js";
export * from "./need.js";
export * from "./pool.js";
export * from "./dp.js";
export * from "./public-profile.js";
