// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ConsentLedger} from "../ConsentLedger.sol";

/// @title ConsentAssembly
/// @notice The gas-saving assembly of {ConsentLedger}, kept in one place: the EIP-712 digest, signer recovery of a
///         calldata signature, the one-slot grant record written together with its ConsentGranted event. Each function computes exactly
///         what the plain OpenZeppelin code computes (`MessageHashUtils.toTypedDataHash`, `ECDSA.tryRecover`, a
///         mapping write and an `emit`); test/contracts/ConsentAssembly.t.sol fuzzes them against that plain code
///         (test/contracts/helpers/ConsentLedgerReference.sol).
/// @dev Internal functions only: they are inlined into the ledger, so moving them here costs no gas.
library ConsentAssembly {
    /// @notice Largest accepted s (n/2 of secp256k1): a larger s is the malleable twin of a valid signature.
    uint256 internal constant MAX_LOW_S = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    /// @notice topic0 of `ConsentGranted(bytes32 indexed grantId, address indexed subject, address indexed grantee,
    ///         uint8 purpose, bytes32 scope, uint64 notBefore, uint64 notAfter)`, the event {ConsentLedger} declares:
    ///         keccak256("ConsentGranted(bytes32,address,address,uint8,bytes32,uint64,uint64)"), written out because
    ///         the compiler would hash the string on every call (the fuzz test checks it against the event).
    bytes32 internal constant CONSENT_GRANTED_TOPIC = 0x76ab395a53db039ac93aa1653afd2af5b9d7e1ef9432fef78ccec75c26e2880f;

    /// @notice EIP-712 digest keccak256(0x1901 ‖ domainSeparator ‖ structHash), built in free memory without moving
    ///         the free-memory pointer (the words are scratch).
    /// @param domainSeparator the EIP-712 domain separator
    /// @param structHash hashStruct of the message
    /// @return d the digest a standard EIP-712 signer signs
    function typedDataDigest(bytes32 domainSeparator, bytes32 structHash) internal pure returns (bytes32 d) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, hex"1901")
            mstore(add(p, 0x02), domainSeparator)
            mstore(add(p, 0x22), structHash)
            d := keccak256(p, 0x42)
        }
    }

    /// @notice ecrecover of a 65-byte (r, s, v) or 64-byte EIP-2098 (r, yParity|s) calldata signature, with the
    ///         rules of OpenZeppelin's `ECDSA.tryRecover`: v must be 27 or 28 and s at most n/2.
    /// @dev Reads the signature straight from calldata (no copy to memory).
    /// @param digest the signed 32-byte hash
    /// @param signature the signature in calldata
    /// @return signer the recovered address, or address(0) when the length is neither 64 nor 65, v is not 27/28,
    ///         s is above n/2, or recovery fails
    function recoverCalldata(bytes32 digest, bytes calldata signature) internal view returns (address signer) {
        assembly ("memory-safe") {
            let r := 0
            let s := 0
            let v := 0
            switch signature.length
            case 65 {
                r := calldataload(signature.offset)
                s := calldataload(add(signature.offset, 0x20))
                v := byte(0, calldataload(add(signature.offset, 0x40)))
            }
            case 64 {
                r := calldataload(signature.offset)
                let vs := calldataload(add(signature.offset, 0x20))
                s := shr(1, shl(1, vs))
                v := add(shr(255, vs), 27)
            }
            // s <= MAX_LOW_S (s < MAX_LOW_S + 1) and v in {27, 28}; any other length leaves v = 0 and skips recovery.
            if and(lt(s, 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A1), or(eq(v, 27), eq(v, 28))) {
                let p := mload(0x40)
                mstore(p, digest)
                mstore(add(p, 0x20), v)
                mstore(add(p, 0x40), r)
                mstore(add(p, 0x60), s)
                mstore(0x00, 0)
                // The precompile returns no data on failure, leaving the zero in place.
                pop(staticcall(gas(), 0x01, p, 0x80, 0x00, 0x20))
                signer := mload(0x00)
            }
        }
    }

    /// @notice Checks a grant's parties and period, then stores it and emits its event:
    ///         `grants[grantId] = subject | notBefore << 160 | notAfter << 192` and
    ///         `emit ConsentGranted(grantId, subject, grantee, purpose, scope, notBefore, notAfter)`, done as one slot
    ///         read (the replay guard), one slot write and one LOG4 over scratch memory.
    /// @dev Reverts with {ConsentLedger}'s errors, in the order FORMATS documents. The caller passes clean values (no
    ///      dirty high bits) and a valid purpose; the checks bound notBefore < notAfter <= 2^32 - 1, so the record packs
    ///      and logs without masking.
    /// @param grants the ledger's grantId => packed-record mapping
    function storeAndEmitConsentGranted(
        bytes32 grantId,
        address subject,
        address grantee,
        uint256 purpose,
        bytes32 scope,
        uint64 notBefore,
        uint64 notAfter,
        mapping(bytes32 => uint256) storage grants
    ) internal {
        if (subject == address(0)) revert ConsentLedger.ZeroSubject();
        if (grantee == address(0)) revert ConsentLedger.ZeroGrantee();
        if (notAfter <= notBefore) revert ConsentLedger.InvalidPeriod(notBefore, notAfter);
        if (notAfter <= block.timestamp) revert ConsentLedger.GrantExpired(notAfter, uint64(block.timestamp));
        if (notAfter > type(uint32).max) revert ConsentLedger.TimestampTooLarge(notAfter);
        bytes32 topic0 = CONSENT_GRANTED_TOPIC;
        bool exists;
        assembly ("memory-safe") {
            mstore(0x00, grantId)
            mstore(0x20, grants.slot)
            let slot := keccak256(0x00, 0x40)
            exists := iszero(iszero(sload(slot)))
            if iszero(exists) {
                sstore(slot, or(subject, or(shl(160, notBefore), shl(192, notAfter))))
                let p := mload(0x40)
                mstore(p, purpose)
                mstore(add(p, 0x20), scope)
                mstore(add(p, 0x40), notBefore)
                mstore(add(p, 0x60), notAfter)
                // emit ConsentGranted(grantId, subject, grantee, purpose, scope, notBefore, notAfter)
                log4(p, 0x80, topic0, grantId, subject, grantee)
            }
        }
        if (exists) revert ConsentLedger.GrantAlreadyExists(grantId);
    }
}
