import { expect } from "chai";
import { network } from "hardhat";
import { readFileSync } from "node:fs";
import { ContractFactory, id } from "ethers";
import AnxinModule from "../../ignition/modules/Anxin.js";

const { ethers, ignition } = await network.create();

describe("Deployment", () => {
  it("the Ignition module deploys the three contracts wired together, with parameters", async () => {
    const [admin, writer] = await ethers.getSigners();
    const { registry, consentLedger, checkpointLog } = await ignition.deploy(AnxinModule, {
      parameters: { Anxin: { admin: admin.address, writer: writer.address, adminDelay: 86_400n } },
    });
    expect(await consentLedger.registry()).to.equal(await registry.getAddress());
    expect(await registry.hasRole(id("AUTHORITY_ROLE"), admin.address)).to.equal(true);
    expect(await registry.defaultAdminDelay()).to.equal(86_400n);
    expect(await checkpointLog.writer()).to.equal(writer.address);
    expect(await checkpointLog.owner()).to.equal(admin.address);
    const { chainId } = await ethers.provider.getNetwork();
    const domain = { name: "Anxin Consent", version: "1", chainId, verifyingContract: await consentLedger.getAddress() };
    expect(await consentLedger.domainSeparator()).to.equal(ethers.TypedDataEncoder.hashDomain(domain));
  });

  it("the compiled artifacts deploy with a plain ethers ContractFactory (the embedded start-up path)", async () => {
    const [admin] = await ethers.getSigners();
    const load = (name: string) =>
      JSON.parse(readFileSync(new URL(`../../artifacts/contracts/${name}.sol/${name}.json`, import.meta.url), "utf8"));
    const deploy = async (name: string, args: unknown[]) => {
      const a = load(name);
      const c = await new ContractFactory(a.abi, a.bytecode, admin).deploy(...args);
      await c.waitForDeployment();
      return c;
    };
    const registry = await deploy("CounselorRegistry", [0, admin.address]);
    const ledger = await deploy("ConsentLedger", [await registry.getAddress()]);
    const log = await deploy("CheckpointLog", [admin.address, admin.address]);
    expect(await ledger.getFunction("registry")()).to.equal(await registry.getAddress());
    expect(await log.getFunction("latest")()).to.deep.equal([0n, ethers.ZeroHash]);
  });
});
