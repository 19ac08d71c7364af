// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ConsentLedger} from "../../contracts/ConsentLedger.sol";
import {CounselorRegistry} from "../../contracts/CounselorRegistry.sol";
import {ConsentLedgerReference, ConsentAssemblyHarness} from "./helpers/ConsentLedgerReference.sol";
import {Vm} from "./helpers/Vm.sol";

/// Fuzz: ConsentLedger's assembly (ConsentAssembly, the calldata struct hash) against the plain OpenZeppelin code of
/// ConsentLedgerReference: same recovered signer for any signature bytes, same digest, and for any grant the same
/// outcome (the same revert data, or the same grantId, stored record and logs), through signed, direct, revoke and
/// break-glass calls.
contract ConsentAssemblyFuzzTest {
    Vm private constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    uint256 private constant N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141;
    CounselorRegistry private reg;
    ConsentLedger private ledger;
    ConsentLedgerReference private ref;
    ConsentAssemblyHarness private lib;

    function setUp() public {
        reg = new CounselorRegistry(0, address(this));
        ledger = new ConsentLedger(address(reg));
        ref = new ConsentLedgerReference(address(reg));
        lib = new ConsentAssemblyHarness();
    }

    function test_consentGrantedTopicIsTheEvent() public view {
        require(lib.consentGrantedTopic() == ConsentLedger.ConsentGranted.selector, "topic0");
    }

    function testFuzz_recoverMatchesECDSA(bytes32 digest, uint256 pkSeed, uint8 mode, bytes32 r, bytes32 s, uint8 v, uint8 len)
        public
        view
    {
        bytes memory sig;
        if (mode % 4 == 0) {
            sig = abi.encodePacked(r, s, v); // random 65 bytes
        } else if (mode % 4 == 1) {
            sig = abi.encodePacked(r, s); // random 64 bytes
        } else {
            (uint8 v2, bytes32 r2, bytes32 s2) = vm.sign(1 + pkSeed % (N - 1), digest);
            if (mode % 4 == 3) (v2, s2) = (v2 == 27 ? 28 : 27, bytes32(N - uint256(s2))); // the malleable twin
            sig = len % 2 == 0
                ? abi.encodePacked(r2, s2, v2)
                : abi.encodePacked(r2, bytes32(uint256(s2) | (uint256(v2 - 27) << 255))); // EIP-2098
        }
        if (len % 7 == 6) sig = abi.encodePacked(sig, bytes1(len)); // a wrong length
        require(lib.recoverCalldata(digest, sig) == ref.recover(digest, sig), "recovered signer differs");
    }

    function testFuzz_digestMatchesToTypedDataHash(bytes32 ds, bytes32 structHash) public view {
        require(lib.typedDataDigest(ds, structHash) == ref.typedDataDigest(ds, structHash), "digest differs");
    }

    function testFuzz_grantsMatchReference(
        uint256 pkSeed,
        uint8 purpose,
        bytes32 scope,
        uint64 notBefore,
        uint64 notAfter,
        uint32 nowTime,
        bytes32 salt,
        uint8 flags
    ) public {
        vm.assume(nowTime > 0);
        vm.warp(nowTime);
        uint256 pk = 1 + pkSeed % (N - 1);
        // Mostly well-formed grants, so that the accepting paths are fuzzed too; flags turn on each kind of fault.
        if (flags & 1 == 0) purpose %= 4;
        if (flags & 2 == 0) {
            notBefore = uint64(nowTime) - (notBefore % nowTime);
            notAfter = uint64(nowTime) + 1 + notAfter % (uint64(type(uint32).max) + 1 - nowTime);
        }
        ConsentLedger.Grant memory g = ConsentLedger.Grant({
            subject: flags & 4 == 0 ? vm.addr(pk) : address(0),
            grantee: flags & 8 == 0 ? address(0xBEEF) : address(0),
            purpose: purpose,
            scope: scope,
            notBefore: notBefore,
            notAfter: notAfter,
            salt: salt
        });
        require(ledger.hashGrant(g) == ref.hashGrant(g), "grantId differs");
        uint256 signer = flags & 16 == 0 ? pk : (pk == 1 ? 2 : pk - 1);

        _same(
            abi.encodeCall(ConsentLedger.grantBySig, (g, _sig(signer, ledger.domainSeparator(), ledger.hashGrant(g), flags))),
            abi.encodeCall(ConsentLedgerReference.grantBySig, (g, _sig(signer, ref.domainSeparator(), ref.hashGrant(g), flags)))
        );
        // The same grant again: a replay if it was stored, the same refusal otherwise.
        _same(
            abi.encodeCall(ConsentLedger.grantBySig, (g, _sig(pk, ledger.domainSeparator(), ledger.hashGrant(g), 0))),
            abi.encodeCall(ConsentLedgerReference.grantBySig, (g, _sig(pk, ref.domainSeparator(), ref.hashGrant(g), 0)))
        );
        bytes32 gid = ledger.hashGrant(g);
        ConsentLedger.Revoke memory rv = ConsentLedger.Revoke({grantId: gid, salt: salt});
        bytes32 rh = keccak256(abi.encode(ledger.REVOKE_TYPEHASH(), gid, salt));
        _same(
            abi.encodeCall(ConsentLedger.revokeBySig, (rv, _sig(signer, ledger.domainSeparator(), rh, flags))),
            abi.encodeCall(ConsentLedgerReference.revokeBySig, (rv, _sig(signer, ref.domainSeparator(), rh, flags)))
        );
        _sameRecord(gid);
    }

    function testFuzz_directAndEmergencyMatchReference(bytes32 scope, uint64 duration, bytes32 salt, uint32 nowTime, bool accredited)
        public
    {
        vm.assume(nowTime > 1);
        vm.warp(nowTime);
        if (accredited) reg.accredit(address(this), keccak256("license"), keccak256("x25519"), 0, type(uint32).max);
        duration = duration % (2 days);
        _same(
            abi.encodeCall(ConsentLedger.openEmergency, (address(0xA11CE), scope, duration, salt)),
            abi.encodeCall(ConsentLedgerReference.openEmergency, (address(0xA11CE), scope, duration, salt))
        );
        ConsentLedger.Grant memory g = ConsentLedger.Grant(address(this), address(0xBEEF), uint8(duration % 6), scope, 0, uint64(nowTime) + duration, salt);
        _same(abi.encodeCall(ConsentLedger.grant, (g)), abi.encodeCall(ConsentLedgerReference.grant, (g)));
        _sameRecord(ledger.hashGrant(g));
    }

    /// Words with dirty high bits are not a Grant: grantBySig refuses them with NonCanonicalGrant (the reference's
    /// ABI decoder refuses them too, without data).
    function testFuzz_dirtyGrantWordsAreRefused(uint8 word, uint256 junk) public {
        ConsentLedger.Grant memory g = ConsentLedger.Grant(address(this), address(0xBEEF), 0, bytes32(0), 0, 2, bytes32(0));
        bytes memory data = abi.encodeCall(ConsentLedger.grantBySig, (g, new bytes(65)));
        uint8 w = word % 5; // subject, grantee, purpose, notBefore, notAfter: words 0, 1, 2, 4, 5
        uint256 index = w < 3 ? w : w + 1;
        uint256 bits = index < 2 ? 160 : index == 2 ? 8 : 64;
        uint256 dirt = (junk | 1) << bits;
        if (dirt == 0) dirt = 1 << 255;
        uint256 offset = 4 + 32 * index;
        assembly ("memory-safe") {
            let p := add(add(data, 0x20), offset)
            mstore(p, or(mload(p), dirt))
        }
        (bool ok, bytes memory err) = address(ledger).call(data);
        require(!ok && err.length == 4 && bytes4(err) == ConsentLedger.NonCanonicalGrant.selector, "dirty word accepted");
        (ok,) = address(ref).call(data);
        require(!ok, "reference accepted a dirty word");
    }

    function _sig(uint256 pk, bytes32 ds, bytes32 structHash, uint8 flags) private pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, keccak256(abi.encodePacked(hex"1901", ds, structHash)));
        if (flags & 32 != 0) return abi.encodePacked(r, bytes32(uint256(s) | (uint256(v - 27) << 255)));
        if (flags & 64 != 0) return abi.encodePacked(r, bytes32(N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        return abi.encodePacked(r, s, v);
    }

    /// Calls both contracts; they must both revert with the same data, or both succeed with the same return data
    /// and the same logs (topics and data; only the emitter differs).
    function _same(bytes memory callLedger, bytes memory callRef) private {
        vm.recordLogs();
        (bool okA, bytes memory outA) = address(ledger).call(callLedger);
        Vm.Log[] memory logsA = vm.getRecordedLogs();
        vm.recordLogs();
        (bool okB, bytes memory outB) = address(ref).call(callRef);
        Vm.Log[] memory logsB = vm.getRecordedLogs();
        require(okA == okB, okA ? "only the ledger accepted" : "only the reference accepted");
        require(keccak256(outA) == keccak256(outB), okA ? "return data differs" : "revert data differs");
        require(logsA.length == logsB.length, "number of logs differs");
        for (uint256 i = 0; i < logsA.length; i++) {
            require(keccak256(abi.encode(logsA[i].topics)) == keccak256(abi.encode(logsB[i].topics)), "log topics differ");
            require(keccak256(logsA[i].data) == keccak256(logsB[i].data), "log data differs");
        }
    }

    function _sameRecord(bytes32 gid) private view {
        (address a, uint64 b, uint64 c, uint64 d) = ledger.getGrant(gid);
        (address a2, uint64 b2, uint64 c2, uint64 d2) = ref.getGrant(gid);
        require(a == a2 && b == b2 && c == c2 && d == d2, "stored record differs");
    }
}
