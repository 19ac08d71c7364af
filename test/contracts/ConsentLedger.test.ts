import { expect } from "chai";
import { network } from "hardhat";
import { TypedDataEncoder, Wallet, hexlify, id, randomBytes, type Signer } from "ethers";
import {
  GRANT_TYPES,
  Purpose,
  consentDomain,
  grantId,
  signGrant,
  signRevoke,
  toCompact,
  toHighS,
  type Grant,
} from "./helpers/consent.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;
const HOUR = 3600n;
const DAY = 24n * HOUR;
const UINT32_MAX = 2n ** 32n - 1n;

async function deploy() {
  const [admin, relayer, counselor, grantee, other] = await ethers.getSigners();
  const registry = await ethers.deployContract("CounselorRegistry", [0, admin.address]);
  const ledger = await ethers.deployContract("ConsentLedger", [await registry.getAddress()]);
  const { chainId } = await ethers.provider.getNetwork();
  const domain = await consentDomain(ledger, chainId);
  // A resident with no ether at all: every signed action goes through the relayer.
  const resident = Wallet.createRandom().connect(ethers.provider);
  const now = BigInt(await time.latest());
  await registry.accredit(counselor.address, id("license"), id("x25519"), now, now + 365n * DAY);
  return { admin, relayer, counselor, grantee, other, registry, ledger, domain, resident };
}

function makeGrant(subject: string, grantee: string, now: bigint, over: Partial<Grant> = {}): Grant {
  return {
    subject,
    grantee,
    purpose: Purpose.TREATMENT,
    scope: id("scope:assessment,consultation"),
    notBefore: now,
    notAfter: now + 30n * DAY,
    salt: hexlify(randomBytes(32)),
    ...over,
  };
}

