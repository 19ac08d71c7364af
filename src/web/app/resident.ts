// Resident (居民) pages: one task per screen, zh-CN first, big type and targets, crisis help always one tap away.
// The root seed never leaves the page; every request is signed in with the per-relationship key it concerns.
import { Purpose, explainGrant, formatDate, type BuiltGrant, type GranteeRole } from "../../consent/index.js";
import { INSTRUMENTS, score, type InstrumentId, type ScoredAssessment, decideCrisis, STRESS_INDEX_NOTICE } from "../../assess/index.js";
import { WEARABLE_ACCEPT, assessWearableFile } from "./wearable-file.js";
import { openJson, sealJson } from "../../crypto/envelope.js";
import { fromBase64, toBase64 } from "../../crypto/encoding.js";
import { walletSigner } from "../../crypto/keys.js";
import { deriveNeed } from "../../deid/need.js";
import { LABELS } from "../../deid/vocab.js";
import type { PlaceList } from "../../deid/geo.js";
import { ApiClient, consentDomainOf, counselorKey, draftGrant, eraseRelationship, publishSignedKey, submitGrant, submitRevoke } from "../../client/index.js";
import { pageChain } from "./trusted-chain.js";
import { acceptMessage } from "../../matching/accept.js";
import { RouteTable } from "./route-table.js";
import { bi, lang, short, t } from "./i18n.js";
import { actions, busy, button, confirmScreen, errorText, facts, field, h, notAvailable, p, screen, select, show, startShell, status, type Screen } from "./ui.js";
import * as keys from "./resident-keys.js";
import { counterparties, kv, type Counterparty } from "./store.js";
import { cardsScreen, initRecovery, restoreScreen, sheetScreen } from "./recovery-lazy.js";
import { fetchRelationships, initRelationshipVault, remember, syncRelationships } from "./relationships-vault.js";
import { hasPasskey, passkeyAvailable, setUpPasskey, unlockWithPasskey } from "./passkey.js";
import { dropToken, enrollScreen, tokenThisMonth } from "./resident-enroll.js";
import { drawDelayMs, sendSpread, shiftGrant } from "../../client/dispatch.js";
import { acknowledged, flushPending, forgetPending, keepPending, pendingItems, refusalText } from "./pending.js";
import { clearFieldErrors, fieldError } from "./elder.js";
import { voiceAnswer } from "./voice-answer.js";
import { addressDetails, ageChoice, receiptScreen } from "./plain.js";
import { noticesCard, raiseOnCall, rememberArea, trailCard } from "./resident-crisis.js";
import { setZone } from "./zone.js";
import { bookScreen as bookingScreen, nextBookingReminder, type BookingDeps } from "./resident-booking.js";
import { knowPeople, matcherNameOf, matcherNote, nameOf, personBlock } from "./resident-people.js";
import { consultationCard } from "./consultation-resident.js";
import { nameField, shareName, withName } from "./resident-name.js";

let routes: RouteTable;
const sessions = new Map<string, ApiClient>();

/** A signed-in client for one relationship (counterparty address or "vault"). */
async function apiFor(counterparty: string): Promise<ApiClient> {
  const r = await keys.rel(counterparty);
  let api = sessions.get(r.address);
  if (!api?.token) {
    // An expired session signs in again by itself while the key is unlocked (and only then).
    api = await new ApiClient(location.origin).renewWith(() => (keys.unlocked() ? r.wallet : undefined)).login(r.wallet);
    sessions.set(r.address, api);
  }
  return api;
}

let timingCache: Promise<{ copyDelayMaxMs: number; grantDelayMaxMs: number }> | undefined;
/** The deployment's stated delay bounds (GET /v1/client/timing); none where the server has no such route. */
const timing = () => (timingCache ??= routes.has("GET", "/v1/client/timing") ? anon().get("/v1/client/timing") : Promise.resolve({ copyDelayMaxMs: 0, grantDelayMaxMs: 0 }));

/** An unsigned-in client, for the public directory and the consent domain. */
const anon = () => new ApiClient(location.origin);
const now = () => Math.floor(Date.now() / 1000);
/** A grant from these pages lasts a year (plus the end jitter of FORMATS §Time jitter). */
const GRANT_DAYS = 365;

// ---------------- keys ----------------

const welcome: Screen = async () => {
  if (await keys.hasStoredKey()) return unlockScreen();
  return screen(
    "welcomeTitle",
    p(t("welcomeLead"), "lead"),
    actions(button("createKey", () => show(createScreen)), button("restoreKey", () => show(restoreScreen), "secondary")),
  );
};

function unlockScreen(): HTMLElement {
  const pw = field("passphrase", { type: "password", autocomplete: "current-password", id: "unlock-pass" });
  const go = button("unlock", async () => {
    await busy(go, "unlocking", async () => {
      await keys.unlock(pw.input.value);
      await afterUnlock();
      void resendPending();
    });
  });
  const form = h("form", { class: "stack", onsubmit: (e: Event) => (e.preventDefault(), go.click()) }, pw.wrap, actions(go));
  const pk = h("div", { class: "stack" });
  void hasPasskey().then((yes) => {
    if (!yes) return;
    const b = button("passkeyUnlock", async () => {
      await busy(b, "unlocking", async () => {
        const s = await unlockWithPasskey().catch(() => undefined);
        if (!s) return status(t("passkeyFailed"), "error");
        keys.open(s);
        await afterUnlock();
      });
    }, "primary", { id: "passkey-unlock" });
    pk.replaceChildren(actions(b), p(t("orPassphrase"), "hint"));
  });
  return screen(
    "unlockTitle",
    p(t("unlockLead"), "lead"),
    pk,
    form,
    actions(
      button("restoreKey", () => show(restoreScreen), "secondary"),
      button("forgetKey", () =>
        show(
          confirmScreen({
            titleKey: "forgetKey",
            lines: () => [t("forgetConfirm")],
            confirmKey: "forgetYes",
            danger: true,
            onConfirm: async () => {
              await keys.forget();
              await forgetPending();
              await show(welcome);
            },
            onCancel: () => void show(welcome),
          }),
        ), "link"),
    ),
  );
}

