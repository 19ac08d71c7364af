#!/usr/bin/env node
// `anxin`: the command line. Each command lives in commands/<name>.ts and registers itself here.
import { Command, CommanderError } from "commander";
import { ConfigError } from "../config.js";
import { CliError } from "./io.js";
import * as serve from "./commands/serve.js";
import * as status from "./commands/status.js";
import * as keys from "./commands/keys.js";
import * as consentCmd from "./commands/consent.js";
import * as indexCmd from "./commands/index-cmd.js";
import * as sessionsCmd from "./commands/sessions.js";
import * as recordCmd from "./commands/record.js";
import * as recordSyncCmd from "./commands/record-sync.js";
import * as vaultCmd from "./commands/vault.js";
import * as matchCmd from "./commands/match.js";
import * as assessCmd from "./commands/assess.js";
import * as wearableCmd from "./commands/wearable.js";
import * as alertsCmd from "./commands/alerts.js";
import * as notificationsCmd from "./commands/notifications.js";
import * as auditCmd from "./commands/audit.js";
import * as adminCmd from "./commands/admin.js";
import * as witnessCmd from "./commands/witness.js";
import * as fhirCmd from "./commands/fhir.js";
import * as deployCmd from "./commands/deploy.js";
import * as officeCmd from "./commands/office.js";

const program = new Command()
  .name("anxin")
  .description("安心 Anxin: privacy-preserving counseling-record ledger")
  .version("0.1.0")
  .showHelpAfterError()
  .exitOverride();

try {
  // Registration reads the default server URL (ANXIN_URL, PORT): a bad value is reported like any other setting.
  for (const cmd of [serve, status, keys]) cmd.register(program);
  for (const cmd of [consentCmd, indexCmd, sessionsCmd]) cmd.register(program);
  for (const cmd of [recordCmd, recordSyncCmd, vaultCmd]) cmd.register(program);
  for (const cmd of [matchCmd, assessCmd, wearableCmd, alertsCmd, notificationsCmd]) cmd.register(program);
  auditCmd.register(program);
  adminCmd.register(program);
  witnessCmd.register(program);
  fhirCmd.register(program);
  deployCmd.register(program);
  officeCmd.register(program);
  (await import("./commands/demo.js")).register(program);
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode);
  if (e instanceof CliError || e instanceof ConfigError) {
    process.stderr.write(`anxin: ${e.message}\n`);
    process.exit(e instanceof CliError ? e.exitCode : 2);
  }
  process.stderr.write(`anxin: ${(e as Error).message ?? String(e)}\n`);
  process.exit(1);
}
