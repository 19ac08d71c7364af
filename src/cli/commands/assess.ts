// `anxin assess take|list`: a resident takes an instrument. Scoring runs here, on the client (src/assess); with
// --url and --seed the full result is sealed to the resident and their counselor(s) and stored through the vault,
// and a crisis flag raises the alert (levels only, no answers, reach the server).
import type { Command } from "commander";
import { createInterface } from "node:readline/promises";
import { AssessmentInputError, decideCrisis, INSTRUMENTS, isInstrumentId, score, type ScoredAssessment } from "../../assess/index.js";
import { relationshipKeys, sealJson, walletSigner } from "../../crypto/index.js";
import { ApiClient, ApiError, counselorKey } from "../../client/index.js";
import { chainOptions, refusingUntrusted, trustedChain, type ChainOpts } from "../trusted-chain.js";
import { CliError, printResult } from "../io.js";
import { loadSeed } from "./keys.js";
import { defaultServerUrl } from "../../config.js";

type Lang = "zh" | "en";
const collect = (v: string, prev: string[] = []) => [...prev, v];

async function askAnswers(id: string, lang: Lang): Promise<number[]> {
  const def = INSTRUMENTS[id as keyof typeof INSTRUMENTS];
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    process.stderr.write(`${def.name[lang]}\n${def.instructions[lang]}\n`);
    const out: number[] = [];
    for (const [i, item] of def.items.entries()) {
      process.stderr.write(`\n${i + 1}. ${item.text[lang]}\n` + def.options.map((o) => `   ${o.value} = ${o.label[lang]}`).join("\n") + "\n");
      for (;;) {
        const a = (await rl.question(lang === "zh" ? "请输入数字：" : "Your answer (number): ")).trim();
        if (def.options.some((o) => String(o.value) === a)) {
          out.push(Number(a));
          break;
        }
        process.stderr.write(lang === "zh" ? "请输入上面列出的一个数字。\n" : "Please type one of the numbers listed above.\n");
      }
    }
    return out;
  } finally {
    rl.close();
  }
}

function plain(r: ScoredAssessment, lang: Lang, hotlines: string[]): string {
  const lines = [
    lang === "zh" ? `总分：${r.total}（${r.bandLabel.zh}）` : `Score: ${r.total} (${r.bandLabel.en})`,
    r.interpretation[lang],
  ];
  if (r.crisis.flag) lines.push(...hotlines);
  return lines.join("\n");
}

