// `anxin record sync --outbox <dir>`: sends the signed versions waiting in an outbox (written with
// `anxin record write|amend --outbox <dir>` while the server could not be reached) through the batch route,
// and forgets each one only when the server acknowledged it. Refused versions move to <dir>/refused with the
// server's reason, so nothing disappears without a word.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { SingleBar } from "cli-progress";
import { ApiError, syncRecords, type ApiClient, type SyncResult } from "../../client/index.js";
import { CliError, printResult } from "../io.js";
import { acknowledge, enqueue, pending } from "../outbox.js";
import { call, keyOptions, session } from "./record.js";

/** A failure worth retrying later (the version stays queued): no connection, an expired session, overload, 5xx. */
export function isTransient(e: unknown): boolean {
  if (e instanceof ApiError) return e.status === 401 || e.status === 408 || e.status === 429 || e.status >= 500;
  return e instanceof TypeError; // fetch failed: no server at that URL right now
}

/**
 * Stores one version, queued durably first when an outbox is given: acknowledged → forgotten; a transient failure →
 * kept for `anxin record sync` (returns null); a refusal → forgotten and thrown (the writer is told now).
 */
export async function storeOrQueue<T>(api: ApiClient, envelope: { id: string }, outbox: string | undefined): Promise<T | null> {
  if (!outbox) return call(api.post<T>("/v1/records", envelope));
  const file = enqueue(outbox, envelope);
  try {
    const r = await api.post<T>("/v1/records", envelope);
    acknowledge(file);
    return r;
  } catch (e) {
    if (isTransient(e)) return null;
    acknowledge(file);
    return call(Promise.reject(e));
  }
}

function refuse(dir: string, file: string, r: SyncResult) {
  const to = path.join(dir, "refused");
  mkdirSync(to, { recursive: true, mode: 0o700 });
  const base = path.basename(file);
  writeFileSync(path.join(to, base.replace(/\.json$/, ".problem.json")), JSON.stringify(r.problem ?? { status: r.status }, null, 2));
  renameSync(file, path.join(to, base));
}

export function register(program: Command) {
  const record = program.commands.find((c) => c.name() === "record");
  if (!record) throw new Error("register the record command first");
  keyOptions(record.command("sync"))
    .description("send the record versions waiting in an outbox (batch sync); each leaves the outbox once stored")
    .requiredOption("--outbox <dir>", "the outbox directory given to record write/amend --outbox")
    .action(async (o: Parameters<typeof session>[0] & { outbox: string }) => {
      const { queued, unreadable } = pending(o.outbox);
      if (unreadable.length) throw new CliError(`${unreadable.length} file(s) in ${o.outbox} are not record envelopes (e.g. ${unreadable[0]}); move them away and run again`);
      const counts = { queued: queued.length, stored: 0, alreadyStored: 0, refused: 0, retryLater: 0 };
      if (queued.length > 0) {
        const { api } = await session(o);
        const bar = new SingleBar({ format: "sync [{bar}] {value}/{total} versions", stream: process.stderr, hideCursor: true }, undefined);
        if (!o.json) bar.start(queued.length, 0);
        const byEnvelope = new Map(queued.map((q) => [q.envelope, q.file]));
        try {
          await call(
            syncRecords(api, queued.map((q) => q.envelope), (done, results, batch) => {
              results.forEach((r, i) => {
                const file = byEnvelope.get(batch[i] as never)!;
                if (r.status === 200 || r.status === 201) {
                  acknowledge(file);
                  if (r.record?.alreadyStored) counts.alreadyStored++;
                  else counts.stored++;
                } else if (r.status === 429 || r.status === 401 || r.status >= 500) counts.retryLater++;
                else {
                  refuse(o.outbox, file, r);
                  counts.refused++;
                }
              });
              if (!o.json) bar.update(done);
            }),
          );
        } finally {
          if (!o.json) bar.stop();
        }
      }
      printResult(!!o.json, counts, () =>
        `${counts.stored} stored, ${counts.alreadyStored} already stored, ${counts.refused} refused (see ${path.join(o.outbox, "refused")}), ${counts.retryLater} still waiting`,
      );
      if (counts.refused > 0 || counts.retryLater > 0) process.exitCode = 1;
    });
}
