// Steps 4–6: residents assess themselves and store it sealed, grant MATCHING, and submit anonymized needs
// through the k-anonymity gate; the crisis case takes the emergency path.
import { decideCrisis, score } from "../assess/index.js";
import { Purpose } from "../consent/index.js";
import { consentDomainOf } from "../client/index.js";
import { sealIdentity, sealJson, walletSigner } from "../crypto/index.js";
import { deriveNeed, type Need } from "../deid/index.js";
import { DemoStepError, ResidentActor, isOnChain, submitGrant, waitConsent } from "./actors.js";
import type { DemoResident } from "./community.js";
import { each, type Demo, type Note } from "./state.js";
import { enrollAtOffice, tokenOf } from "./steps-office.js";
import { matchingService } from "../services/matching.js";

export async function storeAssessments(d: Demo, note: Note) {
  const C = d.C;
  d.residents = await Promise.all(d.community.residents.map((r, i) => ResidentActor.create(i + 1, r, d.residentUrl || d.url)));
  d.domain = await consentDomainOf(await d.admin.api());
  const bands: Record<string, number> = {};
  await each(d.residents, 4, async (r) => {
    const scored = score(r.data.instrument, r.data.answers);
    bands[scored.band] = (bands[scored.band] ?? 0) + 1;
    // Stored under the MATCHING relationship, sealed to the resident alone: nobody else can open it.
    const { keys, party } = await r.rel(d.matcher.address);
    const api = await party.api();
    const env = await sealJson({
      kind: "assessment",
      schema: `anxin.assessment.${scored.instrument}.v1`,
      subjectRef: keys.address,
      body: scored as never,
      recipients: [{ address: keys.address, x25519PublicKey: keys.x25519.publicKey }],
      signer: walletSigner(keys.wallet),
    });
    await api.post("/v1/records", env);
    C.assessments++;
    C.recordsWritten++;
    // The identity vault entry: the only place the real name exists, sealed to the resident's vault key.
    const vault = await r.rel("vault");
    const idEnv = await sealIdentity({ seed: r.seed, identity: r.data.identity });
    const reply = await (await vault.party.api()).post("/v1/records", idEnv);
    r.identityRecord = { recordId: reply.recordId, contentHash: reply.contentHash };
    C.recordsWritten++;
  });
  const instruments = [...new Set(d.community.residents.map((r) => r.instrument.toUpperCase()))].join(" / ");
  note(`${instruments} scored on the client; bands: ${Object.entries(bands).map(([b, n]) => `${b} ${n}`).join(", ")}`);
  note(`${C.recordsWritten} envelopes stored (${C.assessments} assessments + ${d.residents.length} identity vault entries); the server holds ciphertext only`);
}

export async function grantMatching(d: Demo, note: Note) {
  const matcher = d.matcher.address;
  await each(d.residents, 5, async (r) => {
    const { keys, party } = await r.rel(matcher);
    d.matchingGrants.set(r, await submitGrant(await party.api(), keys.wallet, d.domain, matcher, Purpose.MATCHING, ["need"], 90));
  });
  const blocks = new Set<number>();
  await each(d.residents, 5, async (r) => {
    const v = await waitConsent(await r.api(matcher), d.matchingGrants.get(r)!, isOnChain);
    blocks.add(v.blockNumber!);
  });
  d.C.grantsOnChain.matching = d.matchingGrants.size;
  note(`${d.matchingGrants.size} MATCHING grants on chain in ${blocks.size} relayed batch transaction(s); each from its own pseudonymous address`);
}

const LANG_ZH: Record<string, string> = { mandarin: "普通话", cantonese: "粤语", shanghainese: "上海话" };
const groupRank = (r: ResidentActor) => (r.data.languages.includes("shanghainese") ? 1 : r.data.languages.includes("cantonese") ? 2 : 0);

/** Round-robin over the language groups: the gate must hold each group's first needs. */
function interleave(rs: ResidentActor[]): ResidentActor[] {
  const groups = [0, 1, 2].map((g) => rs.filter((r) => groupRank(r) === g));
  const out: ResidentActor[] = [];
  for (let i = 0; out.length < rs.length; i++) for (const g of groups) if (g[i]) out.push(g[i]);
  return out;
}

/** The anonymized need derived on the device (the place generalized to its district, the age to a band). */
function needOf(r: DemoResident, assessment: { instrument: string; band: string; crisis: boolean }, preferences: Record<string, string>): Need {
  return deriveNeed({
    assessments: [{ instrument: assessment.instrument, severityBand: assessment.band, crisis: assessment.crisis }],
    categories: r.categories,
    languages: r.languages,
    modalities: r.modalities,
    place: r.place,
    age: r.age,
    availability: r.availability,
    preferences,
  });
}

export async function submitNeeds(d: Demo, note: Note) {
  await enrollAtOffice(d, note);
  await submitRoutineNeeds(d, note);
  await submitCrisisNeed(d, note);
}

