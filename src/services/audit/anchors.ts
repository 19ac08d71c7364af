// 2 anchors: every anchored root is reproduced by the rebuilt tree; successive checkpoints are consistent; the
// contract's latest() is its last event; our confirmed anchors are among the chain's checkpoints.
import { fromHex, toHex, verifyConsistency } from "../../log/index.js";
import { Findings, type AuditCheck } from "./report.js";
import type { AuditSnapshot } from "./snapshot.js";

export function checkAnchors(s: AuditSnapshot): AuditCheck {
  const c = new Findings("anchors", "every anchored root reproduced; successive checkpoints consistent");
  const { tree, history, latest } = s;
  let prev = { size: 0, root: toHex(tree.rootAt(0)) };
  for (const [j, cp] of history.entries()) {
    if (cp.prevSize !== prev.size || (prev.size > 0 && cp.prevRoot !== prev.root)) {
      c.fail("chain-history-broken", `checkpoint ${j} (size ${cp.size}) does not follow checkpoint size ${prev.size}`);
    }
    if (cp.size > tree.size) {
      c.fail("anchored-beyond-log", `checkpoint size ${cp.size} (block ${cp.blockNumber}) exceeds the local log's ${tree.size} leaves`);
    } else {
      if (toHex(tree.rootAt(cp.size)) !== cp.root) c.fail("anchored-root-mismatch", `the rebuilt tree's root at size ${cp.size} differs from the root anchored in block ${cp.blockNumber}`);
      if (prev.size <= cp.size) {
        const proof = tree.consistencyProof(prev.size, cp.size);
        if (!verifyConsistency(prev.size, cp.size, fromHex(prev.root), fromHex(cp.root), proof)) {
          c.fail("checkpoint-inconsistent", `checkpoints of size ${prev.size} and ${cp.size} are not consistent with the local log`);
        }
      }
    }
    prev = { size: cp.size, root: cp.root };
  }
  const last = history.at(-1);
  if ((last?.size ?? 0) !== latest.size || (last && last.root !== latest.root)) {
    c.fail("latest-mismatch", `CheckpointLog.latest() is size ${latest.size}, its last event says ${last?.size ?? 0}`);
  }
  const onChain = new Set(history.map((cp) => `${cp.size}:${cp.root}`));
  for (const a of s.ourAnchors) {
    if (!onChain.has(`${a.size}:${a.root}`)) c.fail("anchor-not-on-chain", `our confirmed anchor at size ${a.size} is not among the chain's checkpoints`);
  }
  return c.done();
}