describe("ConsentLedger", () => {
  describe("EIP-712", () => {
    it("domain separator, typehashes and grantId match a standard EIP-712 encoder", async () => {
      const { ledger, domain, resident, grantee } = await deploy();
      expect(await ledger.domainSeparator()).to.equal(TypedDataEncoder.hashDomain(domain));
      expect(await ledger.GRANT_TYPEHASH()).to.equal(
        id("Grant(address subject,address grantee,uint8 purpose,bytes32 scope,uint64 notBefore,uint64 notAfter,bytes32 salt)"),
      );
      expect(await ledger.REVOKE_TYPEHASH()).to.equal(id("Revoke(bytes32 grantId,bytes32 salt)"));
      const g = makeGrant(resident.address, grantee.address, 1000n);
      expect(await ledger.hashGrant(g)).to.equal(TypedDataEncoder.hashStruct("Grant", GRANT_TYPES, g));
      const r = { grantId: grantId(g), salt: id("s") };
      expect(await ledger.hashRevoke(r)).to.equal(
        TypedDataEncoder.hashStruct("Revoke", { Revoke: [{ name: "grantId", type: "bytes32" }, { name: "salt", type: "bytes32" }] }, r),
      );
    });
  });

  describe("grantBySig", () => {
    it("a relayer records a resident's signed grant; the resident holds no ether", async () => {
      const { ledger, domain, resident, grantee, relayer } = await deploy();
      expect(await ethers.provider.getBalance(resident.address)).to.equal(0n);
      const now = BigInt(await time.latest());
      const g = makeGrant(resident.address, grantee.address, now, { purpose: Purpose.MONITORING });
      const sig = await signGrant(resident, domain, g);
      const gid = grantId(g);
      expect(await ledger.connect(relayer).grantBySig.staticCall(g, sig)).to.equal(gid);
      await expect(ledger.connect(relayer).grantBySig(g, sig))
        .to.emit(ledger, "ConsentGranted")
        .withArgs(gid, resident.address, grantee.address, Purpose.MONITORING, g.scope, g.notBefore, g.notAfter);
      expect(await ledger.getGrant(gid)).to.deep.equal([resident.address, g.notBefore, g.notAfter, 0n]);
      expect(await ledger.isActive(gid, now + 1n)).to.equal(true);
    });

    it("replay of the same signed grant reverts", async () => {
      const { ledger, domain, resident, grantee, relayer, other } = await deploy();
      const g = makeGrant(resident.address, grantee.address, BigInt(await time.latest()));
      const sig = await signGrant(resident, domain, g);
      await ledger.connect(relayer).grantBySig(g, sig);
      await expect(ledger.connect(other).grantBySig(g, sig))
        .to.be.revertedWithCustomError(ledger, "GrantAlreadyExists")
        .withArgs(grantId(g));
      // Another salt is another grant.
      const g2 = { ...g, salt: id("other salt") };
      await expect(ledger.grantBySig(g2, await signGrant(resident, domain, g2))).to.emit(ledger, "ConsentGranted");
    });

    it("rejects a wrong signer, a tampered grant, another domain, a high-s twin and malformed signatures", async () => {
      const { ledger, domain, resident, grantee, relayer } = await deploy();
      const g = makeGrant(resident.address, grantee.address, BigInt(await time.latest()));
      const sig = await signGrant(resident, domain, g);
      const bad = async (grant: Grant, s: string) =>
        expect(ledger.connect(relayer).grantBySig(grant, s)).to.be.revertedWithCustomError(ledger, "BadSignature");
      await bad(g, await signGrant(grantee, domain, g)); // the grantee signs for the resident
      await bad(g, await signGrant(relayer, domain, g)); // the relayer signs
      await bad({ ...g, grantee: relayer.address }, sig); // field changed after signing
      await bad({ ...g, notAfter: g.notAfter + 1n }, sig);
      await bad(g, await signGrant(resident, { ...domain, chainId: 1n }, g)); // other chain
      await bad(g, await signGrant(resident, { ...domain, version: "2" }, g));
      await bad(g, toHighS(sig));
      await bad(g, sig.slice(0, -2) + "1b" === sig ? sig.slice(0, -2) + "1c" : sig.slice(0, -2) + "1b"); // flipped v
      await bad(g, sig.slice(0, -2) + "00"); // v = 0
      await bad(g, sig + "00"); // 66 bytes
      await bad(g, "0x");
      // The untouched signature still works afterwards.
      await expect(ledger.connect(relayer).grantBySig(g, sig)).to.emit(ledger, "ConsentGranted");
    });

    it("accepts EIP-2098 compact 64-byte signatures", async () => {
      const { ledger, domain, resident, grantee } = await deploy();
      const g = makeGrant(resident.address, grantee.address, BigInt(await time.latest()));
      const compact = toCompact(await signGrant(resident, domain, g));
      expect(ethers.dataLength(compact)).to.equal(64);
      await expect(ledger.grantBySig(g, compact)).to.emit(ledger, "ConsentGranted");
    });

    it("validates every field with its own error", async () => {
      const { ledger, domain, resident, grantee } = await deploy();
      const now = BigInt(await time.latest());
      const base = makeGrant(resident.address, grantee.address, now);
      const attempt = async (over: Partial<Grant>) => {
        const g = { ...base, ...over };
        return ledger.grantBySig(g, await signGrant(resident, domain, g));
      };
      await expect(attempt({ notBefore: now + 10n, notAfter: now + 10n }))
        .to.be.revertedWithCustomError(ledger, "InvalidPeriod")
        .withArgs(now + 10n, now + 10n);
      // Expired: notAfter not in the future at the time of the block.
      await time.setNextBlockTimestamp(now + 100n);
      await expect(attempt({ notBefore: 0n, notAfter: now + 100n }))
        .to.be.revertedWithCustomError(ledger, "GrantExpired")
        .withArgs(now + 100n, now + 100n);
      await expect(attempt({ notAfter: UINT32_MAX + 1n }))
        .to.be.revertedWithCustomError(ledger, "TimestampTooLarge")
        .withArgs(UINT32_MAX + 1n);
      await expect(attempt({ grantee: ethers.ZeroAddress })).to.be.revertedWithCustomError(ledger, "ZeroGrantee");
      await expect(attempt({ purpose: 5 })).to.be.revertedWithCustomError(ledger, "InvalidPurpose").withArgs(5);
      await expect(attempt({ purpose: 255 })).to.be.revertedWithCustomError(ledger, "InvalidPurpose").withArgs(255);
      await expect(attempt({ purpose: Purpose.EMERGENCY })).to.be.revertedWithCustomError(
        ledger,
        "EmergencyNotSignable",
      );
      // A zero subject can never be "recovered": failed recoveries return address(0).
      const z = { ...base, subject: ethers.ZeroAddress };
      await expect(ledger.grantBySig(z, "0x")).to.be.revertedWithCustomError(ledger, "ZeroSubject");
      // The largest storable timestamp is fine.
      await expect(attempt({ notAfter: UINT32_MAX })).to.emit(ledger, "ConsentGranted");
    });

    it("a not-yet-valid grant is recorded and becomes active only inside [notBefore, notAfter)", async () => {
      const { ledger, domain, resident, grantee } = await deploy();
      const now = BigInt(await time.latest());
      const g = makeGrant(resident.address, grantee.address, now, { notBefore: now + DAY, notAfter: now + 2n * DAY });
      await ledger.grantBySig(g, await signGrant(resident, domain, g));
      const gid = grantId(g);
      expect(await ledger.isActive(gid, now)).to.equal(false);
      expect(await ledger.isActive(gid, now + DAY - 1n)).to.equal(false);
      expect(await ledger.isActive(gid, now + DAY)).to.equal(true);
      expect(await ledger.isActive(gid, now + 2n * DAY - 1n)).to.equal(true);
      expect(await ledger.isActive(gid, now + 2n * DAY)).to.equal(false);
      expect(await ledger.isActive(id("unknown"), now + DAY)).to.equal(false);
    });
  });

  describe("revocation", () => {
    async function withGrant() {
      const f = await deploy();
      const now = BigInt(await time.latest());
      const g = makeGrant(f.resident.address, f.grantee.address, now);
      await f.ledger.grantBySig(g, await signGrant(f.resident, f.domain, g));
      return { ...f, g, gid: grantId(g), now };
    }

    it("revokeBySig by the subject, relayed; active before, inactive from the revocation on", async () => {
      const { ledger, domain, resident, relayer, gid, now } = await withGrant();
      const r = { grantId: gid, salt: id("r1") };
      const at = now + HOUR;
      await time.setNextBlockTimestamp(at);
      await expect(ledger.connect(relayer).revokeBySig(r, await signRevoke(resident, domain, r)))
        .to.emit(ledger, "ConsentRevoked")
        .withArgs(gid, at);
      expect((await ledger.getGrant(gid))[3]).to.equal(at);
      expect(await ledger.isActive(gid, at - 1n)).to.equal(true);
      expect(await ledger.isActive(gid, at)).to.equal(false);
      expect(await ledger.isActive(gid, at + 1n)).to.equal(false);
    });

    it("revokeBySig signed by a non-subject (grantee, relayer) is refused", async () => {
      const { ledger, domain, grantee, relayer, gid } = await withGrant();
      const r = { grantId: gid, salt: id("r1") };
      for (const who of [grantee, relayer] as Signer[]) {
        await expect(ledger.connect(relayer).revokeBySig(r, await signRevoke(who, domain, r))).to.be.revertedWithCustomError(
          ledger,
          "BadSignature",
        );
      }
      expect(await ledger.isActive(gid, BigInt(await time.latest()))).to.equal(true);
    });

    it("a revocation cannot be replayed, nor an unknown grant revoked", async () => {
      const { ledger, domain, resident, gid } = await withGrant();
      const r = { grantId: gid, salt: id("r1") };
      const sig = await signRevoke(resident, domain, r);
      await ledger.revokeBySig(r, sig);
      await expect(ledger.revokeBySig(r, sig)).to.be.revertedWithCustomError(ledger, "AlreadyRevoked").withArgs(gid);
      const u = { grantId: id("nothing"), salt: id("r1") };
      await expect(ledger.revokeBySig(u, await signRevoke(resident, domain, u)))
        .to.be.revertedWithCustomError(ledger, "UnknownGrant")
        .withArgs(u.grantId);
    });

    it("direct revoke only by the subject", async () => {
      const { ledger, grantee, relayer, gid, resident } = await withGrant();
      for (const who of [grantee, relayer]) {
        await expect(ledger.connect(who).revoke(gid)).to.be.revertedWithCustomError(ledger, "NotSubject").withArgs(who.address);
      }
      await relayer.sendTransaction({ to: resident.address, value: ethers.parseEther("1") });
      await expect(ledger.connect(resident).revoke(gid)).to.emit(ledger, "ConsentRevoked");
      await expect(ledger.connect(resident).revoke(gid)).to.be.revertedWithCustomError(ledger, "AlreadyRevoked");
      await expect(ledger.connect(resident).revoke(id("nothing"))).to.be.revertedWithCustomError(ledger, "UnknownGrant");
    });

    it("revokeBatchBySig revokes several grants; a bad one reverts the whole batch", async () => {
      const f = await deploy();
      const now = BigInt(await time.latest());
      const gs = [0, 1, 2].map(() => makeGrant(f.resident.address, f.grantee.address, now));
      await f.ledger.grantBatchBySig(gs, await Promise.all(gs.map((g) => signGrant(f.resident, f.domain, g))));
      const rs = gs.map((g) => ({ grantId: grantId(g), salt: id("batch") }));
      const sigs = await Promise.all(rs.map((r) => signRevoke(f.resident, f.domain, r)));
      await expect(f.ledger.revokeBatchBySig(rs, sigs.slice(1))).to.be.revertedWithCustomError(f.ledger, "LengthMismatch");
      const wrong = [...sigs];
      wrong[2] = await signRevoke(f.grantee, f.domain, rs[2]);
      await expect(f.ledger.revokeBatchBySig(rs, wrong)).to.be.revertedWithCustomError(f.ledger, "BadSignature");
      expect(await f.ledger.isActive(rs[0].grantId, now + 10n)).to.equal(true);
      const tx = f.ledger.revokeBatchBySig(rs, sigs);
      for (const r of rs) await expect(tx).to.emit(f.ledger, "ConsentRevoked").withArgs(r.grantId, (t: bigint) => t > 0n);
    });
  });

  describe("direct and batch grants", () => {
    it("grant() by the subject; refused for anyone else", async () => {
      const { ledger, grantee, relayer, other } = await deploy();
      const now = BigInt(await time.latest());
      const g = makeGrant(other.address, grantee.address, now);
      await expect(ledger.connect(relayer).grant(g)).to.be.revertedWithCustomError(ledger, "NotSubject").withArgs(relayer.address);
      await expect(ledger.connect(other).grant(g))
        .to.emit(ledger, "ConsentGranted")
        .withArgs(grantId(g), other.address, grantee.address, g.purpose, g.scope, g.notBefore, g.notAfter);
      await expect(ledger.connect(other).grant(g)).to.be.revertedWithCustomError(ledger, "GrantAlreadyExists");
      await expect(ledger.connect(other).grant({ ...g, salt: id("x"), purpose: Purpose.EMERGENCY })).to.be.revertedWithCustomError(
        ledger,
        "EmergencyNotSignable",
      );
    });

    it("grantBatch() records several grants of the caller", async () => {
      const { ledger, grantee, other } = await deploy();
      const now = BigInt(await time.latest());
      const gs = [Purpose.TREATMENT, Purpose.MATCHING, Purpose.RESEARCH_AGGREGATE].map((purpose) =>
        makeGrant(other.address, grantee.address, now, { purpose }),
      );
      expect(await ledger.connect(other).grantBatch.staticCall(gs)).to.deep.equal(gs.map(grantId));
      await ledger.connect(other).grantBatch(gs);
      for (const g of gs) expect(await ledger.isActive(grantId(g), now + 5n)).to.equal(true);
      const mixed = [makeGrant(other.address, grantee.address, now), makeGrant(grantee.address, other.address, now)];
      await expect(ledger.connect(other).grantBatch(mixed)).to.be.revertedWithCustomError(ledger, "NotSubject");
    });

    it("grantBatchBySig records many residents' grants and returns their ids; all or nothing", async () => {
      const { ledger, domain, grantee, relayer } = await deploy();
      const now = BigInt(await time.latest());
      const residents = [0, 1, 2, 3].map(() => Wallet.createRandom());
      const gs = residents.map((r) => makeGrant(r.address, grantee.address, now));
      const sigs = await Promise.all(gs.map((g, i) => signGrant(residents[i], domain, g)));
      await expect(ledger.grantBatchBySig(gs, sigs.slice(0, 3))).to.be.revertedWithCustomError(ledger, "LengthMismatch");
      const swapped = [sigs[1], sigs[0], sigs[2], sigs[3]];
      await expect(ledger.grantBatchBySig(gs, swapped)).to.be.revertedWithCustomError(ledger, "BadSignature");
      const dup = [...gs.slice(0, 3), gs[0]];
      await expect(ledger.grantBatchBySig(dup, [...sigs.slice(0, 3), sigs[0]]))
        .to.be.revertedWithCustomError(ledger, "GrantAlreadyExists")
        .withArgs(grantId(gs[0]));
      expect(await ledger.connect(relayer).grantBatchBySig.staticCall(gs, sigs)).to.deep.equal(gs.map(grantId));
      const tx = ledger.connect(relayer).grantBatchBySig(gs, sigs);
      for (const g of gs) {
        await expect(tx)
          .to.emit(ledger, "ConsentGranted")
          .withArgs(grantId(g), g.subject, g.grantee, g.purpose, g.scope, g.notBefore, g.notAfter);
      }
      expect(await ledger.grantBatchBySig([], [])).to.not.emit(ledger, "ConsentGranted");
    });
  });

  describe("EIP-1271 contract wallets", () => {
    it("accepts grants and revocations signed for a contract-wallet subject by its owner key, rejects others", async () => {
      const { ledger, domain, grantee, relayer, other } = await deploy();
      const owner = Wallet.createRandom();
      const wallet = await ethers.deployContract("ERC1271WalletMock", [owner.address]);
      const subject = await wallet.getAddress();
      const now = BigInt(await time.latest());
      const g = makeGrant(subject, grantee.address, now);
      await expect(ledger.connect(relayer).grantBySig(g, await signGrant(other, domain, g))).to.be.revertedWithCustomError(
        ledger,
        "BadSignature",
      );
      await expect(ledger.connect(relayer).grantBySig(g, await signGrant(owner, domain, g)))
        .to.emit(ledger, "ConsentGranted")
        .withArgs(grantId(g), subject, grantee.address, g.purpose, g.scope, g.notBefore, g.notAfter);
      const r = { grantId: grantId(g), salt: id("r") };
      await expect(ledger.revokeBySig(r, await signRevoke(other, domain, r))).to.be.revertedWithCustomError(
        ledger,
        "BadSignature",
      );
      await expect(ledger.revokeBySig(r, await signRevoke(owner, domain, r))).to.emit(ledger, "ConsentRevoked");
    });
  });

  describe("break-glass (EMERGENCY)", () => {
    it("an accredited counselor opens bounded access; both events carry the grant", async () => {
      const { ledger, counselor, resident } = await deploy();
      const scope = id("scope:crisis");
      const salt = id("e1");
      const t = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(t);
      const g: Grant = { subject: resident.address, grantee: counselor.address, purpose: Purpose.EMERGENCY, scope, notBefore: t, notAfter: t + 2n * HOUR, salt };
      const gid = grantId(g);
      const tx = ledger.connect(counselor).openEmergency(resident.address, scope, 2n * HOUR, salt);
      await expect(tx).to.emit(ledger, "EmergencyAccessOpened").withArgs(gid, counselor.address, resident.address, scope, t, t + 2n * HOUR);
      await expect(tx)
        .to.emit(ledger, "ConsentGranted")
        .withArgs(gid, resident.address, counselor.address, Purpose.EMERGENCY, scope, t, t + 2n * HOUR);
      expect(await ledger.getGrant(gid)).to.deep.equal([resident.address, t, t + 2n * HOUR, 0n]);
      expect(await ledger.isActive(gid, t + 2n * HOUR - 1n)).to.equal(true);
      expect(await ledger.isActive(gid, t + 2n * HOUR)).to.equal(false);
      // The resident can close it like any grant.
      const r = { grantId: gid, salt: id("close") };
      await expect(ledger.revokeBySig(r, await signRevoke(resident, await consentDomain(ledger, (await ethers.provider.getNetwork()).chainId), r))).to.emit(
        ledger,
        "ConsentRevoked",
      );
    });

    it("duration must be in (0, 24 h]", async () => {
      const { ledger, counselor, resident } = await deploy();
      expect(await ledger.MAX_EMERGENCY_DURATION()).to.equal(DAY);
      for (const d of [0n, DAY + 1n, 2n ** 64n - 1n]) {
        await expect(ledger.connect(counselor).openEmergency(resident.address, id("s"), d, id("e")))
          .to.be.revertedWithCustomError(ledger, "InvalidEmergencyDuration")
          .withArgs(d);
      }
      await expect(ledger.connect(counselor).openEmergency(resident.address, id("s"), DAY, id("e"))).to.emit(
        ledger,
        "EmergencyAccessOpened",
      );
      await expect(ledger.connect(counselor).openEmergency(resident.address, id("s"), 1n, id("e2"))).to.emit(
        ledger,
        "EmergencyAccessOpened",
      );
    });

    it("only a counselor accredited now may open it (not others, not suspended, not expired)", async () => {
      const { ledger, registry, counselor, resident, other } = await deploy();
      await expect(ledger.connect(other).openEmergency(resident.address, id("s"), HOUR, id("e")))
        .to.be.revertedWithCustomError(ledger, "NotAccredited")
        .withArgs(other.address);
      await registry.suspend(counselor.address, id("reason"));
      await expect(ledger.connect(counselor).openEmergency(resident.address, id("s"), HOUR, id("e")))
        .to.be.revertedWithCustomError(ledger, "NotAccredited")
        .withArgs(counselor.address);
      await registry.reinstate(counselor.address);
      await ledger.connect(counselor).openEmergency(resident.address, id("s"), HOUR, id("e"));
      await time.increase(366n * DAY);
      await expect(ledger.connect(counselor).openEmergency(resident.address, id("s"), HOUR, id("e3"))).to.be.revertedWithCustomError(
        ledger,
        "NotAccredited",
      );
    });

    it("refuses a zero subject and a duplicate in the same second", async () => {
      const { ledger, counselor, resident } = await deploy();
      await expect(ledger.connect(counselor).openEmergency(ethers.ZeroAddress, id("s"), HOUR, id("e"))).to.be.revertedWithCustomError(
        ledger,
        "ZeroSubject",
      );
      await networkHelpers.mine(); // settle
      await ethers.provider.send("evm_setAutomine", [false]);
      try {
        const a = await ledger.connect(counselor).openEmergency(resident.address, id("s"), HOUR, id("same"));
        const b = await ledger.connect(counselor).openEmergency(resident.address, id("s"), HOUR, id("same"), { gasLimit: 500_000 });
        await networkHelpers.mine();
        expect((await a.wait())!.status).to.equal(1);
        // Same counselor, subject, scope, salt and second: the same grantId, so the second one reverts.
        expect((await ethers.provider.getTransactionReceipt(b.hash))!.status).to.equal(0);
      } finally {
        await ethers.provider.send("evm_setAutomine", [true]);
      }
    });
  });
});
