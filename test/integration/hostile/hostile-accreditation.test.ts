// Hostile case (c) of issue 17: a server (or a proxy in front of it) serves a forged, altered or stale counselor
// profile, or lists a counselor the registry suspended. Real server, real chain, a tampering proxy between it and
// the real client library; the client reads CounselorRegistry over its own chain endpoint (the Anvil node itself,
// not the app server) and refuses each case with a named error; the server refuses to store a profile the chain does
// not hold; the auditor flags a forged or stale stored profile. The authority publishes profiles with
// `anxin admin accredit … --display-name …` signed by its own keystore.
import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Wallet, type Contract } from "ethers";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { DEV_OPERATOR_KEY } from "../../../src/chain/index.js";
import { counselorKeys, x25519PublicKeyToBytes32 } from "../../../src/crypto/index.js";
import {
  ApiClient,
  ApiError,
  CounselorNotAccreditedError,
  MatcherNotRegisteredError,
  ProfileMismatchError,
  ProfileNotOnChainError,
  displayName,
  matcherName,
  publicProfileHash,
  rpcRegistryReader,
  verifiedProfile,
  verifiedProfileDirectory,
  type PublicProfile,
  type RegistryReader,
} from "../../../src/client/index.js";
import { makePublicProfile } from "../../../src/deid/index.js";
import { canonicalJson } from "../../../src/crypto/index.js";
import { startTamperingProxy, type TamperingProxy } from "./accreditation-proxy.js";
import { audit, codes } from "../audit/helpers.js";
import { anxin as runAnxin } from "../../helpers/cli.js";

const anxin = (args: string[]) => runAnxin(args);

