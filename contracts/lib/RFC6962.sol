// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title RFC6962
/// @notice Merkle proof verification for RFC 6962 / RFC 9162 logs:
///         leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right).
/// @dev Hashes go through the SHA-256 precompile (address 0x02) with a hand-built 65-byte input in scratch memory
///      past the free-memory pointer, so a proof of k nodes costs k precompile calls and no memory growth.
///      The algorithms are the ones of RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency).
library RFC6962 {
    /// @dev SHA-256 of the empty string: the root of the empty tree.
    bytes32 internal constant EMPTY_ROOT = 0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855;

    /// @notice Interior node hash SHA-256(0x01 || left || right).
    function hashNode(bytes32 left, bytes32 right) internal view returns (bytes32 h) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore8(p, 0x01)
            mstore(add(p, 0x01), left)
            mstore(add(p, 0x21), right)
            // The precompile cannot fail with enough gas; a failure means out of gas, so bubble a revert.
            if iszero(staticcall(gas(), 0x02, p, 0x41, 0x00, 0x20)) { revert(0, 0) }
            h := mload(0x00)
        }
    }

    /// @notice True when `proof` shows that `leafHash` is leaf number `index` of the tree of `size` leaves with `root`.
    function verifyInclusion(uint256 index, uint256 size, bytes32 leafHash, bytes32[] calldata proof, bytes32 root)
        internal
        view
        returns (bool)
    {
        if (index >= size) return false;
        uint256 fn = index;
        uint256 sn = size - 1;
        bytes32 r = leafHash;
        for (uint256 i = 0; i < proof.length; ++i) {
            if (sn == 0) return false;
            bytes32 p = proof[i];
            if (fn & 1 == 1 || fn == sn) {
                r = hashNode(p, r);
                // Climb past the levels where this node is a left child with no right sibling.
                while (fn & 1 == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            } else {
                r = hashNode(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && r == root;
    }

    /// @notice True when `proof` shows that the tree (`size1`, `root1`) is a prefix of the tree (`size2`, `root2`).
    /// @dev A proof from the empty tree is meaningless and is rejected (as the shared test vectors require);
    ///      equal sizes need an empty proof and equal roots.
    function verifyConsistency(uint256 size1, uint256 size2, bytes32 root1, bytes32 root2, bytes32[] calldata proof)
        internal
        view
        returns (bool)
    {
        if (size1 == 0 || size2 < size1) return false;
        if (size1 == size2) return proof.length == 0 && root1 == root2;
        if (proof.length == 0) return false;

        uint256 fn = size1 - 1;
        uint256 sn = size2 - 1;
        // Drop the levels where the old tree's last node is a right child: they are shared by both trees.
        while (fn & 1 == 1) {
            fn >>= 1;
            sn >>= 1;
        }
        // When size1 is a power of two the old root itself is the first node of the path (implicit in the proof).
        uint256 start;
        bytes32 fr;
        if (size1 & (size1 - 1) == 0) {
            fr = root1;
        } else {
            fr = proof[0];
            start = 1;
        }
        bytes32 sr = fr;
        for (uint256 i = start; i < proof.length; ++i) {
            if (sn == 0) return false;
            bytes32 c = proof[i];
            if (fn & 1 == 1 || fn == sn) {
                fr = hashNode(c, fr);
                sr = hashNode(c, sr);
                while (fn & 1 == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            } else {
                sr = hashNode(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && fr == root1 && sr == root2;
    }
}
