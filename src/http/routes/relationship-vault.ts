// /v1/vault/relationships: the resident's relationship list, sealed in her browser (the server stores ciphertext).
import { z } from "zod";
import type { AppContext } from "../../services/context.js";
import { relationshipVault } from "../../services/relationship-vault.js";
import { route } from "../route.js";

/** base64 of nonce ‖ XChaCha20-Poly1305 ciphertext; 64 KiB is far above 200 relationships. */
const sealed = z.string().min(40).max(65_536).regex(/^[A-Za-z0-9+/]+={0,2}$/, "must be base64");
const reply = z.object({ version: z.number().int(), sealed: z.string(), updatedAt: z.string() });

export default (ctx: AppContext) => {
  const vault = relationshipVault(ctx);
  return [
    route({
      method: "get",
      path: "/v1/vault/relationships",
      summary: "The signed-in resident's sealed relationship list and its version (404 when none is stored yet)",
      tags: ["vault"],
      roles: ["resident"],
      response: reply,
      async handler({ session }) {
        return { body: await vault.get(session!) };
      },
    }),
    route({
      method: "put",
      path: "/v1/vault/relationships",
      summary: "Store the next version of the sealed relationship list (version = stored + 1, or 1; 409 if stale)",
      tags: ["vault"],
      roles: ["resident"],
      body: z.strictObject({ version: z.number().int().min(1).max(1_000_000_000), sealed }),
      response: reply,
      async handler({ body, session }) {
        return { body: await vault.put(session!, body.version, body.sealed) };
      },
    }),
  ];
};