/** Two passphrase fields with checks; calls onOk(passphrase). */
function passphraseForm(okKey: string, onOk: (pass: string, btn: HTMLButtonElement) => Promise<void>, before: HTMLElement[] = []): HTMLElement {
  const a = field("passphrase", { type: "password", autocomplete: "new-password", id: "new-pass" }, "passphraseHint");
  const b = field("passphraseAgain", { type: "password", autocomplete: "new-password", id: "new-pass-2" });
  const go = button(okKey, async () => {
    clearFieldErrors(a.wrap.parentElement!);
    if (a.input.value.length < 8) return fieldError(a.input, t("passphraseShort"));
    if (a.input.value !== b.input.value) return fieldError(b.input, t("passphraseMismatch"));
    await onOk(a.input.value, go);
  });
  return h("form", { class: "stack", onsubmit: (e: Event) => (e.preventDefault(), go.click()) }, ...before, a.wrap, b.wrap, actions(go, button("back", () => show(welcome), "secondary")));
}

const createScreen: Screen = () =>
  screen(
    "createTitle",
    p(t("createLead"), "lead"),
    passphraseForm("createKey", async (pass, btn) => {
      await busy(btn, "encrypting", async () => {
        const s = await keys.newSeed();
        await keys.saveSeed(s, pass);
        await syncRelationships().catch(() => undefined); // an (empty) sealed list: a restore can tell this seed was used
        await show(sheetScreen(true));
      });
    }),
  );

/** After unlock: the sealed relationship list is fetched and merged (and this device's is stored if it grew). */
async function afterUnlock(): Promise<void> {
  await syncRelationships().catch(() => undefined);
  await show(homeScreen);
}

/** A restore whose seed passed its checksum: warn when the server has nothing for it, then set a passphrase here. */
async function foundSeed(seed: Uint8Array, legacy: boolean, back: Screen): Promise<void> {
  const remote = await fetchRelationships(seed).catch(() => null);
  const setPass: Screen = () =>
    screen(
      "restoreSetPass",
      p(t("restoreSetPassLead"), "lead"),
      passphraseForm("restore", async (pass, btn) => {
        await busy(btn, "encrypting", async () => {
          await keys.saveSeed(seed, pass);
          sessions.clear();
          // Offline now: the list is fetched again at the next unlock.
          const whole = await syncRelationships().then(() => true, () => false);
          status(t(legacy ? "restoreLegacyNote" : whole ? "restored" : "restoredLater"), "ok");
          await show(legacy ? sheetScreen(true) : homeScreen);
        });
      }),
    );
  if (remote !== undefined) return show(setPass);
  await show(
    confirmScreen({
      titleKey: "restoreNotFoundTitle",
      lines: () => [t("restoreNotFound")],
      confirmKey: "restoreNotFoundGo",
      cancelKey: "restoreCheckAgain",
      onConfirm: async () => show(setPass),
      onCancel: () => void show(back),
    }),
  );
}

const passkeyScreen: Screen = () => {
  if (!passkeyAvailable()) return screen("passkeyTitle", p(t("passkeyNo"), "lead"), actions(homeButton()));
  const go = button("passkeySetUp", async () => {
    await busy(go, "working", async () => {
      try {
        await setUpPasskey(keys.currentSeed());
      } catch {
        return status(t("passkeyNo"), "error");
      }
      status(t("passkeyOn"), "ok");
      await show(homeScreen);
    });
  });
  return screen("passkeyTitle", p(t("passkeyLead"), "lead"), actions(go, homeButton()));
};

// ---------------- home ----------------

const TASKS: Array<[string, Screen]> = [];

const homeScreen: Screen = async () => {
  if (!keys.unlocked()) return welcome();
  // Every emergency access opened on any of her addresses is shown here first (the promise made to counsellors).
  const notices = await noticesCard(await Promise.all(["vault", ...(await counterparties()).map((c) => c.address)].map(apiFor)), (await places()).crisisLine).catch(() => null);
  const reminder = await nextBookingReminder(bookingDeps).catch(() => null);
  return screen(
    "homeTitle",
    notices,
    await consultationCard(bookingDeps).catch(() => null),
    reminder,
    p(t("homeLead"), "lead"),
    h("ul", { class: "tasks" }, ...TASKS.map(([key, s]) => h("li", {}, button(key, () => show(s), "task", { "data-task": key })))),
    actions(
      button("lock", () => {
        keys.lock();
        sessions.clear();
        void show(welcome);
      }, "secondary"),
    ),
  );
};

const homeButton = () => button("home", () => show(homeScreen), "secondary");

// ---------------- assessment ----------------

const assessChoose: Screen = () =>
  screen(
    "assessChoose",
    p(t("assessChooseLead"), "lead"),
    h("ul", { class: "tasks" }, ...(["phq9", "gad7", "who5", "pss10", "k10"] as InstrumentId[]).map((id) => h("li", {}, h("button", { type: "button", class: "task", "data-instrument": id, onclick: () => show(question(id, 0, [])) }, bi(INSTRUMENTS[id].name))))),
    actions(homeButton()),
  );

