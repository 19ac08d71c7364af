// `anxin audit check-bundle` for a C2SP tlog-proof file (c2sp.org/tlog-proof@v1): fully offline, against a policy of
// the log's verifier key and, optionally, witness keys and a quorum. No chain endpoint is needed.
import { readFileSync } from "node:fs";
import { ALG_COSIGNATURE_V1, ALG_ED25519, TLOG_PROOF_HEADER, parseLeafInput, parseVkey, verifyTlogProof } from "../../log/index.js";
import { CliError, printResult } from "../io.js";

export function isTlogProofFile(file: string): boolean {
  try {
    return readFileSync(file, "utf8").startsWith(TLOG_PROOF_HEADER + "\n");
  } catch {
    return false;
  }
}

export function checkTlogProofFile(file: string, opts: { logVkey?: string; witness?: string[]; quorum?: string; json?: boolean }) {
  if (!opts.logVkey) throw new CliError("a tlog-proof is checked against the log's verifier key: pass --log-vkey (see GET /v1/log/key or `anxin status`)");
  let policy;
  try {
    const witnesses = (opts.witness ?? []).map((w) => parseVkey(w, ALG_COSIGNATURE_V1));
    const quorum = opts.quorum === undefined ? 0 : Number(opts.quorum);
    if (!Number.isInteger(quorum) || quorum < 0 || quorum > witnesses.length) throw new Error("--quorum must be 0..number of --witness keys");
    policy = { log: parseVkey(opts.logVkey, ALG_ED25519), witnesses, quorum };
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const r = verifyTlogProof(readFileSync(file, "utf8"), policy);
  let event: { type?: string; at?: string } = {};
  try {
    const extra = readFileSync(file, "utf8").split("\n")[1];
    if (r.ok && extra.startsWith("extra ")) event = parseLeafInput(Buffer.from(extra.slice(6), "base64"));
  } catch {
    // the leaf is proven but is not one of our events: report the proof only
  }
  const out = { ok: r.ok, format: TLOG_PROOF_HEADER, size: r.checkpoint?.size, origin: r.checkpoint?.origin, cosigners: r.cosigners, type: event.type, at: event.at, problems: r.problems };
  printResult(!!opts.json, out, () =>
    [`tlog-proof ${r.ok ? "VERIFIED" : "REFUSED"}${r.checkpoint ? ` (${r.checkpoint.origin}, checkpoint size ${r.checkpoint.size}, cosigned by ${r.cosigners.join(", ") || "no witness"})` : ""}`, ...(event.type ? [`  ${event.type} at ${event.at}`] : []), ...r.problems.map((p) => `  ${p}`)].join("\n"),
  );
  if (!r.ok) process.exitCode = 1;
}
