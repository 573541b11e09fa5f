//! The Merkle tree of a ledger: every complete subtree hash, either in memory or — for a tree
//! kept in a persistent index — read from stored C2SP tlog-tiles hash tiles, so roots and
//! proofs at any size cost O(log n) lookups and a stored tree keeps only its right edge in
//! memory.

use super::proof::{ConsistencyProof, InclusionProof, ProofError};
use super::split_point;
use crate::crypto::{node_hash, sha256, Digest32};
use std::sync::Arc;

/// Where a stored tree's nodes are read: the C2SP tlog-tiles hash tiles of its first
/// `stored` leaves (SPEC §11), tile `(level, index)` holding the complete subtrees of
/// 2^(8·level) leaves numbered `index·256` on.
pub trait TileSource: Send + Sync {
    /// The first `width` (1–256) hashes of hash tile `index` of `level`, or `None` if they
    /// cannot be read. A source attached to a tree at `stored` leaves holds every tile of
    /// that tree, each at least as wide as the tree of `stored` leaves makes it.
    fn tile(&self, level: u8, index: u64, width: u16) -> Option<Vec<Digest32>>;
}

/// The hashes of all complete subtrees of a tree: node `(h, i)` covers leaves
/// `[i·2^h, (i+1)·2^h)`.
///
/// A tree in memory ([`MerkleTree::new`]) holds them all. A stored tree
/// ([`MerkleTree::stored`]) reads the nodes of its first `stored` leaves from a [`TileSource`]
/// and holds in memory only, at each height, the last node of that prefix and the nodes
/// completed since: its head, appends and rollbacks to a size at or above `stored` never read
/// the source; proofs and tiles that need older nodes do.
#[derive(Clone, Default)]
pub struct MerkleTree {
    len: u64,
    /// `levels[h]` holds nodes `(h, off(h))` to `(h, (len >> h) − 1)`.
    levels: Vec<Vec<Digest32>>,
    /// The leaves whose nodes the source holds (0 without a source).
    stored: u64,
    source: Option<Arc<dyn TileSource>>,
}

impl std::fmt::Debug for MerkleTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MerkleTree")
            .field("len", &self.len)
            .field("stored", &self.stored)
            .field("head", &self.head())
            .finish()
    }
}

/// A tile of the tree to be written to its store: `(level, index, hashes)`.
pub type TileWrite = (u8, u64, Vec<Digest32>);

/// The heights a tree of `len` leaves has complete nodes at.
fn heights(len: u64) -> usize {
    (64 - len.leading_zeros()) as usize
}

impl MerkleTree {
    /// An empty tree, in memory.
    pub fn new() -> Self {
        Self::default()
    }

    /// The tree of `size` leaves whose tiles `source` holds: reads, at each height, the
    /// tree's last node (what its head and its next appends need); `None` if one cannot be
    /// read.
    pub fn stored(source: Arc<dyn TileSource>, size: u64) -> Option<Self> {
        let mut tree = MerkleTree {
            len: size,
            levels: Vec::new(),
            stored: size,
            source: Some(source),
        };
        for h in 0..heights(size) {
            let last = tree.source_node(h, (size >> h) - 1)?;
            tree.levels.push(vec![last]);
        }
        Some(tree)
    }

    /// Number of leaves.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the tree has no leaves.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The leaves whose nodes are read from the tree's source (0 for a tree in memory).
    pub fn stored_len(&self) -> u64 {
        self.stored
    }

    /// The index at height `h` of the first node held in memory: the last node of the stored
    /// prefix (or 0).
    fn off(&self, h: usize) -> u64 {
        self.stored
            .checked_shr(h as u32)
            .unwrap_or(0)
            .saturating_sub(1)
    }

    /// Appends a leaf hash, completing whatever subtrees it closes. Never reads the source.
    pub fn push(&mut self, leaf: Digest32) {
        let mut index = self.len;
        self.len += 1;
        let mut hash = leaf;
        let mut h = 0;
        loop {
            if self.levels.len() == h {
                self.levels.push(Vec::new());
            }
            let row = &mut self.levels[h];
            row.push(hash);
            if index.is_multiple_of(2) {
                break;
            }
            // The left sibling completed before the stored prefix ended, or after: either
            // way it is held (it is at or after the prefix's last node at this height).
            hash = node_hash(&row[row.len() - 2], &row[row.len() - 1]);
            index /= 2;
            h += 1;
        }
    }

    /// Drops every leaf from `len` on (and the subtrees they complete): the tree of the first
    /// `len` leaves, as it was when it had `len` leaves. Truncating a stored tree below its
    /// stored prefix reads that size's last nodes from the source, and fails (changing
    /// nothing) if they cannot be read.
    pub fn truncate(&mut self, len: u64) -> Result<(), ProofError> {
        if len >= self.len {
            return Ok(());
        }
        if len < self.stored {
            let source = self.source.clone().ok_or(ProofError::Unavailable)?;
            *self = Self::stored(source, len).ok_or(ProofError::Unavailable)?;
            return Ok(());
        }
        self.len = len;
        for h in 0..self.levels.len() {
            let keep = (len.checked_shr(h as u32).unwrap_or(0)).saturating_sub(self.off(h));
            self.levels[h].truncate(usize::try_from(keep).unwrap_or(usize::MAX));
        }
        while self.levels.last().is_some_and(Vec::is_empty) {
            self.levels.pop();
        }
        Ok(())
    }