export function register(program: Command) {
  const assess = program.command("assess").description("self-assessment questionnaires (PHQ-9, GAD-7, WHO-5, PSS-10, K10)");
  chainOptions(assess.command("take"))
    .description("take an instrument: interactive on a terminal, or --answers; --url + --seed also stores it sealed and raises a crisis alert")
    .requiredOption("--instrument <id>", "phq9 | gad7 | who5 | pss10 | k10")
    .option("--answers <list>", "comma-separated answers in item order, e.g. 0,1,2,0,0,0,0,0,1")
    .option("--lang <lang>", "zh | en", "zh")
    .option("--seed <file>", "resident seed file (to store the result and alert)")
    .option("--passphrase-file <file>", "passphrase file for --seed")
    .option("--counselor <address>", "counselor in your care (TREATMENT); repeatable", collect)
    .option("--url <url>", "server URL", defaultServerUrl())
    .option("--json", "machine-readable output")
    .action(async (o: ChainOpts & { instrument: string; answers?: string; lang: string; seed?: string; passphraseFile?: string; counselor?: string[]; url: string; json?: boolean }) => {
      if (!isInstrumentId(o.instrument)) throw new CliError(`unknown instrument "${o.instrument}": use phq9, gad7, who5, pss10 or k10`);
      if (o.lang !== "zh" && o.lang !== "en") throw new CliError("--lang must be zh or en");
      const lang = o.lang as Lang;
      let answers: number[];
      if (o.answers !== undefined) {
        const parts = o.answers.split(",").map((s) => s.trim());
        if (parts.some((p) => !/^-?\d+$/.test(p))) throw new CliError("--answers must be whole numbers separated by commas");
        answers = parts.map(Number);
      } else if (process.stdin.isTTY) answers = await askAnswers(o.instrument, lang);
      else throw new CliError("no terminal to ask the questions: give --answers");
      let r: ScoredAssessment;
      try {
        r = score(o.instrument, answers);
      } catch (e) {
        if (e instanceof AssessmentInputError) throw new CliError(e.message);
        throw e;
      }
      const crisis = decideCrisis(r, lang);
      const hotlines = crisis.hotlines.map((h) => `☎ ${h.number}  ${h.name}`);
      const stored: Array<{ counselor: string; recordId?: string; alertId?: string; notified?: number }> = [];
      if (o.seed) {
        const seed = await loadSeed(o.seed, o.passphraseFile);
        if (!o.counselor?.length) throw new CliError("with --seed, name the counselor(s) in your care with --counselor");
        for (const c of o.counselor) {
          if (!/^0x[0-9a-fA-F]{40}$/.test(c)) throw new CliError(`--counselor ${c} is not an address`);
          const rel = await relationshipKeys(seed, c);
          try {
            const api = await new ApiClient(o.url).login(rel.wallet);
            // Alert first: the crisis path must not wait for the chain or the record write.
            const entry: (typeof stored)[number] = { counselor: c.toLowerCase() };
            if (crisis.alert) {
              const a = await api.post("/v1/alerts", { kind: "crisis", level: crisis.level, instrument: r.instrument, subjectRef: rel.address, lang });
              entry.alertId = a.alertId;
              entry.notified = a.notified;
            }
            // The counselor's key as CounselorRegistry has it, read over the chain endpoint this client trusts.
            const served = await api.get<{ x25519PublicKey: string }>(`/v1/vault/recipients/${c.toLowerCase()}`);
            const chain = await trustedChain(api, o);
            const counselorPk = await refusingUntrusted(counselorKey(chain, c.toLowerCase(), served.x25519PublicKey)).finally(() => chain.destroy());
            const envelope = await sealJson({
              kind: "assessment",
              schema: `anxin.assessment.${r.instrument}.v1`,
              subjectRef: rel.address,
              body: r as never,
              recipients: [
                { address: rel.address, x25519PublicKey: rel.x25519.publicKey },
                { address: c.toLowerCase(), x25519PublicKey: counselorPk },
              ],
              signer: walletSigner(rel.wallet),
            });
            entry.recordId = (await api.post("/v1/records", envelope)).recordId;
            stored.push(entry);
          } catch (e) {
            if (e instanceof ApiError) throw new CliError(e.message);
            if ((e as Error).name === "TypeError") throw new CliError(`no Anxin server answers at ${o.url}`);
            throw e;
          }
        }
      }
      printResult(!!o.json, { result: r, crisis: { alert: crisis.alert, level: crisis.level, hotlines: crisis.hotlines, message: crisis.message[lang] }, stored }, () =>
        [plain(r, lang, hotlines), ...stored.map((s) => (lang === "zh" ? `已加密保存${s.alertId ? `，已通知 ${s.notified} 位咨询师` : ""}` : `stored encrypted${s.alertId ? `; ${s.notified} counselor(s) notified` : ""}`))].join("\n"),
      );
    });
  assess
    .command("list")
    .description("list your stored assessment records (metadata) for one relationship")
    .requiredOption("--seed <file>", "resident seed file")
    .requiredOption("--counselor <address>", "the relationship (counselor address)")
    .option("--passphrase-file <file>", "passphrase file")
    .option("--url <url>", "server URL", defaultServerUrl())
    .option("--json", "machine-readable output")
    .action(async (o: { seed: string; counselor: string; passphraseFile?: string; url: string; json?: boolean }) => {
      const rel = await relationshipKeys(await loadSeed(o.seed, o.passphraseFile), o.counselor);
      try {
        const api = await new ApiClient(o.url).login(rel.wallet);
        const r = await api.get<{ records: Array<Record<string, any>> }>(`/v1/records?subject=${rel.address}&kind=assessment`);
        printResult(!!o.json, r, () => (r.records.length ? r.records.map((x) => `${x.createdAt ?? ""}  ${x.schema ?? x.kind}  ${x.recordId ?? x.id}`).join("\n") : "no assessments"));
      } catch (e) {
        if (e instanceof ApiError) throw new CliError(e.message);
        if ((e as Error).name === "TypeError") throw new CliError(`no Anxin server answers at ${o.url}`);
        throw e;
      }
    });
}
