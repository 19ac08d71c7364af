// The per-write checks of an envelope that need no store: canonical serialisation, content hash, the author's
// signature (libsecp256k1 recovery) and the commitments to its sealed keys. About a quarter of a write's CPU on
// the HTTP thread, which is the busiest thread at full write rate, so the server runs them on a thread of their own
// (envelope-check-worker.mjs); writes that arrive together go there as one message. If that thread cannot start
// or dies, checks run in-process again: same results, only slower (a warning is logged once).
import { Worker } from "node:worker_threads";
import { keyEntryHash, type RecordEnvelope } from "../../crypto/index.js";
import { SignatureVerifier } from "./signature.js";

export type EnvelopeCheck =
  | { ok: true; contentHash: string; stored: string; keyHashes: string[] }
  | { ok: false; reason: string };

/** Structure was validated by the route's schema; this checks the signature and derives what the write stores. */
export function checkEnvelope(verifier: SignatureVerifier, envelope: RecordEnvelope): EnvelopeCheck {
  const r = verifier.checkParsed(envelope);
  if (!r.ok) return r;
  // The record leaf commits the version's initial sealed keys: sorted, so the leaf does not depend on key order.
  const keyHashes = envelope.keys.map((k) => keyEntryHash(r.contentHash, k.to, k.sealed, k.pk)).sort();
  return { ok: true, contentHash: r.contentHash, stored: r.stored!, keyHashes };
}

/** Where a checker keeps its thread (fault tests stop it to see that checks go on in-process). */
export const CHECK_WORKER = Symbol.for("anxin.envelope-check.worker");

type Job = { envelope: RecordEnvelope; resolve(r: EnvelopeCheck): void; reject(e: unknown): void };
/** The thread's answer for one envelope: a check, or why checking threw (a bug: the write fails with 500). */
type Answer = EnvelopeCheck | { crashed: string };

export class EnvelopeChecker {
  readonly #local = new SignatureVerifier();
  #worker: Worker | undefined;
  readonly #sent = new Map<number, Job[]>();
  #queued: Job[] = [];
  #nextBatch = 1;
  #flushScheduled = false;

  /** `threaded` false: every check in-process (tools and tests that write a handful of records). */
  constructor(
    threaded: boolean,
    private readonly onFallback: (e: unknown) => void = () => undefined,
  ) {
    if (threaded) this.#start();
  }

  check(envelope: RecordEnvelope): Promise<EnvelopeCheck> {
    if (!this.#worker) return Promise.resolve(checkEnvelope(this.#local, envelope));
    return new Promise((resolve, reject) => {
      this.#queued.push({ envelope, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        // Requests parsed in the same turn of the event loop go over as one message.
        setImmediate(() => this.#flush());
      }
    });
  }

  get [CHECK_WORKER](): Worker | undefined {
    return this.#worker;
  }

  /**
   * Stops the thread at a message boundary: it finishes the batch it is checking and exits by itself. Terminating it
   * in the middle of a native libsecp256k1 call aborts the whole process (an uncaught Napi::Error), so terminate()
   * is only the fallback for a thread that does not exit within 2 s.
   */
  async close(): Promise<void> {
    const w = this.#worker;
    this.#fallBack(undefined);
    if (!w) return;
    const exited = new Promise<void>((r) => w.once("exit", () => r()));
    w.postMessage({ stop: true });
    const timer = setTimeout(() => void w.terminate(), 2000);
    await exited;
    clearTimeout(timer);
  }

  #start() {
    const w = new Worker(new URL("./envelope-check-worker.mjs", import.meta.url));
    w.unref(); // referenced only while checks are outstanding (see #flush)
    w.on("message", (m: { batch: number; results: Answer[] }) => {
      const jobs = this.#sent.get(m.batch);
      if (!jobs) return;
      this.#sent.delete(m.batch);
      if (this.#sent.size === 0) w.unref();
      jobs.forEach((j, i) => {
        const a = m.results[i];
        if ("crashed" in a) j.reject(new Error(`the envelope check failed: ${a.crashed}`));
        else j.resolve(a);
      });
    });
    w.on("error", (e) => this.#fallBack(e));
    w.on("exit", (code) => this.#fallBack(new Error(`the envelope check thread exited (${code})`)));
    this.#worker = w;
  }

  #flush() {
    this.#flushScheduled = false;
    const jobs = this.#queued;
    this.#queued = [];
    if (jobs.length === 0) return;
    if (!this.#worker) return this.#runLocally(jobs);
    const batch = this.#nextBatch++;
    this.#sent.set(batch, jobs);
    if (this.#sent.size === 1) this.#worker.ref();
    this.#worker.postMessage({ batch, envelopes: jobs.map((j) => j.envelope) });
  }

  /** From now on in-process; checks in flight or queued are redone here (they are pure: no effect is repeated). */
  #fallBack(e: unknown) {
    if (!this.#worker) return;
    this.#worker = undefined;
    if (e !== undefined) this.onFallback(e);
    const pending = [...this.#sent.values()].flat().concat(this.#queued);
    this.#sent.clear();
    this.#queued = [];
    this.#runLocally(pending);
  }

  #runLocally(jobs: Job[]) {
    for (const j of jobs) {
      try {
        j.resolve(checkEnvelope(this.#local, j.envelope));
      } catch (e) {
        j.reject(e);
      }
    }
  }
}
