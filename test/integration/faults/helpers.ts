// Helpers for the fault suites: the server as a real child process (`node bin/anxin.js serve`) that a test can
// SIGKILL, chain set-up through the server's own anvil (the dev authority key), and store consistency checks.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Contract, JsonRpcProvider, NonceManager, Wallet } from "ethers";
import { DEV_OPERATOR_KEY } from "../../../src/chain/index.js";
import { loadArtifact } from "../../../src/chain/artifacts.js";
import type { Deployment } from "../../../src/chain/deploy.js";
import { buildGrant, consentDomain, grantId, signGrant, Purpose } from "../../../src/consent/index.js";
import { counselorKeys, x25519PublicKeyToBytes32, type RelationshipKeys } from "../../../src/crypto/index.js";
import { CompactRange, bytesEqual, leafHash, toHex } from "../../../src/log/index.js";
import type { Queryable } from "../../../src/store/db.js";
import { registerOpening } from "../../helpers/consent.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export interface ChildServer {
  url: string;
  proc: ChildProcess;
  /** Everything the process wrote (stdout + stderr), for failure messages and privacy scans. */
  output(): string;
  exited: Promise<number | null>;
}

const live = new Set<ChildProcess>();

/** SIGKILLs every server child still running (a timed-out test may be mid-start-up with one nobody holds). */
export async function killAllServers(): Promise<void> {
  await Promise.all(
    [...live].map(
      (p) =>
        new Promise<void>((r) => {
          p.once("exit", () => r());
          p.kill("SIGKILL");
        }),
    ),
  );
}

/** Starts `anxin serve` as a child process and waits until /healthz answers 200. */
export async function spawnServer(env: Record<string, string>, timeoutMs = 60_000): Promise<ChildServer> {
  const proc = spawn(process.execPath, [path.join(repoRoot, "bin/anxin.js"), "serve"], {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(proc);
  proc.once("exit", () => live.delete(proc));
  let out = "";
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-200_000));
  proc.stdout!.on("data", keep);
  proc.stderr!.on("data", keep);
  const exited = new Promise<number | null>((r) => proc.once("exit", (code, sig) => r(code ?? (sig ? -1 : null))));
  const url = `http://127.0.0.1:${env.PORT}`;
  const deadline = Date.now() + timeoutMs;
  let dead = false;
  void exited.then(() => (dead = true));
  for (;;) {
    if (dead) throw new Error(`server exited during start-up:\n${out.slice(-3000)}`);
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`server did not become healthy within ${timeoutMs} ms:\n${out.slice(-3000)}`);
    }
    try {
      const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, proc, output: () => out, exited };
}

export async function killHard(s: ChildServer): Promise<void> {
  s.proc.kill("SIGKILL");
  await s.exited;
}

export async function stopGracefully(s: ChildServer): Promise<number | null> {
  s.proc.kill("SIGTERM");
  return s.exited;
}

/** The embedded chain of a server data dir, driven with the dev authority key (the server must not be sending). */
export function devChain(dataDir: string, anvilPort: number) {
  const deployment = JSON.parse(readFileSync(path.join(dataDir, "deployment.json"), "utf8")) as Deployment;
  const provider = new JsonRpcProvider(`http://127.0.0.1:${anvilPort}`, undefined, { staticNetwork: true, pollingInterval: 100 });
  const authority = new NonceManager(new Wallet(DEV_OPERATOR_KEY, provider));
  const registry = new Contract(deployment.registry, loadArtifact("CounselorRegistry").abi, authority);
  const consentLedger = new Contract(deployment.consentLedger, loadArtifact("ConsentLedger").abi, authority);
  return {
    deployment,
    provider,
    async accredit(wallet: Wallet) {
      const keys = await counselorKeys(wallet.privateKey);
      const now = Math.floor(Date.now() / 1000);
      await (await registry.accredit(wallet.address, "0x" + "11".repeat(32), x25519PublicKeyToBytes32(keys.x25519.publicKey), now - 60, now + 365 * 86400)).wait();
    },
    async appointAuditor(wallet: Wallet) {
      await (await registry.appointAuditor(wallet.address)).wait();
    },
    /**
     * The resident's relationship key grants TREATMENT to the counselor; relayed by the authority. Returns the grant
     * id and `open()`, which registers the scope opening with the server (call it once the test sends no more
     * transactions: the server's relayer shares the authority key).
     */
    async grant(rel: RelationshipKeys, grantee: string, serverUrl: string): Promise<{ id: string; open(): Promise<void> }> {
      const now = Math.floor(Date.now() / 1000);
      const built = buildGrant({
        subject: rel.address,
        grantee,
        purpose: Purpose.TREATMENT,
        categories: ["assessment", "consultation_note", "care_plan", "identity"],
        notBefore: now - 60,
        notAfter: now + 30 * 86400,
      });
      const g = built.grant;
      const sig = await signGrant(rel.wallet, consentDomain(deployment.chainId, deployment.consentLedger), g);
      await (await consentLedger.grantBySig(g, sig)).wait();
      return { id: grantId(g), open: () => registerOpening(serverUrl, rel.wallet, built, sig) };
    },
    close: () => provider.destroy(),
  };
}

