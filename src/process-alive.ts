// Whether a pid names a live process. An exited child not yet reaped by its parent is a zombie: it holds no port,
// no state and no lock, so it counts as gone (Linux /proc; elsewhere signal 0 decides).
import { readFileSync } from "node:fs";

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true; // no /proc: signal 0 said it exists
  }
}
