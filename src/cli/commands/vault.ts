// `anxin vault publish-key|erase`: the resident's side of the record vault, signed in with keys derived from the seed.
import type { Command } from "commander";
import { ApiClient, consentDomainOf, eraseRelationship, publishSignedKey } from "../../client/index.js";
import { CliError, passphrase, printResult } from "../io.js";
import { AnxinCryptoError, decryptSeed, relationshipKeys, toBase64 } from "../../crypto/index.js";
import { readFileSync } from "node:fs";
import { call } from "./record.js";
import { defaultServerUrl } from "../../config.js";

const collect = (v: string, acc: string[]) => [...acc, v];

async function seedFrom(file: string, passFile: string | undefined): Promise<Uint8Array> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new CliError(`cannot read ${file}`);
  }
  const pass = await passphrase(passFile, "Seed passphrase: ");
  try {
    return await decryptSeed(text, pass);
  } catch (e) {
    throw e instanceof AnxinCryptoError ? new CliError(e.message) : e;
  }
}

export function register(program: Command) {
  const vault = program.command("vault").description("the resident's vault: publish the key counselors seal to, erase everything");

  vault
    .command("publish-key")
    .description("publish the X25519 public key of your relationship with a counselor (needed before they can write for you)")
    .requiredOption("--seed <file>", "your seed store (anxin.seedstore.v1)")
    .requiredOption("--counterparty <address>", "the counselor's address (or vault)")
    .option("--passphrase-file <file>", "file whose first line is the passphrase")
    .option("--url <url>", "server URL", defaultServerUrl())
    .option("--json", "machine-readable output")
    .action(async (o: { seed: string; counterparty: string; passphraseFile?: string; url: string; json?: boolean }) => {
      const rel = await relationshipKeys(await seedFrom(o.seed, o.passphraseFile), o.counterparty);
      const api = await call(new ApiClient(o.url).login(rel.wallet));
      const r = await call(publishSignedKey(api, rel.wallet, rel.x25519.publicKey));
      printResult(!!o.json, r, () => `published the encryption key of ${r.address} (version ${r.publication.version}, signed, log leaf ${r.publication.leafIndex})`);
    });

  vault
    .command("erase")
    .description("erase (PIPL Art. 47) everything of your relationship addresses: records shredded (tombstones logged), wearable data, alerts, bookings and needs deleted, every consent withdrawn on chain by revocations signed here")
    .requiredOption("--seed <file>", "your seed store (anxin.seedstore.v1)")
    .option("--counterparty <address>", "a counselor you had a relationship with (repeat for each)", collect, [] as string[])
    .option("--no-identity", "keep the identity vault entry")
    .option("--passphrase-file <file>", "file whose first line is the passphrase")
    .option("--url <url>", "server URL", defaultServerUrl())
    .option("--json", "machine-readable output")
    .action(async (o: { seed: string; counterparty: string[]; identity: boolean; passphraseFile?: string; url: string; json?: boolean }) => {
      const seed = await seedFrom(o.seed, o.passphraseFile);
      const parties = [...o.counterparty, ...(o.identity ? ["vault"] : [])];
      if (parties.length === 0) throw new CliError("nothing to erase: give --counterparty or keep the identity entry");
      const results: Array<{ subjectRef: string; erased: number; revocationsQueued: number; removed: Record<string, number> }> = [];
      for (const cp of parties) {
        const rel = await relationshipKeys(seed, cp).catch((e) => {
          throw e instanceof AnxinCryptoError ? new CliError(`--counterparty ${cp}: ${e.message}`) : e;
        });
        const api = await call(new ApiClient(o.url).login(rel.wallet));
        // Every grant of this address that may still open access is revoked by a signature made here, with the erasure.
        results.push(await call(eraseRelationship(api, rel.wallet, await call(consentDomainOf(api)))));
      }
      const total = results.reduce((n, r) => n + r.erased, 0);
      printResult(!!o.json, { erased: total, subjects: results }, () =>
        results.map((r) => `${r.subjectRef}: ${r.erased} record version(s) erased, ${r.revocationsQueued} consent(s) withdrawn, other data removed: ${JSON.stringify(r.removed)}`).join("\n") + `\ntotal: ${total}`,
      );
    });
}
