// The envelope check thread (envelope-check.ts): runs checkEnvelope for every envelope of a message and answers
// with the results in the same order. Plain JavaScript that registers the TypeScript loader itself, because a
// worker does not always inherit it (bin/anxin.js, mocha and tsx start processes differently).
//   {batch, envelopes: RecordEnvelope[]} → {batch, results: EnvelopeCheck[]}
import { parentPort } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
const { checkEnvelope } = await import("./envelope-check.ts");
const { SignatureVerifier } = await import("./signature.ts");
const verifier = new SignatureVerifier();

parentPort.on("message", ({ batch, envelopes, stop }) => {
  // Asked to stop: between batches, so no native call is cut off.
  if (stop) process.exit(0);
  const results = envelopes.map((envelope) => {
    try {
      return checkEnvelope(verifier, envelope);
    } catch (e) {
      // checkEnvelope refuses bad input with a result, not a throw; a throw is a bug: the write fails (500), it
      // does not hang. Only the error's name: a message could quote envelope fields.
      return { crashed: String(e?.name ?? "Error") };
    }
  });
  parentPort.postMessage({ batch, results });
});
