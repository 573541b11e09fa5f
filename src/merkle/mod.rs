//! RFC 6962 / RFC 9162 Merkle tree over entry hashes: roots, inclusion and consistency proofs.

mod proof;
mod tiles;
mod tree;

pub use proof::{root_from_leaves, ConsistencyProof, InclusionProof, ProofError};
pub use tiles::{index_path, Tile, TileKind, TilePathError, MAX_LEVEL, TILE_WIDTH};
pub use tree::{MerkleTree, TileSource, TileWrite, TreeHead};

/// Largest power of two strictly less than `n` (`n >= 2`).
pub(crate) fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}
