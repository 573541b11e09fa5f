//! Issue 15 (tiles), a first part: C2SP tlog-tiles paths, formatted and parsed strictly, so the
//! same tiles can be served over HTTP as they are kept.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chancery::merkle::{index_path, Tile, TileKind};
use proptest::prelude::*;

#[test]
fn given_the_specs_example_index_when_formatted_then_it_is_x001_x234_067() {
    assert_eq!(index_path(1_234_067), "x001/x234/067");
    assert_eq!(index_path(0), "000");
    assert_eq!(index_path(999), "999");
    assert_eq!(index_path(1000), "x001/000");
}

#[test]
fn given_a_partial_hash_tile_when_formatted_then_it_carries_its_width() {
    let t = Tile {
        kind: TileKind::Hashes(2),
        index: 1_234_067,
        partial: Some(45),
    };
    assert_eq!(t.path(), "tile/2/x001/x234/067.p/45");
    assert_eq!(Tile::parse(&t.path()), Ok(t));
}

#[test]
fn given_an_entry_bundle_when_formatted_then_it_is_under_tile_entries() {
    let t = Tile {
        kind: TileKind::Entries,
        index: 7,
        partial: None,
    };
    assert_eq!(t.path(), "tile/entries/007");
    assert_eq!(Tile::parse("tile/entries/007"), Ok(t));
}

#[test]
fn given_non_canonical_spellings_when_parsed_then_each_is_refused() {
    for bad in [
        "tile/00/000",           // level with a leading zero
        "tile/6/000",            // level above 5
        "tile/0/7",              // index element not three digits
        "tile/0/001/234",        // an element before the last without its x
        "tile/0/x000/001",       // a leading zero group: a second spelling of 1
        "tile/0/000.p/0",        // width 0
        "tile/0/000.p/256",      // width 256 is a full tile
        "tile/0/000.p/045",      // width with a leading zero
        "tile/0/x001/x234/067/", // trailing slash
        "tiles/0/000",
        "tile/entries",
        "tile/0/x18446744073709551/615",
    ] {
        assert!(Tile::parse(bad).is_err(), "{bad}");
    }
}

proptest! {
    #[test]
    fn given_any_tile_when_its_path_is_parsed_then_it_is_the_same_tile(
        level in 0u8..=5, index in any::<u64>(), partial in proptest::option::of(1u8..=255), entries in any::<bool>()
    ) {
        let kind = if entries { TileKind::Entries } else { TileKind::Hashes(level) };
        let t = Tile { kind, index, partial };
        prop_assert_eq!(Tile::parse(&t.path()), Ok(t));
    }
}

proptest! {
    /// What the fuzz target checks (fuzz/fuzz_targets/tile_path.rs): a path parses only if it
    /// is the canonical path of the tile it names; no input panics.
    #[test]
    fn given_any_text_when_parsed_as_a_tile_path_then_only_canonical_paths_parse(
        path in "tile/(entries|[0-9]{1,2})/((x[0-9]{3}/){0,3}[0-9]{1,4})(\\.p/[0-9]{1,4})?"
    ) {
        if let Ok(tile) = Tile::parse(&path) {
            prop_assert_eq!(tile.path(), path);
        }
    }
}

mod tile_contents {
    use chancery::crypto::Digest32;
    use chancery::merkle::{root_from_leaves, MerkleTree, Tile, TileKind};

    fn leaf(n: u64) -> Digest32 {
        chancery::crypto::leaf_hash(&n.to_be_bytes())
    }

    fn tree(n: u64) -> MerkleTree {
        let mut t = MerkleTree::new();
        for i in 0..n {
            t.push(leaf(i));
        }
        t
    }

    fn tile(level: u8, index: u64, partial: Option<u8>) -> Tile {
        Tile {
            kind: TileKind::Hashes(level),
            index,
            partial,
        }
    }

    fn hashes(bytes: &[u8]) -> Vec<Digest32> {
        bytes
            .chunks(32)
            .map(|c| Digest32(c.try_into().unwrap()))
            .collect()
    }

    #[test]
    fn given_a_tree_when_a_level_0_tile_is_read_then_it_holds_the_leaf_hashes() {
        let t = tree(600);
        let got = hashes(&t.tile_hashes(&tile(0, 1, None)).unwrap());
        let want: Vec<Digest32> = (256..512).map(leaf).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn given_a_tree_when_a_level_1_tile_is_read_then_each_hash_is_the_root_of_256_leaves() {
        let t = tree(3 * 65_536 + 700);
        let got = hashes(&t.tile_hashes(&tile(1, 2, Some(2))).unwrap());
        for (i, h) in got.iter().enumerate() {
            let first = (2 * 256 + i as u64) * 256;
            let leaves: Vec<[u8; 8]> = (first..first + 256).map(u64::to_be_bytes).collect();
            let refs: Vec<&[u8]> = leaves.iter().map(|l| l.as_slice()).collect();
            assert_eq!(*h, root_from_leaves(&refs), "hash {i}");
        }
    }

    #[test]
    fn given_a_partial_tile_when_the_tree_holds_fewer_subtrees_then_there_is_none() {
        let t = tree(600);
        // Tile 2 of level 0 holds leaves 512..600: 88 of them.
        assert_eq!(t.tile_hashes(&tile(0, 2, Some(88))).unwrap().len(), 88 * 32);
        assert!(t.tile_hashes(&tile(0, 2, Some(89))).is_none());
        assert!(t.tile_hashes(&tile(0, 2, None)).is_none());
        assert!(t.tile_hashes(&tile(1, 0, Some(3))).is_none());
        let entries = Tile {
            kind: TileKind::Entries,
            index: 0,
            partial: None,
        };
        assert!(t.tile_hashes(&entries).is_none());
    }
}
