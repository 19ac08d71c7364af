// The community office in the demo: it makes this month's need-token key, publishes it where the server reads it
// (ANXIN_OFFICE_KEYS_FILE), checks each resident once "in person" and blind-signs the request her app shows. The
// office keeps a count; the residents' apps keep the unblinded tokens (one per need per month).
import { mkdirSync } from "node:fs";
import path from "node:path";
import { finishEnrollment, periodOf, startEnrollment, type NeedToken, type OfficeKeyset } from "../client/blind-token.js";
import { officeKeysPath } from "../services/enrollment.js";
import { addOfficeKeys, issueTokens, publicKeyset, writeJsonFile, type OfficeSecret } from "../services/office.js";
import type { ResidentActor } from "./actors.js";
import type { Demo, Note } from "./state.js";

const tokens = new WeakMap<ResidentActor, NeedToken>();

/** The resident's token for this month (enrolled by enrollAtOffice). */
export function tokenOf(r: ResidentActor): NeedToken | undefined {
  return tokens.get(r);
}

export async function enrollAtOffice(d: Demo, note: Note): Promise<void> {
  const month = periodOf();
  let secret: OfficeSecret = await addOfficeKeys(undefined, [month]);
  // Published where every instance reads it (with DATABASE_URL the residents use a second one).
  for (const srv of [d.srv, d.second]) {
    if (!srv) continue;
    const file = officeKeysPath(srv.ctx.cfg);
    mkdirSync(path.dirname(file), { recursive: true });
    writeJsonFile(file, publicKeyset(secret), 0o644);
  }
  const anon = await d.matcher.api(); // any client: the keyset is public
  const keyset = await anon.get<OfficeKeyset>("/v1/office/keys");
  for (const r of d.residents) {
    const { request, pending } = await startEnrollment(keyset, [month]); // on her device
    const issued = issueTokens(secret, request); // at the office, after the in-person check
    secret = issued.secret;
    const [t] = await finishEnrollment(keyset, pending, issued.response); // back on her device
    tokens.set(r, t);
  }
  note(`社区办公室当面核验 ${d.residents.length} 位居民并盲签需求令牌 / the community office checked ${d.residents.length} residents in person and blind-signed their need tokens (${month}; it kept only the count: ${secret.issued[month]})`);
}
