// `anxin record write|read|list|amend`: a client of the record vault. Sealing and opening happen here, on the
// user's machine; the server receives envelopes and hands out sealed keys only.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { Wallet } from "ethers";
import { ApiClient, ApiError } from "../../client/index.js";
import { CliError, passphrase, printResult, readJsonFile } from "../io.js";
import {
  AnxinCryptoError,
  RECORD_KINDS,
  counselorKeys,
  decryptSeed,
  decryptWalletJson,
  fromBase64,
  openJson,
  relationshipKeys,
  relationshipX25519,
  sealJson,
  toBase64,
  walletX25519,
  walletSigner,
  type JsonValue,
  type RecordKind,
  type X25519KeyPair,
} from "../../crypto/index.js";
import { defaultServerUrl } from "../../config.js";
import { storeOrQueue } from "./record-sync.js";
import { residentKey } from "../../client/key-directory.js";
import { chainOptions, refusingUntrusted, trustedChain, type ChainOpts } from "../trusted-chain.js";

export interface Actor {
  wallet: Wallet;
  address: string;
  x25519: X25519KeyPair;
}

interface KeyOpts extends ChainOpts {
  url: string;
  key?: string;
  seed?: string;
  counterparty?: string;
  passphraseFile?: string;
  json?: boolean;
}


function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    throw new CliError(`cannot read ${file}`);
  }
}

/** A counselor's wallet keystore (--key) or a resident's seed store (--seed) with the relationship (--counterparty). */
export async function loadActor(o: KeyOpts): Promise<Actor> {
  if (!!o.key === !!o.seed) throw new CliError("give exactly one of --key <wallet keystore> or --seed <seed store>");
  const pass = await passphrase(o.passphraseFile, "Passphrase: ");
  try {
    if (o.key) {
      const k = await counselorKeys(await decryptWalletJson(readText(o.key), pass));
      return { wallet: k.wallet as Wallet, address: k.address, x25519: k.x25519 };
    }
    const seed = await decryptSeed(readText(o.seed!), pass);
    const rel = await relationshipKeys(seed, o.counterparty ?? "vault");
    return { wallet: rel.wallet, address: rel.address, x25519: rel.x25519 };
  } catch (e) {
    if (e instanceof AnxinCryptoError) throw new CliError(e.message);
    throw e;
  }
}

/** Runs an API call; problem+json errors become one clear line. */
export async function call<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ApiError) throw new CliError(`server refused (${e.status}): ${e.problem.detail ?? e.problem.title ?? "error"}`);
    if (e instanceof TypeError && /fetch failed/.test(e.message)) throw new CliError("no Anxin server answers at that --url");
    throw e;
  }
}

export async function session(o: KeyOpts): Promise<{ api: ApiClient; actor: Actor }> {
  const actor = await loadActor(o);
  const api = await call(new ApiClient(o.url).login(actor.wallet));
  return { api, actor: await currentKeyOf(api, actor, o) };
}

/** After a rotation (anxin keys rotate) the actor's X25519 key is a later version: the one its directory entry names. */
async function currentKeyOf(api: ApiClient, actor: Actor, o: KeyOpts): Promise<Actor> {
  const mine = await api.get<{ x25519PublicKey: string; publication: { version: number } | null }>(`/v1/vault/recipients/${actor.address}`).catch(() => undefined);
  if (!mine || mine.x25519PublicKey === toBase64(actor.x25519.publicKey)) return actor;
  if (o.seed) {
    const v = mine.publication?.version ?? 1;
    return v > 1 ? { ...actor, x25519: await relationshipX25519(await decryptSeed(readText(o.seed), await passphrase(o.passphraseFile, "Passphrase: ")), o.counterparty ?? "vault", v) } : actor;
  }
  // A counselor: the registry's key is one of the wallet's versions (rotations are few).
  for (let v = 2; v <= 32; v++) {
    const k = await walletX25519(actor.wallet.privateKey, v);
    if (toBase64(k.publicKey) === mine.x25519PublicKey) return { ...actor, x25519: k };
  }
  return actor;
}