/**
 * The log in the store is whole: leaves dense 0..size-1, each leaf hash recomputed from its input, the head's
 * compact range root equal to the root rebuilt from the leaves, every record row pointing at its own record leaf
 * and every record leaf at its row. Returns problems (empty = consistent) and the counts.
 */
export async function logConsistency(q: Queryable): Promise<{ problems: string[]; size: number; records: number }> {
  const problems: string[] = [];
  const [head] = await q.query<{ size: number; frontier: string }>("SELECT size, frontier FROM log_head WHERE id = 1");
  const size = Number(head.size);
  const rows = await q.query<{ idx: number; leaf_hash: Uint8Array; input: string; type: string; ref_id: string }>(
    "SELECT idx, leaf_hash, input, type, ref_id FROM log_leaves ORDER BY idx",
  );
  if (rows.length !== size) problems.push(`log_head.size is ${size} but ${rows.length} leaves are stored`);
  const rebuilt = new CompactRange();
  const recordLeaves = new Map<number, { id: string; hash: string }>();
  rows.forEach((r, i) => {
    if (Number(r.idx) !== i) problems.push(`leaf at position ${i} has index ${r.idx} (not dense)`);
    const h = leafHash(new TextEncoder().encode(r.input));
    if (!bytesEqual(h, new Uint8Array(r.leaf_hash))) problems.push(`leaf ${r.idx}: stored hash differs from the hash of its input`);
    rebuilt.append(h);
    if (r.type === "record") recordLeaves.set(Number(r.idx), { id: r.ref_id, hash: JSON.parse(r.input).hash });
  });
  const state = JSON.parse(head.frontier);
  const headRange = Array.isArray(state) ? new CompactRange() : CompactRange.fromState(state);
  if (headRange.size !== size) problems.push(`head frontier covers ${headRange.size} leaves, head size is ${size}`);
  if (toHex(headRange.root()) !== toHex(rebuilt.root())) problems.push(`head root ${toHex(headRange.root())} differs from the rebuilt root ${toHex(rebuilt.root())}`);
  const recs = await q.query<{ content_hash: string; record_id: string; version: number; leaf_index: number; envelope: string | null }>(
    "SELECT content_hash, record_id, version, leaf_index, envelope FROM records",
  );
  const seen = new Set<number>();
  for (const r of recs) {
    const leaf = recordLeaves.get(Number(r.leaf_index));
    if (!leaf) problems.push(`record ${r.record_id}:${r.version} points at leaf ${r.leaf_index}, which is not a record leaf`);
    else if (leaf.id !== `${r.record_id}:${r.version}` || leaf.hash !== r.content_hash.slice(2)) problems.push(`record ${r.record_id}:${r.version} and leaf ${r.leaf_index} disagree`);
    if (r.envelope === null) problems.push(`record ${r.record_id}:${r.version} has no envelope (never erased in this test)`);
    seen.add(Number(r.leaf_index));
  }
  for (const idx of recordLeaves.keys()) if (!seen.has(idx)) problems.push(`record leaf ${idx} has no record row`);
  return { problems, size, records: recs.length };
}
