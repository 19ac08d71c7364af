// PGlite on disk, durable: PGlite starts PostgreSQL with fsync off (-F), and Emscripten's Node file system (NODEFS)
// has no fsync at all, so an acknowledged commit lived only in the OS page cache (strace: 0 fsync calls for 200
// commits). Here PostgreSQL runs with fsync on and wal_sync_method=fsync (Emscripten's fdatasync is a no-op but its
// fsync reaches the file system's stream_ops.fsync), and NODEFS gets a real fsync: every commit, checkpoint and
// directory entry PostgreSQL syncs is fsync(2)ed on the host. Plain JavaScript: the store's worker thread loads it.
import fs from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { NodeFS } from "@electric-sql/pglite/nodefs";

class DurableNodeFS extends NodeFS {
  /** fsync(2) calls made on PostgreSQL's behalf (WAL at each commit, data files at checkpoints, directories). */
  syncs = 0;

  async init(pg, opts) {
    const r = await super.init(pg, opts);
    const hook = (mod) => {
      const nodefs = mod.NODEFS;
      nodefs.stream_ops.fsync = (stream) => {
        if (stream.nfd !== undefined) nodefs.tryFSOperation(() => fs.fsyncSync(stream.nfd));
        this.syncs++;
        return 0;
      };
    };
    r.emscriptenOpts.preRun = [hook, ...(r.emscriptenOpts.preRun ?? [])];
    return r;
  }
}

/** PGlite's own start parameters without -F (fsync off), with the one sync method that reaches the disk. */
const START_PARAMS = [...PGlite.defaultStartParams.filter((p) => p !== "-F"), "-c", "fsync=on", "-c", "wal_sync_method=fsync", "-c", "synchronous_commit=on"];

/** A PGlite whose commits are on stable storage when they return; `dir` undefined = in memory (tests). */
export function openDurablePglite(dir) {
  if (!dir) return { pg: new PGlite(), syncs: () => 0 };
  fs.mkdirSync(dir, { recursive: true });
  const nodeFs = new DurableNodeFS(dir);
  return { pg: new PGlite({ fs: nodeFs, startParams: START_PARAMS }), syncs: () => nodeFs.syncs };
}