describe("hostile server: forged or stale accreditation and profiles", function () {
  this.timeout(600_000);
  let srv: TestServer;
  let proxy: TamperingProxy;
  let reader: RegistryReader;
  let dir: string;
  let admin: string[];
  let registry: Contract;
  const wang = Wallet.createRandom();
  const li = Wallet.createRandom();
  let wangProfile: PublicProfile;
  let wangOld: { profileHash: string; profile: PublicProfile };

  const encKey = async (w: { privateKey: string }) => x25519PublicKeyToBytes32((await counselorKeys(w.privateKey)).x25519.publicKey);
  const refused = async (p: Promise<unknown>) => p.then(() => undefined, (e: Error) => e);

  before(async () => {
    srv = await startTestServer();
    registry = srv.ctx.chain.registry as Contract;
    proxy = await startTamperingProxy(srv.url);
    // The client's own chain endpoint and registry address: the node itself, never the app server's word.
    reader = rpcRegistryReader(srv.ctx.chain.anvil!.url, srv.ctx.chain.deployment.registry);
    dir = mkdtempSync(path.join(tmpdir(), "anxin-hostile-acc-"));
    writeFileSync(path.join(dir, "pass"), "a long enough passphrase\n");
    writeFileSync(path.join(dir, "dev.key"), `${DEV_OPERATOR_KEY}\n`);
    const imported = await anxin(["keys", "import", "--private-key-file", path.join(dir, "dev.key"), "--out", path.join(dir, "authority.json"), "--passphrase-file", path.join(dir, "pass")]);
    expect(imported.code, imported.stderr).to.equal(0);
    admin = ["--key", path.join(dir, "authority.json"), "--passphrase-file", path.join(dir, "pass"), "--url", srv.url, "--json"];

    // The authority accredits 王静 with her profile, then replaces the profile (a new title): the first is now stale.
    const first = await anxin(["admin", "accredit", wang.address, "--encryption-key", await encKey(wang), "--display-name", "王静", "--title", "三级心理咨询师", "--organisation", "静安区精神卫生中心", "--districts", "310106", "--languages", "mandarin,shanghainese", ...admin]);
    expect(first.code, first.stderr).to.equal(0);
    const out = JSON.parse(first.stdout);
    expect(out.action).to.equal("accredit");
    expect(out.profile).to.include({ action: "publishProfile", displayName: "王静" });
    wangOld = await new ApiClient(srv.url).get(`/v1/counselor-profiles/${wang.address.toLowerCase()}`);
    const file = path.join(dir, "wang.json");
    writeFileSync(file, JSON.stringify({ displayName: "王静", title: "二级心理咨询师", organisation: "静安区精神卫生中心", districts: ["310106", "310104"], languages: ["mandarin", "shanghainese"] }));
    const second = await anxin(["admin", "publish-profile", wang.address, "--profile", file, ...admin]);
    expect(second.code, second.stderr).to.equal(0);
    wangProfile = (await new ApiClient(srv.url).get(`/v1/counselor-profiles/${wang.address.toLowerCase()}`)).profile;
    expect(wangProfile.title).to.equal("二级心理咨询师");
    expect(await registry.profileHashOf(wang.address)).to.equal(publicProfileHash(wangProfile));

    const third = await anxin(["admin", "accredit", li.address, "--encryption-key", await encKey(li), "--display-name", "李明", "--title", "心理治疗师", "--organisation", "徐汇区社区卫生服务中心", "--districts", "310104", "--languages", "mandarin", ...admin]);
    expect(third.code, third.stderr).to.equal(0);
  });
  after(async () => {
    await proxy?.close();
    await srv?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const viaProxy = () => new ApiClient(proxy.url);
  const wangAddr = () => wang.address.toLowerCase();

  it("an honest server: both profiles verify against the chain and the directory shows them by name", async () => {
    proxy.rewrite = undefined;
    expect(await verifiedProfile(viaProxy(), reader, wang.address)).to.deep.equal(wangProfile);
    const dir = await verifiedProfileDirectory(viaProxy(), reader);
    expect(dir.refused).to.deep.equal([]);
    expect(displayName(dir, wang.address)).to.equal("王静");
    expect(displayName(dir, li.address)).to.equal("李明");
    expect(codes(await audit(srv))).to.deep.equal([]);
  });

  it("a forged profile (another name or organisation on a real counselor) is refused: ProfileMismatchError", async () => {
    proxy.rewrite = (p, body: any) => (p.startsWith("/v1/counselor-profiles") ? forge(body, { displayName: "王静（主任医师）", organisation: "某某高端心理诊所" }) : undefined);
    const e = await refused(verifiedProfile(viaProxy(), reader, wang.address));
    expect(e).to.be.instanceOf(ProfileMismatchError);
    expect(e!.name).to.equal("ProfileMismatchError");
    const dir = await verifiedProfileDirectory(viaProxy(), reader);
    expect(displayName(dir, wang.address)).to.equal(undefined);
    expect(dir.refused.map((r) => [r.counselor, r.error.name])).to.deep.include([wangAddr(), "ProfileMismatchError"]);
  });

  it("a stale profile (the one the authority replaced) is refused: ProfileMismatchError", async () => {
    proxy.rewrite = (p) => (p === `/v1/counselor-profiles/${wangAddr()}` ? wangOld : undefined);
    const e = await refused(verifiedProfile(viaProxy(), reader, wang.address));
    expect(e).to.be.instanceOf(ProfileMismatchError);
    expect(e!.message).to.contain(wangOld.profileHash);
  });

  it("a profile for an address the authority never accredited is refused: ProfileNotOnChainError", async () => {
    const impostor = Wallet.createRandom().address.toLowerCase();
    const fake = makePublicProfile(impostor, { displayName: "赵医生", title: "主任医师", organisation: "市精神卫生中心", districts: ["310104"], languages: ["mandarin"] });
    proxy.rewrite = (p, body: any) => (p === "/v1/counselor-profiles" ? { profiles: [...body.profiles, { counselor: impostor, profileHash: publicProfileHash(fake), profile: fake }] } : undefined);
    const dir = await verifiedProfileDirectory(viaProxy(), reader);
    expect(dir.profiles.has(impostor)).to.equal(false);
    expect(dir.refused.map((r) => [r.counselor, r.error.name])).to.deep.equal([[impostor, "ProfileNotOnChainError"]]);
    expect(dir.refused[0].error).to.be.instanceOf(ProfileNotOnChainError);
    // The server itself will not store it: the registry holds no hash for that address (nothing changes).
    const authority = await new ApiClient(srv.url).login(new Wallet(DEV_OPERATOR_KEY));
    const put = (await refused(authority.put("/v1/counselor-profiles", fake))) as ApiError;
    expect(put.status).to.equal(422);
    expect(put.problem.code).to.equal("profile_not_published");
    expect((await refused(new ApiClient(srv.url).get(`/v1/counselor-profiles/${impostor}`))) as ApiError).to.have.property("status", 404);
  });

  it("a stale accreditation (a counselor the registry suspended, still listed with their genuine profile) is refused: CounselorNotAccreditedError", async () => {
    proxy.rewrite = undefined;
    await (await registry.suspend(li.address, "0x" + "22".repeat(32))).wait();
    await srv.ctx.indexer.sync();
    // The server still serves her genuine profile (it is the authority's): only the chain says she may not practise.
    const served = await new ApiClient(srv.url).get(`/v1/counselor-profiles/${li.address.toLowerCase()}`);
    expect(served.profileHash).to.equal(await registry.profileHashOf(li.address));
    const e = await refused(verifiedProfile(viaProxy(), reader, li.address));
    expect(e).to.be.instanceOf(CounselorNotAccreditedError);
    const dir = await verifiedProfileDirectory(viaProxy(), reader);
    expect(dir.refused.map((r) => [r.counselor, r.error.name])).to.deep.equal([[li.address.toLowerCase(), "CounselorNotAccreditedError"]]);
    expect(displayName(dir, wang.address)).to.equal("王静");
  });

  it("the auditor flags a forged and a stale profile stored by a compromised server (accreditation/profile-mismatch)", async () => {
    const q = (sql: string, p: unknown[]) => srv.ctx.db.query(sql, p);
    const forged = forge({ profile: wangProfile }, { displayName: "王静（主任医师）" }) as { profileHash: string; profile: PublicProfile };
    try {
      await q("UPDATE counselor_public_profiles SET document = $2, profile_hash = $3 WHERE counselor = $1", [wangAddr(), canonicalJson(forged.profile), forged.profileHash]);
      let r = await audit(srv);
      expect(codes(r)).to.deep.equal(["accreditation/profile-mismatch"]);
      expect(JSON.stringify(r.checks)).to.not.contain("王静"); // findings name addresses and hashes, not the text
      await q("UPDATE counselor_public_profiles SET document = $2, profile_hash = $3 WHERE counselor = $1", [wangAddr(), canonicalJson(wangOld.profile), wangOld.profileHash]);
      r = await audit(srv);
      expect(codes(r)).to.deep.equal(["accreditation/profile-mismatch"]);
    } finally {
      await q("UPDATE counselor_public_profiles SET document = $2, profile_hash = $3 WHERE counselor = $1", [wangAddr(), canonicalJson(wangProfile), publicProfileHash(wangProfile)]);
    }
    expect(codes(await audit(srv))).to.deep.equal([]);
  });

  it("a matching service's registered name: published with its registration, verified against isMatcher; forged or deregistered, it is refused", async () => {
    proxy.rewrite = undefined;
    const m = Wallet.createRandom().address.toLowerCase();
    const fields = { displayName: "静安区社区心理服务匹配中心", title: "社区心理服务匹配", organisation: "静安区卫生健康委员会", districts: ["310106"], languages: ["mandarin" as const] };
    const authority = await new ApiClient(srv.url).login(new Wallet(DEV_OPERATOR_KEY));
    const r = await authority.post<{ profileHash: string }>("/v1/admin/matchers", { address: m, profile: fields });
    expect(await registry.isMatcher(m)).to.equal(true);
    expect(await registry.profileHashOf(m)).to.equal(r.profileHash);
    let dir = await verifiedProfileDirectory(viaProxy(), reader);
    expect(matcherName(dir, m)).to.equal("静安区社区心理服务匹配中心");
    expect(displayName(dir, m), "a matching service is never named as a counselor").to.equal(undefined);
    expect(matcherName(dir, wang.address), "nor a counselor as a matching service").to.equal(undefined);
    // Forged name: the hash no longer matches the one the authority published.
    proxy.rewrite = (p, body: any) => (p === "/v1/counselor-profiles" ? { profiles: body.profiles.map((e: any) => (e.counselor === m ? forge(e, { displayName: "某某高端匹配平台" }) : e)) } : undefined);
    dir = await verifiedProfileDirectory(viaProxy(), reader);
    expect(matcherName(dir, m)).to.equal(undefined);
    expect(dir.refused.map((x) => [x.counselor, x.error.name])).to.deep.include([m, "ProfileMismatchError"]);
    // Deregistered: its genuine profile is still served, but the registry no longer lists it.
    proxy.rewrite = undefined;
    await (await registry.deregisterMatcher(m)).wait();
    const e = await refused(verifiedProfile(viaProxy(), reader, m));
    expect(e).to.be.instanceOf(MatcherNotRegisteredError);
    dir = await verifiedProfileDirectory(viaProxy(), reader);
    expect(matcherName(dir, m)).to.equal(undefined);
    expect(codes(await audit(srv))).to.deep.equal([]); // the stored document is the one on chain
  });
});

/** The served entry with fields changed and its hash recomputed (a careful forger makes the document self-consistent). */
function forge(body: { profile: PublicProfile } | { profiles: Array<{ profile: PublicProfile }> }, change: Partial<PublicProfile>): unknown {
  const one = (e: { profile: PublicProfile }) => {
    const profile = { ...e.profile, ...change };
    return { ...e, profile, profileHash: publicProfileHash(profile) };
  };
  return "profiles" in body ? { profiles: body.profiles.map(one) } : one(body);
}
