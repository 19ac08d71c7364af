// The log in C2SP formats (docs/FORMATS.md §C2SP): the signed checkpoint note, tlog-tiles, the log's verifier key
// and tlog-proof files. All public: leaves carry identifiers and hashes only, and anyone may audit the log.
import { z } from "zod";
import { route } from "../route.js";
import type { AppContext } from "../../services/context.js";
import { invalid, notFound } from "../../services/errors.js";
import { formatTlogProof, parseTilePath } from "../../log/index.js";
import { signedCheckpointsFor } from "../../services/signed-checkpoints.js";
import { TileService, leafInputAt } from "../../services/tiles.js";
import { anchorerFor } from "../../services/anchoring.js";
import { readHead } from "../../services/log-tree.js";

export default (ctx: AppContext) => {
  const tiles = new TileService(ctx.db);
  const signed = () => signedCheckpointsFor(ctx);
  return [
    route({
      method: "get",
      path: "/checkpoint",
      summary: "The latest checkpoint as a C2SP signed note (text/plain): the one anchored on chain, with witness cosignatures",
      tags: ["log"],
      roles: ["public"],
      async handler() {
        const c = await signed().latest();
        return { body: c.note, type: "text/plain; charset=utf-8", headers: { "cache-control": "no-cache" } };
      },
    }),
    route({
      method: "get",
      path: "/v1/log/key",
      summary: "The log's note verifier key (vkey), its origin, and the witness policy",
      tags: ["log"],
      roles: ["public"],
      response: z.object({ origin: z.string(), vkey: z.string(), witnesses: z.array(z.object({ vkey: z.string(), url: z.string() })), quorum: z.number() }),
      async handler() {
        const s = signed();
        return { body: { origin: s.key.origin, vkey: s.key.vkey, witnesses: s.witnesses.map((w) => ({ vkey: w.vkey, url: w.url })), quorum: s.quorum } };
      },
    }),
    route({
      method: "get",
      path: "/tile/*path",
      summary: "tlog-tiles: hash tiles /tile/<L>/<N>[.p/<W>] and entry bundles /tile/entries/<N>[.p/<W>]",
      tags: ["log"],
      roles: ["public"],
      async handler({ req }) {
        const p = (req.params as { path?: string[] }).path;
        const ref = Array.isArray(p) ? parseTilePath(p.join("/")) : undefined;
        if (!ref) throw notFound("not a tile path");
        const t = await tiles.tile(ref);
        return {
          body: Buffer.from(t.bytes),
          type: "application/octet-stream",
          headers: { "cache-control": t.full ? "public, max-age=31536000, immutable" : "public, max-age=5" },
        };
      },
    }),
    route({
      method: "get",
      path: "/v1/log/tlog-proof/:index",
      summary: "A C2SP tlog-proof of leaf <index> in the latest checkpoint (the leaf input in its extra line)",
      tags: ["log"],
      roles: ["public"],
      params: z.strictObject({ index: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }),
      async handler({ params }) {
        const c = await signed().latest();
        if (params.index >= c.size) throw invalid(`leaf ${params.index} is not in the latest checkpoint (size ${c.size})`);
        const input = (await leafInputAt(ctx.db, params.index)) ?? "";
        const tree = await anchorerFor(ctx).tree.upTo(await readHead(ctx.db));
        const text = formatTlogProof({ extra: new TextEncoder().encode(input), index: params.index, proof: tree.inclusionProof(params.index, c.size), note: c.note });
        return { body: text, type: "text/plain; charset=utf-8", headers: { "content-disposition": `attachment; filename="anxin-${params.index}.tlog-proof"` } };
      },
    }),
  ];
};
