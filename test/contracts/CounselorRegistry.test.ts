import { expect } from "chai";
import { network } from "hardhat";
import { id } from "ethers";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;
const DAY = 86_400n;

async function deploy(delay = 0) {
  const [admin, authority, counselor, auditor, matcher, other] = await ethers.getSigners();
  const registry = await ethers.deployContract("CounselorRegistry", [delay, admin.address]);
  return { registry, admin, authority, counselor, auditor, matcher, other };
}

describe("CounselorRegistry", () => {
  describe("roles", () => {
    it("the admin holds DEFAULT_ADMIN_ROLE and AUTHORITY_ROLE; the admin can appoint another authority", async () => {
      const { registry, admin, authority, counselor } = await deploy(3600);
      const AUTHORITY = await registry.AUTHORITY_ROLE();
      expect(AUTHORITY).to.equal(id("AUTHORITY_ROLE"));
      expect(await registry.hasRole(await registry.DEFAULT_ADMIN_ROLE(), admin.address)).to.equal(true);
      expect(await registry.hasRole(AUTHORITY, admin.address)).to.equal(true);
      expect(await registry.defaultAdminDelay()).to.equal(3600n);
      await expect(registry.grantRole(AUTHORITY, authority.address))
        .to.emit(registry, "RoleGranted")
        .withArgs(AUTHORITY, authority.address, admin.address);
      const now = BigInt(await time.latest());
      await expect(registry.connect(authority).accredit(counselor.address, id("l"), id("k"), now, now + DAY)).to.emit(
        registry,
        "CounselorAccredited",
      );
    });

    it("every authority operation is refused to other accounts", async () => {
      const { registry, other, counselor } = await deploy();
      const AUTHORITY = await registry.AUTHORITY_ROLE();
      const calls = [
        registry.connect(other).accredit(counselor.address, id("l"), id("k"), 0, 1),
        registry.connect(other).suspend(counselor.address, id("r")),
        registry.connect(other).reinstate(counselor.address),
        registry.connect(other).appointAuditor(other.address),
        registry.connect(other).dismissAuditor(other.address),
        registry.connect(other).registerMatcher(other.address),
        registry.connect(other).deregisterMatcher(other.address),
      ];
      for (const c of calls) {
        await expect(c).to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount").withArgs(other.address, AUTHORITY);
      }
      await expect(registry.connect(other).grantRole(AUTHORITY, other.address)).to.be.revertedWithCustomError(
        registry,
        "AccessControlUnauthorizedAccount",
      );
    });

    it("admin transfer is two-step with the delay", async () => {
      const { registry, admin, other } = await deploy(3600);
      await registry.beginDefaultAdminTransfer(other.address);
      expect(await registry.defaultAdmin()).to.equal(admin.address);
      await expect(registry.connect(other).acceptDefaultAdminTransfer()).to.be.revertedWithCustomError(
        registry,
        "AccessControlEnforcedDefaultAdminDelay",
      );
      await time.increase(3601);
      await registry.connect(other).acceptDefaultAdminTransfer();
      expect(await registry.defaultAdmin()).to.equal(other.address);
    });
  });

  describe("accreditation", () => {
    it("accredit records license hash, key and period, with an event; re-accreditation updates them", async () => {
      const { registry, counselor } = await deploy();
      await expect(registry.accredit(counselor.address, id("lic1"), id("key1"), 100, 200))
        .to.emit(registry, "CounselorAccredited")
        .withArgs(counselor.address, id("lic1"), id("key1"), 100, 200);
      expect(await registry.counselorInfo(counselor.address)).to.deep.equal([id("lic1"), id("key1"), 100n, 200n, false]);
      expect(await registry.encryptionKeyOf(counselor.address)).to.equal(id("key1"));
      await expect(registry.accredit(counselor.address, id("lic2"), id("key2"), 150, 900))
        .to.emit(registry, "CounselorAccredited")
        .withArgs(counselor.address, id("lic2"), id("key2"), 150, 900);
      expect(await registry.counselorInfo(counselor.address)).to.deep.equal([id("lic2"), id("key2"), 150n, 900n, false]);
      expect(await registry.historyLength(counselor.address)).to.equal(2n);
    });

    it("validates input with custom errors", async () => {
      const { registry, counselor } = await deploy();
      await expect(registry.accredit(ethers.ZeroAddress, id("l"), id("k"), 0, 1)).to.be.revertedWithCustomError(registry, "ZeroAddress");
      await expect(registry.accredit(counselor.address, ethers.ZeroHash, id("k"), 0, 1)).to.be.revertedWithCustomError(
        registry,
        "InvalidCredential",
      );
      await expect(registry.accredit(counselor.address, id("l"), ethers.ZeroHash, 0, 1)).to.be.revertedWithCustomError(
        registry,
        "InvalidCredential",
      );
      await expect(registry.accredit(counselor.address, id("l"), id("k"), 5, 5))
        .to.be.revertedWithCustomError(registry, "InvalidValidity")
        .withArgs(5, 5);
    });

    it("suspend and reinstate, with events and their times; errors for unknown or wrong state", async () => {
      const { registry, counselor, other } = await deploy();
      await expect(registry.suspend(other.address, id("r"))).to.be.revertedWithCustomError(registry, "UnknownCounselor").withArgs(other.address);
      await expect(registry.reinstate(other.address)).to.be.revertedWithCustomError(registry, "UnknownCounselor").withArgs(other.address);
      const now = BigInt(await time.latest());
      await registry.accredit(counselor.address, id("l"), id("k"), now, now + 10n * DAY);
      await expect(registry.reinstate(counselor.address)).to.be.revertedWithCustomError(registry, "NotSuspended").withArgs(counselor.address);
      await time.setNextBlockTimestamp(now + 100n);
      await expect(registry.suspend(counselor.address, id("complaint #1")))
        .to.emit(registry, "CounselorSuspended")
        .withArgs(counselor.address, id("complaint #1"), now + 100n);
      expect((await registry.counselorInfo(counselor.address))[4]).to.equal(true);
      await expect(registry.suspend(counselor.address, id("r"))).to.be.revertedWithCustomError(registry, "AlreadySuspended").withArgs(counselor.address);
      await time.setNextBlockTimestamp(now + 200n);
      await expect(registry.reinstate(counselor.address)).to.emit(registry, "CounselorReinstated").withArgs(counselor.address, now + 200n);
      expect((await registry.counselorInfo(counselor.address))[4]).to.equal(false);
    });

    it("isAccredited answers for past times by the state then in force", async () => {
      const { registry, counselor, other } = await deploy();
      const t0 = BigInt(await time.latest()) + 1000n;
      // t0: accredited for [t0 - 500, t0 + 10 days)
      await time.setNextBlockTimestamp(t0);
      await registry.accredit(counselor.address, id("l"), id("k"), t0 - 500n, t0 + 10n * DAY);
      await time.setNextBlockTimestamp(t0 + 100n);
      await registry.suspend(counselor.address, id("r"));
      await time.setNextBlockTimestamp(t0 + 200n);
      await registry.reinstate(counselor.address);
      // Re-accreditation at t0 + 300 with a period starting later.
      await time.setNextBlockTimestamp(t0 + 300n);
      await registry.accredit(counselor.address, id("l2"), id("k2"), t0 + 400n, t0 + 500n);
      const at = (dt: bigint) => registry.isAccredited(counselor.address, t0 + dt);
      expect(await at(-1n)).to.equal(false); // before the first record: not accredited, even inside validFrom
      expect(await at(0n)).to.equal(true);
      expect(await at(99n)).to.equal(true);
      expect(await at(100n)).to.equal(false); // suspended
      expect(await at(199n)).to.equal(false);
      expect(await at(200n)).to.equal(true); // reinstated
      expect(await at(299n)).to.equal(true);
      expect(await at(300n)).to.equal(false); // new period not started
      expect(await at(400n)).to.equal(true);
      expect(await at(499n)).to.equal(true);
      expect(await at(500n)).to.equal(false); // expired
      expect(await registry.isAccredited(other.address, t0)).to.equal(false);
      expect(await registry.historyAt(counselor.address, 1)).to.deep.equal([t0 + 100n, t0 - 500n, t0 + 10n * DAY, true]);
    });

    it("a suspension survives re-accreditation", async () => {
      const { registry, counselor } = await deploy();
      const now = BigInt(await time.latest());
      await registry.accredit(counselor.address, id("l"), id("k"), now, now + DAY);
      await registry.suspend(counselor.address, id("r"));
      await registry.accredit(counselor.address, id("l"), id("k2"), now, now + 2n * DAY);
      expect(await registry.isAccredited(counselor.address, BigInt(await time.latest()))).to.equal(false);
      expect((await registry.counselorInfo(counselor.address))[4]).to.equal(true);
    });
  });

  describe("auditors and matching services", () => {
    it("appoint and dismiss auditors, with events and errors", async () => {
      const { registry, auditor } = await deploy();
      expect(await registry.isAuditor(auditor.address)).to.equal(false);
      await expect(registry.appointAuditor(auditor.address)).to.emit(registry, "AuditorAppointed").withArgs(auditor.address);
      expect(await registry.isAuditor(auditor.address)).to.equal(true);
      await expect(registry.appointAuditor(auditor.address)).to.be.revertedWithCustomError(registry, "AlreadyAuditor").withArgs(auditor.address);
      await expect(registry.appointAuditor(ethers.ZeroAddress)).to.be.revertedWithCustomError(registry, "ZeroAddress");
      await expect(registry.dismissAuditor(auditor.address)).to.emit(registry, "AuditorDismissed").withArgs(auditor.address);
      expect(await registry.isAuditor(auditor.address)).to.equal(false);
      await expect(registry.dismissAuditor(auditor.address)).to.be.revertedWithCustomError(registry, "NotAuditor").withArgs(auditor.address);
    });

    it("register and deregister matchers, with events and errors", async () => {
      const { registry, matcher } = await deploy();
      await expect(registry.registerMatcher(matcher.address)).to.emit(registry, "MatcherRegistered").withArgs(matcher.address);
      expect(await registry.isMatcher(matcher.address)).to.equal(true);
      await expect(registry.registerMatcher(matcher.address)).to.be.revertedWithCustomError(registry, "AlreadyMatcher").withArgs(matcher.address);
      await expect(registry.registerMatcher(ethers.ZeroAddress)).to.be.revertedWithCustomError(registry, "ZeroAddress");
      await expect(registry.deregisterMatcher(matcher.address)).to.emit(registry, "MatcherDeregistered").withArgs(matcher.address);
      expect(await registry.isMatcher(matcher.address)).to.equal(false);
      await expect(registry.deregisterMatcher(matcher.address)).to.be.revertedWithCustomError(registry, "NotMatcher").withArgs(matcher.address);
    });
  });

  describe("public profiles", () => {
    it("the authority publishes and replaces a counselor's profile hash, with an event; others, unknown counselors and a zero hash are refused", async () => {
      const { registry, counselor, other } = await deploy();
      expect(await registry.profileHashOf(counselor.address)).to.equal(ethers.ZeroHash);
      await expect(registry.publishProfile(counselor.address, id("p1"))).to.be.revertedWithCustomError(registry, "UnknownCounselor").withArgs(counselor.address);
      const now = BigInt(await time.latest());
      await registry.accredit(counselor.address, id("l"), id("k"), now, now + DAY);
      await expect(registry.publishProfile(counselor.address, ethers.ZeroHash)).to.be.revertedWithCustomError(registry, "InvalidProfile");
      await expect(registry.publishProfile(counselor.address, id("p1"))).to.emit(registry, "CounselorProfilePublished").withArgs(counselor.address, id("p1"));
      expect(await registry.profileHashOf(counselor.address)).to.equal(id("p1"));
      await expect(registry.publishProfile(counselor.address, id("p2"))).to.emit(registry, "CounselorProfilePublished").withArgs(counselor.address, id("p2"));
      expect(await registry.profileHashOf(counselor.address)).to.equal(id("p2"));
      await expect(registry.connect(other).publishProfile(counselor.address, id("p3")))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(other.address, await registry.AUTHORITY_ROLE());
      expect(await registry.profileHashOf(counselor.address)).to.equal(id("p2"));
    });

    it("the authority publishes a registered matching service's profile hash, with an event; an unregistered address, others and a zero hash are refused", async () => {
      const { registry, matcher, other } = await deploy();
      await expect(registry.publishMatcherProfile(matcher.address, id("m1"))).to.be.revertedWithCustomError(registry, "NotMatcher").withArgs(matcher.address);
      await registry.registerMatcher(matcher.address);
      await expect(registry.publishMatcherProfile(matcher.address, ethers.ZeroHash)).to.be.revertedWithCustomError(registry, "InvalidProfile");
      await expect(registry.connect(other).publishMatcherProfile(matcher.address, id("m1")))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(other.address, await registry.AUTHORITY_ROLE());
      await expect(registry.publishMatcherProfile(matcher.address, id("m1"))).to.emit(registry, "MatcherProfilePublished").withArgs(matcher.address, id("m1"));
      expect(await registry.profileHashOf(matcher.address)).to.equal(id("m1"));
      // a matching service is not a counselor: publishProfile still refuses it
      await expect(registry.publishProfile(matcher.address, id("m2"))).to.be.revertedWithCustomError(registry, "UnknownCounselor").withArgs(matcher.address);
    });
  });
});
