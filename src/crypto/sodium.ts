// The one place that loads libsodium. Only the default import works with libsodium-wrappers 0.8 under ESM;
// named imports crash at run time.
import sodium from "libsodium-wrappers";

/** Resolves once libsodium's WebAssembly is initialised; returns the module. Safe to call repeatedly. */
export async function ready(): Promise<typeof sodium> {
  await sodium.ready;
  return sodium;
}
