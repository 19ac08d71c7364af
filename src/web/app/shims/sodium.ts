// Browser stand-in for src/crypto/sodium.ts: libsodium (≈ 430 KB of JavaScript with its WebAssembly inlined) is
// fetched the first time a key is used, not to draw the first screen. Same contract: every caller awaits ready().
import type sodiumType from "libsodium-wrappers";

let loading: Promise<typeof sodiumType> | undefined;

export function ready(): Promise<typeof sodiumType> {
  loading ??= import("libsodium-wrappers").then(async ({ default: sodium }) => {
    await sodium.ready;
    return sodium;
  });
  // A failed fetch (a dropped connection on a slow network) is tried again next time, not remembered.
  loading.catch(() => (loading = undefined));
  return loading;
}
