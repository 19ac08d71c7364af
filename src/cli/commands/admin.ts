// `anxin admin …`: the authority (管理方) accredits, suspends and reinstates counselors, appoints and dismisses auditors,
// registers and deregisters matching services, and reads the registry's history. The authority signs each
// CounselorRegistry transaction with its OWN key (AUTHORITY_ROLE on chain); the server only relays the signed bytes
// (POST /v1/chain/transactions: it simulates, broadcasts, waits for the block and indexes it) and cannot change them.
// The server's operator key plays no part, so this works on a chain where the operator is not an authority.
import type { Command } from "commander";
import { isAddress, type Wallet } from "ethers";
import { ApiClient, ApiError } from "../../client/index.js";
import { CliError, printResult } from "../io.js";
import { loadWallet } from "./keys.js";
import { SUSPEND_REASONS, registryCalldata, type RegistryAction, type RegistryInput, type SuspendReason } from "../../services/registry-calls.js";
import { PROFILE_OPTIONS, profileFromOptions, withProfileOptions, type ProfileOptions } from "./admin-profile.js";
import { publicProfileHash, type PublicProfile } from "../../deid/public-profile.js";

/** Enough for every registry action (accredit, the largest, uses ~140,000); unused gas is not paid for. */
const GAS_LIMIT = 300_000n;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

interface Common {
  key?: string;
  passphraseFile?: string;
  url: string;
  json?: boolean;
}

const defaultUrl = () => process.env.ANXIN_URL ?? `http://127.0.0.1:${process.env.PORT ?? 7300}`;

function apiFailure(e: unknown, url: string): CliError {
  if (e instanceof ApiError) return new CliError(e.problem.detail ? String(e.problem.detail) : e.message);
  if (e instanceof CliError) return e;
  // Only a failed connection is "no server"; anything else keeps its own message (never hide the real cause).
  if (e instanceof TypeError && /fetch failed/.test(e.message)) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return new CliError(`no Anxin server answers at ${url}${cause ? ` (${cause.code ?? cause.message})` : ""}`);
  }
  return new CliError(e instanceof Error ? e.message : String(e));
}

/** Opens the keystore and signs in; refuses a key that holds none of `roles` on this chain (admin = AUTHORITY_ROLE). */
async function signIn(o: Common, roles = ["admin"]): Promise<{ wallet: Wallet; api: ApiClient }> {
  if (!o.key) throw new CliError("--key <keystore.json> of the authority is required");
  const wallet = await loadWallet(o.key, o.passphraseFile);
  const api = new ApiClient(o.url);
  try {
    await api.login(wallet);
  } catch (e) {
    throw apiFailure(e, o.url);
  }
  if (!roles.some((r) => api.roles.includes(r))) {
    throw new CliError(`${wallet.address.toLowerCase()} is not ${roles.length > 1 ? "an authority or an auditor" : "an authority (AUTHORITY_ROLE)"} on this chain`);
  }
  return { wallet, api };
}

interface Account {
  chainId: number;
  registry: string;
  nonce: number;
  balance: string;
  maxFeePerGas: string;
  maxPriorityFeePerGas: string;
}

async function send(action: RegistryAction, input: RegistryInput, o: Common) {
  const { wallet, api } = await signIn(o);
  try {
    const acct = await api.get<Account>("/v1/chain/account");
    const maxFeePerGas = BigInt(acct.maxFeePerGas) * 2n; // headroom for a base fee that rises before inclusion
    if (BigInt(acct.balance) < GAS_LIMIT * maxFeePerGas) throw new CliError(`the authority ${wallet.address.toLowerCase()} has too little ether for gas on chain ${acct.chainId}`);
    const rawTransaction = await wallet.signTransaction({
      type: 2,
      chainId: acct.chainId,
      nonce: acct.nonce,
      to: acct.registry,
      data: registryCalldata(action, input),
      gasLimit: GAS_LIMIT,
      maxFeePerGas,
      maxPriorityFeePerGas: BigInt(acct.maxPriorityFeePerGas),
    });
    const r = await api.post<{ txHash: string; block: number; status: number }>("/v1/chain/transactions", { rawTransaction });
    if (r.status !== 1) throw new CliError(`the registry transaction ${r.txHash} reverted in block ${r.block}`);
    return { action, address: input.address.toLowerCase(), authority: wallet.address.toLowerCase(), chainId: acct.chainId, registry: acct.registry.toLowerCase(), txHash: r.txHash, block: r.block };
  } catch (e) {
    throw apiFailure(e, o.url);
  }
}

function address(a: string): string {
  if (!isAddress(a)) throw new CliError(`${JSON.stringify(a)} is not a 0x address`);
  return a;
}

const withCommon = (c: Command) =>
  c
    .option("--key <file>", "the authority's ethers JSON keystore (AUTHORITY_ROLE on chain)")
    .option("--passphrase-file <file>", "read the keystore passphrase from a file (first line) instead of asking")
    .option("--url <url>", "server URL (env ANXIN_URL)", defaultUrl())
    .option("--json", "machine-readable output");

