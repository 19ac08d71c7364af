// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ConsentLedger, IAccreditation} from "../../../contracts/ConsentLedger.sol";
import {ConsentAssembly} from "../../../contracts/lib/ConsentAssembly.sol";

/// Test only: ConsentLedger's rules written the plain OpenZeppelin / EAS way (`_hashTypedDataV4`, `ECDSA.tryRecover`,
/// a struct in a mapping, `emit`), so the fuzz tests can check that the gas-saving assembly answers, stores and logs
/// exactly the same. ConsentLedger's own errors and events (qualified), in the same order of checks.
contract ConsentLedgerReference is EIP712 {
    struct Stored {
        address subject;
        uint64 notBefore;
        uint64 notAfter;
        uint64 revokedAt;
    }

    bytes32 public constant GRANT_TYPEHASH = keccak256(
        "Grant(address subject,address grantee,uint8 purpose,bytes32 scope,uint64 notBefore,uint64 notAfter,bytes32 salt)"
    );
    bytes32 public constant REVOKE_TYPEHASH = keccak256("Revoke(bytes32 grantId,bytes32 salt)");
    uint8 private constant EMERGENCY = 4;
    IAccreditation public immutable registry;
    mapping(bytes32 grantId => Stored) private _grants;

    constructor(address registry_) EIP712("Anxin Consent", "1") {
        registry = IAccreditation(registry_);
    }

    function grantBySig(ConsentLedger.Grant calldata g, bytes calldata signature) external returns (bytes32 grantId) {
        grantId = hashGrant(g);
        _checkSignature(g.subject, _hashTypedDataV4(grantId), signature);
        _store(grantId, g);
    }

    function grant(ConsentLedger.Grant calldata g) external returns (bytes32 grantId) {
        if (msg.sender != g.subject) revert ConsentLedger.NotSubject(msg.sender);
        grantId = hashGrant(g);
        _store(grantId, g);
    }

    function revokeBySig(ConsentLedger.Revoke calldata r, bytes calldata signature) external {
        Stored storage s = _live(r.grantId);
        _checkSignature(s.subject, _hashTypedDataV4(keccak256(abi.encode(REVOKE_TYPEHASH, r.grantId, r.salt))), signature);
        s.revokedAt = uint64(block.timestamp);
        emit ConsentLedger.ConsentRevoked(r.grantId, uint64(block.timestamp));
    }

    function openEmergency(address subject, bytes32 scope, uint64 duration, bytes32 salt) external returns (bytes32 grantId) {
        if (duration == 0 || duration > 24 hours) revert ConsentLedger.InvalidEmergencyDuration(duration);
        uint64 nowTime = uint64(block.timestamp);
        if (!registry.isAccredited(msg.sender, nowTime)) revert ConsentLedger.NotAccredited(msg.sender);
        ConsentLedger.Grant memory g = ConsentLedger.Grant(subject, msg.sender, EMERGENCY, scope, nowTime, nowTime + duration, salt);
        grantId = keccak256(abi.encode(GRANT_TYPEHASH, g));
        _storeChecked(grantId, g);
        emit ConsentLedger.EmergencyAccessOpened(grantId, msg.sender, subject, scope, g.notBefore, g.notAfter);
    }

    function getGrant(bytes32 grantId) external view returns (address, uint64, uint64, uint64) {
        Stored memory s = _grants[grantId];
        return (s.subject, s.notBefore, s.notAfter, s.revokedAt);
    }

    function hashGrant(ConsentLedger.Grant calldata g) public pure returns (bytes32) {
        return keccak256(abi.encode(GRANT_TYPEHASH, g));
    }

    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// The plain forms of ConsentAssembly.recoverCalldata and ConsentAssembly.typedDataDigest.
    function recover(bytes32 digest, bytes calldata signature) public pure returns (address signer) {
        if (signature.length == 64) {
            (signer,,) = ECDSA.tryRecover(digest, bytes32(signature[0:32]), bytes32(signature[32:64]));
        } else {
            (signer,,) = ECDSA.tryRecover(digest, signature);
        }
    }

    function typedDataDigest(bytes32 ds, bytes32 structHash) external pure returns (bytes32) {
        return MessageHashUtils.toTypedDataHash(ds, structHash);
    }

    function _checkSignature(address signer, bytes32 digest, bytes calldata signature) private view {
        if (recover(digest, signature) == signer) return;
        if (!SignatureChecker.isValidERC1271SignatureNowCalldata(signer, digest, signature)) revert ConsentLedger.BadSignature();
    }

    function _store(bytes32 grantId, ConsentLedger.Grant calldata g) private {
        if (g.purpose == EMERGENCY) revert ConsentLedger.EmergencyNotSignable();
        if (g.purpose > EMERGENCY) revert ConsentLedger.InvalidPurpose(g.purpose);
        _storeChecked(grantId, g);
    }

    function _storeChecked(bytes32 grantId, ConsentLedger.Grant memory g) private {
        if (g.subject == address(0)) revert ConsentLedger.ZeroSubject();
        if (g.grantee == address(0)) revert ConsentLedger.ZeroGrantee();
        if (g.notAfter <= g.notBefore) revert ConsentLedger.InvalidPeriod(g.notBefore, g.notAfter);
        if (g.notAfter <= block.timestamp) revert ConsentLedger.GrantExpired(g.notAfter, uint64(block.timestamp));
        if (g.notAfter > type(uint32).max) revert ConsentLedger.TimestampTooLarge(g.notAfter);
        if (_grants[grantId].subject != address(0)) revert ConsentLedger.GrantAlreadyExists(grantId);
        _grants[grantId] = Stored(g.subject, g.notBefore, g.notAfter, 0);
        emit ConsentLedger.ConsentGranted(grantId, g.subject, g.grantee, g.purpose, g.scope, g.notBefore, g.notAfter);
    }

    function _live(bytes32 grantId) private view returns (Stored storage s) {
        s = _grants[grantId];
        if (s.subject == address(0)) revert ConsentLedger.UnknownGrant(grantId);
        if (s.revokedAt != 0) revert ConsentLedger.AlreadyRevoked(grantId);
    }
}

/// Test only: ConsentAssembly's functions behind external calls, with calldata signatures like the ledger's.
contract ConsentAssemblyHarness {
    function recoverCalldata(bytes32 digest, bytes calldata signature) external view returns (address) {
        return ConsentAssembly.recoverCalldata(digest, signature);
    }

    function typedDataDigest(bytes32 ds, bytes32 structHash) external pure returns (bytes32) {
        return ConsentAssembly.typedDataDigest(ds, structHash);
    }

    function consentGrantedTopic() external pure returns (bytes32) {
        return ConsentAssembly.CONSENT_GRANTED_TOPIC;
    }
}