export function keyOptions(c: Command): Command {
  return chainOptions(c)
    .option("--url <url>", "server URL", defaultServerUrl())
    .option("--key <file>", "counselor wallet keystore (ethers JSON)")
    .option("--seed <file>", "resident seed store (anxin.seedstore.v1)")
    .option("--counterparty <address|vault>", "with --seed: the relationship (counselor address, or vault)", "vault")
    .option("--passphrase-file <file>", "file whose first line is the passphrase")
    .option("--json", "machine-readable output");
}

function readBody(file: string): JsonValue {
  const body = readJsonFile(file);
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw new CliError(`${file} must hold a JSON object`);
  return body as JsonValue;
}

/** The author and the subject; the subject's key only after its signature and log leaf verify (key-directory.ts). */
async function recipientsFor(api: ApiClient, actor: Actor, subject: string, o: ChainOpts) {
  const list = [{ address: actor.address, x25519PublicKey: actor.x25519.publicKey }];
  if (subject !== actor.address) {
    const chain = await trustedChain(api, o);
    try {
      list.push({ address: subject, x25519PublicKey: await refusingUntrusted(call(residentKey(api, chain, subject))) });
    } finally {
      chain.destroy();
    }
  }
  return list;
}

/** Opens one served version (envelope without keys) with the reader's released key. */
export async function openVersion(api: ApiClient, actor: Actor, recordId: string, version: { contentHash: string; envelope: object }) {
  const key = await call(api.get<{ sealed: string; recipient: string; basis: string }>(`/v1/records/${recordId}/versions/${version.contentHash}/key`));
  try {
    const body = await openJson({ ...version.envelope, keys: [{ to: key.recipient, sealed: key.sealed }] }, actor.address, actor.x25519);
    return { body, basis: key.basis };
  } catch (e) {
    if (e instanceof AnxinCryptoError) throw new CliError(`version ${version.contentHash} refused: ${e.message} (${e.code})`);
    throw e;
  }
}

type Stored = { recordId: string; version: number; contentHash: string; leafIndex: number };

/** The server could not take it now: it waits in the outbox, and the writer is told so (exit code 75, EX_TEMPFAIL). */
function queuedReply(json: boolean, envelope: { id: string }, outbox: string) {
  printResult(json, { queued: true, recordId: envelope.id, outbox }, () => `the server could not store it now: record ${envelope.id} is kept in ${outbox}; run \`anxin record sync --outbox ${outbox}\``);
  process.exitCode = 75;
}