function question(id: InstrumentId, i: number, answers: number[]): Screen {
  return () => {
    const def = INSTRUMENTS[id];
    const item = def.items[i];
    const name = `q-${item.id}`;
    const opts = def.options.map((o) =>
      h("li", {}, h("label", { class: "choice" }, h("input", { type: "radio", name, value: String(o.value), checked: answers[i] === o.value }), h("span", {}, bi(o.label)))),
    );
    const last = i === def.items.length - 1;
    const next = button(last ? "seeResult" : "next", async () => {
      const sel = document.querySelector<HTMLInputElement>(`input[name="${name}"]:checked`);
      if (!sel) return fieldError(document.querySelector<HTMLInputElement>(`input[name="${name}"]`)!, t("answerFirst"));
      const a = [...answers];
      a[i] = Number(sel.value);
      if (!last) return void show(question(id, i + 1, a));
      // Saved once, here: the result screen re-renders (language switch) without saving again.
      await busy(next, "encrypting", async () => {
        const r = score(id, a);
        const saved = await saveAssessment(r).catch(() => -1);
        await show(resultScreen(r, saved));
      });
    });
    return h(
      "section",
      { class: "screen" },
      h("h1", {}, bi(def.name)),
      p(t("question", { n: i + 1, total: def.items.length }), "progress"),
      i === 0 ? p(bi(def.instructions)) : null,
      h("fieldset", { class: "choices" }, h("legend", {}, bi(item.text)), h("ul", {}, ...opts)),
      voiceAnswer(def.options, name),
      actions(next, button("back", () => show(i === 0 ? assessChoose : question(id, i - 1, answers)), "secondary")),
    );
  };
}

function resultScreen(r: ScoredAssessment, saved: number): Screen {
  return async () => {
    const crisis = decideCrisis(r, short());
    const told = crisis.alert && lastAlert ? await trailCard(await apiFor("vault"), lastAlert).catch(() => null) : null;
    return h(
      "section",
      { class: "screen" },
      h("h1", {}, t("resultTitle")),
      crisis.alert
        ? h("div", { class: "crisis-box", role: "alert" }, p(bi(crisis.message)), h("ul", { class: "hotlines" }, ...crisis.hotlines.slice(0, 3).map((hl) => h("li", {}, h("a", { class: "call", href: `tel:${hl.number.replace(/-/g, "")}` }, `${t("call")} ${hl.number}`), h("span", { class: "hl-name" }, hl.name)))), told)
        : null,
      h("div", { class: "result-summary" }, facts([
        [t("resultBand"), bi(r.bandLabel)],
        [t("resultScore"), String(r.total)],
      ])),
      p(bi(r.interpretation), "lead"),
      p(t("resultNote"), "note"),
      p(saved < 0 ? t("resultNotSaved") : saved > 0 ? t("resultSharedCounselor") : t("resultSaved"), "note", "result-saved"),
      actions(homeButton()),
    );
  };
}

/** Counsellors this resident has an active TREATMENT consent with (one relationship key each). */
async function treatmentCounselors(): Promise<Counterparty[]> {
  const out: Counterparty[] = [];
  for (const c of (await counterparties()).filter((x) => x.role === "counselor")) {
    const api = await apiFor(c.address);
    const res = await api.get<{ items: ConsentView[] }>(`${R.consents}?subject=${api.address}`);
    if (res.items.some((v) => v.purpose === Purpose.TREATMENT && v.grantee === c.address && v.state === "active")) out.push(c);
  }
  return out;
}

/** Seals one assessment envelope from relationship `counterparty` (or the vault), to the resident and `also`. */
async function sealAssessment(r: ScoredAssessment, counterparty: string, also?: { address: string; x25519PublicKey: Uint8Array }) {
  const me = await keys.rel(counterparty);
  return sealJson({
    kind: "assessment",
    schema: `anxin.assessment.${r.instrument}.v1`,
    subjectRef: me.address,
    body: { instrument: r.instrument, answers: { ...r.answers }, total: r.total, band: r.band },
    recipients: [{ address: me.address, x25519PublicKey: me.x25519.publicKey }, ...(also ? [also] : [])],
    signer: walletSigner(me.wallet),
  });
}

/** Stores the result encrypted: in the resident's own vault, and under each TREATMENT relationship sealed to that
 * counsellor too (so they see it; their consent covers "assessment"). Returns how many counsellors can read it. */
/** A counsellor's key as the registry on chain has it (trusted-chain.ts); a different key from the server is refused. */
async function chainCounselorKey(api: ApiClient, counselor: string, served: string): Promise<Uint8Array> {
  const chain = await pageChain(api);
  try {
    return await counselorKey(chain.reader, counselor, served);
  } finally {
    chain.reader.destroy();
  }
}

let lastAlert: string | undefined;
async function saveAssessment(r: ScoredAssessment): Promise<number> {
  lastAlert = undefined;
  // The need form sends these (band and crisis flag only, never answers); kept on the device.
  const kept = ((await kv.get<Array<{ instrument: string; severityBand: string; crisis: boolean }>>("resident.assessments")) ?? []).filter((x) => x.instrument !== r.instrument);
  await kv.set("resident.assessments", [...kept, { instrument: r.instrument, severityBand: r.band, crisis: r.crisis.flag }]);
  // A crisis answer reaches the on-duty counsellors at once, before anything is stored (alert first, never delayed).
  if (r.crisis.flag) lastAlert = await raiseOnCall(await apiFor("vault"), decideCrisis(r, short()).level, r.instrument).catch(() => undefined);
  const env = await sealAssessment(r, "vault");
  // Kept on this device (sealed) until the server acknowledged it: a failure loses nothing.
  const id = await keepPending("assessment", env);
  const n = await deliverAssessment(r, env);
  await acknowledged(id);
  return n;
}

