// `anxin demo`: one community run end to end on a fresh data directory, through the real HTTP server (started
// in-process), the embedded chain and real client-side crypto. Every party is a client: it signs in with its own
// key (SIWE), signs consents (EIP-712), scores and seals on its side; the server sees levels, hashes, ciphertexts.
// The only reads of server internals are for the summary's figures (gas by contract, log sizes).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { Wallet } from "ethers";
import type pino from "pino";
import { assessWearable, decideCrisis, parseWearableCsv, score } from "../../assess/index.js";
import { DEV_OPERATOR_KEY } from "../../chain/index.js";
import type { ApiClient } from "../../cli/client.js";
import { loadConfig } from "../../config.js";
import { Purpose } from "../../consent/index.js";
import { counselorKeys, fromBase64, openIdentity, openJson, rewrapKey, sealIdentity, sealJson, toBase64, walletSigner, type CounselorKeys, type RecordEnvelope } from "../../crypto/index.js";
import { deriveNeed, type Need } from "../../deid/index.js";
import { createLogger } from "../../http/logger.js";
import { startServer, type RunningServer } from "../../http/server.js";
import { acceptMessage } from "../matching.js";
import { DemoStepError, Party, ResidentActor, domainOf, isOnChain, refused, retrying, submitGrant, submitRevoke, waitConsent } from "./actors.js";
import { COUNSELORS, CRISIS_RESIDENT, RESIDENTS } from "./community.js";
import { syntheticWearableCsv } from "./wearable-sample.js";

export const NOTE_MARKER = "DEMO-NOTE";

export const STEPS: Array<[zh: string, en: string]> = [
  ["启动服务与嵌入式区块链", "start the server and the embedded chain"],
  ["管理方认证 3 位咨询师，登记匹配服务，任命审计员", "the authority accredits 3 counselors, registers the matcher, appoints the auditor"],
  ["咨询师发布匹配资料（专长、语言、区域、容量）", "counselors publish matching profiles (specialties, languages, districts, capacity)"],
  ["20 位居民完成自评并加密保存（含身份保险箱）", "20 residents took a self-assessment, stored encrypted (and an identity vault entry)"],
  ["居民签署 MATCHING 同意，由中继上链", "residents sign MATCHING consents, relayed on chain"],
  ["提交匿名需求（k=5, l=2 发布门槛）；危机个案走紧急通道", "anonymized needs submitted (k=5, l=2 gate); the crisis case takes the emergency path"],
  ["匹配服务运行最优匹配", "the matching service runs the optimal assignment"],
  ["居民接受提案：TREATMENT 同意上链，身份密钥重新封装给咨询师", "residents accept: TREATMENT grants on chain, identity key re-wrapped to the counselor"],
  ["咨询师读取身份与自评、写会谈记录；居民读取记录", "counselors read identity and assessment, write notes; residents read them"],
  ["一位居民撤回同意：咨询师被拒绝并记入访问日志", "a resident revokes: the counselor is refused, and the refusal is in the access log"],
  ["MONITORING 同意 + 可穿戴数据：压力预警通知咨询师", "MONITORING consent + wearable import: a stress warning reaches the counselor"],
  ["一位居民行使删除权（墓碑记录）", "a resident exercises erasure (tombstones)"],
  ["锚定检查点并由审计员验证", "anchor a checkpoint and run the auditor's verification"],
];

export interface DemoOptions {
  /** Must not exist or be empty; default: a new temporary directory. */
  dataDir?: string;
  /** Keep the data directory afterwards (always kept when dataDir is given). */
  keep?: boolean;
  /** Leave the server running and return it (the caller closes it). */
  serve?: boolean;
  /** Progress lines (default: nothing). */
  progress?: (line: string) => void;
  /** Called once the server is up (the CLI stops it cleanly on Ctrl-C, so the embedded chain does not linger). */
  onStarted?: (srv: RunningServer, dataDir: string, kept: boolean) => void;
}

export interface DemoStep {
  n: number;
  zh: string;
  en: string;
  ok: boolean;
  ms: number;
  error?: string;
}

