// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// The few Foundry-compatible cheatcodes our Solidity tests use (forge-std is not installed; Hardhat 3's test
/// runner serves these at the standard cheatcode address).
interface Vm {
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    function warp(uint256 newTimestamp) external;
    function assume(bool condition) external pure;
    function addr(uint256 privateKey) external pure returns (address);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    function prank(address sender) external;
    function recordLogs() external;
    function getRecordedLogs() external returns (Log[] memory);
}
