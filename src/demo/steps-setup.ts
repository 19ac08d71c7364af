// Steps 1–3: the server and chain, the authority's registrations, the counselors' matching profiles.
import { Wallet } from "ethers";
import { DEV_OPERATOR_KEY } from "../chain/index.js";
import { loadConfig } from "../config.js";
import { counselorKeys } from "../crypto/index.js";
import { startServer } from "../http/server.js";
import { createFreshSchema } from "../store/schema-repo.js";
import path from "node:path";
import { copyFileSync, mkdirSync } from "node:fs";
import { DemoStepError, Party, retrying } from "./actors.js";
import { ApiClient, rpcRegistryReader, verifiedProfileDirectory } from "../client/index.js";
import { short, type Demo, type Note } from "./state.js";

export async function startStack(d: Demo, note: Note) {
  // The caller's CHAIN_RPC_URL is ignored (the demo's chain is embedded and fresh). With a PostgreSQL server
  // (DATABASE_URL) the demo runs on a fresh schema of it, with TWO instances sharing it: residents use the second.
  const databaseUrl = d.databaseUrl ? await createFreshSchema(d.databaseUrl, `anxin_demo_${Date.now()}`) : undefined;
  const cfg = loadConfig({}, {
    dataDir: d.dataDir,
    ...(databaseUrl ? { databaseUrl } : {}),
    port: 0,
    anvilPort: 0,
    logLevel: "info",
    chainPollMs: 100,
    anchorIntervalSeconds: 5,
    rateLimitPerMinute: 1_000_000,
    authRateLimitPerMinute: 1_000_000,
    city: d.community.places.city,
  });
  d.srv = await startServer(cfg, d.log);
  d.started(d.srv);
  d.url = d.residentUrl = d.S.url = d.srv.url;
  if (databaseUrl) {
    // The second instance: same database, same chain and contracts, same session and log keys (as instances share them).
    const secondDir = path.join(d.dataDir, "second-instance");
    mkdirSync(secondDir, { recursive: true });
    copyFileSync(path.join(d.dataDir, "deployment.json"), path.join(secondDir, "deployment.json"));
    d.second = await startServer(
      loadConfig({}, {
        ...cfg,
        dataDir: secondDir,
        embeddedChainUrl: d.srv.ctx.chain.anvil!.url,
        sessionKeyFile: path.join(d.dataDir, "session.key"),
        logKeyFile: path.join(d.dataDir, "log-key"),
      }),
      d.log,
    );
    d.residentUrl = d.second.url;
    note(`PostgreSQL schema ${new URL(databaseUrl).searchParams.get("options")?.replace("-c search_path=", "")}: two instances share it — staff at ${d.url}, residents at ${d.residentUrl}`);
  }
  d.admin = new Party(d.url, new Wallet(DEV_OPERATOR_KEY));
  d.matcher = new Party(d.url, d.matcherWallet);
  d.auditor = new Party(d.url, d.auditorWallet);
  const health = await (await d.admin.api()).get("/healthz");
  note(`${d.url} · store ${health.db.kind} · chain ${health.chain.chainId} (block ${health.chain.block}) · data ${d.dataDir}`);
}

export async function accreditParties(d: Demo, note: Note) {
  const api = await d.admin.api();
  if (!api.roles.includes("admin")) throw new DemoStepError("the dev operator is not the authority on this chain");
  d.S.community.authority = d.admin.address;
  const keys = await Promise.all(d.counselorWallets.map((w) => counselorKeys(w.privateKey)));
  for (const [i, k] of keys.entries()) {
    const c = d.community.counselors[i];
    const profile = { ...c.publicProfile, districts: c.profile.districts, languages: c.profile.languages };
    const r = await retrying(() => api.post("/v1/admin/counselors", { address: k.address, encryptionKey: k.encryptionKey, validDays: 365, profile }));
    d.counselorOf.set(k.address, i);
    d.counselors.push({ wallet: d.counselorWallets[i], keys: k, party: new Party(d.url, d.counselorWallets[i]) });
    note(`咨询师 counselor ${d.community.counselors[i].label}: ${short(k.address)} accredited (block ${r.block})`);
  }
  // Residents see counselors by the name the authority published: the client checks each against the chain itself.
  const reader = rpcRegistryReader(d.srv.ctx.chain.anvil?.url ?? d.srv.ctx.chain.deployment.rpcUrl!, d.srv.ctx.chain.deployment.registry);
  const dir = await verifiedProfileDirectory(new ApiClient(d.url), reader);
  if (dir.profiles.size !== d.counselors.length || dir.refused.length) throw new DemoStepError("the counselors' public profiles do not verify against the chain");
  note(`${dir.profiles.size} public profiles verified against the chain: ${[...dir.profiles.values()].map((p) => p.displayName).join(" · ")}`);
  const m = await retrying(() => api.post("/v1/admin/matchers", { address: d.matcher.address }));
  note(`匹配服务 matcher ${short(d.matcher.address)} registered (block ${m.block})`);
  const a = await retrying(() => api.post("/v1/admin/auditors", { address: d.auditor.address }));
  note(`审计员 auditor ${short(d.auditor.address)} appointed (block ${a.block})`);
  d.S.community.matcher = d.matcher.address;
  d.S.community.auditor = d.auditor.address;
  const expected: Array<[Party, string]> = [[d.matcher, "matcher"], [d.auditor, "auditor"], ...d.counselors.map((c): [Party, string] => [c.party, "counselor"])];
  for (const [p, role] of expected) {
    const roles = (await p.api()).roles;
    if (!roles.includes(role)) throw new DemoStepError(`${short(p.address)} signed in without the ${role} role`);
  }
}

export async function publishProfiles(d: Demo, note: Note) {
  for (const [i, c] of d.community.counselors.entries()) {
    await (await d.counselors[i].party.api()).put("/v1/counselors/me/profile", c.profile);
  }
  const list = (await (await d.matcher.api()).get("/v1/match/counselors")).counselors as Array<{ counselorId: string; accredited: boolean; capacity: number }>;
  note(`${list.filter((c) => c.accredited).length} accredited profiles, total capacity ${list.reduce((s, c) => s + c.capacity, 0)} (languages 普通话 · 粤语 · 上海话)`);
}
