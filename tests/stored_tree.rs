//! Issue 15, item 2 (the tree from tiles): a Merkle tree whose nodes are read from stored
//! C2SP tlog-tiles answers every root, proof, leaf and tile exactly as the same tree held in
//! memory, keeps only its right edge resident, and says so when a tile cannot be read instead
//! of answering wrongly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chancery::crypto::{leaf_hash, Digest32};
use chancery::merkle::{MerkleTree, ProofError, Tile, TileKind, TileSource, TileWrite};
use proptest::prelude::*;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Tiles kept in a map, counting reads; `fail` makes every read fail.
#[derive(Default)]
struct Tiles {
    map: Mutex<HashMap<(u8, u64), Vec<Digest32>>>,
    reads: AtomicUsize,
    fail: AtomicBool,
}

impl Tiles {
    fn write(&self, tiles: Vec<TileWrite>) {
        let mut map = self.map.lock().unwrap();
        for (level, n, hashes) in tiles {
            map.insert((level, n), hashes);
        }
    }
}

impl TileSource for Tiles {
    fn tile(&self, level: u8, index: u64, width: u16) -> Option<Vec<Digest32>> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        if self.fail.load(Ordering::Relaxed) {
            return None;
        }
        let map = self.map.lock().unwrap();
        let tile = map.get(&(level, index))?;
        tile.get(..usize::from(width)).map(<[Digest32]>::to_vec)
    }
}

fn leaf(n: u64) -> Digest32 {
    leaf_hash(&n.to_be_bytes())
}

fn memory_tree(n: u64) -> MerkleTree {
    let mut t = MerkleTree::new();
    for i in 0..n {
        t.push(leaf(i));
    }
    t
}

/// A tree of `n` leaves written to tiles at `stored` (in steps, as a ledger writes after each
/// batch), then reopened from the tiles and grown to `n` in memory.
fn stored_tree(stored: u64, n: u64, step: u64) -> (MerkleTree, Arc<Tiles>) {
    let tiles = Arc::new(Tiles::default());
    let mut t = MerkleTree::new();
    let mut written = 0;
    t.attach(Arc::clone(&tiles) as Arc<dyn TileSource>);
    for i in 0..stored {
        t.push(leaf(i));
        if (i + 1) % step == 0 || i + 1 == stored {
            tiles.write(t.tiles_since(written).unwrap());
            t.settle();
            written = i + 1;
        }
    }
    let mut reopened = MerkleTree::stored(Arc::clone(&tiles) as Arc<dyn TileSource>, stored)
        .expect("every tile is there");
    for i in stored..n {
        reopened.push(leaf(i));
    }
    (reopened, tiles)
}

fn tile(level: u8, index: u64, width: u64) -> Tile {
    Tile {
        kind: TileKind::Hashes(level),
        index,
        partial: (width < 256).then_some(width as u8),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn given_a_tree_read_from_tiles_when_asked_anything_then_it_answers_as_the_tree_in_memory(
        stored in 1u64..70_000,
        extra in 0u64..700,
        step in 1u64..3_000,
        picks in proptest::collection::vec(any::<u64>(), 8),
    ) {
        let n = stored + extra;
        let memory = memory_tree(n);
        let (tree, _) = stored_tree(stored, n, step);
        prop_assert_eq!(tree.head(), memory.head());
        for p in &picks {
            let size = 1 + p % n;
            let index = (p >> 20) % size;
            prop_assert_eq!(tree.root(size), memory.root(size));
            prop_assert_eq!(tree.leaf(index), memory.leaf(index));
            prop_assert_eq!(
                tree.prove_inclusion(index, size),
                memory.prove_inclusion(index, size)
            );
            let old = 1 + index % size;
            prop_assert_eq!(
                tree.prove_consistency(old, size),
                memory.prove_consistency(old, size)
            );
            for level in 0..3u8 {
                let count = n >> (8 * level);
                if count == 0 {
                    continue;
                }
                let at = (p >> 7) % count;
                let t = tile(level, at / 256, (count - at / 256 * 256).min(256));
                prop_assert_eq!(tree.tile_hashes(&t), memory.tile_hashes(&t));
            }
        }
    }

    #[test]
    fn given_a_tree_read_from_tiles_when_truncated_then_it_is_the_smaller_tree(
        stored in 1u64..5_000,
        extra in 0u64..600,
        cut in any::<u64>(),
    ) {
        let n = stored + extra;
        let (mut tree, _) = stored_tree(stored, n, 1_000);
        let to = cut % (n + 1);
        tree.truncate(to).unwrap();
        let memory = memory_tree(to);
        prop_assert_eq!(tree.head(), memory.head());
        if to > 0 {
            prop_assert_eq!(tree.prove_inclusion(to - 1, to), memory.prove_inclusion(to - 1, to));
        }
        tree.push(leaf(to));
        prop_assert_eq!(tree.head(), memory_tree(to + 1).head());
    }
}

#[test]
fn given_a_tree_read_from_tiles_when_its_head_is_asked_and_it_grows_then_no_tile_is_read() {
    let (mut tree, tiles) = stored_tree(100_000, 100_000, 1_000);
    let before = tiles.reads.load(Ordering::Relaxed);
    let _ = tree.head();
    for i in 100_000..101_000 {
        tree.push(leaf(i));
    }
    tree.truncate(100_500).unwrap();
    assert_eq!(tree.head(), memory_tree(100_500).head());
    assert_eq!(tiles.reads.load(Ordering::Relaxed), before);
}

#[test]
fn given_a_tree_read_from_tiles_when_settled_then_memory_holds_one_node_per_height() {
    let (mut tree, tiles) = stored_tree(0, 0, 1);
    for i in 0..5_000 {
        tree.push(leaf(i));
    }
    tiles.write(tree.tiles_since(0).unwrap());
    tree.settle();
    assert_eq!(tree.stored_len(), 5_000);
    // The Debug form shows nothing of the nodes; what is resident is checked by answers:
    // with the tiles gone, only what needs no tile still answers.
    tiles.fail.store(true, Ordering::Relaxed);
    assert_eq!(tree.head(), memory_tree(5_000).head());
    assert_eq!(tree.leaf(4_999), Some(leaf(4_999)));
    assert_eq!(tree.leaf(4_998), None);
}

#[test]
fn given_unreadable_tiles_when_a_proof_needs_them_then_it_is_unavailable_not_wrong() {
    let (tree, tiles) = stored_tree(10_000, 10_100, 500);
    tiles.fail.store(true, Ordering::Relaxed);
    assert_eq!(
        tree.prove_inclusion(3, 10_100),
        Err(ProofError::Unavailable)
    );
    assert_eq!(tree.root(5_000), Err(ProofError::Unavailable));
    assert_eq!(tree.leaf(3), None);
    assert!(tree.tile_hashes(&tile(0, 0, 256)).is_none());
    // What memory holds still answers: the head, and the leaves appended since.
    assert_eq!(tree.head(), memory_tree(10_100).head());
    assert_eq!(tree.leaf(10_050), Some(leaf(10_050)));
}

#[test]
fn given_missing_tiles_when_a_stored_tree_is_opened_then_there_is_none() {
    let tiles = Arc::new(Tiles::default());
    assert!(MerkleTree::stored(tiles as Arc<dyn TileSource>, 1_000).is_none());
}
