//! Proof types and their verification (RFC 9162 §2.1.3.2 and §2.1.4.2).

use super::split_point;
use crate::crypto::{leaf_hash, node_hash, sha256, Digest32};

/// Why a proof does not verify or cannot be made.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The leaf index is not below the tree size.
    #[error("leaf index {index} is not below tree size {size}")]
    IndexOutOfRange {
        /// Leaf index.
        index: u64,
        /// Tree size.
        size: u64,
    },
    /// The sizes are not `0 < old <= new <= current`.
    #[error("bad tree sizes {old} and {new}")]
    BadSizes {
        /// Older size.
        old: u64,
        /// Newer size.
        new: u64,
    },
    /// The proof has the wrong number of hashes.
    #[error("proof has the wrong number of hashes")]
    WrongLength,
    /// The recomputed root differs from the expected one.
    #[error("recomputed root does not match")]
    RootMismatch,
    /// A stored tree's node could not be read from its tiles (nor from the journal).
    #[error("a stored tree node could not be read")]
    Unavailable,
}

/// Proof that a leaf is in a tree: the audit path of RFC 9162 §2.1.3.1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionProof {
    /// Leaf index.
    pub index: u64,
    /// Tree size the proof is for.
    pub tree_size: u64,
    /// Sibling hashes from the leaf upwards.
    pub path: Vec<Digest32>,
}

impl InclusionProof {
    /// Recomputes the root from `leaf` (a leaf hash) and the path.
    pub fn root_for(&self, leaf: &Digest32) -> Result<Digest32, ProofError> {
        if self.index >= self.tree_size {
            return Err(ProofError::IndexOutOfRange {
                index: self.index,
                size: self.tree_size,
            });
        }
        let mut fn_ = self.index;
        let mut sn = self.tree_size - 1;
        let mut r = *leaf;
        for p in &self.path {
            if sn == 0 {
                return Err(ProofError::WrongLength);
            }
            if fn_ & 1 == 1 || fn_ == sn {
                r = node_hash(p, &r);
                if fn_ & 1 == 0 {
                    while fn_ & 1 == 0 && fn_ != 0 {
                        fn_ >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                r = node_hash(&r, p);
            }
            fn_ >>= 1;
            sn >>= 1;
        }
        if sn != 0 {
            return Err(ProofError::WrongLength);
        }
        Ok(r)
    }

    /// Verifies that `leaf` (a leaf hash) is at `self.index` in the tree with root `root`.
    pub fn verify(&self, leaf: &Digest32, root: &Digest32) -> Result<(), ProofError> {
        if self.root_for(leaf)? == *root {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        }
    }
}

/// Proof that the tree of `old_size` is a prefix of the tree of `new_size` (RFC 9162 §2.1.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsistencyProof {
    /// Older tree size.
    pub old_size: u64,
    /// Newer tree size.
    pub new_size: u64,
    /// The proof hashes.
    pub path: Vec<Digest32>,
}

impl ConsistencyProof {
    /// Verifies that `old_root` at `old_size` and `new_root` at `new_size` are consistent.
    pub fn verify(&self, old_root: &Digest32, new_root: &Digest32) -> Result<(), ProofError> {
        let (old, new) = (self.old_size, self.new_size);
        if old == 0 || old > new {
            return Err(ProofError::BadSizes { old, new });
        }
        if old == new {
            if !self.path.is_empty() {
                return Err(ProofError::WrongLength);
            }
            return if old_root == new_root {
                Ok(())
            } else {
                Err(ProofError::RootMismatch)
            };
        }
        if self.path.is_empty() {
            return Err(ProofError::WrongLength);
        }
        let mut path: Vec<Digest32> = Vec::with_capacity(self.path.len() + 1);
        if old.is_power_of_two() {
            path.push(*old_root);
        }
        path.extend_from_slice(&self.path);
        let mut fn_ = old - 1;
        let mut sn = new - 1;
        while fn_ & 1 == 1 {
            fn_ >>= 1;
            sn >>= 1;
        }
        let mut fr = path[0];
        let mut sr = path[0];
        for c in &path[1..] {
            if sn == 0 {
                return Err(ProofError::WrongLength);
            }
            if fn_ & 1 == 1 || fn_ == sn {
                fr = node_hash(c, &fr);
                sr = node_hash(c, &sr);
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            } else {
                sr = node_hash(&sr, c);
            }
            fn_ >>= 1;
            sn >>= 1;
        }
        if sn != 0 {
            return Err(ProofError::WrongLength);
        }
        if fr == *old_root && sr == *new_root {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        }
    }
}

/// RFC 6962 root of a list of leaf *inputs* (not hashes); the empty tree's root is `SHA-256("")`.
/// A reference implementation for tests and small trees.
pub fn root_from_leaves(leaves: &[&[u8]]) -> Digest32 {
    fn mth(hashes: &[Digest32]) -> Digest32 {
        match hashes.len() {
            1 => hashes[0],
            n => {
                let k = split_point(n as u64) as usize;
                node_hash(&mth(&hashes[..k]), &mth(&hashes[k..]))
            }
        }
    }
    if leaves.is_empty() {
        return sha256(b"");
    }
    let hashes: Vec<Digest32> = leaves.iter().map(|l| leaf_hash(l)).collect();
    mth(&hashes)
}
