//! Issue 16, the read path: `chancery::server` serves the C2SP tlog-tiles read API — the kept
//! checkpoint, hash tiles, entry bundles (only when made public) — over HTTP, and every answer
//! is checked here against what the tests compute themselves from the store's entries with
//! SHA-256 (RFC 6962), not against the ledger's own tree.
#![cfg(feature = "server")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::server::{Options, Service};
use chancery::storage::{CheckpointLog, Record};
use chancery::{FileCheckpointLog, FileStore, Ledger, Store};
use common::rfc9162::{leaf, sha256};
use common::serving::Serving;
use common::*;
use std::path::{Path, PathBuf};

/// Licenses issued after the standard start (3 entries): 303 entries, one full level-0 tile
/// and a partial one of 47.
const LICENSES: usize = 300;
const ENTRIES: u64 = LICENSES as u64 + 3;

/// A file store in a temporary directory holding the standard world and `LICENSES` licenses,
/// with its writer still open.
fn ledger_on_disk() -> (tempfile::TempDir, World<FileStore>, chancery::Actor) {
    let dir = tempfile::tempdir().unwrap();
    let (mut w, a) = World::standard(FileStore::open(dir.path()).unwrap());
    for i in 0..LICENSES {
        w.issue(&a, "AUTH1", &format!("S{i}"));
    }
    assert_eq!(w.ledger.len(), ENTRIES);
    (dir, w, a)
}

/// Serves a reader of the store in `dir`, its checkpoints read from the same directory.
fn start(dir: &Path, options: Options) -> Serving {
    let checkpoints = dir.to_path_buf();
    start_with(dir, options, move || {
        FileCheckpointLog::open_read_only(&checkpoints)?.last_checkpoint()
    })
}

fn start_with(
    dir: &Path,
    options: Options,
    checkpoint: impl Fn() -> Result<Option<String>, chancery::storage::StorageError>
        + Send
        + Sync
        + 'static,
) -> Serving {
    let store = FileStore::open_read_only(dir).unwrap();
    let ledger = Ledger::open(store, chancery::SystemClock).unwrap();
    Serving::start(Service::new(ledger, checkpoint, options).router())
}

/// The store's entries `start..end`, read through the store itself.
fn entries(dir: &Path, start: u64, end: u64) -> Vec<Record> {
    FileStore::open_read_only(dir)
        .unwrap()
        .read(start, end)
        .unwrap()
}

/// RFC 6962's MTH of a power-of-two number of leaf hashes.
fn root_of(leaves: &[[u8; 32]]) -> [u8; 32] {
    if leaves.len() == 1 {
        return leaves[0];
    }
    let (l, r) = leaves.split_at(leaves.len() / 2);
    sha256(&[&[1], &root_of(l), &root_of(r)])
}

fn concat(hashes: &[[u8; 32]]) -> Vec<u8> {
    hashes.iter().flatten().copied().collect()
}

fn public() -> Options {
    Options {
        public_entries: true,
        ..Options::default()
    }
}

#[test]
fn given_a_kept_checkpoint_when_getting_checkpoint_then_the_note_is_served_as_kept() {
    let (dir, w, _) = ledger_on_disk();
    let signed = w
        .ledger
        .sign_checkpoint(&key(1), &mut FileCheckpointLog::open(dir.path()).unwrap())
        .unwrap();
    let server = start(dir.path(), Options::default());

    let r = server.get("/checkpoint");

    assert_eq!(r.status, 200);
    assert_eq!(r.text(), signed.note);
    assert!(r.text().contains(&format!("\n{ENTRIES}\n")), "{}", r.text());
    assert_eq!(r.header("cache-control"), Some("no-cache"));
    assert!(r.header("content-type").unwrap().starts_with("text/plain"));
}

#[test]
fn given_no_checkpoint_kept_when_getting_checkpoint_then_not_found() {
    let (dir, _w, _) = ledger_on_disk();
    let server = start(dir.path(), Options::default());

    let r = server.get("/checkpoint");

    assert_eq!(r.status, 404, "{}", r.text());
}

