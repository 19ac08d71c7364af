// C2SP tlog-proof (c2sp.org/tlog-proof@v1): an offline-verifiable proof that an entry is in a signed checkpoint.
// Ours put the entry's leaf input in the "extra" line, so the proof alone rebuilds the leaf hash.
import { bytesEqual, leafHash } from "./hash.js";
import { NoteError, cosignedBy, noteSignedBy, parseCheckpoint, splitNote, type Checkpoint, type NoteVerifier } from "./note.js";
import { rootFromInclusionProof } from "./proofs.js";

export const TLOG_PROOF_HEADER = "c2sp.org/tlog-proof@v1";

export interface TlogProof {
  extra?: Uint8Array;
  index: number;
  proof: Uint8Array[];
  /** The checkpoint note, verbatim (body, blank line, signatures). */
  note: string;
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");

export function formatTlogProof(p: TlogProof): string {
  return [TLOG_PROOF_HEADER, ...(p.extra ? [`extra ${b64(p.extra)}`] : []), `index ${p.index}`, ...p.proof.map(b64), "", ""].join("\n") + p.note;
}

export function parseTlogProof(text: string): TlogProof {
  const lines = text.split("\n");
  if (lines[0] !== TLOG_PROOF_HEADER) throw new NoteError(`not a ${TLOG_PROOF_HEADER} proof`);
  let i = 1;
  let extra: Uint8Array | undefined;
  if (lines[i]?.startsWith("extra ")) extra = new Uint8Array(Buffer.from(lines[i++].slice(6), "base64"));
  const m = /^index (0|[1-9][0-9]{0,15})$/.exec(lines[i++] ?? "");
  if (!m || !Number.isSafeInteger(Number(m[1]))) throw new NoteError("the proof has no valid index line");
  const proof: Uint8Array[] = [];
  for (; i < lines.length && lines[i] !== ""; i++) {
    const h = Buffer.from(lines[i], "base64");
    if (h.length !== 32 || b64(h) !== lines[i]) throw new NoteError("a proof line is not a base64 SHA-256 hash");
    proof.push(new Uint8Array(h));
  }
  if (i >= lines.length) throw new NoteError("the proof has no checkpoint");
  return { extra, index: Number(m[1]), proof, note: lines.slice(i + 1).join("\n") };
}

export interface TlogProofCheck {
  ok: boolean;
  problems: string[];
  checkpoint?: Checkpoint;
  cosigners: string[];
}

/**
 * Verifies a proof against a policy: the log's verifier key, the witnesses whose cosignatures count and how many
 * are needed. `entry` is the logged data (default: the proof's extra data).
 */
export function verifyTlogProof(text: string, policy: { log: NoteVerifier; witnesses?: NoteVerifier[]; quorum?: number; entry?: Uint8Array }): TlogProofCheck {
  const problems: string[] = [];
  let p: TlogProof;
  let checkpoint: Checkpoint;
  let body: string;
  let signatures;
  try {
    p = parseTlogProof(text);
    ({ body, signatures } = splitNote(p.note));
    checkpoint = parseCheckpoint(body);
  } catch (e) {
    return { ok: false, problems: [(e as Error).message], cosigners: [] };
  }
  if (checkpoint.origin !== policy.log.name) problems.push(`the checkpoint is from ${checkpoint.origin}, not ${policy.log.name}`);
  if (!noteSignedBy(body, signatures, policy.log)) problems.push("the checkpoint is not signed by the log key");
  const cosigners = (policy.witnesses ?? []).filter((w) => cosignedBy(body, signatures, w)).map((w) => w.name);
  if (cosigners.length < (policy.quorum ?? 0)) problems.push(`${cosigners.length} of the required ${policy.quorum} witness cosignatures`);
  const entry = policy.entry ?? p.extra;
  if (!entry) problems.push("no entry to check (the proof has no extra data)");
  else {
    try {
      if (!bytesEqual(rootFromInclusionProof(p.index, checkpoint.size, leafHash(entry), p.proof), checkpoint.root)) problems.push("the inclusion proof does not lead to the checkpoint root");
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  return { ok: problems.length === 0, problems, checkpoint, cosigners };
}
