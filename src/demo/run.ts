// `anxin demo`: one community run end to end on a fresh data directory, through the real HTTP server (started
// in-process), the embedded chain and real client-side crypto. Every party is a client (src/client): it signs in
// with its own key (SIWE), signs consents (EIP-712), scores and seals on its side; the server sees levels, hashes,
// ciphertexts. The only reads of server internals are for the summary's figures (gas by contract, log sizes).
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import type pino from "pino";
import { createLogger } from "../http/logger.js";
import type { RunningServer } from "../http/server.js";
import { DemoStepError } from "./actors.js";
import { demoCommunity, type CommunityOptions } from "./community.js";
import { cityPlaces } from "../deid/divisions.js";
import { Demo, emptySummary, type DemoSummary, type Note } from "./state.js";
import { accreditParties, publishProfiles, startStack } from "./steps-setup.js";
import { grantMatching, storeAssessments, submitNeeds } from "./steps-residents.js";
import { acceptProposals, runMatching, writeAndReadNotes } from "./steps-care.js";
import { anchorAndAudit, eraseResident, monitorWearable, revokeTreatment } from "./steps-rights.js";

export { NOTE_MARKER, type DemoStep, type DemoSummary } from "./state.js";

interface PlayStep {
  zh: string;
  en: string;
  run: (d: Demo, note: Note) => Promise<void>;
}

/** The demo, in order: each entry is one numbered step of the progress output and of the summary. */
const PLAY: PlayStep[] = [
  { zh: "启动服务与嵌入式区块链", en: "start the server and the embedded chain", run: startStack },
  { zh: "管理方认证 3 位咨询师，登记匹配服务，任命审计员", en: "the authority accredits 3 counselors, registers the matcher, appoints the auditor", run: accreditParties },
  { zh: "咨询师发布匹配资料（专长、语言、区域、容量）", en: "counselors publish matching profiles (specialties, languages, districts, capacity)", run: publishProfiles },
  { zh: "20 位居民完成自评并加密保存（含身份保险箱）", en: "20 residents took a self-assessment, stored encrypted (and an identity vault entry)", run: storeAssessments },
  { zh: "居民签署 MATCHING 同意，由中继上链", en: "residents sign MATCHING consents, relayed on chain", run: grantMatching },
  { zh: "提交匿名需求（k=5, l=2 发布门槛）；危机个案走紧急通道", en: "anonymized needs submitted (k=5, l=2 gate); the crisis case takes the emergency path", run: submitNeeds },
  { zh: "匹配服务运行最优匹配", en: "the matching service runs the optimal assignment", run: runMatching },
  { zh: "居民接受提案：TREATMENT 同意上链，身份密钥重新封装给咨询师", en: "residents accept: TREATMENT grants on chain, identity key re-wrapped to the counselor", run: acceptProposals },
  { zh: "咨询师读取身份与自评、写会谈记录；居民读取记录", en: "counselors read identity and assessment, write notes; residents read them", run: writeAndReadNotes },
  { zh: "一位居民撤回同意：咨询师被拒绝并记入访问日志", en: "a resident revokes: the counselor is refused, and the refusal is in the access log", run: revokeTreatment },
  { zh: "MONITORING 同意 + 可穿戴数据：压力预警通知咨询师", en: "MONITORING consent + wearable import: a stress warning reaches the counselor", run: monitorWearable },
  { zh: "一位居民行使删除权（墓碑记录）", en: "a resident exercises erasure (tombstones)", run: eraseResident },
  { zh: "锚定检查点并由审计员验证", en: "anchor a checkpoint and run the auditor's verification", run: anchorAndAudit },
];

/** The steps' titles, [zh, en], in order. */
export const STEPS: Array<[zh: string, en: string]> = PLAY.map((s) => [s.zh, s.en]);

