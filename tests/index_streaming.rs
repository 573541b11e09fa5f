//! Issue 15, a rebuild that does not hold the ledger in memory: past its first entries, a
//! rebuild of the persistent index streams the journal through the catch-up, writing the index
//! every index interval; the result answers as a replay does. (A binary of its own: the seed is
//! set process-wide.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::{FileStore, IntegrityKey, Ledger};
use common::World;

/// A ledger of 9,000 issued licenses (in batches of 1,000) in `dir`, closed: their ids, the
/// time after the last, and the world's clock.
fn nine_thousand(
    dir: &std::path::Path,
) -> (
    Vec<chancery::LicenseId>,
    chancery::Timestamp,
    chancery::ManualClock,
) {
    let (mut w, _) = World::standard(FileStore::open(dir).unwrap());
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
    (ids, w.now(), w.clock.clone())
}

#[test]
fn given_a_ledger_longer_than_the_rebuild_seed_when_its_index_is_rebuilt_then_it_answers_as_a_replay(
) {
    chancery::test_support::set_rebuild_seed(5);
    let dir = tempfile::tempdir().unwrap();
    let (ids, now, clock) = nine_thousand(dir.path());
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

/// An audit streams the journal into its temporary index past its seed, in pieces of the index
/// interval, as a rebuild does: on a ledger several pieces long it passes.
#[test]
fn given_a_ledger_longer_than_the_audit_seed_when_audited_through_its_index_then_it_passes() {
    chancery::test_support::set_audit_seed(5);
    let dir = tempfile::tempdir().unwrap();
    let (_, _, clock) = nine_thousand(dir.path());
    let journal = dir.path().to_owned();
    let ledger = Ledger::open_indexed(
        FileStore::open_lazily(dir.path()).unwrap(),
        clock,
        &dir.path().join("index.redb"),
        IntegrityKey::from_bytes([8; 32]),
        move || FileStore::open_read_only(&journal),
    )
    .unwrap();
    let report = ledger.audit().unwrap();
    assert_eq!(report.entries, ledger.len());
    assert_eq!(report.root, ledger.tree_head().root);
}
