// `anxin keys new|show`: create encrypted key files. Residents get a random root seed (their per-relationship
// keys derive from it); staff (counselor, auditor, matcher, admin, operator) get an ethers JSON keystore.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { registerRotate } from "./keys-rotate.js";
import type { Command } from "commander";
import { Wallet } from "ethers";
import {
  counselorKeys,
  decryptSeed,
  decryptWalletJson,
  encryptSeed,
  encryptWalletJson,
  generateSeed,
  isLegacySeedStore,
  relationshipKeys,
  x25519PublicKeyToBytes32,
} from "../../crypto/index.js";
import { CliError, passphrase, printResult } from "../io.js";

const ROLES = ["resident", "counselor", "auditor", "matcher", "admin", "operator"] as const;
type KeyRole = (typeof ROLES)[number];

export async function loadWallet(file: string, passFile?: string): Promise<Wallet> {
  if (!existsSync(file)) throw new CliError(`key file ${file} not found`);
  const json = readFileSync(file, "utf8");
  try {
    return await decryptWalletJson(json, await passphrase(passFile, `Passphrase for ${file}: `));
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`cannot open ${file}: wrong passphrase or not an ethers keystore`);
  }
}

export async function loadSeed(file: string, passFile?: string): Promise<Uint8Array> {
  if (!existsSync(file)) throw new CliError(`seed file ${file} not found`);
  try {
    return await decryptSeed(readFileSync(file, "utf8"), await passphrase(passFile, `Passphrase for ${file}: `));
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`cannot open ${file}: wrong passphrase or not an Anxin seed file`);
  }
}