export interface DemoOptions {
  /** Must not exist or be empty; default: a new temporary directory. */
  dataDir?: string;
  /** Keep the data directory afterwards (always kept when dataDir is given). */
  keep?: boolean;
  /** Leave the server running and return it (the caller closes it). */
  serve?: boolean;
  /** Which community to play (default: the one in community.ts, in `city`). */
  community?: Partial<CommunityOptions>;
  /** The city the community lives in (ANXIN_CITY of the demo's server; default 310000 上海市). */
  city?: string;
  /** A PostgreSQL server (DATABASE_URL): the demo runs on a fresh schema of it, two instances sharing it. */
  databaseUrl?: string;
  /** Progress lines (default: nothing). */
  progress?: (line: string) => void;
  /** Called once the server is up (the CLI stops it cleanly on Ctrl-C, so the embedded chain does not linger). */
  onStarted?: (srv: RunningServer, dataDir: string, kept: boolean) => void;
}

/** Runs the demo; never throws for a failed step (the summary says which one failed). */
export async function runDemo(opts: DemoOptions = {}): Promise<DemoSummary & { server?: RunningServer }> {
  const t0 = performance.now();
  const out = opts.progress ?? (() => {});
  const dataDir = prepareDataDir(opts.dataDir);
  const kept = !!opts.keep || !!opts.serve || !!opts.dataDir;
  const logLines: string[] = [];
  const log = serverLog(path.join(dataDir, "server.log"), logLines);
  const community = demoCommunity({ places: await cityPlaces(opts.city ?? "310000"), ...opts.community });
  const summary = emptySummary(dataDir, kept, community);
  summary.logLines = logLines;
  let srv: RunningServer | undefined;
  const demo = new Demo(summary, community, dataDir, log, (s) => {
    srv = s;
    opts.onStarted?.(s, dataDir, kept);
  });
  demo.databaseUrl = opts.databaseUrl;
  try {
    for (const [i, s] of PLAY.entries()) await runStep(demo, i + 1, s, out);
  } catch (e) {
    summary.error = (e as Error).message ?? String(e);
  }
  const steps = summary.steps;
  summary.ok = !summary.error && steps.length === STEPS.length && steps.every((s) => s.ok) && summary.audit?.ok === true;
  summary.seconds = Math.round((performance.now() - t0) / 100) / 10;
  // The second instance (PostgreSQL runs) stops first: it uses the first one's chain.
  if (!opts.serve) await demo.second?.close();
  if (srv && !opts.serve) {
    await srv.close();
    srv = undefined;
  }
  if (!kept && !srv) rmSync(dataDir, { recursive: true, force: true });
  return { ...summary, server: srv };
}

/** One step: its title line, its notes indented below, its outcome in the summary; a failure stops the run. */
async function runStep(d: Demo, n: number, s: PlayStep, out: (line: string) => void) {
  out(`[${String(n).padStart(2)}/${PLAY.length}] ${s.zh} / ${s.en}`);
  const s0 = performance.now();
  const note: Note = (line) => out(`        ${line}`);
  const done = (ok: boolean, error?: string) => d.S.steps.push({ n, zh: s.zh, en: s.en, ok, ms: Math.round(performance.now() - s0), ...(error === undefined ? {} : { error }) });
  try {
    await s.run(d, note);
    done(true);
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    done(false, msg);
    note(`✗ ${msg}`);
    throw e;
  }
}

/** The server's log goes to server.log in the data directory and to memory (the summary's logLines), never the console. */
function serverLog(file: string, lines: string[]): pino.Logger {
  const sink = new Writable({
    write(chunk, _enc, cb) {
      const text = chunk.toString();
      lines.push(...text.split("\n").filter(Boolean));
      try {
        appendFileSync(file, text);
      } catch {
        // the data directory is being removed at shutdown: the lines are kept in memory
      }
      cb();
    },
  });
  return createLogger("info", sink as unknown as pino.DestinationStream);
}

function prepareDataDir(dir: string | undefined): string {
  if (!dir) return mkdtempSync(path.join(tmpdir(), "anxin-demo-"));
  const abs = path.resolve(dir);
  if (existsSync(abs) && readdirSync(abs).length > 0) throw new DemoStepError(`${abs} is not empty: the demo needs a fresh data directory`);
  mkdirSync(abs, { recursive: true });
  return abs;
}