#[test]
fn given_a_kept_checkpoint_the_ledger_did_not_sign_when_getting_checkpoint_then_it_is_not_served() {
    let (dir, w, _) = ledger_on_disk();
    // A note over the ledger's true head, signed by a key that never signs its checkpoints.
    let forged = w.note(&key(99), &[]);
    let server = start_with(dir.path(), Options::default(), move || {
        Ok(Some(forged.clone()))
    });

    let r = server.get("/checkpoint");

    assert_eq!(r.status, 503, "{}", r.text());
    assert!(
        !r.text().contains("— "),
        "no note in the error: {}",
        r.text()
    );
}

#[test]
fn given_a_full_level_0_tile_when_getting_it_then_it_is_the_leaf_hashes_and_immutable() {
    let (dir, _w, _) = ledger_on_disk();
    let server = start(dir.path(), Options::default());
    let want: Vec<[u8; 32]> = entries(dir.path(), 0, 256)
        .iter()
        .map(|r| leaf(&r.bytes))
        .collect();

    let r = server.get("/tile/0/000");

    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.body, concat(&want));
    assert_eq!(
        r.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(r.header("content-type"), Some("application/octet-stream"));
}

#[test]
fn given_a_partial_tile_when_getting_it_at_the_ledgers_width_then_the_hashes_and_not_cached() {
    let (dir, _w, _) = ledger_on_disk();
    let server = start(dir.path(), Options::default());
    let width = ENTRIES - 256;
    let want: Vec<[u8; 32]> = entries(dir.path(), 256, ENTRIES)
        .iter()
        .map(|r| leaf(&r.bytes))
        .collect();

    let r = server.get(&format!("/tile/0/001.p/{width}"));

    assert_eq!(r.status, 200);
    assert_eq!(r.body, concat(&want));
    assert_eq!(r.header("cache-control"), Some("no-cache"));
}

#[test]
fn given_a_tile_wider_than_the_ledger_when_getting_it_then_not_found() {
    let (dir, _w, _) = ledger_on_disk();
    let server = start(dir.path(), Options::default());

    assert_all_not_found(
        &server,
        &[
            &format!("/tile/0/001.p/{}", ENTRIES - 256 + 1),
            "/tile/0/001",
            "/tile/0/002.p/1",
            "/tile/1/000",
            "/tile/1/000.p/2",
        ],
    );
}

#[test]
fn given_256_leaves_when_getting_the_level_1_partial_tile_then_it_is_their_subtree_hash() {
    let (dir, _w, _) = ledger_on_disk();
    let server = start(dir.path(), Options::default());
    let leaves: Vec<[u8; 32]> = entries(dir.path(), 0, 256)
        .iter()
        .map(|r| leaf(&r.bytes))
        .collect();

    let r = server.get("/tile/1/000.p/1");

    assert_eq!(r.status, 200);
    assert_eq!(r.body, root_of(&leaves).to_vec());
}

#[test]
fn given_a_path_that_is_not_a_canonical_tile_path_when_getting_it_then_not_found() {
    let (dir, _w, _) = ledger_on_disk();
    let server = start(dir.path(), Options::default());

    assert_all_not_found(
        &server,
        &[
            "/tile/0/0",
            "/tile/0/00",
            "/tile/0/x000/000",
            "/tile/0/000.p/0",
            "/tile/0/000.p/256",
            "/tile/0/000.p/01",
            "/tile/00/000",
            "/tile/8/000",
            "/tile/0/000/",
            "/tile/0/-01",
            "/tile/",
            "/tile/entries",
        ],
    );
}

fn assert_all_not_found(server: &Serving, paths: &[&str]) {
    for path in paths {
        let r = server.get(path);
        assert_eq!(
            r.status,
            404,
            "{path}: {}",
            String::from_utf8_lossy(&r.body)
        );
    }
}

#[test]
fn given_entries_not_public_when_getting_an_entry_bundle_then_forbidden() {
    let (dir, _w, _) = ledger_on_disk();
    let server = start(dir.path(), Options::default());

    let r = server.get("/tile/entries/000");

    assert_eq!(r.status, 403, "{}", r.text());
    assert!(r.text().contains("--public-entries"), "{}", r.text());
}

