// Checkpoints as C2SP signed notes. The checkpoint we sign is exactly the one on chain (CheckpointLog.latest()):
// same size, same root, checked against the local tree before signing. The log key lives in a file (never in the
// database). Witnesses (C2SP tlog-witness) are asked for cosignatures, which are kept; with a quorum k configured,
// GET /checkpoint serves the largest checkpoint that k of them cosigned.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Config } from "../config.js";
import {
  ALG_COSIGNATURE_V1,
  cosignedBy,
  encodeSignerKey,
  formatCheckpoint,
  parseSignerKey,
  parseVkey,
  signNoteLine,
  splitNote,
  toHex,
  vkeyOf,
  bytesEqual,
  fromHex,
  type Ed25519Signer,
  type NoteVerifier,
} from "../log/index.js";
import { cosignaturesAt, largestCosignedBy, saveCosignature, witnessSizes } from "../store/tiles-repo.js";
import { anchorerFor, chainLatest } from "./anchoring.js";
import type { AppContext } from "./context.js";
import { integrity, unavailable } from "./errors.js";
import { readHead } from "./log-tree.js";

export interface LogKey {
  signer: Ed25519Signer;
  origin: string;
  vkey: string;
  file: string;
}

function defaultOrigin(cfg: Pick<Config, "publicOrigin">): string {
  return `${cfg.publicOrigin ? new URL(cfg.publicOrigin).host : "anxin.invalid"}/log`;
}

