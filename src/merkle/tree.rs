//! In-memory cache of every complete subtree hash, so roots and proofs at any size cost
//! O(log n) lookups.

use super::proof::{ConsistencyProof, InclusionProof, ProofError};
use super::split_point;
use crate::crypto::{node_hash, sha256, Digest32};

/// The hashes of all complete subtrees: `levels[h][i]` covers leaves `[i·2^h, (i+1)·2^h)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MerkleTree {
    levels: Vec<Vec<Digest32>>,
}

impl MerkleTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves.
    pub fn len(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Whether the tree has no leaves.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The leaf hashes, in order.
    pub fn leaves(&self) -> &[Digest32] {
        self.levels.first().map_or(&[], Vec::as_slice)
    }

    /// Appends a leaf hash, completing whatever subtrees it closes.
    pub fn push(&mut self, leaf: Digest32) {
        let mut level = 0;
        let mut hash = leaf;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let row = &mut self.levels[level];
            row.push(hash);
            if row.len() % 2 == 1 {
                break;
            }
            hash = node_hash(&row[row.len() - 2], &row[row.len() - 1]);
            level += 1;
        }
    }

    /// Drops every leaf from `len` on (and the subtrees they complete): the tree of the first
    /// `len` leaves, as it was when it had `len` leaves.
    pub fn truncate(&mut self, len: u64) {
        for (h, row) in self.levels.iter_mut().enumerate() {
            row.truncate(usize::try_from(len >> h).unwrap_or(usize::MAX));
        }
        while self.levels.last().is_some_and(Vec::is_empty) {
            self.levels.pop();
        }
    }

    /// The contents of a C2SP tlog-tiles hash tile of this tree (SPEC §11): for level `L` and
    /// index `N`, the hashes of the complete subtrees of 2^(8·L) leaves numbered `N·256` to
    /// `N·256 + W − 1`, concatenated (32 bytes each), `W` being 256 for a full tile or the
    /// partial tile's width. `None` for an entry bundle, or if the tree does not yet hold `W`
    /// complete subtrees there (a partial tile of a smaller width than the tree holds is the
    /// same bytes as a prefix of the larger one, so it is served too).
    pub fn tile_hashes(&self, tile: &super::Tile) -> Option<Vec<u8>> {
        let super::TileKind::Hashes(level) = tile.kind else {
            return None;
        };
        let width = tile.partial.map_or(super::TILE_WIDTH, u64::from);
        let start = tile.index.checked_mul(super::TILE_WIDTH)?;
        let end = start.checked_add(width)?;
        let row = self.levels.get(8 * usize::from(level))?;
        let hashes = row.get(usize::try_from(start).ok()?..usize::try_from(end).ok()?)?;
        Some(hashes.iter().flat_map(|h| h.0).collect())
    }

    /// The leaf hash at `index`.
    pub fn leaf(&self, index: u64) -> Option<Digest32> {
        self.levels
            .first()?
            .get(usize::try_from(index).ok()?)
            .copied()
    }

    /// Hash of leaves `[start, end)`, `start < end <= len`, per RFC 6962 MTH.
    fn subtree(&self, start: u64, end: u64) -> Digest32 {
        let n = end - start;
        if n.is_power_of_two() && start.is_multiple_of(n) {
            let level = n.trailing_zeros() as usize;
            return self.levels[level][(start >> level) as usize];
        }
        let k = split_point(n);
        node_hash(
            &self.subtree(start, start + k),
            &self.subtree(start + k, end),
        )
    }

    /// The head of the whole tree: its size and root.
    pub fn head(&self) -> TreeHead {
        let size = self.len();
        TreeHead {
            size,
            root: if size == 0 {
                sha256(b"")
            } else {
                self.subtree(0, size)
            },
        }
    }

    /// Root of the tree of the first `size` leaves.
    pub fn root(&self, size: u64) -> Result<Digest32, ProofError> {
        if size > self.len() {
            return Err(ProofError::BadSizes {
                old: size,
                new: self.len(),
            });
        }
        Ok(if size == 0 {
            sha256(b"")
        } else {
            self.subtree(0, size)
        })
    }

    /// Inclusion proof of leaf `index` in the tree of the first `size` leaves.
    pub fn prove_inclusion(&self, index: u64, size: u64) -> Result<InclusionProof, ProofError> {
        if index >= size || size > self.len() {
            return Err(ProofError::IndexOutOfRange { index, size });
        }
        let mut path = Vec::new();
        self.path(index, 0, size, &mut path);
        Ok(InclusionProof {
            index,
            tree_size: size,
            path,
        })
    }

    /// RFC 9162 PATH(m, D[start:end]), pushed bottom-up.
    fn path(&self, m: u64, start: u64, end: u64, out: &mut Vec<Digest32>) {
        let n = end - start;
        if n <= 1 {
            return;
        }
        let k = split_point(n);
        if m < k {
            self.path(m, start, start + k, out);
            out.push(self.subtree(start + k, end));
        } else {
            self.path(m - k, start + k, end, out);
            out.push(self.subtree(start, start + k));
        }
    }

    /// Consistency proof between the trees of the first `old` and `new` leaves.
    pub fn prove_consistency(&self, old: u64, new: u64) -> Result<ConsistencyProof, ProofError> {
        if old == 0 || old > new || new > self.len() {
            return Err(ProofError::BadSizes { old, new });
        }
        let mut path = Vec::new();
        if old < new {
            self.subproof(old, 0, new, true, &mut path);
        }
        Ok(ConsistencyProof {
            old_size: old,
            new_size: new,
            path,
        })
    }

    /// RFC 9162 SUBPROOF(m, D[start:end], b).
    fn subproof(&self, m: u64, start: u64, end: u64, b: bool, out: &mut Vec<Digest32>) {
        let n = end - start;
        if m == n {
            if !b {
                out.push(self.subtree(start, end));
            }
            return;
        }
        let k = split_point(n);
        if m <= k {
            self.subproof(m, start, start + k, b, out);
            out.push(self.subtree(start + k, end));
        } else {
            self.subproof(m - k, start + k, end, false, out);
            out.push(self.subtree(start, start + k));
        }
    }
}

/// A tree's size and Merkle root (SPEC §11): what a checkpoint states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeHead {
    /// The number of leaves.
    pub size: u64,
    /// The root of the tree of those leaves.
    pub root: Digest32,
}
