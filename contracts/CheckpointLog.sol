// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {RFC6962} from "./lib/RFC6962.sol";

/// @title CheckpointLog
/// @notice Anchors the service's RFC 6962 transparency log: keeps only the latest (size, root) and accepts a new
///         checkpoint only with a valid consistency proof from the previous one, so the chain itself refuses a
///         rewritten or forked history. Every accepted checkpoint is emitted as an event; history lives in events.
/// @dev Storage is two slots: (writer, size) packed, and root. A submit reads and writes exactly these two.
///      Administration is two-step (Ownable2Step): the owner (admin) appoints the writer.
contract CheckpointLog is Ownable2Step {
    /// @dev Slot 0 (after Ownable's slots): the anchoring key and the latest size, packed.
    address private _writer;
    uint64 private _size;
    /// @dev Slot 1: the latest root. Zero until the first checkpoint.
    bytes32 private _root;

    /// @notice Emitted for every accepted checkpoint.
    event CheckpointSubmitted(uint64 indexed size, bytes32 root, uint64 previousSize, bytes32 previousRoot);
    /// @notice Emitted when the admin replaces the writer (also at construction, from address(0)).
    event WriterChanged(address previous, address current);

    /// @notice The caller is not the writer.
    error NotWriter(address caller);
    /// @notice The writer address must not be zero.
    error InvalidWriter();
    /// @notice The new size is smaller than the latest one.
    error CheckpointShrinks(uint64 size, uint64 latestSize);
    /// @notice The same (size, root) as the latest checkpoint: nothing would change.
    error CheckpointUnchanged(uint64 size, bytes32 root);
    /// @notice Same size as the latest checkpoint but another root: a fork.
    error CheckpointForked(uint64 size, bytes32 root, bytes32 latestRoot);
    /// @notice The consistency proof does not link the latest checkpoint to the new one
    ///         (or a proof was given for the first checkpoint, which must have none).
    error InvalidConsistencyProof(uint64 previousSize, uint64 size);

    /// @param admin owner of the contract (two-step transferable), sets the writer
    /// @param writer_ the service's anchoring key
    constructor(address admin, address writer_) Ownable(admin) {
        if (writer_ == address(0)) revert InvalidWriter();
        _writer = writer_;
        emit WriterChanged(address(0), writer_);
    }

    /// @notice The latest accepted checkpoint; (0, 0) before the first one.
    function latest() external view returns (uint64 size, bytes32 root) {
        return (_size, _root);
    }

    /// @notice The current writer (anchoring key).
    function writer() external view returns (address) {
        return _writer;
    }

    /// @notice Replaces the writer. Owner only.
    function setWriter(address newWriter) external onlyOwner {
        if (newWriter == address(0)) revert InvalidWriter();
        address previous = _writer;
        _writer = newWriter;
        emit WriterChanged(previous, newWriter);
    }

    /// @notice Submits a new checkpoint of the log. Writer only.
    /// @param size the new tree size; must exceed the latest size
    /// @param root the new tree root
    /// @param proof RFC 6962 consistency proof from the latest checkpoint; empty for the first checkpoint
    function submitCheckpoint(uint64 size, bytes32 root, bytes32[] calldata proof) external {
        address w = _writer;
        uint64 previousSize = _size;
        if (msg.sender != w) revert NotWriter(msg.sender);
        bytes32 previousRoot = _root;
        if (size <= previousSize) {
            if (size < previousSize) revert CheckpointShrinks(size, previousSize);
            if (root == previousRoot) revert CheckpointUnchanged(size, root);
            revert CheckpointForked(size, root, previousRoot);
        }
        if (previousSize == 0) {
            // Nothing to be consistent with; a non-empty proof is a caller error, not something to ignore.
            if (proof.length != 0) revert InvalidConsistencyProof(previousSize, size);
        } else if (!RFC6962.verifyConsistency(previousSize, size, previousRoot, root, proof)) {
            revert InvalidConsistencyProof(previousSize, size);
        }
        _size = size;
        _root = root;
        emit CheckpointSubmitted(size, root, previousSize, previousRoot);
    }

    /// @notice True when `proof` shows `leafHash` is leaf `index` of the tree (`size`, `root`). For anyone.
    function verifyInclusion(uint64 index, uint64 size, bytes32 leafHash, bytes32[] calldata proof, bytes32 root)
        external
        view
        returns (bool)
    {
        return RFC6962.verifyInclusion(index, size, leafHash, proof, root);
    }

    /// @notice True when `proof` shows the tree (`size1`, `root1`) is a prefix of (`size2`, `root2`).
    /// @dev size1 = 0 is always false (a proof from the empty tree proves nothing).
    function verifyConsistency(uint64 size1, uint64 size2, bytes32 root1, bytes32 root2, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        return RFC6962.verifyConsistency(size1, size2, root1, root2, proof);
    }
}
