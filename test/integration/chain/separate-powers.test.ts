// Issue 17 part 4, separate powers. (1) A chain that does not hold deployment.json's contracts — another chain id,
// no code, other code — stops start-up with a message naming `anxin deploy --force`; the server never redeploys on
// its own, and `anxin deploy --force` does. (2) Outside the embedded dev chain the operator key holds no registry
// role: start-up refuses an operator that is the authority, the admin routes that would send with the operator key
// refuse (409 operator_not_authority) even for a signed-in authority, and the first deployment needs --authority.
import { expect } from "chai";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Wallet } from "ethers";
import { startTestServer } from "../../helpers/server.js";
import { startAnvil, type AnvilHandle } from "../../../src/chain/anvil.js";
import { DeploymentMismatchError, NoDeploymentError } from "../../../src/chain/deploy.js";
import { OperatorHoldsAuthorityError } from "../../../src/chain/powers.js";
import { ApiError } from "../../../src/client/index.js";
import { anxin as runAnxin } from "../../helpers/cli.js";

// Anvil's published dev keys #1 and #2 (never the embedded operator #0).
const OPERATOR_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const AUTHORITY_KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9e8e73f3e6d5b";

const anxin = (args: string[], env: Record<string, string>) => runAnxin(args, { LOG_LEVEL: "silent", ANXIN_ANVIL_PORT: "0", ...env }, 600_000);

describe("separate powers: deployment.json is the chain's word, the operator is no authority", function () {
  this.timeout(300_000);

  it("a chain id, a missing code or another code than deployment.json names stops start-up; only `anxin deploy --force` deploys again", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "anxin-powers-"));
    try {
      const first = await startTestServer({ dataDir });
      expect(first.logLines.some((l) => l.includes("embedded dev chain: the operator key"))).to.equal(true);
      await first.stop();
      const file = path.join(dataDir, "deployment.json");
      const good = readFileSync(file, "utf8");
      const d = JSON.parse(good);

      const refused = async (edit: Record<string, unknown>, message: RegExp) => {
        writeFileSync(file, JSON.stringify({ ...d, ...edit }, null, 2) + "\n");
        const e = await startTestServer({ dataDir }).then(
          async (s) => (await s.stop(), undefined),
          (err: Error) => err,
        );
        expect(e, JSON.stringify(edit)).to.be.instanceOf(DeploymentMismatchError);
        expect(e!.message).to.match(message).and.to.contain("anxin deploy --force");
        expect(JSON.parse(readFileSync(file, "utf8")), "nothing was redeployed").to.deep.include(edit);
      };
      await refused({ chainId: 1 }, /deployment\.json is for chain 1, the node is chain 31337/);
      await refused({ registry: "0x" + "42".repeat(20) }, /CounselorRegistry has no code/);
      await refused({ registry: d.checkpointLog }, /is not this version's CounselorRegistry/);

      // Without --force a mismatch is refused by `anxin deploy` too; with it, new contracts, the old file kept.
      const noForce = await anxin(["deploy", "--data-dir", dataDir, "--json"], {});
      expect(noForce.code, noForce.stderr).to.equal(1);
      expect(noForce.stderr).to.contain("anxin deploy --force");
      const forced = await anxin(["deploy", "--force", "--data-dir", dataDir, "--json"], {});
      expect(forced.code, forced.stderr).to.equal(0);
      const out = JSON.parse(forced.stdout);
      expect(out.action).to.equal("redeployed");
      expect(out.registry).to.not.equal(d.registry);
      expect(readdirSync(dataDir).some((f) => f.startsWith("deployment.json.") && f.endsWith(".old"))).to.equal(true);
      const again = await startTestServer({ dataDir });
      try {
        expect(again.ctx.chain.deployment.registry).to.equal(out.registry);
        expect(again.ctx.chain.deploy.action).to.equal("reused");
      } finally {
        await again.stop();
      }
      const help = await anxin(["deploy", "--help"], {});
      expect(help.stdout).to.contain("--force").and.to.contain("--authority").and.to.contain("--json");
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  describe("on a chain other than the embedded dev chain", () => {
    let anvil: AnvilHandle;
    const dirs: string[] = [];
    before(async () => (anvil = await startAnvil({ port: 0 })));
    after(async () => {
      await anvil?.stop();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });
    const env = () => ({ CHAIN_RPC_URL: anvil.url, ANXIN_OPERATOR_KEY: OPERATOR_KEY });
    const fresh = () => {
      const d = mkdtempSync(path.join(tmpdir(), "anxin-powers-rpc-"));
      dirs.push(d);
      return d;
    };

    it("start-up does not deploy; `anxin deploy` needs --authority; the admin routes refuse to send with the operator key", async () => {
      const dataDir = fresh();
      const config = { chainRpcUrl: anvil.url, operatorPrivateKey: OPERATOR_KEY };
      const none = await startTestServer({ dataDir, config }).then((s) => s.stop(), (e: Error) => e);
      expect(none).to.be.instanceOf(NoDeploymentError);
      expect((none as Error).message).to.contain("anxin deploy --authority");

      const noAuthority = await anxin(["deploy", "--data-dir", dataDir], env());
      expect(noAuthority.code).to.equal(2);
      expect(noAuthority.stderr).to.contain("--authority <address> is required");

      const authority = new Wallet(AUTHORITY_KEY);
      const deployed = await anxin(["deploy", "--authority", authority.address, "--data-dir", dataDir, "--json"], env());
      expect(deployed.code, deployed.stderr).to.equal(0);
      expect(JSON.parse(deployed.stdout)).to.include({ action: "deployed", authority: authority.address.toLowerCase() });

      const srv = await startTestServer({ dataDir, config });
      try {
        expect(srv.logLines.some((l) => l.includes("embedded dev chain"))).to.equal(false);
        const admin = await srv.api().login(authority);
        expect(admin.roles).to.include("admin");
        const e = (await admin.post("/v1/admin/auditors", { address: Wallet.createRandom().address }).catch((x) => x)) as ApiError;
        expect(e.status).to.equal(409);
        expect(e.problem.code ?? e.problem.detail).to.match(/operator_not_authority|no authority outside the embedded dev chain/);
        expect(await srv.ctx.chain.registry.isAuditor(Wallet.createRandom().address)).to.equal(false);
      } finally {
        await srv.stop();
      }
    });

    it("an operator that holds the registry's authority role stops start-up", async () => {
      const dataDir = fresh();
      const operator = new Wallet(OPERATOR_KEY);
      const deployed = await anxin(["deploy", "--authority", operator.address, "--data-dir", dataDir, "--json"], env());
      expect(deployed.code, deployed.stderr).to.equal(0);
      const e = await startTestServer({ dataDir, config: { chainRpcUrl: anvil.url, operatorPrivateKey: OPERATOR_KEY } }).then((s) => s.stop(), (x: Error) => x);
      expect(e).to.be.instanceOf(OperatorHoldsAuthorityError);
      expect((e as Error).message).to.contain("AUTHORITY_ROLE and DEFAULT_ADMIN_ROLE");
    });
  });
});
