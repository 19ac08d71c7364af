// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ConsentAssembly} from "./lib/ConsentAssembly.sol";

/// @dev The part of CounselorRegistry the ledger needs.
interface IAccreditation {
    function isAccredited(address counselor, uint64 time) external view returns (bool);
}

/// @title ConsentLedger
/// @notice Residents' consent grants and revocations, signed with EIP-712 and submitted by any relayer (the resident
///         needs no ether), or sent directly by a resident who pays gas. Accredited counselors may open short,
///         always-audited break-glass (EMERGENCY) access without the resident's signature.
/// @dev One storage slot per grant: subject (160 bits) | notBefore (32) | notAfter (32) | revokedAt (32).
///      Timestamps are therefore limited to uint32 (year 2106); larger values revert with {TimestampTooLarge}.
///      grantee, purpose and scope live in the event and in the grantId (the EIP-712 struct hash of the Grant),
///      so anyone holding the Grant can recompute its id. The grant's own slot is the replay guard: a grantId can
///      be written once; a salt makes otherwise identical grants distinct. The gas-saving assembly (digest, signer
///      recovery, the one-slot record and its log) is {ConsentAssembly}.
contract ConsentLedger is EIP712 {
    /// @notice Purposes, uint8 in this order.
    enum Purpose {
        TREATMENT,
        MATCHING,
        RESEARCH_AGGREGATE,
        MONITORING,
        EMERGENCY
    }

    struct Grant {
        address subject;
        address grantee;
        uint8 purpose;
        bytes32 scope;
        uint64 notBefore;
        uint64 notAfter;
        bytes32 salt;
    }

    struct Revoke {
        bytes32 grantId;
        bytes32 salt;
    }

    bytes32 public constant GRANT_TYPEHASH = keccak256(
        "Grant(address subject,address grantee,uint8 purpose,bytes32 scope,uint64 notBefore,uint64 notAfter,bytes32 salt)"
    );
    bytes32 public constant REVOKE_TYPEHASH = keccak256("Revoke(bytes32 grantId,bytes32 salt)");
    /// @notice Longest break-glass access a counselor may open.
    uint64 public constant MAX_EMERGENCY_DURATION = 24 hours;

    /// @notice The counselor registry consulted for break-glass access.
    IAccreditation public immutable registry;

    /// @dev grantId => subject | notBefore << 160 | notAfter << 192 | revokedAt << 224.
    mapping(bytes32 grantId => uint256) private _grants;

    event ConsentGranted(
        bytes32 indexed grantId,
        address indexed subject,
        address indexed grantee,
        uint8 purpose,
        bytes32 scope,
        uint64 notBefore,
        uint64 notAfter
    );
    event ConsentRevoked(bytes32 indexed grantId, uint64 at);
    event EmergencyAccessOpened(
        bytes32 indexed grantId,
        address indexed counselor,
        address indexed subject,
        bytes32 scope,
        uint64 notBefore,
        uint64 notAfter
    );

    /// @notice notAfter must be after notBefore.
    error InvalidPeriod(uint64 notBefore, uint64 notAfter);
    /// @notice notAfter is not in the future: the grant would never be usable.
    error GrantExpired(uint64 notAfter, uint64 nowTime);
    /// @notice A timestamp does not fit the uint32 storage (after 2106-02-07).
    error TimestampTooLarge(uint64 value);
    /// @notice The subject is the zero address.
    error ZeroSubject();
    /// @notice The grantee is the zero address.
    error ZeroGrantee();
    /// @notice The purpose is not one of the five.
    error InvalidPurpose(uint8 purpose);
    /// @notice EMERGENCY grants are opened by accredited counselors with {openEmergency}, not signed by residents.
    error EmergencyNotSignable();
    /// @notice A grant with this id already exists (replay, or the same grant and salt twice).
    error GrantAlreadyExists(bytes32 grantId);
    /// @notice No grant with this id.
    error UnknownGrant(bytes32 grantId);
    /// @notice The grant is already revoked.
    error AlreadyRevoked(bytes32 grantId);
    /// @notice The caller is not the grant's subject.
    error NotSubject(address caller);
    /// @notice The signature is not the subject's (ECDSA or EIP-1271).
    error BadSignature();
    /// @notice Array arguments differ in length.
    error LengthMismatch();
    /// @notice The caller is not an accredited counselor now.
    error NotAccredited(address caller);
    /// @notice Break-glass duration must be in (0, MAX_EMERGENCY_DURATION].
    error InvalidEmergencyDuration(uint64 duration);
    /// @notice A Grant word has dirty high bits (a non-canonical ABI encoding that would mint a second grantId).
    error NonCanonicalGrant();

    /// @param registry_ the CounselorRegistry
    constructor(address registry_) EIP712("Anxin Consent", "1") {
        registry = IAccreditation(registry_);
    }

    // ------------------------------------------------------------------ grants

    /// @notice Records a grant signed (EIP-712) by its subject. Anyone may submit it.
    /// @param grant_ the grant; purpose must not be EMERGENCY
    /// @param signature 65-byte (r,s,v) or 64-byte EIP-2098 low-s ECDSA signature, or an EIP-1271 signature when the
    ///        subject is a contract wallet
    /// @return grantId the EIP-712 struct hash of `grant`
    function grantBySig(Grant calldata grant_, bytes calldata signature) external returns (bytes32 grantId) {
        return _grantSigned(_domainSeparatorV4(), grant_, signature);
    }

    /// @notice Records many subject-signed grants in one transaction; reverts entirely if any is invalid.
    function grantBatchBySig(Grant[] calldata grants, bytes[] calldata signatures)
        external
        returns (bytes32[] memory grantIds)
    {
        uint256 n = grants.length;
        if (signatures.length != n) revert LengthMismatch();
        grantIds = new bytes32[](n);
        bytes32 ds = _domainSeparatorV4();
        for (uint256 i = 0; i < n;) {
            bytes32 id = _grantSigned(ds, grants[i], signatures[i]);
            assembly ("memory-safe") {
                // i < n = grantIds.length: in bounds by construction.
                mstore(add(grantIds, shl(5, add(i, 1))), id)
            }
            unchecked {
                ++i;
            }
        }
    }

    /// @notice Records a grant sent by its subject directly (the subject pays gas).
    function grant(Grant calldata grant_) external returns (bytes32 grantId) {
        if (msg.sender != grant_.subject) revert NotSubject(msg.sender);
        grantId = _hashGrant(grant_);
        _store(grantId, grant_);
    }

    /// @notice Records many grants sent by their common subject directly.
    function grantBatch(Grant[] calldata grants) external returns (bytes32[] memory grantIds) {
        uint256 n = grants.length;
        grantIds = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            Grant calldata g = grants[i];
            if (msg.sender != g.subject) revert NotSubject(msg.sender);
            bytes32 id = _hashGrant(g);
            _store(id, g);
            grantIds[i] = id;
        }
    }

    // ------------------------------------------------------------------ revocations

    /// @notice Revokes a grant with the subject's EIP-712 signature over Revoke(grantId, salt). Anyone may submit it.
    function revokeBySig(Revoke calldata revoke_, bytes calldata signature) external {
        bytes32 grantId = revoke_.grantId;
        uint256 rec = _live(grantId);
        _checkSignature(address(uint160(rec)), _hashTypedDataV4(_hashRevoke(revoke_)), signature);
        _revoke(grantId, rec);
    }

    /// @notice Revokes many grants with their subjects' signatures in one transaction.
    function revokeBatchBySig(Revoke[] calldata revokes, bytes[] calldata signatures) external {
        uint256 n = revokes.length;
        if (signatures.length != n) revert LengthMismatch();
        bytes32 ds = _domainSeparatorV4();
        for (uint256 i = 0; i < n; ++i) {
            Revoke calldata r = revokes[i];
            uint256 rec = _live(r.grantId);
            _checkSignature(address(uint160(rec)), ConsentAssembly.typedDataDigest(ds, _hashRevoke(r)), signatures[i]);
            _revoke(r.grantId, rec);
        }
    }

    /// @notice Revokes a grant; the caller must be its subject.
    function revoke(bytes32 grantId) external {
        uint256 rec = _live(grantId);
        if (msg.sender != address(uint160(rec))) revert NotSubject(msg.sender);
        _revoke(grantId, rec);
    }

    // ------------------------------------------------------------------ break-glass

    /// @notice Opens break-glass access to `subject`'s data in `scope` for `duration` seconds from now, without the
    ///         resident's signature. The caller must be accredited now. Always emits {EmergencyAccessOpened} (for
    ///         auditors' review) besides {ConsentGranted}. The subject can revoke it like any grant.
    /// @return grantId struct hash of Grant(subject, msg.sender, EMERGENCY, scope, now, now + duration, salt)
    function openEmergency(address subject, bytes32 scope, uint64 duration, bytes32 salt)
        external
        returns (bytes32 grantId)
    {
        if (duration == 0 || duration > MAX_EMERGENCY_DURATION) revert InvalidEmergencyDuration(duration);
        uint64 nowTime = uint64(block.timestamp);
        if (!registry.isAccredited(msg.sender, nowTime)) revert NotAccredited(msg.sender);
        uint64 notAfter = nowTime + duration;
        uint8 emergency = uint8(Purpose.EMERGENCY);
        grantId = keccak256(abi.encode(GRANT_TYPEHASH, subject, msg.sender, emergency, scope, nowTime, notAfter, salt));
        // emit ConsentGranted(grantId, subject, msg.sender, EMERGENCY, scope, nowTime, notAfter), after the checks:
        ConsentAssembly.storeAndEmitConsentGranted(
            grantId, subject, msg.sender, emergency, scope, nowTime, notAfter, _grants
        );
        emit EmergencyAccessOpened(grantId, msg.sender, subject, scope, nowTime, notAfter);
    }

    // ------------------------------------------------------------------ views

    /// @notice Whether the grant exists, is not revoked at `time`, and notBefore <= time < notAfter.
    /// @dev A grant revoked at time r is inactive from r on (time >= r).
    function isActive(bytes32 grantId, uint64 time) external view returns (bool) {
        uint256 rec = _grants[grantId];
        if (rec == 0) return false;
        uint64 revokedAt = uint64(rec >> 224);
        return uint64(uint32(rec >> 160)) <= time && time < uint64(uint32(rec >> 192))
            && (revokedAt == 0 || time < revokedAt);
    }

    /// @notice The stored part of a grant; all zero if unknown. revokedAt = 0 means not revoked.
    function getGrant(bytes32 grantId)
        external
        view
        returns (address subject, uint64 notBefore, uint64 notAfter, uint64 revokedAt)
    {
        uint256 rec = _grants[grantId];
        return (address(uint160(rec)), uint64(uint32(rec >> 160)), uint64(uint32(rec >> 192)), uint64(rec >> 224));
    }

    /// @notice EIP-712 struct hash of a Grant (its grantId).
    function hashGrant(Grant calldata grant_) external pure returns (bytes32) {
        return _hashGrant(grant_);
    }

    /// @notice EIP-712 struct hash of a Revoke.
    function hashRevoke(Revoke calldata revoke_) external pure returns (bytes32) {
        return _hashRevoke(revoke_);
    }

    /// @notice The EIP-712 domain separator.
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ------------------------------------------------------------------ internals

    /// @dev hashStruct(Grant). The seven fields are static, so the calldata words are the EIP-712 encoding once
    ///      each is checked to be clean (an address or uintN with dirty high bits would otherwise hash differently
    ///      from what the ABI decoder sees, and could mint a second id for the same grant).
    function _hashGrant(Grant calldata g) private pure returns (bytes32 h) {
        bytes32 typehash = GRANT_TYPEHASH;
        uint256 dirty;
        assembly ("memory-safe") {
            // subject, grantee: 160 bits; purpose: 8; notBefore, notAfter: 64 (scope and salt are full words).
            dirty := shr(160, or(calldataload(g), calldataload(add(g, 0x20))))
            dirty := or(dirty, shr(8, calldataload(add(g, 0x40))))
            dirty := or(dirty, shr(64, or(calldataload(add(g, 0x80)), calldataload(add(g, 0xa0)))))
        }
        if (dirty != 0) revert NonCanonicalGrant();
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, typehash)
            calldatacopy(add(p, 0x20), g, 0xe0)
            h := keccak256(p, 0x100)
        }
    }

    function _hashRevoke(Revoke calldata r) private pure returns (bytes32 h) {
        bytes32 typehash = REVOKE_TYPEHASH;
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, typehash)
            calldatacopy(add(p, 0x20), r, 0x40)
            h := keccak256(p, 0x60)
        }
    }

    /// @dev Hash, check the subject's signature, validate and store one signed grant.
    function _grantSigned(bytes32 ds, Grant calldata g, bytes calldata signature) private returns (bytes32 grantId) {
        grantId = _hashGrant(g);
        address subject;
        assembly ("memory-safe") {
            subject := calldataload(g)
        }
        _checkSignature(subject, ConsentAssembly.typedDataDigest(ds, grantId), signature);
        _store(grantId, g);
    }

    /// @dev Validates a resident grant (no EMERGENCY) and stores it. Fields are read raw: _hashGrant already
    ///      rejected dirty words.
    function _store(bytes32 grantId, Grant calldata g) private {
        address subject;
        address grantee;
        uint256 purpose;
        bytes32 scope;
        uint64 notBefore;
        uint64 notAfter;
        assembly ("memory-safe") {
            subject := calldataload(g)
            grantee := calldataload(add(g, 0x20))
            purpose := calldataload(add(g, 0x40))
            scope := calldataload(add(g, 0x60))
            notBefore := calldataload(add(g, 0x80))
            notAfter := calldataload(add(g, 0xa0))
        }
        if (purpose >= uint8(Purpose.EMERGENCY)) {
            if (purpose == uint8(Purpose.EMERGENCY)) revert EmergencyNotSignable();
            revert InvalidPurpose(uint8(purpose));
        }
        // Checks the parties and period, then _grants[grantId] = subject | notBefore << 160 | notAfter << 192 and
        // emit ConsentGranted(grantId, subject, grantee, uint8(purpose), scope, notBefore, notAfter).
        ConsentAssembly.storeAndEmitConsentGranted(grantId, subject, grantee, purpose, scope, notBefore, notAfter, _grants);
    }

    /// @dev Loads a grant that exists and is not revoked.
    function _live(bytes32 grantId) private view returns (uint256 rec) {
        rec = _grants[grantId];
        if (rec == 0) revert UnknownGrant(grantId);
        if (rec >> 224 != 0) revert AlreadyRevoked(grantId);
    }

    function _revoke(bytes32 grantId, uint256 rec) private {
        uint64 nowTime = uint64(block.timestamp);
        _grants[grantId] = rec | (uint256(nowTime) << 224);
        emit ConsentRevoked(grantId, nowTime);
    }

    /// @dev ECDSA first (no extcodesize for EOAs); EIP-1271 only when the recovered address is not the signer.
    ///      `signer` is never zero here (grants reject a zero subject), so a failed recovery (address 0) never matches.
    function _checkSignature(address signer, bytes32 digest, bytes calldata signature) private view {
        if (ConsentAssembly.recoverCalldata(digest, signature) == signer) return;
        // An EOA answers the staticcall with no data, which fails the magic-value check.
        if (!SignatureChecker.isValidERC1271SignatureNowCalldata(signer, digest, signature)) revert BadSignature();
    }
}