/** Results a failure or a closed page left unsent: resent after unlock in one batch request, and she is told. */
async function resendPending(): Promise<void> {
  const list = await pendingItems();
  if (!list.length) return;
  status(t("pendingResending", { n: list.length }));
  const me = await keys.rel("vault");
  // Stored in her vault by the batch: the counsellors' copies follow as for a fresh result.
  const out = await apiFor("vault").then((api) => flushPending(api, async (item) => {
    const body = (await openJson(item.envelope, me.address, me.x25519)) as { instrument: InstrumentId; answers: Record<string, number> };
    await deliverAssessment(score(body.instrument, Object.values(body.answers)), item.envelope, true);
  })).catch(() => ({ sent: [], refused: [], left: list }));
  const said = [out.sent.length && t("pendingSent", { n: out.sent.length }), out.left.length && t("pendingLeft", { n: out.left.length }), refusalText(out)];
  status(said.filter(Boolean).join(" "), out.sent.length === list.length ? "ok" : "error");
}

async function deliverAssessment(r: ScoredAssessment, env: Awaited<ReturnType<typeof sealAssessment>>, vaultStored = false): Promise<number> {
  const counselors = await treatmentCounselors();
  // Each copy is sealed and sent at its own random moment (its createdAt is its send time): the vault copy and the
  // counsellors' copies do not arrive as one burst that would tie the relationships together.
  await sendSpread(
    [
      // A 409 is the server saying it already has this envelope (an earlier try got through); a batch resend has stored it.
      ...(vaultStored ? [] : [async () =>
        void (await (await apiFor("vault")).post(R.records, env).catch((e) => {
          if ((e as { status?: number }).status !== 409) throw e;
        }))]),
      ...counselors.map((c) => async () => {
        const api = await apiFor(c.address);
        const ck = await api.get<{ address: string; x25519PublicKey: string }>(`${R.recipients}/${c.address}`);
        await api.post(R.records, await sealAssessment(r, c.address, { address: c.address, x25519PublicKey: await chainCounselorKey(api, c.address, ck.x25519PublicKey) }));
      }),
    ],
    (await timing()).copyDelayMaxMs,
  );
  // A crisis answer alerts the counsellors the resident already consented to (no answers or scores are sent).
  if (r.crisis.flag) {
    const level = decideCrisis(r, short()).level;
    for (const c of counselors) {
      const a = await apiFor(c.address);
      await a.post(R.alerts, { kind: "crisis", level, instrument: r.instrument, subjectRef: a.address, lang: short() }).catch(() => undefined);
    }
  }
  return counselors.length;
}

// ---------------- consent helpers ----------------

let domainCache: Awaited<ReturnType<typeof consentDomainOf>> | undefined;
async function domain() {
  return (domainCache ??= await consentDomainOf(anon()));
}

function consentCard(x: { purpose: Purpose; role: GranteeRole; categories: readonly string[]; notBefore: number; notAfter: number; name?: string }): HTMLElement {
  const e = explainGrant({ purpose: x.purpose, granteeRole: x.role, granteeName: x.name, categories: x.categories, notBefore: x.notBefore, notAfter: x.notAfter }, lang());
  return h("div", { class: "consent-card" }, h("h2", {}, e.title), p(e.who), p(e.what), p(e.why), p(e.until), p(e.howToWithdraw), p(e.sensitiveNotice, "note"));
}

/** Drafts a grant from the relationship key for `grantee` (fresh salts, jittered times: the client's draftGrant). */
async function draftTo(grantee: string, purpose: Purpose, categories: string[]): Promise<BuiltGrant> {
  const me = await keys.rel(grantee);
  return draftGrant({ subject: me.address, grantee, purpose, categories, days: GRANT_DAYS });
}

/** The consent screen's card for exactly the grant that will be signed. */
function draftCard(built: BuiltGrant, role: GranteeRole): HTMLElement {
  const g = built.grant;
  // the verified name (resident-people.ts): a counsellor's profile, or the matching service's registered one
  const name = role === "counselor" ? nameOf(g.grantee) : role === "matching_service" ? matcherNameOf(g.grantee) : undefined;
  return consentCard({ purpose: g.purpose, role, categories: built.categories, notBefore: g.notBefore, notAfter: g.notAfter, name });
}

/** Signs (EIP-712, in the page) and submits a drafted grant with its relationship key; waits until it is on chain. */
async function grantTo(built: BuiltGrant): Promise<string> {
  const grantee = built.grant.grantee.toLowerCase();
  const me = await keys.rel(grantee);
  const api = await apiFor(grantee);
  const grantId = await submitGrant(api, me.wallet, await domain(), built, short());
  await waitOnChain(api, grantId);
  return grantId;
}