/** Every routine need in the pool's order, narrating how the gate holds and then publishes them. */
async function submitRoutineNeeds(d: Demo, note: Note) {
  const C = d.C;
  // Interleave the three language groups so the first needs of each wait for similar ones.
  const order = [...d.residents.filter((r) => r.n - 1 !== d.community.crisisResident)].sort((a, b) => groupRank(a) - groupRank(b) || a.n - b.n);
  const mapi = await d.matcher.api();
  let published = 0;
  let heldFrom = 0;
  const flushHeld = (upTo: number, held: number) => {
    if (heldFrom) note(`需求 #${heldFrom}${upTo > heldFrom ? `–#${upTo}` : ""} 暂缓发布 / need${upTo > heldFrom ? "s" : ""} #${heldFrom}${upTo > heldFrom ? `–#${upTo}` : ""} held: no class of 5 similar needs yet (${held} held)`);
    heldFrom = 0;
  };
  let lastHeld = 0;
  for (const r of interleave(order)) {
    const scored = score(r.data.instrument, r.data.answers);
    const need = needOf(r.data, { instrument: scored.instrument, band: scored.band, crisis: scored.crisis.flag }, r.data.counselorGender ? { counselorGender: r.data.counselorGender } : {});
    d.needs.set(r, need);
    const reply = await (await r.api(d.matcher.address)).post("/v1/needs", { need, token: tokenOf(r) });
    C.needs.submitted++;
    if (reply.route !== "pool") throw new DemoStepError(`a routine need took the ${reply.route} route`);
    // The publisher's scheduled batch (ANXIN_POOL_PUBLISH_MS), run here after every need so the gate can be watched.
    await matchingService(d.srv.ctx).publishAll();
    const pool = await mapi.get("/v1/match/pool");
    C.needs.heldMax = Math.max(C.needs.heldMax, pool.heldCount);
    const langs = r.data.languages.map((l) => LANG_ZH[l]).join("+");
    if (pool.needs.length !== published) {
      flushHeld(C.needs.submitted - 1, lastHeld);
      const delta = pool.needs.length - published;
      note(
        delta > 1
          ? `第 ${C.needs.submitted} 份需求 (${langs}) 凑齐一组 → 发布 ${delta} 份 / need #${C.needs.submitted} (${langs}) completed a class: ${delta} published, ${pool.heldCount} still held`
          : `第 ${C.needs.submitted} 份需求 (${langs}) 直接发布 / need #${C.needs.submitted} (${langs}) joined a published class at once`,
      );
      published = pool.needs.length;
    } else if (reply.status === "held") {
      heldFrom ||= C.needs.submitted;
    }
    lastHeld = pool.heldCount;
  }
  flushHeld(C.needs.submitted, lastHeld);
  const pool = await mapi.get("/v1/match/pool");
  C.needs.published = pool.needs.length;
  C.needs.held = pool.heldCount;
  note(`pool: ${pool.needs.length} published in ${pool.risk.classes.length} classes (max re-identification risk ${pool.risk.maxRisk.toFixed(2)}), ${pool.heldCount} held`);
}

/** The crisis case: PHQ-9 item 9 answered 2. Scored on the device; only the level leaves it. */
async function submitCrisisNeed(d: Demo, note: Note) {
  const C = d.C;
  const cr = d.residents[d.community.crisisResident];
  const scored = score(cr.data.instrument, cr.data.answers);
  const decision = decideCrisis(scored, "zh");
  if (!decision.alert) throw new DemoStepError("the crisis case was not flagged");
  const need = needOf(cr.data, { instrument: scored.instrument, band: scored.band, crisis: true }, {});
  const reply = await (await cr.api(d.matcher.address)).post("/v1/needs", { need, lang: "zh" });
  C.needs.submitted++;
  if (reply.route !== "emergency") throw new DemoStepError(`the crisis need took the ${reply.route} route`);
  C.needs.emergency++;
  C.alerts.crisis++;
  const hotlines = reply.alert.hotlines as Array<{ number: string; name: string }>;
  d.S.crisis = { route: reply.route, level: reply.alert.level, hotlines: hotlines.map((h) => h.number), notified: reply.alert.notified };
  note(`危机 crisis: PHQ-9 第 9 题 = ${cr.data.answers[8]} → level "${decision.level}", never pooled; hotlines shown: ${hotlines.slice(0, 4).map((h) => `${h.name} ${h.number}`).join(" · ")}`);
  note(`alert stored and logged; ${reply.alert.notified} counselor(s) notified (no counselor yet), EMERGENCY access offered: ${reply.alert.emergency?.offered ? "yes" : "no"}`);
  const before = (await (await d.matcher.api()).get("/v1/match/pool")).needs.length;
  await matchingService(d.srv.ctx).publishAll();
  const [row] = await d.srv.ctx.db.query<{ status: string }>("SELECT status FROM match_needs WHERE need_id = $1", [need.needId]);
  if (row?.status !== "emergency" || (await (await d.matcher.api()).get("/v1/match/pool")).needs.length !== before)
    throw new DemoStepError("the crisis need reached the matcher's pool");
}