export interface DemoSummary {
  format: "anxin.demo.summary.v1";
  ok: boolean;
  seconds: number;
  dataDir: string;
  kept: boolean;
  url: string;
  community: { authority: string; counselors: number; residents: number; matcher: string; auditor: string };
  counts: {
    assessments: number;
    recordsWritten: number;
    recordsOpened: number;
    grantsOnChain: { total: number; matching: number; treatment: number; monitoring: number; revoked: number };
    needs: { submitted: number; published: number; held: number; emergency: number; heldMax: number };
    proposals: number;
    matchesAccepted: number;
    refusalsLogged: number;
    alerts: { crisis: number; wearableWarning: number };
    tombstones: number;
    logSize: number;
    anchoredSize: number;
  };
  gas: { registry: number; consents: number; anchors: number; total: number; transactions: number };
  crisis: { route: string; level: string; hotlines: string[]; notified: number } | null;
  revocation: { status: number; reason: string | null; inAccessLog: boolean } | null;
  wearable: { from: string; to: string; days: number; peak: number; notified: number; counselorSawAlert: boolean } | null;
  erasure: { tombstones: number; readAfterwards: number } | null;
  audit: {
    ok: boolean;
    checks: Array<{ id: string; name: string; ok: boolean; failures: number; first?: string }>;
    stats: Record<string, unknown>;
  } | null;
  steps: DemoStep[];
  /** Every server log line (not part of --json output: the CLI drops it). */
  logLines?: string[];
  error?: string;
}

type Note = (line: string) => void;

/** Runs the demo; never throws for a failed step (the summary says which one failed). */
export async function runDemo(opts: DemoOptions = {}): Promise<DemoSummary & { server?: RunningServer }> {
  const t0 = performance.now();
  const out = opts.progress ?? (() => {});
  const dataDir = prepareDataDir(opts.dataDir);
  const kept = !!opts.keep || !!opts.serve || !!opts.dataDir;
  const logLines: string[] = [];
  const logFile = path.join(dataDir, "server.log");
  const sink = new Writable({
    write(chunk, _enc, cb) {
      const text = chunk.toString();
      logLines.push(...text.split("\n").filter(Boolean));
      try {
        appendFileSync(logFile, text);
      } catch {
        // the data directory is being removed at shutdown: the lines are kept in memory
      }
      cb();
    },
  });
  const log = createLogger("info", sink as unknown as pino.DestinationStream);
  const summary = emptySummary(dataDir, kept);
  summary.logLines = logLines;
  let srv: RunningServer | undefined;
  const steps = summary.steps;

  async function step(n: number, fn: (note: Note) => Promise<void>) {
    const [zh, en] = STEPS[n - 1];
    out(`[${String(n).padStart(2)}/${STEPS.length}] ${zh} / ${en}`);
    const s0 = performance.now();
    const note: Note = (line) => out(`        ${line}`);
    try {
      await fn(note);
      steps.push({ n, zh, en, ok: true, ms: Math.round(performance.now() - s0) });
    } catch (e) {
      const msg = (e as Error).message ?? String(e);
      steps.push({ n, zh, en, ok: false, ms: Math.round(performance.now() - s0), error: msg });
      note(`✗ ${msg}`);
      throw e;
    }
  }

  try {
    await play(step, (s) => {
      srv = s;
      opts.onStarted?.(s, dataDir, kept);
    }, summary, dataDir, log);
  } catch (e) {
    summary.error = (e as Error).message ?? String(e);
  }
  summary.ok = !summary.error && steps.length === STEPS.length && steps.every((s) => s.ok) && summary.audit?.ok === true;
  summary.seconds = Math.round((performance.now() - t0) / 100) / 10;
  if (srv && !opts.serve) {
    await srv.close();
    srv = undefined;
  }
  if (!kept && !srv) rmSync(dataDir, { recursive: true, force: true });
  return { ...summary, server: srv };
}

function prepareDataDir(dir: string | undefined): string {
  if (!dir) return mkdtempSync(path.join(tmpdir(), "anxin-demo-"));
  const abs = path.resolve(dir);
  if (existsSync(abs) && readdirSync(abs).length > 0) throw new DemoStepError(`${abs} is not empty: the demo needs a fresh data directory`);
  mkdirSync(abs, { recursive: true });
  return abs;
}

function emptySummary(dataDir: string, kept: boolean): DemoSummary {
  return {
    format: "anxin.demo.summary.v1",
    ok: false,
    seconds: 0,
    dataDir,
    kept,
    url: "",
    community: { authority: "", counselors: COUNSELORS.length, residents: RESIDENTS.length, matcher: "", auditor: "" },
    counts: {
      assessments: 0,
      recordsWritten: 0,
      recordsOpened: 0,
      grantsOnChain: { total: 0, matching: 0, treatment: 0, monitoring: 0, revoked: 0 },
      needs: { submitted: 0, published: 0, held: 0, emergency: 0, heldMax: 0 },
      proposals: 0,
      matchesAccepted: 0,
      refusalsLogged: 0,
      alerts: { crisis: 0, wearableWarning: 0 },
      tombstones: 0,
      logSize: 0,
      anchoredSize: 0,
    },
    gas: { registry: 0, consents: 0, anchors: 0, total: 0, transactions: 0 },
    crisis: null,
    revocation: null,
    wearable: null,
    erasure: null,
    audit: null,
    steps: [],
  };
}