/** Polls the consent until the chain index has it (a grant is only relied on once it is on chain). */
async function waitOnChain(api: ApiClient, grantId: string, revoked = false): Promise<void> {
  for (let i = 0; i < 90; i++) {
    const v = await api.get<{ onChain: boolean; state: string; revoke: { status: string; error: string | null } | null }>(`${R.consents}/${grantId}`);
    if (revoked ? v.state === "revoked" : v.onChain) return;
    if (v.state === "failed") throw new Error(t("errChainFailed"));
    if (revoked && v.revoke?.status === "failed") throw new Error(t("errChainFailed"));
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(t("errChainSlow"));
}

// ---------------- matching ----------------

const MATCH_CATEGORIES = ["need", "assessment"];

const matchScreen: Screen = async () => {
  if (!routes.has("POST", R.needs)) return screen("matchTitle", notAvailable(R.needs), actions(homeButton()));
  const mine = (await counterparties()).find((c) => c.role === "matcher");
  if (mine) return proposalsScreen(mine)();
  const cat = select("needCategory", Object.entries(LABELS.category).map(([k, v]) => [k, bi(v)]), { id: "need-category" });
  const lng = select("needLanguage", Object.entries(LABELS.language).map(([k, v]) => [k, bi(v)]), { id: "need-language" });
  const mod = select("needModality", Object.entries(LABELS.modality).map(([k, v]) => [k, bi(v)]), { id: "need-modality" });
  const { dis, street } = await placePicker();
  const age = ageChoice();
  const urgency = select("needHowSoon", (["routine", "soon", "urgent"] as const).map((u) => [u, t(`urgency_${u}`)]), { id: "need-urgency" });
  // Her latest result per instrument (band and crisis flag only): a crisis or severe band takes the emergency route.
  const assessments = (await kv.get<Array<{ instrument: string; severityBand: string; crisis: boolean }>>("resident.assessments")) ?? [];
  const sent = p(assessments.length ? t("needAssessments", { list: assessments.map((a) => a.instrument.toUpperCase()).join("、") }) : t("needNoAssessments"), "note", "need-assessments");
  const go = button("next", () => {
    clearFieldErrors(age.wrap);
    if (age.value() === undefined) return fieldError(age.first, t("ageChooseFirst"));
    void rememberArea(dis.input.value);
    const intake = {
      assessments,
      requestedUrgency: urgency.input.value,
      categories: [cat.input.value],
      languages: [lng.input.value],
      modalities: [mod.input.value],
      place: street.input.value || dis.input.value,
      age: age.value()!,
      availability: ["mon_am", "wed_am", "fri_am"],
      preferences: {},
    };
    // A need for the pool spends this month's token from the community office: one visit first if there is none.
    // An urgent or crisis need goes to the emergency route at once and needs no token: never a visit first.
    const emergency = intake.requestedUrgency === "urgent" || assessments.some((a) => a.crisis);
    if (emergency) return void show(matchConsentScreen(intake));
    void tokenThisMonth().then((tok) => show(tok ? matchConsentScreen(intake) : enrollScreen(matchConsentScreen(intake), homeButton)));
  });
  return screen("matchTitle", p(t("matchLead"), "lead"), h("div", { class: "stack" }, cat.wrap, lng.wrap, mod.wrap, dis.wrap, street.wrap, age.wrap, urgency.wrap), sent, actions(go, homeButton()));
};

let placeList: Promise<PlaceList & { timeZone: string; crisisLine: string }> | undefined;
const places = () => (placeList ??= anon().get<PlaceList & { timeZone: string; crisisLine: string }>(R.places));
/** District names by code (for the districts a counsellor's profile lists). */
async function districtNames(): Promise<(code: string) => string | undefined> {
  const list = await places().catch(() => undefined);
  return (code) => list?.districts.find((d) => d.code === code)?.name;
}

/**
 * District and street of the city this deployment serves (GET /v1/places), by name. The street is optional where
 * the city has districts (the need keeps only the district anyway); a city without districts lists its streets.
 */
async function placePicker() {
  const list = await places();
  const dis = select("needDistrict", list.districts.map((d) => [d.code, d.name]), { id: "need-district" });
  const street = select("needStreet", [], { id: "need-street" });
  const fill = () => {
    const d = list.districts.find((x) => x.code === dis.input.value);
    const optional = d?.code !== list.city.code; // a city without districts: the street is the only exact place
    street.input.replaceChildren(
      ...(optional ? [h("option", { value: "" }, t("streetUnsaid"))] : []),
      ...(d?.streets ?? []).map((s) => h("option", { value: s.code }, s.name)),
    );
  };
  dis.input.addEventListener("change", fill);
  fill();
  return { dis, street };
}

function matchConsentScreen(intake: unknown): Screen {
  return async () => {
    // The community's matching service comes from the public directory: nobody types an address.
    const m = await anon().get<{ matchers: Array<{ address: string; since: number }> }>(R.matchers);
    const matcher = m.matchers[0]?.address?.toLowerCase();
    if (!matcher) return screen("matchTitle", p(t("noMatcher"), "lead"), actions(homeButton()));
    await knowPeople([matcher]);
    const draft = await draftTo(matcher, Purpose.MATCHING, MATCH_CATEGORIES);
    const sign = button("agreeSign", async () => {
      await busy(sign, "signing", async () => {
        const grantId = await grantTo(draft);
        await remember({ address: matcher, role: "matcher", grants: [grantId] });
        const api = await apiFor(matcher);
        const need = deriveNeed(intake as Parameters<typeof deriveNeed>[0]);
        // Urgent and crisis needs never wait behind the gate, so they spend no token.
        const token = need.urgency === "urgent" || need.urgency === "crisis" ? undefined : await tokenThisMonth();
        const sentNeed = await api.post<{ route: string; alert?: { alertId: string } }>(R.needs, { need, matcher, lang: short(), ...(token ? { token } : {}) });
        if (token) await dropToken(token);
        if (sentNeed.route === "emergency" && sentNeed.alert) {
          // Never behind the k gate: the on-duty counsellors were told; show her who, and offer the callback.
          status(t("needEmergencyRoute"), "ok");
          const card = await trailCard(api, sentNeed.alert.alertId);
          return void (await show(() => screen("matchTitle", p(t("needEmergencyRoute"), "lead"), card, actions(homeButton()))));
        }
        status(t("matchSent"), "ok");
        await show(proposalsScreen({ address: matcher, role: "matcher" }));
      });
    });
    return screen(
      "consentTitle",
      draftCard(draft, "matching_service"),
      matcherNote(matcher),
      addressDetails(matcher),
      actions(sign, button("disagree", () => show(homeScreen), "secondary")),
    );
  };
}

function proposalsScreen(matcher: Counterparty): Screen {
  return async () => {
    const api = await apiFor(matcher.address);
    const list = await api.get<{ proposals: Array<{ proposalId: string; counselorId: string; reasons: unknown; status: string }> }>(R.proposals);
    const open = list.proposals.filter((x: any) => x.status === "proposed" || x.status === "accepting" || x.status === "accepted");
    await knowPeople([matcher.address, ...open.map((x) => x.counselorId)]);
    const placeName = await districtNames();
    const by = matcherNameOf(matcher.address);
    const items = open.map((x: any) =>
      h(
        "li",
        { class: "card" },
        h("h2", {}, t("theCounselor")),
        personBlock(x.counselorId, placeName),
        reasonsList(x.reasons),
        addressDetails(x.counselorId),
        x.status === "proposed"
          ? actions(
              button("accept", (e) => acceptProposal(x, e.currentTarget as HTMLButtonElement)),
              button("decline", async (e) => {
                await busy(e.currentTarget as HTMLButtonElement, "working", async () => {
                  await api.post(`${R.proposals}/${x.proposalId}/decline`, {});
                  status(t("declined"), "ok");
                  await show(proposalsScreen(matcher));
                });
              }, "secondary"),
            )
          : p(t("accepted"), "ok-text"),
      ),
    );
    return screen(
      "proposalsTitle",
      by ? h("p", { class: "lead", "data-matcher-name": by }, t("proposedBy", { name: by })) : null,
      by ? addressDetails(matcher.address) : null,
      items.length ? h("ul", { class: "cards" }, ...items) : p(t("noProposals"), "lead"),
      actions(button("checkAgain", () => show(proposalsScreen(matcher)), "secondary"), homeButton()),
    );
  };
}

function reasonsList(reasons: unknown): HTMLElement | null {
  if (typeof reasons === "string") {
    try {
      reasons = JSON.parse(reasons);
    } catch {
      reasons = [reasons];
    }
  }
  // The matcher explains in one bilingual sentence ({zh, en}); older answers were a list.
  if (reasons && !Array.isArray(reasons) && typeof reasons === "object" && "zh" in reasons) {
    const text = bi(reasons as { zh: string; en: string });
    return text ? h("div", {}, h("h3", {}, t("why")), p(text)) : null;
  }
  const arr = Array.isArray(reasons) ? reasons : [];
  const texts = arr.map((r: any) => (typeof r === "string" ? r : r?.[short()] ?? r?.text?.[short()] ?? r?.zh ?? r?.code ?? "")).filter(Boolean);
  return texts.length ? h("div", {}, h("h3", {}, t("why")), h("ul", {}, ...texts.map((s: string) => h("li", {}, s)))) : null;
}

/** Accept: prove the new TREATMENT relationship key, then show and sign the TREATMENT consent to the counsellor. */
function acceptProposal(x: { proposalId: string; counselorId: string }, btn: HTMLButtonElement): void {
  const counselor = x.counselorId.toLowerCase();
  const cats = ["assessment", "consultation_note", "care_plan"];
  void show(async () => {
    await knowPeople([counselor]);
    let draft = await draftTo(counselor, Purpose.TREATMENT, cats);
    // The name she may share (resident-name.ts): the card is redrawn as she types (not on blur, which would move the
    // sign button under her finger), so it shows exactly the grant that is signed.
    const name = nameField();
    const card = h("div", {}, draftCard(draft, "counselor"));
    let redraft = Promise.resolve();
    name.input.addEventListener("input", () => (redraft = redraft.then(async () => {
      const want = withName(cats, name.value());
      if (want.length !== draft.categories.length) (draft = await draftTo(counselor, Purpose.TREATMENT, want)), card.replaceChildren(draftCard(draft, "counselor"));
    })));
    const sign = button("agreeSign", async () => {
      await busy(sign, "signing", async () => {
        await redraft;
        const matcher = (await counterparties()).find((c) => c.role === "matcher")!;
        const treat = await keys.rel(counselor);
        const mApi = await apiFor(matcher.address);
        await mApi.post(`${R.proposals}/${x.proposalId}/accept`, { treatmentAddress: treat.address, treatmentSignature: await treat.wallet.signMessage(acceptMessage(x.proposalId, counselor)) });
        // The grant leaves a random moment later (its window moved by as much), so accept and grant are not one pair in time.
        const wait = drawDelayMs((await timing()).grantDelayMaxMs);
        await new Promise((res) => setTimeout(res, wait));
        const grantId = await grantTo(shiftGrant(draft, wait / 1000));
        await remember({ address: counselor, role: "counselor", grants: [grantId] });
        if (draft.categories.includes("identity") && name.value()) {
          const cApi = await apiFor(counselor);
          const ck = await cApi.get<{ x25519PublicKey: string }>(`${R.recipients}/${counselor}`);
          await shareName({ vault: await keys.rel("vault"), vaultApi: await apiFor("vault"), counselor, counselorPk: await chainCounselorKey(cApi, counselor, ck.x25519PublicKey), grantId, name: name.value() });
        }
        // Publish this relationship's X25519 key so the counsellor seals the resident's own copy of each record.
        if (routes.has("POST", R.recipients)) {
          await publishSignedKey(await apiFor(counselor), treat.wallet, treat.x25519.publicKey).catch(() => undefined);
        }
        status(t("accepted"), "ok");
        await show(proposalsScreen(matcher));
      });
    });
    return screen(
      "consentTitle",
      card,
      personBlock(counselor, await districtNames()),
      addressDetails(counselor),
      name.wrap,
      actions(sign, button("disagree", () => show(homeScreen), "secondary")),
    );
  });
  void btn;
}

// ---------------- consents ----------------

interface ConsentView {
  grantId: string;
  subject: string;
  grantee: string;
  purpose: number;
  categories: string[] | null;
  state: string;
  notBefore: number | null;
  notAfter: number | null;
  emergency: boolean;
}

const ROLE_OF: Record<number, GranteeRole> = { 0: "counselor", 1: "matching_service", 2: "research_team", 3: "counselor", 4: "counselor" };

const consentsScreen: Screen = async () => {
  const cards: HTMLElement[] = [];
  await knowPeople((await counterparties()).filter((c) => c.role === "counselor").map((c) => c.address));
  for (const c of await counterparties()) {
    const api = await apiFor(c.address);
    const res = await api.get<{ items: ConsentView[] }>(`${R.consents}?subject=${api.address}`);
    for (const v of res.items) {
      const name = ROLE_OF[v.purpose] === "counselor" ? nameOf(v.grantee) : undefined;
      const e = explainGrant({ purpose: v.purpose, granteeRole: ROLE_OF[v.purpose], granteeName: name, categories: v.categories ?? ["assessment"], notBefore: v.notBefore ?? now(), notAfter: v.notAfter ?? now() + 1 }, lang());
      const stateKey = `state${v.state[0].toUpperCase()}${v.state.slice(1)}`;
      const revokeBtn =
        v.state === "active" || v.state === "pending" || v.state === "not_yet_valid"
          ? button("revoke", () => show(revokeConfirm(c, v, e.title, e.who)), "danger", { "data-grant": v.grantId })
          : null;
      const receiptBtn = v.state !== "pending" && v.state !== "failed" && !v.emergency
        ? button("receipt", async (ev) => {
            await busy(ev.currentTarget as HTMLButtonElement, "working", async () => {
              // A page to read and print; the JSON stays behind 详细信息.
              const rc = await api.get(`${R.consents}/${v.grantId}/receipt?lang=${short()}`);
              const text = await (await api.raw("GET", `${R.consents}/${v.grantId}/receipt?lang=${short()}&format=text`)).text();
              await show(receiptScreen(text, rc, v.grantId, consentsScreen));
            });
          }, "secondary")
        : null;
      cards.push(
        h("li", { class: "card consent", "data-grant": v.grantId, "data-state": v.state }, h("h2", {}, e.title), h("p", { class: `badge state-${v.state}` }, t(stateKey)), p(e.who), p(e.what), p(e.until), actions(revokeBtn, receiptBtn), addressDetails(v.grantee)),
      );
    }
  }
  return screen("consentsTitle", p(t("consentsLead"), "lead"), cards.length ? h("ul", { class: "cards" }, ...cards) : p(t("noConsents")), actions(homeButton()));
};

/** Withdrawing is confirmed on a screen of its own that says what will happen, in large type. */
function revokeConfirm(c: Counterparty, v: ConsentView, title: string, who: string): Screen {
  return confirmScreen({
    titleKey: "revokeTitle",
    lines: () => [title, who, t("revokeConfirm")],
    confirmKey: "revokeYes",
    cancelKey: "revokeNo",
    danger: true,
    onCancel: () => void show(consentsScreen),
    onConfirm: async (btn) => {
      await busy(btn, "withdrawing", async () => {
        const api = await apiFor(c.address);
        const me = await keys.rel(c.address);
        await submitRevoke(api, me.wallet, await domain(), v.grantId);
        await waitOnChain(api, v.grantId, true);
        status(t("revoked"), "ok");
        await show(consentsScreen);
      });
    },
  });
}

// ---------------- access log ----------------

const KIND_KEYS: Record<string, string> = { assessment: "kindAssessment", consultation_note: "kindNote", care_plan: "kindPlan", wearable_summary: "kindWearable", identity: "kindIdentity" };

const logScreen: Screen = async () => {
  const items: Array<{ at: string; html: HTMLElement }> = [];
  const cps: Array<{ address: string; role: string }> = [{ address: "vault", role: "vault" }, ...(await counterparties())];
  await knowPeople(cps.filter((c) => c.role === "counselor").map((c) => c.address));
  for (const c of cps) {
    const api = await apiFor(c.address);
    const res = await api.get<{ items: Array<{ at: string; requester: string; recordId: string; kind: string; decision: string; basis: string | null; reason: string | null }> }>(R.accessLog);
    for (const e of res.items) {
      const self = e.requester === api.address;
      // In words; the address only behind 详细信息.
      const named = c.role === "counselor" ? nameOf(c.address) : undefined;
      const who = self ? t("logYou") : e.requester === c.address ? (named ? t("logYourCounselorNamed", { name: named }) : t(c.role === "counselor" ? "logYourCounselor" : "logMatcher")) : t("logOther");
      const what = t(KIND_KEYS[e.kind] ?? "kindOther");
      const did = e.decision === "released" ? t("logOpened", { who, what }) : t("logRefused", { who, what });
      const basis = e.decision === "released" ? t(`basis_${e.basis ?? "grant"}`) : t("logRefusedNote");
      items.push({
        at: e.at,
        html: h(
          "li",
          { class: `card access ${e.decision === "released" ? "" : "refused"}`, "data-decision": e.decision, "data-basis": e.basis ?? "" },
          h("p", { class: "when" }, formatDate(Math.floor(Date.parse(e.at) / 1000), lang(), true)),
          h("p", { class: "what" }, did),
          p(basis, e.basis === "emergency" ? "warning" : "note"),
          self ? null : addressDetails(e.requester),
        ),
      });
    }
  }
  items.sort((a, b) => b.at.localeCompare(a.at));
  return screen("logTitle", p(t("logLead"), "lead"), items.length ? h("ul", { class: "cards", id: "access-log" }, ...items.map((i) => i.html)) : p(t("noAccess")), actions(homeButton()));
};

// ---------------- booking, wearable, erasure ----------------

const wearableScreen: Screen = () => {
  const file = h("input", { type: "file", id: "wearable-file", accept: WEARABLE_ACCEPT, "aria-describedby": "wearable-hint" });
  const out = h("div", { class: "result", id: "wearable-result" });
  const go = button("wearableImport", async () => {
    const f = file.files?.[0];
    if (!f) return status(t("wearableNoFile"), "error");
    await busy(go, "working", async () => {
      const r = await assessWearableFile(f, (pct) => status(t("wearableReading", { pct }), "info"));
      const scored = r.index.filter((d) => d.status === "ok");
      // Only the daily index (0–100, or no value) leaves the device; the raw samples stay here.
      const c = (await treatmentCounselors())[0];
      const api = await apiFor(c?.address ?? "vault");
      await api.post(R.wearable, { subjectRef: api.address, days: r.index.map((d) => ({ date: d.date, index: d.index, status: d.status })) });
      out.replaceChildren(
        h("h2", {}, t("wearableDone")),
        facts([
          [t("wearableDays"), String(r.index.length)],
          [t("wearableScored"), String(scored.length)],
          [t("wearableLatest"), scored.length ? String(scored[scored.length - 1].index) : "—"],
          [t("wearableWarnings"), String(r.warnings.length)],
        ]),
        ...r.warnings.map((w) => p(bi(w.message), "warning")),
        p(bi(STRESS_INDEX_NOTICE), "notice"),
      );
      status(t("wearableUploaded"), "ok");
    });
  });
  return screen(
    "wearableTitle",
    p(t("wearableLead"), "lead"),
    p(t("stressNotice"), "notice"),
    h("div", { class: "field" }, h("label", { for: "wearable-file" }, t("wearableFile")), h("p", { class: "hint", id: "wearable-hint" }, t("wearableHint")), file),
    actions(go, homeButton()),
    out,
  );
};

const eraseScreen: Screen = () =>
  screen(
    "eraseTitle",
    p(t("eraseLead"), "lead"),
    h("ul", { class: "plain-list" }, h("li", {}, t("eraseWhat1")), h("li", {}, t("eraseWhat2")), h("li", {}, t("eraseWhat3"))),
    actions(button("eraseStart", () => show(eraseConfirm), "danger"), homeButton()),
  );

const eraseConfirm: Screen = confirmScreen({
  titleKey: "eraseConfirmTitle",
  lines: () => [t("eraseConfirmLead"), t("eraseConfirmKeep")],
  confirmKey: "eraseConfirm",
  cancelKey: "eraseCancel",
  danger: true,
  onCancel: () => void show(homeScreen),
  onConfirm: async (btn) => {
    await busy(btn, "erasing", async () => {
      let erased = 0;
      for (const c of [{ address: "vault" }, ...(await counterparties())]) {
        // Her app signs a revocation of every consent of this relationship that may still open access; the server
        // queues them with the erasure (client/erasure.ts).
        const r = await eraseRelationship(await apiFor(c.address), (await keys.rel(c.address)).wallet, await domain());
        erased += r.erased;
      }
      status(t("erased", { n: erased }), "ok");
      await show(homeScreen);
    });
  },
});

// Routes this page calls (documented in docs/web.md); a missing one shows "not available yet".
const R = {
  consentDomain: "/v1/consents/domain",
  consents: "/v1/consents",
  matchers: "/v1/matchers",
  needs: "/v1/needs",
  places: "/v1/places",
  proposals: "/v1/match/proposals",
  accessLog: "/v1/log/access",
  bookings: "/v1/bookings",
  wearable: "/v1/wearable/index",
  erasure: "/v1/vault/erase",
  records: "/v1/records",
  alerts: "/v1/alerts",
  recipients: "/v1/vault/recipients",
};

const bookingDeps: BookingDeps = {
  apiFor,
  rel: keys.rel,
  treatmentCounselors,
  counselorKey: chainCounselorKey,
  // Kept in her encrypted relationship vault too, so a restored device knows its appointments.
  booked: (counselor, s) => remember({ address: counselor, role: "counselor", bookings: [{ slotId: s.slotId, start: s.start, end: s.end }] }),
  home: homeScreen,
  needCounselor: () => screen("bookTitle", p(t("needCounselor"), "lead"), actions(button("taskMatch", () => show(matchScreen)), homeButton())),
};

TASKS.push(
  ["taskAssess", assessChoose],
  ["taskMatch", matchScreen],
  ["taskConsents", consentsScreen],
  ["taskLog", logScreen],
  ["taskBook", bookingScreen(bookingDeps)],
  ["taskWearable", wearableScreen],
  ["taskErase", eraseScreen],
  ["taskSheet", sheetScreen(false)],
  ["taskCards", cardsScreen],
  ["taskPasskey", passkeyScreen],
);

async function main() {
  startShell({ titleKey: "roleResident", crisis: true, staffLink: true });
  routes = await RouteTable.load();
  initRecovery({ home: homeScreen, welcome, seed: keys.currentSeed, found: foundSeed });
  initRelationshipVault(() => apiFor("vault"), keys.currentSeed);
  setZone((await places().catch(() => undefined))?.timeZone);
  await show(welcome);
}

void main().catch((e) => status(errorText(e), "error"));
void kv;