/** Reads the log key, creating <dataDir>/log-key (0600) on first start when no key file is configured. */
export function loadLogKey(cfg: Pick<Config, "dataDir" | "logKeyFile" | "logOrigin" | "publicOrigin">): LogKey {
  const file = cfg.logKeyFile ?? path.join(cfg.dataDir, "log-key");
  if (!existsSync(file)) {
    if (cfg.logKeyFile) throw new Error(`ANXIN_LOG_KEY_FILE: ${file} does not exist`);
    try {
      // "wx": two processes starting on one data directory never overwrite each other's key.
      writeFileSync(file, encodeSignerKey(cfg.logOrigin ?? defaultOrigin(cfg), randomBytes(32)) + "\n", { mode: 0o600, flag: "wx" });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
  }
  if ((statSync(file).mode & 0o077) !== 0) throw new Error(`the log key file ${file} is readable by others: chmod 600 it`);
  let signer: Ed25519Signer;
  try {
    signer = parseSignerKey(readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`the log key file ${file} is not a note signer key (${(e as Error).message})`);
  }
  if (cfg.logOrigin && cfg.logOrigin !== signer.name) throw new Error(`ANXIN_LOG_ORIGIN is ${cfg.logOrigin} but the log key ${file} is for ${signer.name}`);
  return { signer, origin: signer.name, vkey: vkeyOf(signer), file };
}

export interface Witness {
  verifier: NoteVerifier;
  vkey: string;
  url: string;
}

export interface SignedCheckpoint {
  size: number;
  root: string;
  /** The note: body, blank line, our signature, then the stored cosignatures. */
  note: string;
  cosigners: string[];
  final: boolean;
}

export class SignedCheckpoints {
  readonly witnesses: Witness[];
  constructor(
    readonly ctx: AppContext,
    readonly key: LogKey,
  ) {
    this.witnesses = ctx.cfg.witnesses.map((w) => ({ verifier: parseVkey(w.vkey, ALG_COSIGNATURE_V1), vkey: w.vkey, url: w.url }));
  }

  get quorum(): number {
    return this.ctx.cfg.witnessQuorum;
  }

  /** The local root at `size`; refuses when the store's leaves do not reach it. */
  async rootAt(size: number): Promise<Uint8Array> {
    const head = await readHead(this.ctx.db);
    if (head.size < size) throw integrity("the chain's checkpoint is beyond the local log");
    return (await anchorerFor(this.ctx).tree.upTo(head)).rootAt(size);
  }

  /** The checkpoint on chain, checked against the local tree. */
  async anchored(): Promise<{ size: number; root: Uint8Array }> {
    const chain = await chainLatest(this.ctx.chain.checkpointLog);
    const root = await this.rootAt(chain.size);
    if (chain.size > 0 && !bytesEqual(root, fromHex(chain.root))) throw integrity("the chain's checkpoint root differs from the local root");
    return { size: chain.size, root };
  }

  body(size: number, root: Uint8Array): string {
    return formatCheckpoint({ origin: this.key.origin, size, root });
  }

  /** The signed note for (size, root), with the cosignatures we hold for it. */
  async note(size: number, root: Uint8Array): Promise<SignedCheckpoint> {
    const body = this.body(size, root);
    const known = new Set(this.witnesses.map((w) => w.verifier.name));
    const cos = (await cosignaturesAt(this.ctx.db, size)).filter((c) => known.has(c.witness) && bytesEqual(c.root, root));
    const note = body + "\n" + signNoteLine(body, this.key.signer) + cos.map((c) => c.line).join("");
    return { size, root: toHex(root), note, cosigners: cos.map((c) => c.witness), final: cos.length >= this.quorum };
  }

  /** The latest checkpoint that counts: the anchored one, or with a quorum the largest one k witnesses cosigned. */
  async latest(): Promise<SignedCheckpoint> {
    if (this.quorum === 0) {
      const a = await this.anchored();
      return this.note(a.size, a.root);
    }
    const size = await largestCosignedBy(
      this.ctx.db,
      this.witnesses.map((w) => w.verifier.name),
      this.quorum,
    );
    if (size === undefined) throw unavailable(`no checkpoint has ${this.quorum} witness cosignatures yet`);
    return this.note(size, await this.rootAt(size));
  }

  /** Asks every witness that has not cosigned the anchored checkpoint for a cosignature (tlog-witness add-checkpoint). */
  async collect(): Promise<{ size: number; cosigned: string[]; failed: Array<{ witness: string; status: number | string }> }> {
    const { size, root } = await this.anchored();
    const body = this.body(size, root);
    const note = body + "\n" + signNoteLine(body, this.key.signer);
    const sizes = await witnessSizes(this.ctx.db);
    const have = new Set((await cosignaturesAt(this.ctx.db, size)).map((c) => c.witness));
    const cosigned: string[] = [];
    const failed: Array<{ witness: string; status: number | string }> = [];
    for (const w of this.witnesses) {
      const name = w.verifier.name;
      if (have.has(name)) continue;
      try {
        let old = Math.min(sizes.get(name) ?? 0, size);
        let res = await this.#addCheckpoint(w, old, size, note);
        // 409 tells the witness's size: once more from there (our own record may be behind, e.g. a fresh database).
        if (res.status === 409 && /^text\/x\.tlog\.size/.test(res.type)) {
          const theirs = Number(res.text.trim());
          if (Number.isSafeInteger(theirs) && theirs !== old && theirs <= size) {
            old = theirs;
            res = await this.#addCheckpoint(w, old, size, note);
          }
        }
        if (res.status !== 200) {
          failed.push({ witness: name, status: res.status });
          continue;
        }
        const got = cosignedBy(body, splitNote(body + "\n" + res.text).signatures, w.verifier);
        if (!got) {
          failed.push({ witness: name, status: "no valid cosignature in the reply" });
          continue;
        }
        await saveCosignature(this.ctx.db, { witness: name, size, root, line: got.line, cosignedAt: new Date(got.timestamp * 1000) });
        cosigned.push(name);
      } catch (e) {
        failed.push({ witness: name, status: (e as Error).name });
      }
    }
    return { size, cosigned, failed };
  }

  async #addCheckpoint(w: Witness, old: number, size: number, note: string): Promise<{ status: number; type: string; text: string }> {
    const head = await readHead(this.ctx.db);
    const proof = old === 0 ? [] : (await anchorerFor(this.ctx).tree.upTo(head)).consistencyProof(old, size);
    const reqBody = `old ${old}\n` + proof.map((p) => Buffer.from(p).toString("base64") + "\n").join("") + "\n" + note;
    const res = await fetch(w.url.replace(/\/+$/, "") + "/add-checkpoint", { method: "POST", body: reqBody, signal: AbortSignal.timeout(10_000) });
    return { status: res.status, type: res.headers.get("content-type") ?? "", text: await res.text() };
  }
}

const instances = new WeakMap<AppContext, SignedCheckpoints>();

/** The one SignedCheckpoints of a running context (key loaded once). */
export function signedCheckpointsFor(ctx: AppContext): SignedCheckpoints {
  let s = instances.get(ctx);
  if (!s) instances.set(ctx, (s = new SignedCheckpoints(ctx, loadLogKey(ctx.cfg))));
  return s;
}

/** Background cosignature collection, when witnesses are configured. */
export async function witnessWorker(ctx: AppContext): Promise<(() => Promise<void>) | void> {
  const sc = signedCheckpointsFor(ctx); // loads (or creates) the key at start-up, so a bad key file stops the server
  if (sc.witnesses.length === 0) return;
  let stopped = false;
  let current: Promise<unknown> = Promise.resolve();
  const every = Math.max(500, ctx.cfg.chainPollMs * 4);
  const loop = () => {
    if (stopped) return;
    current = sc
      .collect()
      .then((r) => r.failed.length && ctx.log.warn({ size: r.size, failed: r.failed }, "witness cosignature not obtained; will retry"))
      .catch((e) => ctx.log.warn({ err: (e as Error).name }, "witness round failed; will retry"))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, every);
      });
  };
  let timer: NodeJS.Timeout | undefined = setTimeout(loop, 0);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await current;
  };
}
