// `anxin audit checkpoint`: does the checkpoint a server shows its clients extend the one anchored on chain? An
// auditor (or anyone) runs it against the server URL clients use; a stale or forked view is named
// (stale_checkpoint / forked_checkpoint) and the exit code is non-zero. Repeated from several places, it shows a
// split view: every honest view extends the same chain anchor.
import type { Command } from "commander";
import { ApiClient, KeyDirectoryError, trustedCheckpoint } from "../../client/index.js";
import { toHex } from "../../log/index.js";
import { CliError, printResult } from "../io.js";
import { chainOptions, trustedChain, type ChainOpts } from "../trusted-chain.js";
import { defaultServerUrl } from "../../config.js";

export function registerCheckpointCheck(audit: Command) {
  chainOptions(audit.command("checkpoint"))
    .description("check that the server's log checkpoint extends the checkpoint anchored on chain (read over --rpc); non-zero exit if not")
    .option("--url <url>", "the server as its clients see it", defaultServerUrl())
    .option("--json", "machine-readable output")
    .action(async (o: ChainOpts & { url: string; json?: boolean }) => {
      const api = new ApiClient(o.url);
      const chain = await trustedChain(api, o);
      try {
        const anchored = await chain.anchored();
        const head = await trustedCheckpoint(api, chain);
        const out = { ok: true, served: { size: head.size, root: toHex(head.root) }, anchored: { size: anchored.size, root: toHex(anchored.root) } };
        printResult(!!o.json, out, () => `checkpoint OK: the server's log (${head.size} leaves) extends the chain's anchor (${anchored.size} leaves)`);
      } catch (e) {
        if (e instanceof KeyDirectoryError) {
          if (o.json) process.stdout.write(JSON.stringify({ ok: false, error: e.code, detail: e.message }) + "\n");
          throw new CliError(`checkpoint REFUSED: ${e.message}`);
        }
        throw e;
      } finally {
        chain.destroy();
      }
    });
}