export function register(program: Command) {
  const keys = program.command("keys").description("create and inspect encrypted key files");
  registerRotate(keys);
  keys
    .command("new")
    .description("create a new encrypted key file (a resident seed, or a staff ethers keystore)")
    .requiredOption("--role <role>", `one of ${ROLES.join(", ")}`)
    .requiredOption("--out <file>", "where to write the encrypted key file")
    .option("--passphrase-file <file>", "read the passphrase from a file instead of asking")
    .option("--force", "overwrite an existing file")
    .option("--json", "machine-readable output")
    .action(async (o: { role: string; out: string; passphraseFile?: string; force?: boolean; json?: boolean }) => {
      if (!ROLES.includes(o.role as KeyRole)) throw new CliError(`--role must be one of ${ROLES.join(", ")}`);
      if (existsSync(o.out) && !o.force) throw new CliError(`${o.out} exists: refusing to overwrite a key (use --force)`);
      const pass = await passphrase(o.passphraseFile, "New passphrase: ", true);
      if (pass.length < 8) throw new CliError("passphrase too short: use at least 8 characters");
      if (o.role === "resident") {
        const seed = await generateSeed();
        writeFileSync(o.out, JSON.stringify(await encryptSeed(seed, pass), null, 2) + "\n", { mode: 0o600 });
        printResult(!!o.json, { role: o.role, file: o.out }, () =>
          `resident seed written to ${o.out}\nYour addresses are per relationship: one per counselor or service, unlinkable to each other.\nKeep the file and passphrase safe; without them your records cannot be opened.`,
        );
        return;
      }
      const wallet = Wallet.createRandom();
      writeFileSync(o.out, (await encryptWalletJson(new Wallet(wallet.privateKey), pass)) + "\n", { mode: 0o600 });
      const ck = await counselorKeys(wallet.privateKey);
      const out = { role: o.role, file: o.out, address: wallet.address.toLowerCase(), encryptionKey: x25519PublicKeyToBytes32(ck.x25519.publicKey) };
      printResult(!!o.json, out, () =>
        [`${o.role} key written to ${o.out}`, `address: ${out.address}`, ...(o.role === "counselor" ? [`X25519 encryption key (to accredit): ${out.encryptionKey}`] : [])].join("\n"),
      );
    });
  keys
    .command("import")
    .description("encrypt an existing secp256k1 private key (e.g. the dev chain's authority) into an ethers keystore")
    .requiredOption("--private-key-file <file>", "file whose first line is the private key, 0x + 64 hex digits")
    .requiredOption("--out <file>", "where to write the encrypted keystore")
    .option("--passphrase-file <file>", "read the new passphrase from a file instead of asking")
    .option("--force", "overwrite an existing file")
    .option("--json", "machine-readable output")
    .action(async (o: { privateKeyFile: string; out: string; passphraseFile?: string; force?: boolean; json?: boolean }) => {
      if (existsSync(o.out) && !o.force) throw new CliError(`${o.out} exists: refusing to overwrite a key (use --force)`);
      let text: string;
      try {
        text = readFileSync(o.privateKeyFile, "utf8");
      } catch {
        throw new CliError(`cannot read ${o.privateKeyFile}`);
      }
      const hex = text.split(/\r?\n/)[0].trim();
      if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) throw new CliError(`${o.privateKeyFile} does not hold a private key (0x + 64 hex digits on its first line)`);
      let wallet: Wallet;
      try {
        wallet = new Wallet(hex);
      } catch {
        throw new CliError(`${o.privateKeyFile} does not hold a valid secp256k1 private key`);
      }
      const pass = await passphrase(o.passphraseFile, "New passphrase: ", true);
      if (pass.length < 8) throw new CliError("passphrase too short: use at least 8 characters");
      writeFileSync(o.out, (await encryptWalletJson(wallet, pass)) + "\n", { mode: 0o600 });
      const out = { file: o.out, address: wallet.address.toLowerCase() };
      printResult(!!o.json, out, () => `keystore written to ${o.out}\naddress: ${out.address}`);
    });
  keys
    .command("rewrap")
    .description("re-encrypt a key file in the current format (NFKC passphrase, `crypto` member), optionally under a new passphrase")
    .requiredOption("--key <file>", "the encrypted key file (resident seed or staff keystore); replaced in place")
    .option("--passphrase-file <file>", "its current passphrase")
    .option("--new-passphrase-file <file>", "the new passphrase (default: keep the current one)")
    .option("--json", "machine-readable output")
    .action(async (o: { key: string; passphraseFile?: string; newPassphraseFile?: string; json?: boolean }) => {
      if (!existsSync(o.key)) throw new CliError(`key file ${o.key} not found`);
      const text = readFileSync(o.key, "utf8");
      const seedStore = text.includes("anxin.seedstore");
      const current = await passphrase(o.passphraseFile, `Passphrase for ${o.key}: `);
      const next = o.newPassphraseFile ? await passphrase(o.newPassphraseFile, "") : current;
      if (next.length < 8) throw new CliError("passphrase too short: use at least 8 characters");
      let out: string;
      let legacy = false;
      try {
        if (seedStore) {
          legacy = isLegacySeedStore(text);
          out = JSON.stringify(await encryptSeed(await decryptSeed(text, current), next), null, 2) + "\n";
        } else {
          legacy = !/"crypto"\s*:/.test(text);
          out = (await encryptWalletJson(await decryptWalletJson(text, current), next)) + "\n";
        }
      } catch {
        throw new CliError(`cannot open ${o.key}: wrong passphrase or not an Anxin key file`);
      }
      const tmp = `${o.key}.tmp`;
      writeFileSync(tmp, out, { mode: 0o600 });
      renameSync(tmp, o.key); // atomic: the old file stays whole until the new one is complete
      printResult(!!o.json, { file: o.key, kind: seedStore ? "seed" : "keystore", upgraded: legacy }, () => `${o.key} rewritten in the current format${legacy ? " (was a legacy file)" : ""}`);
    });
  keys
    .command("show")
    .description("show the public part of a key file (for a resident seed: the address used with one counterparty)")
    .requiredOption("--key <file>", "the encrypted key file")
    .option("--passphrase-file <file>", "read the passphrase from a file")
    .option("--counterparty <address>", "resident only: the counselor or service address of the relationship")
    .option("--json", "machine-readable output")
    .action(async (o: { key: string; passphraseFile?: string; counterparty?: string; json?: boolean }) => {
      const text = readFileSync(o.key, "utf8");
      if (text.includes("anxin.seedstore")) {
        if (!o.counterparty) throw new CliError("a resident seed has one address per relationship: pass --counterparty <address>");
        const rel = await relationshipKeys(await loadSeed(o.key, o.passphraseFile), o.counterparty);
        const out = { role: "resident", counterparty: o.counterparty.toLowerCase(), address: rel.address, x25519PublicKey: x25519PublicKeyToBytes32(rel.x25519.publicKey) };
        printResult(!!o.json, out, () => `address with ${out.counterparty}: ${out.address}`);
        return;
      }
      const w = await loadWallet(o.key, o.passphraseFile);
      const ck = await counselorKeys(w.privateKey);
      const out = { address: w.address.toLowerCase(), encryptionKey: x25519PublicKeyToBytes32(ck.x25519.publicKey) };
      printResult(!!o.json, out, () => `address: ${out.address}\nX25519 encryption key: ${out.encryptionKey}`);
    });
}