    /// Reads the tree's nodes from `source` from now on, which holds every tile of this tree
    /// as it is now: memory keeps only the tree's right edge.
    pub fn attach(&mut self, source: Arc<dyn TileSource>) {
        self.source = Some(source);
        self.settle();
    }

    /// The source now holds every tile of this tree as it is (they were written, see
    /// [`MerkleTree::tiles_since`]): memory keeps only the tree's right edge. Without a source,
    /// nothing changes.
    pub fn settle(&mut self) {
        if self.source.is_none() {
            return;
        }
        let before: Vec<u64> = (0..self.levels.len()).map(|h| self.off(h)).collect();
        self.stored = self.len;
        for (h, was) in before.into_iter().enumerate() {
            let drop = usize::try_from(self.off(h) - was).unwrap_or(usize::MAX);
            if drop > 0 {
                // A new vector, so that the memory of the dropped nodes is freed.
                let row = &mut self.levels[h];
                *row = row.split_off(drop.min(row.len()));
            }
        }
    }

    /// Node `(h, i)`, complete in this tree.
    fn node(&self, h: usize, i: u64) -> Option<Digest32> {
        let off = self.off(h);
        if i >= off {
            let at = usize::try_from(i - off).ok()?;
            self.levels.get(h)?.get(at).copied()
        } else {
            self.source_node(h, i)
        }
    }

    /// Node `(h, i)` of the stored prefix: read from the tile of height `8·⌊h/8⌋` that holds
    /// its subtrees, and hashed up to height `h`.
    fn source_node(&self, h: usize, i: u64) -> Option<Digest32> {
        let source = self.source.as_ref()?;
        let (level, k) = (h / 8, h % 8);
        let first = i.checked_shl(k as u32)?;
        let (index, offset) = (
            first / super::TILE_WIDTH,
            (first % super::TILE_WIDTH) as usize,
        );
        let width = offset + (1 << k);
        let hashes = source.tile(u8::try_from(level).ok()?, index, width as u16)?;
        let mut row = hashes.get(offset..width)?.to_vec();
        while row.len() > 1 {
            row = row
                .chunks_exact(2)
                .map(|pair| node_hash(&pair[0], &pair[1]))
                .collect();
        }
        row.first().copied()
    }

    /// The first `width` nodes of hash tile `index` of `level`, all complete in this tree.
    fn tile_nodes(&self, level: u8, index: u64, width: u64) -> Option<Vec<Digest32>> {
        let h = 8 * usize::from(level);
        let start = index.checked_mul(super::TILE_WIDTH)?;
        let end = start.checked_add(width)?;
        if width > super::TILE_WIDTH || end > self.len.checked_shr(h as u32).unwrap_or(0) {
            return None;
        }
        let off = self.off(h);
        let mut out = Vec::with_capacity(width as usize);
        if start < off {
            let w = (off.min(end) - start) as usize;
            let stored = self.source.as_ref()?.tile(level, index, w as u16)?;
            out.extend_from_slice(stored.get(..w)?);
        }
        let row = self.levels.get(h);
        for i in start.max(off)..end {
            out.push(*row?.get(usize::try_from(i - off).ok()?)?);
        }
        Some(out)
    }

    /// The tiles that differ between the tree of the first `from` leaves and this one (each
    /// as wide as this tree makes it): what a store of the tree of `from` leaves writes to
    /// hold this one. `None` if a stored node they need cannot be read.
    pub fn tiles_since(&self, from: u64) -> Option<Vec<TileWrite>> {
        let mut out = Vec::new();
        for level in 0..8u8 {
            let h = 8 * u32::from(level);
            let (was, now) = (
                from.checked_shr(h).unwrap_or(0),
                self.len.checked_shr(h).unwrap_or(0),
            );
            if now <= was {
                break;
            }
            for n in was / super::TILE_WIDTH..=(now - 1) / super::TILE_WIDTH {
                let width = (now - n * super::TILE_WIDTH).min(super::TILE_WIDTH);
                out.push((level, n, self.tile_nodes(level, n, width)?));
            }
        }
        Some(out)
    }

