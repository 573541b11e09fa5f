//! Issue 15, a rebuild that does not hold the ledger in memory: past its first entries, a
//! rebuild of the persistent index streams the journal through the catch-up, writing the index
//! every index interval; the result answers as a replay does. (A binary of its own: the seed is
//! set process-wide.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::{FileStore, IntegrityKey, Ledger};
use common::World;

#[test]
fn given_a_ledger_longer_than_the_rebuild_seed_when_its_index_is_rebuilt_then_it_answers_as_a_replay(
) {
    chancery::test_support::set_rebuild_seed(5);
    let dir = tempfile::tempdir().unwrap();
    let (mut w, _) = World::standard(FileStore::open(dir.path()).unwrap());
    let a = common::actor(10);
    let ids: Vec<_> = (0..9_000)
        .map(|i| w.issue_event("AUTH1", &format!("S{i}")))
        .collect::<Vec<_>>()
        .chunks(1_000)
        .flat_map(|chunk| {
            let statements: Vec<_> = chunk
                .iter()
                .map(|(e, _, _)| w.sign(&a, e.clone()))
                .collect();
            assert!(w
                .ledger
                .append_batch(statements)
                .unwrap()
                .iter()
                .all(Result::is_ok));
            chunk
                .iter()
                .map(|(_, id, _)| id.clone())
                .collect::<Vec<_>>()
        })
        .collect();
    let (now, clock) = (w.now(), w.clock.clone());
    drop(w);
    let journal = dir.path().to_owned();
    let open = || {
        let journal = journal.clone();
        Ledger::open_indexed(
            FileStore::open_lazily(dir.path()).unwrap(),
            clock.clone(),
            &dir.path().join("index.redb"),
            IntegrityKey::from_bytes([8; 32]),
            move || FileStore::open_read_only(&journal),
        )
        .unwrap()
    };
    let rebuilt = open();
    let status = rebuilt.index_status().unwrap();
    assert!(status.rebuilt);
    // Streamed in pieces of the index interval, each written: the index holds every entry.
    assert_eq!(status.entries, rebuilt.len());
    drop(rebuilt);
    let reopened = open();
    assert!(!reopened.index_status().unwrap().rebuilt);
    let plain = Ledger::open(
        FileStore::open_read_only(dir.path()).unwrap(),
        clock.clone(),
    )
    .unwrap();
    assert_eq!(reopened.tree_head(), plain.tree_head());
    assert_eq!(reopened.state(), plain.state());
    for id in ids.iter().step_by(97) {
        assert_eq!(reopened.status(id, now), plain.status(id, now));
    }
    let len = plain.len();
    assert_eq!(
        reopened.prove_inclusion(3, len),
        plain.prove_inclusion(3, len)
    );
}
