// The resident's need tokens in the browser (docs/FORMATS.md §Need tokens): the page blinds one message per month
// under the office's published keys and shows the request code; after the in-person check the staff's reply is
// pasted back and unblinded here. Tokens and the unblinding secrets stay in this device's IndexedDB.
import type { EnrollResponse, NeedToken, OfficeKeyset, PendingToken } from "../../client/blind-token.js";
import { ApiClient } from "../../client/index.js";
import { t } from "./i18n.js";
import { actions, busy, button, p, screen, show, status, textarea, type Screen } from "./ui.js";
import { kv } from "./store.js";

const TOKENS = "resident.needTokens";
const PENDING = "resident.pendingTokens";
/** A year of months from this one: one visit covers them. */
const MONTHS = 12;
/** Blind RSA (≈ 40 KB) is fetched on the screens that use need tokens, not with the first screen. */
const blind = () => import("../../client/blind-token.js");

export async function tokenThisMonth(): Promise<NeedToken | undefined> {
  const { periodOf } = await blind();
  return ((await kv.get<NeedToken[]>(TOKENS)) ?? []).find((x) => x.period === periodOf());
}

/** Forget a token once its need was accepted (it cannot be spent twice anyway). */
export async function dropToken(tok: NeedToken): Promise<void> {
  await kv.set(TOKENS, ((await kv.get<NeedToken[]>(TOKENS)) ?? []).filter((x) => x.message !== tok.message));
}

/** Shows the request code for the office, then continues with `next` once the reply is saved. */
export function enrollScreen(next: Screen, home: () => HTMLButtonElement): Screen {
  return async () => {
    const { finishEnrollment, periodOf, periodsFrom, startEnrollment } = await blind();
    const keyset = await new ApiClient(location.origin).get<OfficeKeyset>("/v1/office/keys");
    const months = periodsFrom(periodOf(), MONTHS).filter((m) => keyset.keys.some((k) => k.period === m));
    if (!months.length) return screen("enrollTitle", p(t("enrollNoOffice"), "lead"), actions(home()));
    let saved = await kv.get<{ request: unknown; pending: PendingToken[] }>(PENDING);
    if (!saved || saved.pending[0]?.period !== months[0]) {
      saved = await startEnrollment(keyset, months);
      await kv.set(PENDING, saved);
    }
    const code = textarea("enrollRequest", { id: "enroll-request", readonly: "", rows: 4 });
    code.input.value = JSON.stringify(saved.request);
    const answer = textarea("enrollAnswer", { id: "enroll-answer", rows: 4 });
    const pending = saved.pending;
    const save = button("enrollSave", async () => {
      await busy(save, "working", async () => {
        const tokens = await finishEnrollment(keyset, pending, JSON.parse(answer.input.value) as EnrollResponse);
        const kept = ((await kv.get<NeedToken[]>(TOKENS)) ?? []).filter((x) => !tokens.some((n) => n.period === x.period));
        await kv.set(TOKENS, [...kept, ...tokens]);
        await kv.del(PENDING);
        status(t("enrollSaved"), "ok");
        await show(next);
      });
    });
    return screen("enrollTitle", p(t("enrollLead"), "lead"), code.wrap, answer.wrap, actions(save, home()));
  };
}