    /// The contents of a C2SP tlog-tiles hash tile of this tree (SPEC §11): for level `L` and
    /// index `N`, the hashes of the complete subtrees of 2^(8·L) leaves numbered `N·256` to
    /// `N·256 + W − 1`, concatenated (32 bytes each), `W` being 256 for a full tile or the
    /// partial tile's width. `None` for an entry bundle, or if the tree does not yet hold `W`
    /// complete subtrees there (a partial tile of a smaller width than the tree holds is the
    /// same bytes as a prefix of the larger one, so it is served too), or if the tile's
    /// stored part cannot be read.
    pub fn tile_hashes(&self, tile: &super::Tile) -> Option<Vec<u8>> {
        let super::TileKind::Hashes(level) = tile.kind else {
            return None;
        };
        if level > 7 {
            return None;
        }
        let width = tile.partial.map_or(super::TILE_WIDTH, u64::from);
        if width == 0 {
            return None;
        }
        let hashes = self.tile_nodes(level, tile.index, width)?;
        Some(hashes.iter().flat_map(|h| h.0).collect())
    }

    /// The leaf hash at `index` (`None` beyond the tree, or if its tile cannot be read).
    pub fn leaf(&self, index: u64) -> Option<Digest32> {
        if index >= self.len {
            return None;
        }
        self.node(0, index)
    }

    /// Hash of leaves `[start, end)`, `start < end <= len`, per RFC 6962 MTH.
    fn subtree(&self, start: u64, end: u64) -> Option<Digest32> {
        let n = end - start;
        if n.is_power_of_two() && start.is_multiple_of(n) {
            let h = n.trailing_zeros() as usize;
            return self.node(h, start >> h);
        }
        let k = split_point(n);
        Some(node_hash(
            &self.subtree(start, start + k)?,
            &self.subtree(start + k, end)?,
        ))
    }

    /// The head of the whole tree: its size and root. Never reads the source (the tree's
    /// right edge is always in memory).
    pub fn head(&self) -> TreeHead {
        TreeHead {
            size: self.len,
            root: self.edge_root(),
        }
    }

    /// The root from the right edge: the complete subtrees the size's binary digits name,
    /// folded from the smallest (RFC 6962 MTH).
    fn edge_root(&self) -> Digest32 {
        let mut root: Option<Digest32> = None;
        for h in 0..heights(self.len) {
            let count = self.len >> h;
            if count & 1 == 1 {
                let node = self.levels[h][(count - 1 - self.off(h)) as usize];
                root = Some(match root {
                    None => node,
                    Some(right) => node_hash(&node, &right),
                });
            }
        }
        root.unwrap_or_else(|| sha256(b""))
    }

    /// Root of the tree of the first `size` leaves.
    pub fn root(&self, size: u64) -> Result<Digest32, ProofError> {
        if size > self.len {
            return Err(ProofError::BadSizes {
                old: size,
                new: self.len,
            });
        }
        if size == self.len {
            return Ok(self.edge_root());
        }
        if size == 0 {
            return Ok(sha256(b""));
        }
        self.subtree(0, size).ok_or(ProofError::Unavailable)
    }

    /// Inclusion proof of leaf `index` in the tree of the first `size` leaves.
    pub fn prove_inclusion(&self, index: u64, size: u64) -> Result<InclusionProof, ProofError> {
        if index >= size || size > self.len {
            return Err(ProofError::IndexOutOfRange { index, size });
        }
        let mut path = Vec::new();
        self.path(index, 0, size, &mut path)
            .ok_or(ProofError::Unavailable)?;
        Ok(InclusionProof {
            index,
            tree_size: size,
            path,
        })
    }

    /// RFC 9162 PATH(m, D[start:end]), pushed bottom-up.
    fn path(&self, m: u64, start: u64, end: u64, out: &mut Vec<Digest32>) -> Option<()> {
        let n = end - start;
        if n <= 1 {
            return Some(());
        }
        let k = split_point(n);
        if m < k {
            self.path(m, start, start + k, out)?;
            out.push(self.subtree(start + k, end)?);
        } else {
            self.path(m - k, start + k, end, out)?;
            out.push(self.subtree(start, start + k)?);
        }
        Some(())
    }

    /// Consistency proof between the trees of the first `old` and `new` leaves.
    pub fn prove_consistency(&self, old: u64, new: u64) -> Result<ConsistencyProof, ProofError> {
        if old == 0 || old > new || new > self.len {
            return Err(ProofError::BadSizes { old, new });
        }
        let mut path = Vec::new();
        if old < new {
            self.subproof(old, 0, new, true, &mut path)
                .ok_or(ProofError::Unavailable)?;
        }
        Ok(ConsistencyProof {
            old_size: old,
            new_size: new,
            path,
        })
    }

    /// RFC 9162 SUBPROOF(m, D[start:end], b).
    fn subproof(
        &self,
        m: u64,
        start: u64,
        end: u64,
        b: bool,
        out: &mut Vec<Digest32>,
    ) -> Option<()> {
        let n = end - start;
        if m == n {
            if !b {
                out.push(self.subtree(start, end)?);
            }
            return Some(());
        }
        let k = split_point(n);
        if m <= k {
            self.subproof(m, start, start + k, b, out)?;
            out.push(self.subtree(start + k, end)?);
        } else {
            self.subproof(m - k, start + k, end, false, out)?;
            out.push(self.subtree(start, start + k)?);
        }
        Some(())
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