const DONE: Record<RegistryAction, string> = {
  accredit: "accredited",
  suspend: "suspended",
  reinstate: "reinstated",
  appointAuditor: "appointed auditor",
  dismissAuditor: "dismissed as auditor",
  registerMatcher: "registered as matching service",
  deregisterMatcher: "deregistered as matching service",
  publishProfile: "public profile published",
};

const kebab = (a: RegistryAction) => a.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export function register(program: Command) {
  const admin = program
    .command("admin")
    .description("the authority (管理方): accreditation, auditors, matching services, registry history; signs with its own key");

  withProfileOptions(withCommon(admin.command("accredit <address>").description("accredit (or re-accredit) a counselor with their X25519 encryption key, and publish their public profile")))
    .requiredOption("--encryption-key <bytes32>", "the counselor's X25519 public key (from `anxin keys show`)")
    .option("--license-hash <bytes32>", "hash of the licence document (default: a random commitment)")
    .option("--valid-days <n>", "accreditation period in days (1–3650)", "365")
    .action(async (a: string, o: Common & ProfileOptions & { encryptionKey: string; licenseHash?: string; validDays: string }) => {
      if (!BYTES32.test(o.encryptionKey)) throw new CliError("--encryption-key must be 0x + 64 hex digits");
      if (o.licenseHash !== undefined && !BYTES32.test(o.licenseHash)) throw new CliError("--license-hash must be 0x + 64 hex digits");
      const days = Number(o.validDays);
      if (!Number.isInteger(days) || days < 1 || days > 3650) throw new CliError("--valid-days must be a whole number from 1 to 3650");
      const profile = profileFromOptions(address(a), o); // checked before anything is sent
      const accredited = await send("accredit", { address: address(a), encryptionKey: o.encryptionKey.toLowerCase(), licenseHash: o.licenseHash?.toLowerCase(), validDays: days }, o);
      if (!profile) return report(o, accredited);
      const published = await publish(profile, o);
      if (o.json) printResult(true, { ...accredited, profile: published }, () => "");
      else {
        report(o, accredited);
        report(o, published);
      }
    });

  withProfileOptions(withCommon(admin.command("publish-profile <address>").description("publish (or replace) an accredited counselor's public profile: its hash on chain, the document on the server")))
    .action(async (a: string, o: Common & ProfileOptions) => {
      const profile = profileFromOptions(address(a), o);
      if (!profile) throw new CliError(`give the profile: --profile <file.json> or ${PROFILE_OPTIONS}`, 2);
      report(o, await publish(profile, o));
    });

  withCommon(admin.command("suspend <address>").description("suspend a counselor"))
    .option("--reason <code>", `one of ${SUSPEND_REASONS.join(", ")}`, "other")
    .action(async (a: string, o: Common & { reason: string }) => {
      if (!SUSPEND_REASONS.includes(o.reason as SuspendReason)) throw new CliError(`--reason must be one of ${SUSPEND_REASONS.join(", ")}`);
      report(o, await send("suspend", { address: address(a), reason: o.reason as SuspendReason }, o));
    });

  const simple: Array<[RegistryAction, string]> = [
    ["reinstate", "reinstate a suspended counselor"],
    ["appointAuditor", "appoint an auditor"],
    ["dismissAuditor", "dismiss an auditor"],
    ["registerMatcher", "register a matching service"],
    ["deregisterMatcher", "deregister a matching service"],
  ];
  for (const [action, what] of simple) {
    withCommon(admin.command(`${kebab(action)} <address>`).description(what)).action(async (a: string, o: Common) => report(o, await send(action, { address: address(a) }, o)));
  }

  withCommon(admin.command("history [address]").description("registry events, newest first: all of them, or those of one counselor, auditor or matcher"))
    .option("--limit <n>", "at most this many events (1–500)", "100")
    .action(async (a: string | undefined, o: Common & { limit: string }) => {
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new CliError("--limit must be a whole number from 1 to 500");
      const q = new URLSearchParams({ limit: String(limit), ...(a ? { account: address(a).toLowerCase() } : {}) });
      const { api } = await signIn(o, ["admin", "auditor"]);
      let r: { events: Array<{ event: string; account: string; block: number; at: number; txHash: string }> };
      try {
        r = await api.get(`/v1/admin/registry?${q}`);
      } catch (e) {
        throw apiFailure(e, o.url);
      }
      printResult(!!o.json, r, () =>
        r.events.length ? r.events.map((e) => `${new Date(e.at * 1000).toISOString()}  block ${e.block}  ${e.event}  ${e.account}  ${e.txHash}`).join("\n") : "no registry events",
      );
    });
}

/** publishProfile signed by the authority, then the document stored on the server (which checks it against the chain). */
async function publish(profile: PublicProfile, o: Common) {
  const profileHash = publicProfileHash(profile);
  const r = await send("publishProfile", { address: profile.counselor, profileHash }, o);
  const { api } = await signIn(o);
  try {
    await api.put("/v1/counselor-profiles", profile);
  } catch (e) {
    throw apiFailure(e, o.url);
  }
  return { ...r, profileHash, displayName: profile.displayName };
}

function report(o: Common, r: Awaited<ReturnType<typeof send>>) {
  printResult(!!o.json, r, () => `${r.address} ${DONE[r.action]} in block ${r.block} (tx ${r.txHash}), signed by the authority ${r.authority}`);
}