export function register(program: Command) {
  const record = program.command("record").description("encrypted records: write, read, list, amend (sealed and opened locally)");

  keyOptions(record.command("write"))
    .description("seal a record for the resident and yourself, sign it, and store it")
    .requiredOption("--subject <address>", "the resident's pseudonymous address for this relationship")
    .option("--consent <grantId>", "the TREATMENT grant the record relies on (counselors)")
    .requiredOption("--kind <kind>", `one of ${RECORD_KINDS.join(", ")}`)
    .option("--schema <name>", "plaintext schema name", "anxin.note.v1")
    .requiredOption("--body <file>", "JSON file with the record body (never sent in clear)")
    .option("--outbox <dir>", "keep the signed version on disk until the server acknowledges it (see record sync)")
    .action(async (o: KeyOpts & { subject: string; consent?: string; kind: string; schema: string; body: string; outbox?: string }) => {
      if (!(RECORD_KINDS as readonly string[]).includes(o.kind)) throw new CliError(`--kind must be one of ${RECORD_KINDS.join(", ")}`);
      const body = readBody(o.body);
      const { api, actor } = await session(o);
      const subject = o.subject.toLowerCase();
      const envelope = await sealJson({
        kind: o.kind as RecordKind,
        schema: o.schema,
        subjectRef: subject,
        consentId: o.consent ?? null,
        body,
        recipients: await recipientsFor(api, actor, subject, o),
        signer: walletSigner(actor.wallet),
      }).catch((e) => {
        throw e instanceof AnxinCryptoError ? new CliError(e.message) : e;
      });
      const r = await storeOrQueue<Stored>(api, envelope, o.outbox);
      if (!r) return queuedReply(!!o.json, envelope, o.outbox!);
      printResult(!!o.json, r, () => `stored record ${r.recordId} version ${r.version} (${r.contentHash}, log leaf ${r.leafIndex})`);
    });

  keyOptions(record.command("amend <recordId>"))
    .description("add a new version to a record (nothing is overwritten)")
    .requiredOption("--body <file>", "JSON file with the amended body")
    .option("--consent <grantId>", "the grant the amendment relies on (default: the latest version's)")
    .option("--outbox <dir>", "keep the signed version on disk until the server acknowledges it (see record sync)")
    .action(async (recordId: string, o: KeyOpts & { body: string; consent?: string; outbox?: string }) => {
      const body = readBody(o.body);
      const { api, actor } = await session(o);
      const chain = await call(api.get(`/v1/records/${recordId}`));
      const latest = chain.versions[chain.versions.length - 1];
      const envelope = await sealJson({
        id: recordId,
        prev: latest.contentHash,
        kind: latest.kind,
        schema: latest.schema,
        subjectRef: latest.subjectRef,
        consentId: o.consent ?? latest.consentId,
        body,
        recipients: await recipientsFor(api, actor, latest.subjectRef, o),
        signer: walletSigner(actor.wallet),
      });
      const r = await storeOrQueue<Stored>(api, envelope, o.outbox);
      if (!r) return queuedReply(!!o.json, envelope, o.outbox!);
      printResult(!!o.json, r, () => `amended record ${r.recordId}: version ${r.version} (${r.contentHash})`);
    });

  keyOptions(record.command("read <recordId>"))
    .description("fetch a record's versions and decrypt them locally (each key release is logged)")
    .option("--latest", "only the latest version")
    .action(async (recordId: string, o: KeyOpts & { latest?: boolean }) => {
      const { api, actor } = await session(o);
      const chain = await call(api.get(`/v1/records/${recordId}`));
      const versions = o.latest ? chain.versions.slice(-1) : chain.versions;
      const out: Array<Record<string, unknown> & { version: number; createdAt: string; author: string; kind: string; schema: string; body: unknown }> = [];
      for (const v of versions) {
        const { body, basis } = await openVersion(api, actor, recordId, v);
        out.push({ version: v.version, contentHash: v.contentHash, createdAt: v.createdAt, author: v.author, kind: v.kind, schema: v.schema, basis, body });
      }
      printResult(!!o.json, { recordId, versions: out }, () =>
        out.map((v) => `# version ${v.version} ${v.createdAt} by ${v.author} (${v.kind}, ${v.schema})\n${JSON.stringify(v.body, null, 2)}`).join("\n"),
      );
    });

  keyOptions(record.command("list"))
    .description("list record metadata you may see (no contents)")
    .option("--subject <address>", "records about this pseudonymous address")
    .option("--author <address>", "records written by this address (yourself)")
    .action(async (o: KeyOpts & { subject?: string; author?: string }) => {
      const { api } = await session(o);
      const q = new URLSearchParams();
      if (o.subject) q.set("subject", o.subject);
      if (o.author) q.set("author", o.author);
      const r = await call(api.get<{ records: Array<Record<string, unknown>> }>(`/v1/records${q.size ? "?" + q : ""}`));
      printResult(!!o.json, r, () =>
        r.records.length === 0
          ? "no records"
          : r.records.map((x) => `${x.recordId} v${x.version} ${x.kind} ${x.createdAt} subject ${x.subjectRef}${x.erased ? " (erased)" : ""}`).join("\n"),
      );
    });
}
