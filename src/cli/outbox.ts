// A durable outbox for signed record versions: a version is on disk (fsynced, with its directory entry) before the
// server is asked to store it, and leaves the outbox only once the server acknowledged it. A crash, a lost
// connection or an expired session loses nothing; `anxin record sync` sends what is left.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, unlinkSync, writeSync } from "node:fs";
import path from "node:path";

export interface Queued {
  file: string;
  envelope: { id: string; [k: string]: unknown };
}

function fsyncDir(dir: string) {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Puts one envelope into the outbox durably; returns its file. Names sort in the order they were queued. */
export function enqueue(dir: string, envelope: { id: string; createdAt?: string }): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const name = `${Date.now().toString().padStart(15, "0")}-${envelope.id}-${process.pid}.json`;
  const tmp = path.join(dir, `.${name}.tmp`);
  const fd = openSync(tmp, "wx", 0o600);
  try {
    writeSync(fd, JSON.stringify(envelope));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path.join(dir, name));
  fsyncDir(dir);
  return path.join(dir, name);
}

/** What is waiting, oldest first. A file that is not a JSON object is reported, never silently dropped. */
export function pending(dir: string): { queued: Queued[]; unreadable: string[] } {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(".json") && !n.startsWith(".")).sort();
  } catch {
    return { queued: [], unreadable: [] };
  }
  const queued: Queued[] = [];
  const unreadable: string[] = [];
  for (const n of names) {
    const file = path.join(dir, n);
    try {
      const envelope = JSON.parse(readFileSync(file, "utf8"));
      if (envelope && typeof envelope === "object" && typeof envelope.id === "string") queued.push({ file, envelope });
      else unreadable.push(file);
    } catch {
      unreadable.push(file);
    }
  }
  return { queued, unreadable };
}

/** The server acknowledged it: the outbox forgets it. */
export function acknowledge(file: string): void {
  try {
    unlinkSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
}
