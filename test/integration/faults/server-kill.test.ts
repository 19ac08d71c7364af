// Crash safety: the server (a real child process, PGlite on disk, its own anvil) is SIGKILLed ten times at random
// moments under a concurrent write load and restarted on the same data directory each time. Every write that was
// acknowledged with 201 must be readable afterwards, with its leaf in a dense log whose head root is reproduced by
// the leaves, and the auditor's verification must pass. The orphaned anvil of a killed server is stopped by the
// next start (data/anvil.pid), so its chain state is dumped, not lost.
import { expect } from "chai";
import { publishSignedKey } from "../../../src/client/index.js";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Wallet } from "ethers";
import { freePort } from "../../../src/chain/anvil.js";
import { ApiClient, ApiError } from "../../../src/client/index.js";
import { counselorKeys, fromBase64, generateSeed, relationshipKeys, sealJson, toBase64, walletSigner } from "../../../src/crypto/index.js";
import { openPglite } from "../../../src/store/pglite.js";
import { devChain, killAllServers, killHard, logConsistency, spawnServer, stopGracefully, type ChildServer } from "./helpers.js";

const KILLS = 10;
const WRITERS = 4;

describe("faults: SIGKILL of the server under write load", function () {
  // Eleven start-ups, each after a crash: PostgreSQL then fsyncs every file of the data directory before it serves.
  this.timeout(900_000); // eleven start-ups of 15-40 s each when the machine is shared
  let dataDir: string;
  let env: Record<string, string>;
  let srv: ChildServer | undefined;
  // The writers run until the test ends; a test that times out must stop them too, or the process never exits.
  let running = true;

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "anxin-kill-"));
    env = {
      ANXIN_DATA_DIR: dataDir,
      PORT: String(await freePort()),
      ANXIN_ANVIL_PORT: String(await freePort()),
      ANXIN_CHAIN_POLL_MS: "100",
      ANXIN_RATE_LIMIT_PER_MINUTE: "1000000",
    };
  });
  after(async () => {
    running = false;
    await killAllServers();
    // A SIGKILLed server leaves its anvil running: stop it by the pid file the server keeps.
    try {
      const pid = Number(readFileSync(path.join(dataDir, "anvil.pid"), "utf8"));
      process.kill(pid, "SIGKILL");
    } catch {
      // none left
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("keeps every acknowledged write, a whole log and a passing audit across 10 SIGKILLs", async () => {
    // ---- set-up: no anchoring while the test sends with the authority key (it is also the server's operator) ----
    // Sessions survive restarts: the token key lives in the store and roles come from the chain index.
    const t0 = Date.now();
    srv = await spawnServer({ ...env, ANXIN_ANCHOR_INTERVAL_SECONDS: "3600" });
    const firstStartMs = Date.now() - t0;
    const chain = devChain(dataDir, Number(env.ANXIN_ANVIL_PORT));
    const counselor = new Wallet(Wallet.createRandom().privateKey);
    const auditor = new Wallet(Wallet.createRandom().privateKey);
    const ck = await counselorKeys(counselor.privateKey);
    await chain.accredit(counselor);
    await chain.appointAuditor(auditor);
    const residents = await Promise.all([1, 2].map(async () => relationshipKeys(await generateSeed(), counselor.address)));
    const grants: string[] = [];
    const openings: Array<() => Promise<void>> = [];
    for (const rel of residents) {
      await new ApiClient(srv.url).login(rel.wallet).then((api) => publishSignedKey(api, rel.wallet, rel.x25519.publicKey));
      const g = await chain.grant(rel, counselor.address, srv.url);
      grants.push(g.id);
      openings.push(g.open);
    }
    chain.close();
    for (const open of openings) await open(); // the scope openings (categories) the server needs to see coverage
    const cApi = await loginWithRole(srv.url, counselor, "counselor");
    const aApi = await loginWithRole(srv.url, auditor, "auditor");
    await waitForGrants(cApi, residents.map((r) => r.address));
    const residentKeys = await Promise.all(
      residents.map(async (r) => fromBase64((await cApi.get<{ x25519PublicKey: string }>(`/v1/vault/recipients/${r.address}`)).x25519PublicKey, 32)),
    );
    const setupMs = Date.now() - t0;

    // ---- the load: several writers over HTTP, running across all crashes ----
    const acked: Array<{ recordId: string; contentHash: string; leafIndex: number }> = [];
    const statuses = new Map<number, number>();
    let refused = 0;
    let firstRefusal: string | undefined;
    const writer = async (w: number) => {
      let n = 0;
      let unsent: object | undefined; // refused before it reached the server: resent as is (no sealing while down)
      while (running) {
        const who = (w + n++) % residents.length;
        const envelope = unsent ?? await sealJson({
          kind: "consultation_note",
          schema: "anxin.note.v1",
          subjectRef: residents[who].address,
          consentId: grants[who],
          prev: null,
          body: { minutes: n, writer: w },
          recipients: [
            { address: ck.address, x25519PublicKey: ck.x25519.publicKey },
            { address: residents[who].address, x25519PublicKey: residentKeys[who] },
          ],
          signer: walletSigner(counselor),
        });
        unsent = undefined;
        try {
          const res = await fetch(`${cApi.baseUrl}/v1/records`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${cApi.token}` },
            body: JSON.stringify(envelope),
            signal: AbortSignal.timeout(10_000),
          });
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status === 201) acked.push(await res.json());
          else firstRefusal ??= `${res.status} ${(await res.text()).slice(0, 300)}`;
        } catch (e) {
          // Refused or reset: the server is down and nothing was acknowledged. A reset write may have committed,
          // so only a refused connection's envelope is sent again.
          refused++;
          if ((e as { cause?: { code?: string } }).cause?.code === "ECONNREFUSED") unsent = envelope;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    const envRun = { ...env, ANXIN_ANCHOR_INTERVAL_SECONDS: "1" };
    const delays: number[] = [];
    const ackedPerRun: number[] = [];
    const startMs: number[] = [];
    const writers: Promise<void>[] = [];
    try {
      for (let w = 0; w < WRITERS; w++) writers.push(writer(w));
      for (let k = 0; k < KILLS; k++) {
        // The first run is the set-up server's (no anchoring); every later one anchors each second.
        if (k > 0) {
          const t1 = Date.now();
          srv = await spawnServer(envRun);
          startMs.push(Date.now() - t1);
        }
        const before = acked.length;
        // Kill under load: once this run has acknowledged writes (a start-up on a busy machine may take the whole of
        // a fixed delay, and a kill before any write arrives tests nothing), then at a random moment.
        for (const until = Date.now() + 60_000; acked.length - before < 5 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 20));
        const delay = 200 + Math.floor(Math.random() * 1300);
        delays.push(delay);
        await new Promise((r) => setTimeout(r, delay));
        await killHard(srv);
        ackedPerRun.push(acked.length - before);
        if (process.env.ANXIN_FAULTS_VERBOSE) console.log(`      run ${k}: start ${startMs.at(-1) ?? "-"} ms, ${acked.length - before} acked, ${Date.now() - t0} ms in`);
      }
      srv = await spawnServer(envRun);
      await new Promise((r) => setTimeout(r, 300)); // a last stretch of writes on a healthy server
    } finally {
      running = false;
      await Promise.all(writers);
    }
    const context = `start-ups ${startMs.join(",")} ms; delays ${delays.join(",")} ms; acked per run ${ackedPerRun.join(",")}; statuses ${JSON.stringify([...statuses])}; first refusal ${firstRefusal ?? "none"}`;
    expect(acked.length, context).to.be.greaterThan(KILLS * 5);
    expect([...statuses.keys()].filter((s) => s !== 201), `${context}\n${srv.output().slice(-2000)}`).to.deep.equal([]);

    // ---- every acknowledged write is readable with the leaf it was given ----
    const lost: string[] = [];
    const queue = [...acked];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let a = queue.pop(); a; a = queue.pop()) {
          try {
            const chainOf = await cApi.get<{ versions: Array<{ contentHash: string; leafIndex: number }> }>(`/v1/records/${a.recordId}`);
            const v = chainOf.versions.find((x) => x.contentHash === a.contentHash);
            if (!v || v.leafIndex !== a.leafIndex) lost.push(`${a.recordId} (leaf ${a.leafIndex})`);
          } catch (e) {
            lost.push(`${a.recordId}: ${e instanceof ApiError ? e.status : (e as Error).message}`);
          }
        }
      }),
    );
    expect(lost, context).to.deep.equal([]);
    expect(new Set(acked.map((a) => a.leafIndex)).size, "two acknowledged writes share a leaf").to.equal(acked.length);

    // ---- the auditor's verification over the API ----
    const report = await aApi.post<{ ok: boolean; checks: Array<{ id: string; failures: Array<{ code: string; detail: string }> }> }>("/v1/audit/verify", {});
    const failures = report.checks.flatMap((c) => c.failures.map((f) => `${c.id}/${f.code}`));
    expect([...new Set(failures)], JSON.stringify(report.checks).slice(0, 3000)).to.deep.equal([]);

    // ---- the store itself, read directly after a clean stop ----
    const anvilPid = Number(readFileSync(path.join(dataDir, "anvil.pid"), "utf8"));
    expect(await stopGracefully(srv)).to.equal(0);
    srv = undefined;
    // A clean stop takes its anvil down and removes the pid file (a SIGKILL leaves both for the next start).
    expect(existsSync(path.join(dataDir, "anvil.pid"))).to.equal(false);
    const anvilState = (() => {
      try {
        return readFileSync(`/proc/${anvilPid}/stat`, "utf8").split(" ")[2];
      } catch {
        return "gone";
      }
    })();
    expect(anvilState, "anvil still running after a clean stop").to.be.oneOf(["gone", "Z"]);
    const db = await openPglite(path.join(dataDir, "db"));
    try {
      const c = await logConsistency(db);
      expect(c.problems, context).to.deep.equal([]);
      expect(c.records).to.be.at.least(acked.length); // a write may commit and die before its 201 was sent
      const leaves = await db.query<{ idx: number; input: string }>(
        "SELECT idx, input FROM log_leaves WHERE idx = ANY($1::bigint[])",
        [acked.map((a) => a.leafIndex)],
      );
      const byIdx = new Map(leaves.map((l) => [Number(l.idx), JSON.parse(l.input) as { type: string; hash: string }]));
      for (const a of acked) expect(byIdx.get(a.leafIndex), `leaf ${a.leafIndex}`).to.deep.include({ type: "record", hash: a.contentHash.slice(2) });
    } finally {
      await db.close();
    }
    console.log(`      first start ${firstStartMs} ms, set-up ${setupMs} ms; ${acked.length} acknowledged writes over ${KILLS} crashes (${context}); ${refused} requests hit a dead server`);
  });
});

async function loginWithRole(url: string, wallet: Wallet, role: string): Promise<ApiClient> {
  for (let i = 0; i < 100; i++) {
    const api = await new ApiClient(url).login(wallet);
    if (api.roles.includes(role)) return api;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never got the ${role} role`);
}

/** The server indexes the relayed grants asynchronously: wait until the counselor may list each subject. */
async function waitForGrants(api: ApiClient, subjects: string[]) {
  for (const s of subjects) {
    for (let i = 0; ; i++) {
      try {
        await api.get(`/v1/records?subject=${s}`);
        break;
      } catch (e) {
        if (i > 100) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
}
