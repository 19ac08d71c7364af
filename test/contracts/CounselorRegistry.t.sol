// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {CounselorRegistry} from "../../contracts/CounselorRegistry.sol";
import {Vm} from "./helpers/Vm.sol";

/// Fuzz: the binary-searched history answers exactly like a linear scan of the same status changes.
contract CounselorRegistryFuzzTest {
    Vm private constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    address private constant C = address(0xC0FFEE);
    uint64 private constant T0 = 1_000_000;
    CounselorRegistry private reg;

    struct Ref {
        uint64 since;
        uint64 validFrom;
        uint64 validUntil;
        bool suspended;
    }

    function setUp() public {
        reg = new CounselorRegistry(0, address(this));
    }

    function testFuzz_isAccreditedMatchesLinearScan(uint256 seed, uint64 query) public {
        Ref[] memory refs = new Ref[](16);
        uint256 n;
        uint64 t = T0;
        bool accredited;
        bool suspended;
        uint64 from;
        uint64 until;
        for (uint256 i = 0; i < 16; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            t += uint64(r % 500); // several changes may share a second
            vm.warp(t);
            uint256 op = (r >> 16) % 3;
            if (op == 0 || !accredited) {
                from = t - uint64((r >> 32) % 2000);
                until = from + 1 + uint64((r >> 64) % 4000);
                reg.accredit(C, bytes32(uint256(1)), bytes32(uint256(2)), from, until);
                accredited = true;
            } else if (op == 1 && !suspended) {
                reg.suspend(C, bytes32(0));
                suspended = true;
            } else if (op == 2 && suspended) {
                reg.reinstate(C);
                suspended = false;
            } else {
                continue;
            }
            refs[n++] = Ref(t, from, until, suspended);
        }
        require(reg.historyLength(C) == n, "history length");
        uint64 q = T0 - 10 + query % (t - T0 + 6000);
        bool expected;
        for (uint256 j = 0; j < n; ++j) {
            if (refs[j].since <= q) {
                expected = !refs[j].suspended && refs[j].validFrom <= q && q < refs[j].validUntil;
            }
        }
        require(reg.isAccredited(C, q) == expected, "isAccredited differs from linear scan");
    }
}
