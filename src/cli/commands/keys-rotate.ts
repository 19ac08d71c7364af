// `anxin keys rotate`: move a relationship (resident) or a counselor to the next X25519 key and re-wrap the content
// keys sealed to the old one. A resident's new key is published signed (the next version, a "key" leaf); a
// counselor's must first be accredited on chain by the authority (`--print-key` shows it), which this command checks
// over the chain endpoint it trusts before re-wrapping.
import type { Command } from "commander";
import { ApiClient, publishSignedKey, rewrapOwnKeys } from "../../client/index.js";
import { decryptWalletJson, relationshipX25519, walletX25519, x25519PublicKeyToBytes32, toBase64 } from "../../crypto/index.js";
import { CliError, passphrase, printResult } from "../io.js";
import { loadSeed } from "./keys.js";
import { call } from "./record.js";
import { relationshipKeys } from "../../crypto/index.js";
import { chainOptions, trustedChain, type ChainOpts } from "../trusted-chain.js";
import { defaultServerUrl } from "../../config.js";
import { readFileSync } from "node:fs";

interface RotateOpts extends ChainOpts {
  seed?: string;
  counterparty: string;
  key?: string;
  from?: string;
  passphraseFile?: string;
  printKey?: boolean;
  url: string;
  json?: boolean;
}

const int = (v: string | undefined, what: string) => {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new CliError(`${what} must be a whole number ≥ 1`);
  return Number(v);
};

export function registerRotate(keys: Command) {
  chainOptions(keys.command("rotate"))
    .description("rotate to the next X25519 key and re-wrap the content keys sealed to the old one (resident: --seed; counselor: --key)")
    .option("--seed <file>", "resident seed store: rotates the relationship with --counterparty")
    .option("--counterparty <address|vault>", "with --seed: the relationship", "vault")
    .option("--key <file>", "counselor wallet keystore: rotates the counselor's key (accredit the new key on chain first)")
    .option("--from <version>", "the key version in use now (default: the published version; counselors: 1)")
    .option("--print-key", "counselor: only print the next key (bytes32) for the authority to accredit")
    .option("--passphrase-file <file>", "file whose first line is the passphrase")
    .option("--url <url>", "server URL", defaultServerUrl())
    .option("--json", "machine-readable output")
    .action(async (o: RotateOpts) => {
      if (!!o.seed === !!o.key) throw new CliError("give exactly one of --seed <seed store> or --key <wallet keystore>");
      if (o.seed) return rotateResident(o);
      return rotateCounselor(o);
    });
}

async function rotateResident(o: RotateOpts) {
  const seed = await loadSeed(o.seed!, o.passphraseFile);
  const rel = await relationshipKeys(seed, o.counterparty);
  const api = await call(new ApiClient(o.url).login(rel.wallet));
  let from = int(o.from, "--from");
  if (from === undefined) {
    const mine = await call(api.get<{ publication: { version: number } | null }>(`/v1/vault/recipients/${rel.address}`));
    from = mine.publication?.version ?? 1;
  }
  const old = await relationshipX25519(seed, o.counterparty, from);
  const next = await relationshipX25519(seed, o.counterparty, from + 1);
  const pub = await call(publishSignedKey(api, rel.wallet, next.publicKey));
  const r = await call(rewrapOwnKeys(api, rel.address, old, next.publicKey, "subject"));
  const out = { address: rel.address, version: pub.publication.version, leafIndex: pub.publication.leafIndex, x25519PublicKey: toBase64(next.publicKey), ...r };
  printResult(!!o.json, out, () => `rotated ${rel.address} to key version ${out.version} (signed, log leaf ${out.leafIndex}); re-wrapped ${r.rewrapped} content keys${r.skipped ? `, ${r.skipped} did not open with the old key` : ""}`);
}

async function rotateCounselor(o: RotateOpts) {
  let text: string;
  try {
    text = readFileSync(o.key!, "utf8");
  } catch {
    throw new CliError(`cannot read ${o.key}`);
  }
  const wallet = await decryptWalletJson(text, await passphrase(o.passphraseFile, "Passphrase: ")).catch(() => {
    throw new CliError("wrong passphrase or not a wallet keystore");
  });
  const from = int(o.from, "--from") ?? 1;
  const old = await walletX25519(wallet.privateKey, from);
  const next = await walletX25519(wallet.privateKey, from + 1);
  const encryptionKey = x25519PublicKeyToBytes32(next.publicKey);
  if (o.printKey) return printResult(!!o.json, { address: wallet.address.toLowerCase(), version: from + 1, encryptionKey }, () => `next key (version ${from + 1}) for the authority to accredit: ${encryptionKey}`);
  const api = await call(new ApiClient(o.url).login(wallet));
  const chain = await trustedChain(api, o);
  let onChain: Uint8Array;
  try {
    onChain = await chain.counselorKey(wallet.address.toLowerCase());
  } finally {
    chain.destroy();
  }
  if (toBase64(onChain) !== toBase64(next.publicKey)) throw new CliError(`the registry does not hold your next key yet: ask the authority to accredit ${encryptionKey} (anxin keys rotate --print-key)`);
  const r = await call(rewrapOwnKeys(api, wallet.address, old, next.publicKey, "author"));
  printResult(!!o.json, { address: wallet.address.toLowerCase(), version: from + 1, encryptionKey, ...r }, () => `re-wrapped ${r.rewrapped} content keys to key version ${from + 1}${r.skipped ? `, ${r.skipped} did not open with the old key` : ""}`);
}
