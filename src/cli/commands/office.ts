// `anxin office …`: the community office (社区 / 网格员 on its behalf). After checking a resident once, in person, the
// staff member blind-signs the request her app shows (one token per month); the office keeps counts per month
// only. `anxin enroll …`: the resident's side (blinding on her device, unblinding the office's answer).
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { ApiClient } from "../../client/index.js";
import { finishEnrollment, periodOf, periodsFrom, PERIOD, startEnrollment, type EnrollRequest, type EnrollResponse, type NeedToken, type OfficeKeyset, type PendingToken } from "../../client/blind-token.js";
import { addOfficeKeys, issueTokens, MAX_PERIODS_PER_REQUEST, OfficeError, publicKeyset, readOfficeSecret, writeJsonFile } from "../../services/office.js";
import { CliError, printResult, readJsonFile } from "../io.js";
import { defaultServerUrl } from "../../config.js";

const months = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 120) throw new CliError("--months must be 1..120", 2);
  return n;
};
const period = (v: string) => {
  if (!PERIOD.test(v)) throw new CliError("a period is YYYY-MM", 2);
  return v;
};
const office = <T>(fn: () => T): T => {
  try {
    return fn();
  } catch (e) {
    if (e instanceof OfficeError) throw new CliError(e.message, 2);
    throw e;
  }
};

export function register(program: Command) {
  const cmd = program.command("office").description("the community office: need-token keys and in-person issuance");
  cmd
    .command("keygen")
    .description("create (or extend) the office's keys, one RSA-2048 key per month, and write the public keyset")
    .requiredOption("--out <file>", "the office's private key file (anxin.office.secret.v1, 0600; extended if it exists)")
    .option("--public <file>", "write the public keyset here (the server's ANXIN_OFFICE_KEYS_FILE)")
    .option("--from <YYYY-MM>", "first month (default: this month)", period)
    .option("--months <n>", "how many months", months, 13)
    .option("--json", "machine-readable output")
    .action(async (o: { out: string; public?: string; from?: string; months: number; json?: boolean }) => {
      const before = existsSync(o.out) ? office(() => readOfficeSecret(o.out)) : undefined;
      const secret = await addOfficeKeys(before, periodsFrom(o.from ?? periodOf(), o.months));
      writeJsonFile(o.out, secret);
      const pub = publicKeyset(secret);
      if (o.public) writeJsonFile(o.public, pub, 0o644);
      printResult(!!o.json, { keys: pub.keys.map(({ period, keyId }) => ({ period, keyId })) }, () => pub.keys.map((k) => `${k.period}  ${k.keyId}`).join("\n"));
    });
  cmd
    .command("issue")
    .description("blind-sign a resident's request after checking her in person (one token per month; counts only)")
    .requiredOption("--keys <file>", "the office's private key file")
    .requiredOption("--request <file>", "the request her app shows (anxin.enroll.request.v1)")
    .option("--out <file>", "write the answer here (default: standard output)")
    .option("--json", "machine-readable output")
    .action((o: { keys: string; request: string; out?: string; json?: boolean }) => {
      const secret = office(() => readOfficeSecret(o.keys));
      const { secret: next, response } = office(() => issueTokens(secret, readJsonFile(o.request) as EnrollRequest));
      writeJsonFile(o.keys, next);
      if (o.out) writeJsonFile(o.out, response, 0o644);
      printResult(!!o.json || !o.out, o.out ? { issued: response.items.length } : response, () => `signed ${response.items.length} token${response.items.length === 1 ? "" : "s"} (${response.items.map((i) => i.period).join(", ")}) → ${o.out}`);
    });
  cmd
    .command("counts")
    .description("tokens signed per month (the office records nothing else)")
    .requiredOption("--keys <file>", "the office's private key file")
    .option("--json", "machine-readable output")
    .action((o: { keys: string; json?: boolean }) => {
      const s = office(() => readOfficeSecret(o.keys));
      printResult(!!o.json, { issued: s.issued }, () => Object.entries(s.issued).map(([p, n]) => `${p}  ${n}`).join("\n") || "none yet");
    });

  const enroll = program.command("enroll").description("the resident's side of need tokens (blinded on this device)");
  enroll
    .command("request")
    .description("blind one token per month under the office's published keys; show the request at the office")
    .requiredOption("--pending <file>", "where to keep the unblinding secrets (0600; never shown to anyone)")
    .requiredOption("--request <file>", "the request to show the office")
    .option("--from <YYYY-MM>", "first month (default: this month)", period)
    .option("--months <n>", `how many months (1..${MAX_PERIODS_PER_REQUEST})`, months, 12)
    .option("--url <url>", "server URL", defaultServerUrl())
    .option("--json", "machine-readable output")
    .action(async (o: { pending: string; request: string; from?: string; months: number; url: string; json?: boolean }) => {
      if (o.months > MAX_PERIODS_PER_REQUEST) throw new CliError(`--months must be at most ${MAX_PERIODS_PER_REQUEST}`, 2);
      const keyset = await new ApiClient(o.url).get<OfficeKeyset>("/v1/office/keys");
      const { request, pending } = await startEnrollment(keyset, periodsFrom(o.from ?? periodOf(), o.months)).catch((e: Error) => {
        throw new CliError(e.message);
      });
      writeJsonFile(o.pending, pending);
      writeJsonFile(o.request, request, 0o644);
      printResult(!!o.json, { periods: request.items.map((i) => i.period) }, () => `request for ${request.items.length} months written to ${o.request}`);
    });
  enroll
    .command("finish")
    .description("unblind the office's answer into spendable tokens (each checked against the published key)")
    .requiredOption("--pending <file>", "the secrets kept by `enroll request`")
    .requiredOption("--response <file>", "the office's answer")
    .requiredOption("--tokens <file>", "the token wallet (0600; extended if it exists)")
    .option("--url <url>", "server URL", defaultServerUrl())
    .option("--json", "machine-readable output")
    .action(async (o: { pending: string; response: string; tokens: string; url: string; json?: boolean }) => {
      const keyset = await new ApiClient(o.url).get<OfficeKeyset>("/v1/office/keys");
      const tokens = await finishEnrollment(keyset, readJsonFile(o.pending) as PendingToken[], readJsonFile(o.response) as EnrollResponse).catch((e: Error) => {
        throw new CliError(e.message);
      });
      const wallet = existsSync(o.tokens) ? (readJsonFile(o.tokens) as NeedToken[]) : [];
      writeJsonFile(o.tokens, [...wallet.filter((w) => !tokens.some((t) => t.period === w.period)), ...tokens]);
      printResult(!!o.json, { periods: tokens.map((t) => t.period) }, () => `${tokens.length} tokens kept in ${o.tokens}`);
    });
}
