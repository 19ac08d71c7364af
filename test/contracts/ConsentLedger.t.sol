// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ConsentLedger} from "../../contracts/ConsentLedger.sol";
import {CounselorRegistry} from "../../contracts/CounselorRegistry.sol";
import {Vm} from "./helpers/Vm.sol";

/// Fuzz: any signed grant is accepted once, is active exactly on [notBefore, notAfter) until revoked, and its
/// malleable twin, a replay and a revocation signed by someone else are all refused.
contract ConsentLedgerFuzzTest {
    Vm private constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    uint256 private constant N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141;
    ConsentLedger private ledger;

    function setUp() public {
        CounselorRegistry reg = new CounselorRegistry(0, address(this));
        ledger = new ConsentLedger(address(reg));
    }

    function _sign(uint256 pk, bytes32 structHash) private view returns (uint8 v, bytes32 r, bytes32 s) {
        return vm.sign(pk, keccak256(abi.encodePacked(hex"1901", _ds, structHash)));
    }

    bytes32 private _ds;

    function testFuzz_signedGrantLifecycle(
        uint256 pkSeed,
        uint8 purpose,
        bytes32 scope,
        uint32 notBefore,
        uint32 span,
        uint32 nowOffset,
        uint32 probe,
        bytes32 salt
    ) public {
        _ds = ledger.domainSeparator();
        uint256 pk = 1 + pkSeed % (N - 1);
        // notBefore > 0 keeps block.timestamp > 0: revokedAt = 0 means "not revoked" (no real chain is at time 0).
        vm.assume(notBefore > 0 && span > 0 && uint256(notBefore) + span <= type(uint32).max);
        uint64 nb = notBefore;
        uint64 na = uint64(notBefore) + span;
        uint64 nowTime = nb + uint64(nowOffset % span); // somewhere before notAfter
        vm.warp(nowTime);
        ConsentLedger.Grant memory g = ConsentLedger.Grant({
            subject: vm.addr(pk),
            grantee: address(0xBEEF),
            purpose: purpose % 4,
            scope: scope,
            notBefore: nb,
            notAfter: na,
            salt: salt
        });
        bytes32 gid = ledger.hashGrant(g);
        (uint8 v, bytes32 r, bytes32 s) = _sign(pk, gid);

        // The malleable twin (n - s, flipped v) recovers the same key under plain ecrecover; it must be refused.
        bytes memory twin = abi.encodePacked(r, bytes32(N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        try ledger.grantBySig(g, twin) {
            revert("high-s twin accepted");
        } catch (bytes memory err) {
            require(bytes4(err) == ConsentLedger.BadSignature.selector, "twin: wrong error");
        }

        require(ledger.grantBySig(g, abi.encodePacked(r, s, v)) == gid, "grantId");
        try ledger.grantBySig(g, abi.encodePacked(r, s, v)) {
            revert("replay accepted");
        } catch (bytes memory err) {
            require(bytes4(err) == ConsentLedger.GrantAlreadyExists.selector, "replay: wrong error");
        }

        uint64 probeTime = uint64(probe);
        require(ledger.isActive(gid, probeTime) == (nb <= probeTime && probeTime < na), "active window");

        // A revocation signed by another key is refused; the subject's is accepted and ends the grant from now on.
        ConsentLedger.Revoke memory rv = ConsentLedger.Revoke({grantId: gid, salt: salt});
        bytes32 rh = ledger.hashRevoke(rv);
        uint256 otherPk = pk == 1 ? 2 : pk - 1;
        (v, r, s) = _sign(otherPk, rh);
        try ledger.revokeBySig(rv, abi.encodePacked(r, s, v)) {
            revert("revocation by non-subject accepted");
        } catch (bytes memory err) {
            require(bytes4(err) == ConsentLedger.BadSignature.selector, "revoke: wrong error");
        }
        (v, r, s) = _sign(pk, rh);
        ledger.revokeBySig(rv, abi.encodePacked(r, s, v));
        require(!ledger.isActive(gid, nowTime), "revoked yet active");
        require(ledger.isActive(gid, nowTime - 1) == (nb <= nowTime - 1), "active before revocation");
    }
}
