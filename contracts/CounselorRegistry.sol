// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";

/// @title CounselorRegistry
/// @notice The authority's register of accredited counselors (license hash, X25519 encryption key, validity period,
///         suspension), auditors and matching services. Accreditation can be asked about any past time, so an
///         auditor can check that a record's author was accredited when the record was written.
/// @dev Admin is two-step with a delay (AccessControlDefaultAdminRules). The admin grants AUTHORITY_ROLE; holders of
///      AUTHORITY_ROLE run every registry operation. Each counselor keeps an append-only history of status
///      snapshots (one storage slot each) that `isAccredited` binary-searches: O(log n), no unbounded loop.
contract CounselorRegistry is AccessControlDefaultAdminRules {
    /// @notice Role of the authority (管理方) that accredits, suspends and appoints.
    bytes32 public constant AUTHORITY_ROLE = keccak256("AUTHORITY_ROLE");

    /// @dev Current accreditation of a counselor.
    struct Counselor {
        bytes32 licenseHash;
        bytes32 encryptionKey;
        uint64 validFrom;
        uint64 validUntil;
        bool suspended;
    }

    /// @dev The status in force from `since` (block timestamp of the change) until the next snapshot. One slot.
    struct Snapshot {
        uint64 since;
        uint64 validFrom;
        uint64 validUntil;
        bool suspended;
    }

    mapping(address counselor => Counselor) private _counselors;
    mapping(address counselor => Snapshot[]) private _history;
    mapping(address auditor => bool) private _auditors;
    mapping(address matcher => bool) private _matchers;
    mapping(address counselor => bytes32) private _profiles;

    event CounselorAccredited(
        address indexed counselor, bytes32 licenseHash, bytes32 encryptionKey, uint64 validFrom, uint64 validUntil
    );
    event CounselorSuspended(address indexed counselor, bytes32 reasonHash, uint64 at);
    event CounselorReinstated(address indexed counselor, uint64 at);
    /// @notice The authority published (or replaced) a counselor's public profile: `profileHash` is the SHA-256 of the
    ///         profile document's canonical JSON (docs/FORMATS.md, "Counselor public profile"); the document itself
    ///         is served off chain and every client checks it against this hash.
    event CounselorProfilePublished(address indexed counselor, bytes32 profileHash);
    /// @notice The authority published (or replaced) a registered matching service's public profile (its name).
    event MatcherProfilePublished(address indexed matcher, bytes32 profileHash);
    event AuditorAppointed(address indexed auditor);
    event AuditorDismissed(address indexed auditor);
    event MatcherRegistered(address indexed matcher);
    event MatcherDeregistered(address indexed matcher);

    /// @notice The address is zero.
    error ZeroAddress();
    /// @notice validUntil must be after validFrom.
    error InvalidValidity(uint64 validFrom, uint64 validUntil);
    /// @notice The license hash or the encryption key is zero.
    error InvalidCredential();
    /// @notice The counselor was never accredited.
    error UnknownCounselor(address counselor);
    /// @notice The counselor is already suspended.
    error AlreadySuspended(address counselor);
    /// @notice The counselor is not suspended.
    error NotSuspended(address counselor);
    /// @notice The profile hash is zero.
    error InvalidProfile();
    /// @notice The address is already an auditor.
    error AlreadyAuditor(address auditor);
    /// @notice The address is not an auditor.
    error NotAuditor(address auditor);
    /// @notice The address is already a registered matching service.
    error AlreadyMatcher(address matcher);
    /// @notice The address is not a registered matching service.
    error NotMatcher(address matcher);

    /// @param initialAdminDelay delay (seconds) of a default-admin transfer
    /// @param admin the default admin; also gets AUTHORITY_ROLE
    constructor(uint48 initialAdminDelay, address admin) AccessControlDefaultAdminRules(initialAdminDelay, admin) {
        _grantRole(AUTHORITY_ROLE, admin);
    }

    // ------------------------------------------------------------------ counselors

    /// @notice Accredits a counselor or re-accredits one (new license hash, key and period). A suspension stays in
    ///         force across a re-accreditation: only `reinstate` lifts it.
    /// @param counselor the counselor's signing address
    /// @param licenseHash hash of the license document (no license number on chain)
    /// @param encryptionKey the counselor's X25519 public key (32 bytes)
    /// @param validFrom start of validity (unix seconds, inclusive)
    /// @param validUntil end of validity (unix seconds, exclusive)
    function accredit(
        address counselor,
        bytes32 licenseHash,
        bytes32 encryptionKey,
        uint64 validFrom,
        uint64 validUntil
    ) external onlyRole(AUTHORITY_ROLE) {
        if (counselor == address(0)) revert ZeroAddress();
        if (licenseHash == 0 || encryptionKey == 0) revert InvalidCredential();
        if (validUntil <= validFrom) revert InvalidValidity(validFrom, validUntil);
        Counselor storage c = _counselors[counselor];
        c.licenseHash = licenseHash;
        c.encryptionKey = encryptionKey;
        c.validFrom = validFrom;
        c.validUntil = validUntil;
        _record(counselor, c);
        emit CounselorAccredited(counselor, licenseHash, encryptionKey, validFrom, validUntil);
    }

    /// @notice Suspends an accredited counselor from now on.
    /// @param reasonHash hash of the (off-chain) decision; no reason text on chain
    function suspend(address counselor, bytes32 reasonHash) external onlyRole(AUTHORITY_ROLE) {
        Counselor storage c = _known(counselor);
        if (c.suspended) revert AlreadySuspended(counselor);
        c.suspended = true;
        _record(counselor, c);
        emit CounselorSuspended(counselor, reasonHash, uint64(block.timestamp));
    }

    /// @notice Lifts a suspension from now on.
    function reinstate(address counselor) external onlyRole(AUTHORITY_ROLE) {
        Counselor storage c = _known(counselor);
        if (!c.suspended) revert NotSuspended(counselor);
        c.suspended = false;
        _record(counselor, c);
        emit CounselorReinstated(counselor, uint64(block.timestamp));
    }

    /// @notice Publishes a counselor's public profile (display name, title, organisation, districts, languages) by its
    ///         hash; a new hash replaces the old one. Only the authority can, so the hash on chain is the authority's
    ///         word on the profile: no separate signature is needed.
    /// @param counselor an accredited (or once accredited) counselor
    /// @param profileHash SHA-256 of the profile document's RFC 8785 canonical JSON
    function publishProfile(address counselor, bytes32 profileHash) external onlyRole(AUTHORITY_ROLE) {
        _known(counselor);
        if (profileHash == 0) revert InvalidProfile();
        _profiles[counselor] = profileHash;
        emit CounselorProfilePublished(counselor, profileHash);
    }

    /// @notice Publishes a registered matching service's public profile (its registered name, organisation and
    ///         districts) by its hash, so residents see whom they let match them by name; same document format as a
    ///         counselor's with `role: "matcher"`, read back with `profileHashOf`.
    /// @param matcher a matching service registered now (registerMatcher)
    /// @param profileHash SHA-256 of the profile document's RFC 8785 canonical JSON
    function publishMatcherProfile(address matcher, bytes32 profileHash) external onlyRole(AUTHORITY_ROLE) {
        if (!_matchers[matcher]) revert NotMatcher(matcher);
        if (profileHash == 0) revert InvalidProfile();
        _profiles[matcher] = profileHash;
        emit MatcherProfilePublished(matcher, profileHash);
    }

    /// @notice The hash of the counselor's or matching service's current public profile (zero if none was published).
    function profileHashOf(address counselor) external view returns (bytes32) {
        return _profiles[counselor];
    }

    /// @notice Whether `counselor` was accredited at `time` (unix seconds), by the registry's state at that time:
    ///         accredited, not suspended, and validFrom <= time < validUntil. Works for past and future times; a
    ///         future time is answered with the current state.
    function isAccredited(address counselor, uint64 time) external view returns (bool) {
        Snapshot[] storage h = _history[counselor];
        // Binary search for the number of snapshots with since <= time; the last of them is in force at `time`.
        uint256 lo = 0;
        uint256 hi = h.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) >> 1;
            if (h[mid].since > time) hi = mid;
            else lo = mid + 1;
        }
        if (lo == 0) return false;
        Snapshot memory s = h[lo - 1];
        return !s.suspended && s.validFrom <= time && time < s.validUntil;
    }

    /// @notice The counselor's current X25519 encryption public key (zero if never accredited).
    function encryptionKeyOf(address counselor) external view returns (bytes32) {
        return _counselors[counselor].encryptionKey;
    }

    /// @notice The counselor's current accreditation record (all zero if never accredited).
    function counselorInfo(address counselor)
        external
        view
        returns (bytes32 licenseHash, bytes32 encryptionKey, uint64 validFrom, uint64 validUntil, bool suspended)
    {
        Counselor storage c = _counselors[counselor];
        return (c.licenseHash, c.encryptionKey, c.validFrom, c.validUntil, c.suspended);
    }

    /// @notice Number of status snapshots recorded for a counselor (each accredit/suspend/reinstate adds one).
    function historyLength(address counselor) external view returns (uint256) {
        return _history[counselor].length;
    }

    /// @notice One status snapshot: in force from `since` until the next one.
    function historyAt(address counselor, uint256 i)
        external
        view
        returns (uint64 since, uint64 validFrom, uint64 validUntil, bool suspended)
    {
        Snapshot memory s = _history[counselor][i];
        return (s.since, s.validFrom, s.validUntil, s.suspended);
    }

    // ------------------------------------------------------------------ auditors and matching services

    /// @notice Appoints an auditor.
    function appointAuditor(address auditor) external onlyRole(AUTHORITY_ROLE) {
        if (auditor == address(0)) revert ZeroAddress();
        if (_auditors[auditor]) revert AlreadyAuditor(auditor);
        _auditors[auditor] = true;
        emit AuditorAppointed(auditor);
    }

    /// @notice Dismisses an auditor.
    function dismissAuditor(address auditor) external onlyRole(AUTHORITY_ROLE) {
        if (!_auditors[auditor]) revert NotAuditor(auditor);
        _auditors[auditor] = false;
        emit AuditorDismissed(auditor);
    }

    /// @notice Whether `account` is an auditor now.
    function isAuditor(address account) external view returns (bool) {
        return _auditors[account];
    }

    /// @notice Registers a matching service.
    function registerMatcher(address matcher) external onlyRole(AUTHORITY_ROLE) {
        if (matcher == address(0)) revert ZeroAddress();
        if (_matchers[matcher]) revert AlreadyMatcher(matcher);
        _matchers[matcher] = true;
        emit MatcherRegistered(matcher);
    }

    /// @notice Deregisters a matching service.
    function deregisterMatcher(address matcher) external onlyRole(AUTHORITY_ROLE) {
        if (!_matchers[matcher]) revert NotMatcher(matcher);
        _matchers[matcher] = false;
        emit MatcherDeregistered(matcher);
    }

    /// @notice Whether `account` is a registered matching service now.
    function isMatcher(address account) external view returns (bool) {
        return _matchers[account];
    }

    // ------------------------------------------------------------------ internals

    function _known(address counselor) private view returns (Counselor storage c) {
        c = _counselors[counselor];
        if (c.encryptionKey == 0) revert UnknownCounselor(counselor);
    }

    function _record(address counselor, Counselor storage c) private {
        _history[counselor].push(
            Snapshot({
                since: uint64(block.timestamp),
                validFrom: c.validFrom,
                validUntil: c.validUntil,
                suspended: c.suspended
            })
        );
    }
}
