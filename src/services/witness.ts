// A C2SP tlog-witness (c2sp.org/tlog-witness) for other logs: add-checkpoint verifies the log's signature and the
// consistency proof from the size it last cosigned, then returns a cosignature/v1 line. State (latest size and root
// per origin) is one JSON file, replaced atomically and written before the reply; requests are serialised so a
// check and its update can never interleave with another request's (the spec's rollback race).
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import path from "node:path";
import {
  ALG_COSIGNATURE_V1,
  assertConsistency,
  cosignLine,
  encodeSignerKey,
  noteSignedBy,
  parseCheckpoint,
  parseSignerKey,
  splitNote,
  vkeyOf,
  type Ed25519Signer,
  type NoteVerifier,
} from "../log/index.js";

interface OriginState {
  size: number;
  root: string; // base64
}

export interface WitnessOptions {
  dir: string;
  name?: string;
  /** Log verifier keys accepted (the key name is the origin). */
  logs: NoteVerifier[];
  now?: () => number;
}

export interface Reply {
  status: number;
  type: string;
  body: string;
}

const MAX_BODY = 64 * 1024;

/** Reads <dir>/witness-key, creating it (0600) with `name` on first use. */
export function loadWitnessKey(dir: string, name?: string): Ed25519Signer {
  const file = path.join(dir, "witness-key");
  if (!existsSync(file)) {
    if (!name) throw new Error("a new witness needs a name (--name)");
    writeFileSync(file, encodeSignerKey(name, randomBytes(32), ALG_COSIGNATURE_V1) + "\n", { mode: 0o600, flag: "wx" });
  }
  if ((statSync(file).mode & 0o077) !== 0) throw new Error(`the witness key file ${file} is readable by others: chmod 600 it`);
  const key = parseSignerKey(readFileSync(file, "utf8"));
  if (key.alg !== ALG_COSIGNATURE_V1) throw new Error("the witness key is not a cosignature/v1 key");
  if (name && name !== key.name) throw new Error(`the witness key in ${file} is named ${key.name}, not ${name}`);
  return key;
}

export class Witness {
  readonly key: Ed25519Signer;
  readonly #stateFile: string;
  #serial: Promise<unknown> = Promise.resolve();

  constructor(readonly o: WitnessOptions) {
    this.key = loadWitnessKey(o.dir, o.name);
    this.#stateFile = path.join(o.dir, "witness-state.json");
  }

  get vkey(): string {
    return vkeyOf(this.key);
  }

  #read(): Record<string, OriginState> {
    return existsSync(this.#stateFile) ? JSON.parse(readFileSync(this.#stateFile, "utf8")) : {};
  }

  #write(state: Record<string, OriginState>) {
    const tmp = `${this.#stateFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(state, null, 1), { mode: 0o600 });
    renameSync(tmp, this.#stateFile);
  }

  /** add-checkpoint, one request at a time. */
  addCheckpoint(body: string): Promise<Reply> {
    const run = this.#serial.then(() => this.#add(body));
    this.#serial = run.catch(() => {});
    return run;
  }

  #add(text: string): Reply {
    const plain = (status: number, body: string, type = "text/plain; charset=utf-8"): Reply => ({ status, type, body });
    const blank = text.indexOf("\n\n");
    if (blank < 0) return plain(400, "expected old size, proof lines, a blank line and a checkpoint\n");
    const head = text.slice(0, blank).split("\n");
    const m = /^old (0|[1-9][0-9]{0,15})$/.exec(head[0]);
    if (!m) return plain(400, "bad old size line\n");
    const old = Number(m[1]);
    if (head.length - 1 > 63) return plain(400, "too many proof lines\n");
    const proof: Uint8Array[] = [];
    for (const l of head.slice(1)) {
      const h = Buffer.from(l, "base64");
      if (h.length !== 32 || h.toString("base64") !== l) return plain(400, "bad proof line\n");
      proof.push(new Uint8Array(h));
    }
    let note;
    let cp;
    try {
      note = splitNote(text.slice(blank + 2));
      cp = parseCheckpoint(note.body);
    } catch {
      return plain(400, "not a signed checkpoint\n");
    }
    const keys = this.o.logs.filter((k) => k.name === cp.origin);
    if (keys.length === 0) return plain(404, "unknown log origin\n");
    if (!keys.some((k) => noteSignedBy(note.body, note.signatures, k))) return plain(403, "no valid signature from a known log key\n");
    if (old > cp.size) return plain(400, "old size is beyond the checkpoint size\n");
    const state = this.#read();
    const mine = state[cp.origin] ?? { size: 0, root: "" };
    if (old !== mine.size) return plain(409, `${mine.size}\n`, "text/x.tlog.size");
    if (old === 0) {
      if (proof.length !== 0) return plain(422, "the proof from size 0 must be empty\n");
    } else if (old === cp.size) {
      if (mine.root !== Buffer.from(cp.root).toString("base64")) return plain(409, `${mine.size}\n`, "text/x.tlog.size");
    } else {
      try {
        assertConsistency(old, cp.size, new Uint8Array(Buffer.from(mine.root, "base64")), cp.root, proof);
      } catch {
        return plain(422, "the consistency proof does not verify\n");
      }
    }
    if (old === cp.size && proof.length !== 0) return plain(422, "equal sizes take an empty proof\n");
    state[cp.origin] = { size: cp.size, root: Buffer.from(cp.root).toString("base64") };
    this.#write(state); // persisted before the cosignature leaves
    const now = Math.floor((this.o.now ?? Date.now)() / 1000);
    return plain(200, cosignLine(note.body, this.key, now));
  }

  /** An HTTP server with POST /add-checkpoint (the submission prefix is the root). */
  server(): Server {
    return createServer(async (req, res) => {
      const send = (r: Reply) => res.writeHead(r.status, { "content-type": r.type }).end(r.body);
      try {
        if (req.url !== "/add-checkpoint") return send({ status: 404, type: "text/plain", body: "not found\n" });
        if (req.method !== "POST") return send({ status: 405, type: "text/plain", body: "POST only\n" });
        const body = await readBody(req);
        if (body === undefined) return send({ status: 413, type: "text/plain", body: "request too large\n" });
        send(await this.addCheckpoint(body));
      } catch {
        send({ status: 500, type: "text/plain", body: "internal error\n" });
      }
    });
  }
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > MAX_BODY) return undefined;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