#[test]
fn given_public_entries_when_getting_a_full_bundle_then_it_holds_each_entry_length_prefixed() {
    let (dir, _w, _) = ledger_on_disk();
    let server = start(dir.path(), public());
    let want = entries(dir.path(), 0, 256);

    let r = server.get("/tile/entries/000");

    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let mut rest = r.body.as_slice();
    let mut got = Vec::new();
    while !rest.is_empty() {
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        got.push(rest[2..2 + len].to_vec());
        rest = &rest[2 + len..];
    }
    assert_eq!(got.len(), 256);
    assert!(got.iter().zip(&want).all(|(g, w)| *g == w.bytes));
    assert_eq!(
        r.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
}

#[test]
fn given_public_entries_when_getting_a_bundle_then_its_entries_hash_to_the_served_level_0_tile() {
    let (dir, _w, _) = ledger_on_disk();
    let server = start(dir.path(), public());
    let width = ENTRIES - 256;

    let bundle = server.get(&format!("/tile/entries/001.p/{width}"));
    let tile = server.get(&format!("/tile/0/001.p/{width}"));

    assert_eq!(bundle.status, 200);
    let mut rest = bundle.body.as_slice();
    let mut hashes = Vec::new();
    while !rest.is_empty() {
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        hashes.push(leaf(&rest[2..2 + len]));
        rest = &rest[2 + len..];
    }
    assert_eq!(concat(&hashes), tile.body);
}

#[test]
fn given_public_entries_when_getting_a_bundle_beyond_the_ledger_then_not_found() {
    let (dir, _w, _) = ledger_on_disk();
    let server = start(dir.path(), public());

    let r = server.get("/tile/entries/001");

    assert_eq!(r.status, 404, "{}", r.text());
}

#[test]
fn given_entries_appended_after_the_start_when_getting_their_tile_then_they_are_served() {
    let (dir, mut w, a) = ledger_on_disk();
    let server = start(dir.path(), Options::default());
    let width = ENTRIES - 256 + 10;
    let path = format!("/tile/0/001.p/{width}");
    assert_eq!(server.get(&path).status, 404);

    for i in 0..10 {
        w.issue(&a, "AUTH1", &format!("LATER{i}"));
    }
    let r = server.get(&path);

    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let want: Vec<[u8; 32]> = entries(dir.path(), 256, ENTRIES + 10)
        .iter()
        .map(|r| leaf(&r.bytes))
        .collect();
    assert_eq!(r.body, concat(&want));
}

#[test]
fn given_a_checkpoint_signed_after_the_start_when_getting_checkpoint_then_the_newest_is_served() {
    let (dir, mut w, a) = ledger_on_disk();
    let mut log = FileCheckpointLog::open(dir.path()).unwrap();
    w.ledger.sign_checkpoint(&key(1), &mut log).unwrap();
    let server = start(dir.path(), Options::default());
    assert_eq!(server.get("/checkpoint").status, 200);

    w.issue(&a, "AUTH1", "LATER");
    let newer = w.ledger.sign_checkpoint(&key(1), &mut log).unwrap();
    let r = server.get("/checkpoint");

    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.text(), newer.note);
}

#[test]
fn given_an_entry_changed_on_disk_after_it_was_verified_when_getting_its_bundle_then_it_is_refused()
{
    let (dir, w, _) = ledger_on_disk();
    let server = start(dir.path(), public());
    drop(w);
    // Whoever can write the store flips one byte of the last entry, in place.
    let journal = journal_file(dir.path());
    let mut bytes = std::fs::read(&journal).unwrap();
    let last = entries(dir.path(), ENTRIES - 1, ENTRIES).remove(0).bytes;
    let at = bytes
        .windows(last.len())
        .rposition(|w| w == last.as_slice())
        .expect("the entry's bytes in the journal");
    bytes[at + last.len() / 2] ^= 0x01;
    std::fs::write(&journal, &bytes).unwrap();

    let r = server.get(&format!("/tile/entries/001.p/{}", ENTRIES - 256));

    assert_eq!(r.status, 503, "{}", String::from_utf8_lossy(&r.body));
}

/// The journal file of the store in `dir` (SPEC §12).
fn journal_file(dir: &Path) -> PathBuf {
    dir.join("journal.log")
}

#[test]
fn given_an_unknown_route_or_method_when_requested_then_a_client_error() {
    let (dir, _w, _) = ledger_on_disk();
    let server = start(dir.path(), Options::default());

    assert_eq!(server.get("/nothing").status, 404);
    assert_eq!(server.get("/checkpoint/").status, 404);
    assert_eq!(server.request("POST", "/checkpoint").status, 405);
    assert_eq!(server.request("DELETE", "/tile/0/000").status, 405);
}