/** Runs `fn` over `items`, at most `width` at a time (the server is one process; a little overlap hides latency). */
async function each<T>(items: T[], width: number, fn: (x: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

async function play(
  step: (n: number, fn: (note: Note) => Promise<void>) => Promise<void>,
  started: (s: RunningServer) => void,
  S: DemoSummary,
  dataDir: string,
  log: pino.Logger,
) {
  let srv!: RunningServer;
  let url = "";
  const admin = new Wallet(DEV_OPERATOR_KEY);
  const fresh = () => new Wallet(Wallet.createRandom().privateKey);
  const matcherW = fresh();
  const auditorW = fresh();
  const counselorWallets = COUNSELORS.map(fresh);
  let counselorKeysList: CounselorKeys[] = [];
  const counselorParty: Party[] = [];
  let adminP!: Party, matcherP!: Party, auditorP!: Party;
  let residents: ResidentActor[] = [];
  let domain!: Awaited<ReturnType<typeof domainOf>>;
  const counselorOf = new Map<string, number>(); // counselor address → index
  const C = S.counts;

  await step(1, async (note) => {
    // Ignore the caller's environment (DATABASE_URL, CHAIN_RPC_URL): the demo is always embedded and fresh.
    const cfg = loadConfig({}, {
      dataDir,
      port: 0,
      anvilPort: 0,
      logLevel: "info",
      chainPollMs: 100,
      anchorIntervalSeconds: 5,
      rateLimitPerMinute: 1_000_000,
      authRateLimitPerMinute: 1_000_000,
    });
    srv = await startServer(cfg, log);
    started(srv);
    url = srv.url;
    S.url = url;
    adminP = new Party(url, admin);
    matcherP = new Party(url, matcherW);
    auditorP = new Party(url, auditorW);
    const health = await (await adminP.api()).get("/healthz");
    note(`${url} · store ${health.db.kind} · chain ${health.chain.chainId} (block ${health.chain.block}) · data ${dataDir}`);
  });

  await step(2, async (note) => {
    const api = await adminP.api();
    if (!api.roles.includes("admin")) throw new DemoStepError("the dev operator is not the authority on this chain");
    S.community.authority = adminP.address;
    counselorKeysList = await Promise.all(counselorWallets.map((w) => counselorKeys(w.privateKey)));
    for (const [i, k] of counselorKeysList.entries()) {
      const r = await retrying(() => api.post("/v1/admin/counselors", { address: k.address, encryptionKey: k.encryptionKey, validDays: 365 }));
      counselorOf.set(k.address, i);
      counselorParty.push(new Party(url, counselorWallets[i]));
      note(`咨询师 counselor ${COUNSELORS[i].label}: ${short(k.address)} accredited (block ${r.block})`);
    }
    const m = await retrying(() => api.post("/v1/admin/matchers", { address: matcherP.address }));
    note(`匹配服务 matcher ${short(matcherP.address)} registered (block ${m.block})`);
    const a = await retrying(() => api.post("/v1/admin/auditors", { address: auditorP.address }));
    note(`审计员 auditor ${short(auditorP.address)} appointed (block ${a.block})`);
    S.community.matcher = matcherP.address;
    S.community.auditor = auditorP.address;
    for (const [p, role] of [[matcherP, "matcher"], [auditorP, "auditor"], ...counselorParty.map((c) => [c, "counselor"] as const)] as const) {
      const roles = (await p.api()).roles;
      if (!roles.includes(role)) throw new DemoStepError(`${short(p.address)} signed in without the ${role} role`);
    }
  });

  await step(3, async (note) => {
    for (const [i, c] of COUNSELORS.entries()) {
      await (await counselorParty[i].api()).put("/v1/counselors/me/profile", c.profile);
    }
    const list = (await (await matcherP.api()).get("/v1/match/counselors")).counselors as Array<{ counselorId: string; accredited: boolean; capacity: number }>;
    note(`${list.filter((c) => c.accredited).length} accredited profiles, total capacity ${list.reduce((s, c) => s + c.capacity, 0)} (languages 普通话 · 粤语 · 上海话)`);
  });

  await step(4, async (note) => {
    residents = await Promise.all(RESIDENTS.map((r, i) => ResidentActor.create(i + 1, r, url)));
    domain = await domainOf(await adminP.api());
    const bands: Record<string, number> = {};
    await each(residents, 4, async (r) => {
      const scored = score(r.data.instrument, r.data.answers);
      bands[scored.band] = (bands[scored.band] ?? 0) + 1;
      // Stored under the MATCHING relationship, sealed to the resident alone: nobody else can open it.
      const { keys, party } = await r.rel(matcherP.address);
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
    const instruments = [...new Set(RESIDENTS.map((r) => r.instrument.toUpperCase()))].join(" / ");
    note(`${instruments} scored on the client; bands: ${Object.entries(bands).map(([b, n]) => `${b} ${n}`).join(", ")}`);
    note(`${C.recordsWritten} envelopes stored (${C.assessments} assessments + ${residents.length} identity vault entries); the server holds ciphertext only`);
  });

  const matchingGrants = new Map<ResidentActor, string>();
  await step(5, async (note) => {
    await each(residents, 5, async (r) => {
      const { keys, party } = await r.rel(matcherP.address);
      matchingGrants.set(r, await submitGrant(await party.api(), keys.wallet, domain, matcherP.address, Purpose.MATCHING, ["need"], 90));
    });
    const blocks = new Set<number>();
    await each(residents, 5, async (r) => {
      const v = await waitConsent(await r.api(matcherP.address), matchingGrants.get(r)!, isOnChain);
      blocks.add(v.blockNumber!);
    });
    C.grantsOnChain.matching = matchingGrants.size;
    note(`${matchingGrants.size} MATCHING grants on chain in ${blocks.size} relayed batch transaction(s); each from its own pseudonymous address`);
  });

  const needs = new Map<ResidentActor, Need>();
  await step(6, async (note) => {
    // Interleave the three language groups so the first needs of each wait for similar ones.
    const order = [...residents.filter((r) => r.n - 1 !== CRISIS_RESIDENT)].sort((a, b) => groupRank(a) - groupRank(b) || a.n - b.n);
    const interleaved = interleave(order);
    const mapi = await matcherP.api();
    let published = 0;
    let heldFrom = 0;
    const flushHeld = (upTo: number, held: number) => {
      if (heldFrom) note(`需求 #${heldFrom}${upTo > heldFrom ? `–#${upTo}` : ""} 暂缓发布 / need${upTo > heldFrom ? "s" : ""} #${heldFrom}${upTo > heldFrom ? `–#${upTo}` : ""} held: no class of 5 similar needs yet (${held} held)`);
      heldFrom = 0;
    };
    let lastHeld = 0;
    for (const r of interleaved) {
      const scored = score(r.data.instrument, r.data.answers);
      const need = deriveNeed({
        assessments: [{ instrument: scored.instrument, severityBand: scored.band, crisis: scored.crisis.flag }],
        categories: r.data.categories,
        languages: r.data.languages,
        modalities: r.data.modalities,
        place: r.data.place,
        age: r.data.age,
        availability: r.data.availability,
        preferences: r.data.counselorGender ? { counselorGender: r.data.counselorGender } : {},
      });
      needs.set(r, need);
      const reply = await (await r.api(matcherP.address)).post("/v1/needs", { need });
      C.needs.submitted++;
      if (reply.route !== "pool") throw new DemoStepError(`a routine need took the ${reply.route} route`);
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

    // The crisis case: PHQ-9 item 9 answered 2. Scored on the device; only the level leaves it.
    const cr = residents[CRISIS_RESIDENT];
    const scored = score(cr.data.instrument, cr.data.answers);
    const decision = decideCrisis(scored, "zh");
    if (!decision.alert) throw new DemoStepError("the crisis case was not flagged");
    const need = deriveNeed({
      assessments: [{ instrument: scored.instrument, severityBand: scored.band, crisis: true }],
      categories: cr.data.categories,
      languages: cr.data.languages,
      modalities: cr.data.modalities,
      place: cr.data.place,
      age: cr.data.age,
      availability: cr.data.availability,
      preferences: {},
    });
    const reply = await (await cr.api(matcherP.address)).post("/v1/needs", { need, lang: "zh" });
    C.needs.submitted++;
    if (reply.route !== "emergency") throw new DemoStepError(`the crisis need took the ${reply.route} route`);
    C.needs.emergency++;
    C.alerts.crisis++;
    const hotlines = (reply.alert.hotlines as Array<{ number: string; name: string }>).map((h) => h.number);
    S.crisis = { route: reply.route, level: reply.alert.level, hotlines, notified: reply.alert.notified };
    note(`危机 crisis: PHQ-9 第 9 题 = ${cr.data.answers[8]} → level "${decision.level}", never pooled; hotlines shown: ${(reply.alert.hotlines as Array<{ number: string; name: string }>).slice(0, 4).map((h) => `${h.name} ${h.number}`).join(" · ")}`);
    note(`alert stored and logged; ${reply.alert.notified} counselor(s) notified (no counselor yet), EMERGENCY access offered: ${reply.alert.emergency?.offered ? "yes" : "no"}`);
    const inPool = (await mapi.get("/v1/match/pool")).needs.some((n: Need) => n.needId === need.needId);
    if (inPool) throw new DemoStepError("the crisis need reached the matcher's pool");
  });

  const proposals = new Map<ResidentActor, { proposalId: string; counselorId: string; reasons: { zh: string; en: string } }>();
  await step(7, async (note) => {
    const run = await (await matcherP.api()).post("/v1/match/run", {});
    C.proposals = run.proposals.length;
    note(`${run.proposals.length} proposals, ${run.unassigned.length} unassigned, total cost ${run.totalCost} (the matcher saw needs and profiles only)`);
    await each(residents, 5, async (r) => {
      if (!needs.has(r)) return;
      const mine = (await (await r.api(matcherP.address)).get("/v1/match/proposals")).proposals as Array<{ proposalId: string; counselorId: string; status: string; reasons: { zh: string; en: string } }>;
      const p = mine.find((x) => x.status === "proposed");
      if (p) proposals.set(r, p);
    });
    const byCounselor = COUNSELORS.map((c, i) => `${c.label.split(" ")[0]} ${[...proposals.values()].filter((p) => counselorOf.get(p.counselorId) === i).length}`);
    note(`per counselor: ${byCounselor.join(" · ")}`);
    const first = [...proposals.entries()][0];
    if (first) note(`e.g. resident ${first[0].n}: “${first[1].reasons.zh}”`);
    if (!proposals.size) throw new DemoStepError("no proposals");
  });

  await step(8, async (note) => {
    await each([...proposals.entries()], 4, async ([r, p]) => {
      const mapi = await r.api(matcherP.address);
      const treatment = await r.rel(p.counselorId);
      const acc = await mapi.post(`/v1/match/proposals/${p.proposalId}/accept`, {
        treatmentAddress: treatment.keys.address,
        treatmentSignature: await treatment.keys.wallet.signMessage(acceptMessage(p.proposalId, p.counselorId)),
      });
      if (acc.grant.subject !== treatment.keys.address) throw new DemoStepError("accept answered another subject");
      const tapi = await treatment.party.api();
      r.counselor = p.counselorId;
      r.treatmentGrant = await submitGrant(tapi, treatment.keys.wallet, domain, p.counselorId, Purpose.TREATMENT, ["assessment", "consultation_note", "identity", "wearable_summary"], 180);
      // Counselors seal the resident's copy of each record to this key.
      await tapi.post("/v1/vault/recipients", { x25519PublicKey: toBase64(treatment.keys.x25519.publicKey) });
    });
    const matched = residents.filter((r) => r.treatmentGrant);
    await each(matched, 5, async (r) => void (await waitConsent(await r.api(r.counselor!), r.treatmentGrant!, isOnChain)));
    C.grantsOnChain.treatment = matched.length;
    note(`${matched.length} TREATMENT grants on chain, each from a new address unlinkable to the MATCHING one`);
    // Identity: the resident re-wraps the vault entry's content key to the counselor, under that grant.
    await each(matched, 4, async (r) => {
      const vault = await r.rel("vault");
      const vapi = await vault.party.api();
      const { envelope } = await fetchForReader(vapi, r.identityRecord!.recordId, r.identityRecord!.contentHash);
      const ck = await (await vapi.get(`/v1/vault/recipients/${r.counselor}`)) as { x25519PublicKey: string };
      const entry = await rewrapKey(envelope, vault.keys.x25519, vault.keys.address, { address: r.counselor!, x25519PublicKey: fromBase64(ck.x25519PublicKey, 32) });
      await vapi.post(`/v1/records/${r.identityRecord!.contentHash}/keys`, { keys: [{ ...entry, grantId: r.treatmentGrant }] });
      // The intake assessment, shared with the counselor under the TREATMENT relationship.
      const t = await r.rel(r.counselor!);
      const scored = score(r.data.instrument, r.data.answers);
      const env = await sealJson({
        kind: "assessment",
        schema: `anxin.assessment.${scored.instrument}.v1`,
        subjectRef: t.keys.address,
        body: scored as never,
        recipients: [
          { address: t.keys.address, x25519PublicKey: t.keys.x25519.publicKey },
          { address: r.counselor!, x25519PublicKey: fromBase64(ck.x25519PublicKey, 32) },
        ],
        signer: walletSigner(t.keys.wallet),
      });
      const shared = await (await t.party.api()).post("/v1/records", env);
      r.sharedAssessment = { recordId: shared.recordId, contentHash: shared.contentHash };
      C.recordsWritten++;
    });
    const mp = (await (await matcherP.api()).get("/v1/match/proposals")).proposals as Array<{ status: string }>;
    C.matchesAccepted = mp.filter((p) => p.status === "accepted").length;
    note(`${C.matchesAccepted} matches accepted; ${matched.length} identity keys re-wrapped; ${matched.length} intake assessments shared`);
  });

  const notes = new Map<ResidentActor, { recordId: string; contentHash: string }>();
  await step(9, async (note) => {
    let identities = 0;
    let assessmentsRead = 0;
    await each(counselorParty, 3, async (cp, i) => {
      const capi = await cp.api();
      const keys = counselorKeysList[i];
      const clients = (await capi.get("/v1/match/clients")).clients as Array<{ subjectRef: string }>;
      for (const c of clients) {
        // (The demo plays both sides; a real counselor learns the resident only from what is shared with them.)
        const res = await findBySubject(residents.filter((x) => x.counselor === keys.address), keys.address, c.subjectRef);
        if (!res) throw new DemoStepError("a client the demo does not know");
        // The resident handed over the vault entry's record id (e.g. with the first appointment).
        const id = await fetchForReader(capi, res.identityRecord!.recordId, res.identityRecord!.contentHash);
        const identity = await openIdentity(id.envelope, keys.address, keys.x25519);
        if (identity.name !== res.data.identity.name) throw new DemoStepError("the counselor opened another identity");
        identities++;
        C.recordsOpened++;
        const listed = (await capi.get(`/v1/records?subject=${c.subjectRef}&kind=assessment`)).records as Array<{ recordId: string; contentHash: string }>;
        for (const rec of listed) {
          const a = await fetchForReader(capi, rec.recordId, rec.contentHash);
          await openJson(a.envelope, keys.address, keys.x25519);
          assessmentsRead++;
          C.recordsOpened++;
        }
        const residentKey = (await capi.get(`/v1/vault/recipients/${c.subjectRef}`)) as { x25519PublicKey: string };
        const env = await sealJson({
          kind: "consultation_note",
          schema: "anxin.note.v1",
          subjectRef: c.subjectRef,
          consentId: res.treatmentGrant!,
          body: { text: `${NOTE_MARKER} 首次会谈：${res.data.categories.join("、")}；约定每周一次，下次练习睡眠日记。`, minutes: 50 },
          recipients: [
            { address: keys.address, x25519PublicKey: keys.x25519.publicKey },
            { address: c.subjectRef, x25519PublicKey: fromBase64(residentKey.x25519PublicKey, 32) },
          ],
          signer: walletSigner(cp.wallet),
        });
        const w = await capi.post("/v1/records", env);
        C.recordsWritten++;
        notes.set(res, { recordId: w.recordId, contentHash: w.contentHash });
      }
    });
    note(`counselors opened ${identities} identities and ${assessmentsRead} shared assessments, wrote ${notes.size} consultation notes`);
    let opened = 0;
    await each([...notes.entries()], 5, async ([r, n]) => {
      const t = await r.rel(r.counselor!);
      const got = await fetchForReader(await t.party.api(), n.recordId, n.contentHash);
      const body = (await openJson(got.envelope, t.keys.address, t.keys.x25519)) as { text: string };
      if (!body.text.startsWith(NOTE_MARKER)) throw new DemoStepError("a resident opened something else than the note");
      opened++;
      C.recordsOpened++;
    });
    note(`${opened} residents opened the note about them (key released with basis "subject"; every release is logged)`);
  });

  const matched = () => residents.filter((r) => notes.has(r));
  const pick = (prefer: number[], not: ResidentActor[]) => {
    const pool = matched().filter((r) => !not.includes(r));
    return prefer.map((n) => pool.find((r) => r.n === n)).find(Boolean) ?? pool[0];
  };
  let revoker: ResidentActor | undefined;
  await step(10, async (note) => {
    revoker = pick([10, 3, 6], []);
    if (!revoker) throw new DemoStepError("nobody to revoke");
    const t = await revoker.rel(revoker.counselor!);
    const tapi = await t.party.api();
    await submitRevoke(tapi, t.keys.wallet, domain, revoker.treatmentGrant!);
    const v = await waitConsent(tapi, revoker.treatmentGrant!, (x) => x.state === "revoked" && x.revoke?.status === "on_chain");
    C.grantsOnChain.revoked++;
    note(`resident ${revoker.n} (${revoker.data.label}) withdrew TREATMENT consent; revoked on chain (block ${v.revoke?.blockNumber ?? "?"})`);
    // The counselor keeps what they wrote (basis "author"); what the resident shared is now refused.
    const a = revoker.sharedAssessment!;
    const ci = counselorOf.get(revoker.counselor!)!;
    const capi = await counselorParty[ci].api();
    const e = await refused(capi.get(`/v1/records/${a.recordId}/versions/${a.contentHash}/key`));
    const log = (await tapi.get("/v1/log/access?limit=20")).items as Array<{ requester: string; decision: string; reason: string | null; leafIndex: number; kind: string }>;
    const row = log.find((x) => x.requester === revoker!.counselor && x.decision === "refused");
    S.revocation = { status: e.status, reason: row?.reason ?? null, inAccessLog: !!row };
    note(`counselor asks for the shared assessment's key → ${e.status} ${e.problem.title ?? ""}; the resident's access log shows "refused / ${row?.reason}" (leaf ${row?.leafIndex})`);
    if (e.status !== 403 || !row) throw new DemoStepError("the revoked counselor was not refused, or the refusal is not logged");
    const residentKey = { address: t.keys.address, x25519PublicKey: t.keys.x25519.publicKey };
    const ck = counselorKeysList[ci];
    const late = await sealJson({
      kind: "consultation_note",
      schema: "anxin.note.v1",
      subjectRef: t.keys.address,
      consentId: revoker.treatmentGrant!,
      body: { text: `${NOTE_MARKER} late note`, minutes: 10 },
      recipients: [{ address: ck.address, x25519PublicKey: ck.x25519.publicKey }, residentKey],
      signer: walletSigner(counselorParty[ci].wallet),
    });
    const w = await refused(capi.post("/v1/records", late));
    note(`a new note under the revoked grant → ${w.status}; nothing stored`);
    if (w.status !== 403) throw new DemoStepError(`a write under a revoked grant answered ${w.status}`);
  });

  let monitor: ResidentActor | undefined;
  await step(11, async (note) => {
    monitor = pick([12, 18, 19], [revoker!]);
    if (!monitor) throw new DemoStepError("nobody to monitor");
    const t = await monitor.rel(monitor.counselor!);
    const tapi = await t.party.api();
    const g = await submitGrant(tapi, t.keys.wallet, domain, monitor.counselor!, Purpose.MONITORING, ["wearable_summary"], 30);
    await waitConsent(tapi, g, isOnChain);
    C.grantsOnChain.monitoring++;
    const csv = syntheticWearableCsv();
    const parsed = parseWearableCsv(csv);
    const { index, warnings } = assessWearable(parsed.samples);
    note(`resident ${monitor.n} (${monitor.data.label}): MONITORING grant on chain; ${parsed.samples.length} wearable samples over ${index.length} days parsed on the device`);
    const up = await tapi.post("/v1/wearable/index", { subjectRef: t.keys.address, days: index.map((d) => ({ date: d.date, index: d.index, status: d.status })) });
    const ck = await tapi.get(`/v1/vault/recipients/${monitor.counselor}`);
    const env = await sealJson({
      kind: "wearable_summary",
      schema: "anxin.wearable.daily.v1",
      subjectRef: t.keys.address,
      body: { days: index.map((d) => ({ date: d.date, index: d.index, status: d.status })) } as never,
      recipients: [
        { address: t.keys.address, x25519PublicKey: t.keys.x25519.publicKey },
        { address: monitor.counselor!, x25519PublicKey: fromBase64(ck.x25519PublicKey, 32) },
      ],
      signer: walletSigner(t.keys.wallet),
    });
    await tapi.post("/v1/records", env);
    C.recordsWritten++;
    const w = up.newWarnings[0];
    if (!w) throw new DemoStepError(`no warning raised (client saw ${warnings.length})`);
    const capi = await counselorParty[counselorOf.get(monitor.counselor!)!].api();
    const alerts = (await capi.get("/v1/alerts")).alerts as Array<{ kind: string; subjectRef: string; message: { zh: string } }>;
    const seen = alerts.find((a) => a.kind === "wearable_warning" && a.subjectRef === t.keys.address);
    C.alerts.wearableWarning++;
    S.wearable = { from: w.from, to: w.to, days: w.days, peak: w.peak, notified: w.notified, counselorSawAlert: !!seen };
    note(`stress index ≥ 70 for ${w.days} days (${w.from} … ${w.to}, peak ${w.peak}) → warning alert, ${w.notified} counselor notified; only the daily index left the device`);
    if (seen) note(`counselor sees: “${seen.message.zh}”`);
    if (!seen) throw new DemoStepError("the counselor did not receive the wearable warning");
  });

  await step(12, async (note) => {
    const eraser = pick([16, 13, 7], [revoker!, monitor!]);
    if (!eraser) throw new DemoStepError("nobody to erase");
    let tombstones = 0;
    // Each relationship address is its own subject: the resident signs in as each and erases it.
    for (const cp of [eraser.counselor!, matcherP.address, "vault"]) {
      const res = await (await eraser.api(cp)).delete("/v1/vault");
      tombstones += res.tombstones.length;
    }
    C.tombstones = tombstones;
    const n = notes.get(eraser)!;
    const ci = counselorOf.get(eraser.counselor!)!;
    const e = await refused((await counselorParty[ci].api()).get(`/v1/records/${n.recordId}/versions/${n.contentHash}/key`));
    S.erasure = { tombstones, readAfterwards: e.status };
    note(`resident ${eraser.n} (${eraser.data.label}) erased 3 relationship addresses: ${tombstones} records emptied, ${tombstones} tombstone leaves; reading the note now → ${e.status}`);
    if (e.status !== 410) throw new DemoStepError(`an erased record answered ${e.status}, not 410`);
  });

  await step(13, async (note) => {
    const aapi = await adminP.api();
    const anchored = await retrying(() => aapi.post("/v1/log/anchor", {}));
    const cp = await aapi.get("/v1/log/checkpoint");
    C.logSize = cp.local.size;
    C.anchoredSize = cp.anchored.size;
    if (anchored.nothingToAnchor) note(`checkpoint already anchored by the worker: size ${cp.anchored.size}`);
    else note(`checkpoint size ${anchored.size} anchored in block ${anchored.blockNumber} (${anchored.gasUsed} gas), root ${anchored.root.slice(0, 16)}…`);
    const report = await (await auditorP.api()).post("/v1/audit/verify", {});
    S.audit = {
      ok: report.ok,
      checks: report.checks.map((c: { id: string; name: string; ok: boolean; failures: Array<{ code: string; detail: string }>; moreFailures: number }) => ({
        id: c.id,
        name: c.name,
        ok: c.ok,
        failures: c.failures.length + c.moreFailures,
        ...(c.failures[0] ? { first: `${c.failures[0].code}: ${c.failures[0].detail}` } : {}),
      })),
      stats: Object.fromEntries(Object.entries(report.stats).filter(([k]) => k !== "emergencyReview")),
    };
    C.refusalsLogged = Number(report.stats.refusals ?? 0);
    note(`audit of ${report.log.size} leaves, ${report.stats.anchors} anchors: ${report.ok ? "通过 PASS" : "未通过 FAIL"} (${report.checks.filter((c: { ok: boolean }) => c.ok).length}/${report.checks.length} checks ok, ${report.stats.seconds} s)`);
    const consents = (await (await auditorP.api()).get("/v1/consents")).items as Array<{ onChain: boolean }>;
    C.grantsOnChain.total = consents.filter((c) => c.onChain).length;
    S.gas = await gasByContract(srv);
    if (!report.ok) throw new DemoStepError("the audit failed");
  });
}

async function findBySubject(mine: ResidentActor[], counselor: string, subjectRef: string) {
  for (const r of mine) {
    const t = await r.rel(counselor);
    if (t.keys.address === subjectRef) return r;
  }
  return undefined;
}

/** The served version (without keys) completed with the reader's released key, ready for openJson. */
async function fetchForReader(api: ApiClient, recordId: string, contentHash: string): Promise<{ envelope: RecordEnvelope }> {
  const chain = await api.get(`/v1/records/${recordId}`);
  const v = chain.versions.find((x: { contentHash: string }) => x.contentHash === contentHash);
  const key = await api.get(`/v1/records/${recordId}/versions/${contentHash}/key`);
  return { envelope: { ...v.envelope, keys: [{ to: key.recipient, sealed: key.sealed }] } };
}

/** Gas of every call since the deployment, by the contract it called (registry, consents, checkpoints). */
async function gasByContract(srv: RunningServer) {
  const { provider, deployment: d } = srv.ctx.chain;
  const to = { [d.registry.toLowerCase()]: "registry", [d.consentLedger.toLowerCase()]: "consents", [d.checkpointLog.toLowerCase()]: "anchors" } as Record<string, "registry" | "consents" | "anchors">;
  const gas = { registry: 0, consents: 0, anchors: 0, total: 0, transactions: 0 };
  const latest = await provider.getBlockNumber();
  for (let b = d.deployBlock + 1; b <= latest; b++) {
    const block = await provider.getBlock(b);
    for (const h of block?.transactions ?? []) {
      const r = await provider.getTransactionReceipt(h);
      if (!r || !r.to) continue; // contract creations belong to the deployment, not to the demo's flows
      const used = Number(r.gasUsed);
      const k = r.to ? to[r.to.toLowerCase()] : undefined;
      if (k) gas[k] += used;
      gas.total += used;
      gas.transactions++;
    }
  }
  return gas;
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

const short = (a: string) => `${a.slice(0, 6)}…${a.slice(-4)}`;
