//! Storage: the conformance suite on every backend, durability of the file store (syncs before
//! acknowledging, fatal sync failures), torn tails, and damage reported with its position.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::storage::{conformance, DamageReason, Record, StorageError, Store};
use chancery::test_support::FileStoreHooks;
use chancery::{FileStore, Ledger, MemoryStore, OpenError};
use common::*;
use std::path::Path;

#[test]
fn memory_store_conforms() {
    conformance::run(MemoryStore::new);
}

#[test]
fn file_store_conforms() {
    let dirs: std::cell::RefCell<Vec<tempfile::TempDir>> = Default::default();
    conformance::run(|| {
        let d = tempfile::tempdir().unwrap();
        let s = FileStore::open(d.path()).unwrap();
        dirs.borrow_mut().push(d);
        s
    });
}

fn record(i: u64) -> Record {
    let bytes = format!("entry {i}").into_bytes();
    Record {
        hash: chancery::crypto::leaf_hash(&bytes),
        bytes,
    }
}

#[test]
fn file_store_survives_reopen_and_locks() {
    let d = tempfile::tempdir().unwrap();
    {
        let mut s = FileStore::open(d.path()).unwrap();
        s.append(0, &[record(0), record(1)]).unwrap();
        // A second opener is refused while the first holds the store.
        assert!(matches!(
            FileStore::open(d.path()),
            Err(StorageError::Locked(_))
        ));
        s.append(2, &[record(2)]).unwrap();
    }
    let s = FileStore::open(d.path()).unwrap();
    assert_eq!(s.len(), 3);
    assert_eq!(s.read(0, 3).unwrap(), vec![record(0), record(1), record(2)]);
}

/// The commit path syncs the journal and the head before an append returns (and so before any
/// receipt is handed out), once per batch, not once per entry.
#[test]
fn commit_syncs_before_acknowledging() {
    let d = tempfile::tempdir().unwrap();
    let (mut w, a) = World::standard(FileStore::open(d.path()).unwrap());
    let syncs = w.ledger.store().sync_count();
    let batch: Vec<_> = (0..50)
        .map(|i| {
            let (ev, _, _) = w.issue_event("AUTH1", &format!("S{i}"));
            w.sign(&a, ev)
        })
        .collect();
    let receipts = w.ledger.append_batch(batch).unwrap();
    assert!(receipts.iter().all(Result::is_ok));
    assert_eq!(
        w.ledger.store().sync_count(),
        syncs + 2,
        "journal + head, once per batch"
    );
    // A refused-only batch (an authority may not reinstate itself) writes and syncs nothing.
    let s = w.sign(
        &a,
        chancery::Event::AuthorityReinstated {
            authority: "AUTH1".into(),
        },
    );
    let before = w.ledger.store().sync_count();
    let results = w.ledger.append_batch(vec![s]).unwrap();
    assert!(
        matches!(
            results.as_slice(),
            [Err(chancery::Rejection::Rule(
                chancery::RuleError::Unauthorized {
                    event: "AuthorityReinstated"
                }
            ))]
        ),
        "{results:?}"
    );
    assert_eq!(w.ledger.store().sync_count(), before);
}

/// A failed fsync is fatal: the batch is not acknowledged, the ledger stays at its durable
/// state and refuses further appends; after reopening, nothing of the failed batch is visible
/// unless it was fully written, and appends continue.
#[test]
fn failed_sync_is_fatal_and_acknowledges_nothing() {
    let d = tempfile::tempdir().unwrap();
    let (w, a) = World::standard(FileStore::open(d.path()).unwrap());
    let len = w.ledger.len();
    let state = w.ledger.state().clone();
    let (ev, _, _) = w.issue_event("AUTH1", "S1");
    let s = w.sign(&a, ev);
    // Make the next sync report an error, as a failing device would.
    let mut ledger = w.ledger;
    let store_dir = d.path().to_owned();
    ledger.store_mut().fail_next_sync();
    match ledger.append(s.clone()) {
        Err(chancery::AppendError::Storage(_)) => {}
        other => panic!("expected a storage error, got {other:?}"),
    }
    assert_eq!(ledger.len(), len, "nothing acknowledged is visible");
    assert_eq!(ledger.state(), &state);
    assert!(matches!(
        ledger.append(s.clone()),
        Err(chancery::AppendError::Storage(StorageError::Poisoned))
    ));
    drop(ledger);
    let mut ledger = Ledger::open(FileStore::open(&store_dir).unwrap(), w.clock.clone()).unwrap();
    ledger.audit().unwrap();
    // The journal's sync failed before the head was written: the entry was never committed,
    // and the writer truncated it at open. Appending continues.
    assert_eq!(ledger.len(), len);
    let r = ledger.append(s).unwrap();
    assert_eq!(r.seq, len);
}

fn journal(dir: &Path) -> std::path::PathBuf {
    dir.join("journal.log")
}

fn build_ledger(dir: &Path, licenses: usize) -> u64 {
    let (mut w, a) = World::standard(FileStore::open(dir).unwrap());
    for i in 0..licenses {
        let (ev, _, _) = w.issue_event("AUTH1", &format!("S{i}"));
        w.ok(&a, ev);
    }
    w.ledger.len()
}

/// Flip one byte anywhere in the journal: opening reports the damaged entry (file, byte offset,
/// sequence number, reason) instead of panicking or serving it.
#[test]
fn flipped_byte_anywhere_in_journal_is_reported() {
    let d = tempfile::tempdir().unwrap();
    let n = build_ledger(d.path(), 5);
    let pristine = std::fs::read(journal(d.path())).unwrap();
    let head = std::fs::read(d.path().join("head")).unwrap();
    // Record offsets, by walking the format.
    let mut offsets = vec![];
    let mut p = 16usize;
    while p < pristine.len() {
        offsets.push(p);
        p += 36 + u32::from_be_bytes(pristine[p..p + 4].try_into().unwrap()) as usize;
    }
    assert_eq!(offsets.len() as u64, n);
    for i in 0..pristine.len() {
        let mut bytes = pristine.clone();
        bytes[i] ^= 0x40;
        std::fs::write(journal(d.path()), &bytes).unwrap();
        std::fs::write(d.path().join("head"), &head).unwrap();
        let opened = FileStore::open(d.path())
            .map_err(OpenError::from)
            .and_then(|s| Ledger::open(s, chancery::SystemClock));
        match opened {
            Err(OpenError::Storage(StorageError::Damaged(dmg))) => {
                if i < 16 {
                    assert_eq!(dmg.reason, DamageReason::BadHeader);
                } else {
                    let seq = offsets.iter().rposition(|o| *o <= i).unwrap();
                    assert_eq!(dmg.seq, Some(seq as u64), "byte {i}");
                    assert!(
                        dmg.offset as usize <= i,
                        "byte {i} reported at {}",
                        dmg.offset
                    );
                }
            }
            Err(OpenError::BadEntry(bad)) => {
                let seq = offsets.iter().rposition(|o| *o <= i).unwrap();
                assert_eq!(bad.error.seq, seq as u64, "byte {i}");
                assert_eq!(bad.location.unwrap().1, offsets[seq] as u64);
            }
            Err(other) => panic!("byte {i}: unexpected error {other}"),
            Ok(_) => panic!("byte {i}: damage went unnoticed"),
        }
    }
    std::fs::write(journal(d.path()), &pristine).unwrap();
    let l = Ledger::open(FileStore::open(d.path()).unwrap(), chancery::SystemClock).unwrap();
    l.audit().unwrap();
}

/// Damage to one copy of the committed head falls back to the other copy; damage to both is
/// reported.
#[test]
fn head_file_damage() {
    let d = tempfile::tempdir().unwrap();
    let n = build_ledger(d.path(), 3);
    let head_path = d.path().join("head");
    let head = std::fs::read(&head_path).unwrap();
    for i in 0..head.len() {
        let mut h = head.clone();
        h[i] ^= 1;
        std::fs::write(&head_path, &h).unwrap();
        let l = Ledger::open(FileStore::open(d.path()).unwrap(), chancery::SystemClock).unwrap();
        assert_eq!(l.len(), n, "one bad head slot (byte {i}) loses nothing");
    }
    std::fs::write(&head_path, vec![0u8; 128]).unwrap();
    assert!(matches!(
        FileStore::open(d.path()),
        Err(StorageError::Damaged(chancery::storage::Damage {
            reason: DamageReason::BadHead,
            ..
        }))
    ));
}

/// An unacknowledged torn tail (bytes past the committed head) is truncated at open; a journal
/// shorter than its committed head is reported.
#[test]
fn torn_tail_is_truncated_and_missing_committed_data_reported() {
    let d = tempfile::tempdir().unwrap();
    let n = build_ledger(d.path(), 3);
    let jp = journal(d.path());
    let pristine = std::fs::read(&jp).unwrap();
    // Garbage after the committed head.
    let mut torn = pristine.clone();
    torn.extend_from_slice(&[0, 0, 1, 0, 9, 9, 9]);
    std::fs::write(&jp, &torn).unwrap();
    let mut l = Ledger::open(FileStore::open(d.path()).unwrap(), chancery::SystemClock).unwrap();
    assert_eq!(l.len(), n);
    assert_eq!(std::fs::read(&jp).unwrap(), pristine, "torn tail truncated");
    let _ = &mut l;
    drop(l);
    // Committed bytes missing.
    std::fs::write(&jp, &pristine[..pristine.len() - 10]).unwrap();
    assert!(matches!(
        FileStore::open(d.path()),
        Err(StorageError::Damaged(chancery::storage::Damage {
            reason: DamageReason::MissingCommitted { .. },
            ..
        }))
    ));
}

/// A journal cut short of its committed head names the first committed entry it lost.
#[test]
fn given_a_journal_cut_inside_an_entry_when_opened_then_the_damage_names_that_entry() {
    let d = tempfile::tempdir().unwrap();
    let n = build_ledger(d.path(), 3);
    let jp = journal(d.path());
    let pristine = std::fs::read(&jp).unwrap();
    std::fs::write(&jp, &pristine[..pristine.len() - 10]).unwrap();
    match FileStore::open_read_only(d.path()) {
        Err(StorageError::Damaged(dmg)) => {
            assert!(matches!(dmg.reason, DamageReason::MissingCommitted { .. }));
            assert_eq!(dmg.seq, Some(n - 1));
        }
        other => panic!("{other:?}"),
    }
}

/// A reader takes no lock and writes nothing: it opens beside a writer, and a torn tail the
/// writer would truncate is left in place.
#[test]
fn given_a_writer_holding_the_store_when_a_reader_opens_then_it_reads_without_writing() {
    let d = tempfile::tempdir().unwrap();
    let n = build_ledger(d.path(), 3);
    let jp = journal(d.path());
    let mut torn = std::fs::read(&jp).unwrap();
    torn.extend_from_slice(&[0, 0, 1, 0, 9, 9, 9]);
    std::fs::write(&jp, &torn).unwrap();
    let reader = FileStore::open_read_only(d.path()).unwrap();
    assert_eq!(chancery::Store::len(&reader), n);
    assert_eq!(
        std::fs::read(&jp).unwrap(),
        torn,
        "a reader truncates nothing"
    );
    let writer = FileStore::open(d.path()).unwrap();
    let second = FileStore::open_read_only(d.path()).unwrap();
    assert_eq!(chancery::Store::len(&second), n);
    assert!(matches!(
        FileStore::open(d.path()),
        Err(StorageError::Locked(_))
    ));
    let mut reader = reader;
    assert!(matches!(
        chancery::Store::append(&mut reader, n, &[]),
        Err(StorageError::ReadOnly)
    ));
    drop(writer);
}

/// A store made by format v1 is refused by name.
#[test]
fn given_a_v1_journal_when_opened_then_it_is_refused_as_an_older_format() {
    let d = tempfile::tempdir().unwrap();
    build_ledger(d.path(), 1);
    let jp = journal(d.path());
    let mut bytes = std::fs::read(&jp).unwrap();
    bytes[15] = 1;
    std::fs::write(&jp, &bytes).unwrap();
    let e = FileStore::open(d.path()).unwrap_err();
    assert!(matches!(e, StorageError::Format { found: 1, .. }), "{e}");
    assert!(e.to_string().contains("made by format v1"), "{e}");
}

/// A head without its journal is damage, never a new empty store over the evidence.
#[test]
fn given_a_deleted_journal_when_opened_then_damage_is_reported_and_nothing_is_created() {
    let d = tempfile::tempdir().unwrap();
    build_ledger(d.path(), 2);
    std::fs::remove_file(journal(d.path())).unwrap();
    assert!(matches!(
        FileStore::open(d.path()),
        Err(StorageError::Damaged(_))
    ));
    assert!(!journal(d.path()).exists());
}

/// Attack 11 of issue 12: a batch the caller was told failed must not reappear in part.
/// Given a 40-entry batch, when its journal write stops part-way (a full disk) or its journal
/// sync fails, then after reopening none of it is there; when the head's sync fails, all of it
/// may be (its head slot was written), never a part.
#[test]
fn given_a_failed_batch_when_reopened_then_it_is_there_entirely_or_not_at_all() {
    for failure in ["write", "journal sync", "head sync"] {
        let d = tempfile::tempdir().unwrap();
        let (w, a) = World::standard(FileStore::open(d.path()).unwrap());
        let before = w.ledger.len();
        let batch: Vec<_> = (0..40)
            .map(|i| {
                let (ev, _, _) = w.issue_event("AUTH1", &format!("S{i}"));
                w.sign(&a, ev)
            })
            .collect();
        let mut ledger = w.ledger;
        match failure {
            "write" => ledger.store_mut().fail_write_after(5_000),
            "journal sync" => ledger.store_mut().fail_sync_in(1),
            _ => ledger.store_mut().fail_sync_in(2),
        }
        assert!(
            matches!(
                ledger.append_batch(batch),
                Err(StorageError::Io {
                    op: "write" | "sync",
                    ..
                })
            ),
            "{failure}"
        );
        drop(ledger);
        let reopened = Ledger::open(FileStore::open(d.path()).unwrap(), w.clock.clone()).unwrap();
        let after = reopened.len();
        match failure {
            "head sync" => assert!(after == before || after == before + 40, "{after}"),
            _ => assert_eq!(after, before, "{failure}: the failed batch reappeared"),
        }
        reopened.audit().unwrap();
    }
}

/// After a failed sync the kernel may have dropped pages that the page cache still shows (the
/// 2018 "fsyncgate"): a later sync on a new handle may succeed without making them durable.
/// A batch whose journal was synced but whose head slot's sync failed may already have been
/// read (a reader follows the head): reopened in place, the store writes that head again and
/// syncs it, so what was read is durable, and the reader goes on.
#[test]
fn given_a_batch_whose_head_sync_failed_when_the_store_is_reopened_in_place_then_its_head_is_synced_again_and_a_reader_goes_on(
) {
    let d = tempfile::tempdir().unwrap();
    let (w, a) = World::standard(FileStore::open(d.path()).unwrap());
    let before = w.ledger.len();
    let mut statements: Vec<_> = (0..4)
        .map(|i| {
            let (ev, _, _) = w.issue_event("AUTH1", &format!("S{i}"));
            w.sign(&a, ev)
        })
        .collect();
    let next = statements.pop().unwrap();
    let mut reader = FileStore::open_read_only(d.path()).unwrap();
    let mut ledger = w.ledger;
    ledger.store_mut().fail_sync_in(2);
    assert!(ledger.append_batch(statements).is_err());
    assert_eq!(
        reader.refresh().unwrap(),
        before + 3,
        "the reader saw the batch"
    );
    let syncs = ledger.store().sync_count();

    ledger.reopen_store().unwrap();

    assert_eq!(
        ledger.store().sync_count(),
        syncs + 1,
        "its head synced again"
    );
    assert_eq!(ledger.len(), before + 3, "the batch taken in whole");
    ledger.append(next).unwrap();
    assert_eq!(reader.refresh().unwrap(), before + 4);
}

/// A journal cut below what the store synced, found when it is reopened in place after a
/// failure, is reported and left as it is (never padded out or given a head).
#[test]
fn given_a_journal_cut_short_from_outside_when_the_store_is_reopened_in_place_then_damage_is_reported_and_nothing_is_written(
) {
    let d = tempfile::tempdir().unwrap();
    let (w, a) = World::standard(FileStore::open(d.path()).unwrap());
    let (ev, _, _) = w.issue_event("AUTH1", "S1");
    let s = w.sign(&a, ev);
    let mut ledger = w.ledger;
    ledger.store_mut().fail_write_after(50);
    assert!(ledger.append(s).is_err());
    let synced = std::fs::metadata(journal(d.path())).unwrap().len() - 50;
    let cut = synced - 10;
    std::fs::OpenOptions::new()
        .write(true)
        .open(journal(d.path()))
        .unwrap()
        .set_len(cut)
        .unwrap();

    let reopened = ledger.reopen_store();

    assert!(
        matches!(
            reopened,
            Err(chancery::CatchUpError::Storage(StorageError::Damaged(_)))
        ),
        "{reopened:?}"
    );
    assert_eq!(std::fs::metadata(journal(d.path())).unwrap().len(), cut);
}

/// The same after a failed journal write: the bytes it left are not kept, and the store's
/// journal ends where its synced head says once reopened in place.
#[test]
fn given_a_batch_whose_write_failed_when_the_store_is_reopened_in_place_then_the_journal_ends_at_the_synced_head(
) {
    let d = tempfile::tempdir().unwrap();
    let (w, a) = World::standard(FileStore::open(d.path()).unwrap());
    let synced = std::fs::metadata(journal(d.path())).unwrap().len();
    let (ev, _, _) = w.issue_event("AUTH1", "S1");
    let s = w.sign(&a, ev);
    let mut ledger = w.ledger;
    ledger.store_mut().fail_write_after(50);
    assert!(ledger.append(s).is_err());

    ledger.reopen_store().unwrap();

    assert_eq!(std::fs::metadata(journal(d.path())).unwrap().len(), synced);
}

/// A reader's handle follows the writer: `refresh` takes in what was committed since, on a
/// handle opened with the full walk and on one opened lazily alike.
#[test]
fn given_a_reader_when_the_writer_commits_more_then_refresh_takes_the_new_entries_in() {
    let d = tempfile::tempdir().unwrap();
    let mut writer = FileStore::open(d.path()).unwrap();
    let first: Vec<Record> = (0..5).map(record).collect();
    writer.append(0, &first).unwrap();
    let mut walked = FileStore::open_read_only(d.path()).unwrap();
    let mut lazy = FileStore::open_read_only_lazily(d.path()).unwrap();
    let more: Vec<Record> = (5..12).map(record).collect();
    writer.append(5, &more).unwrap();

    for reader in [&mut walked, &mut lazy] {
        assert_eq!(reader.len(), 5);
        assert_eq!(reader.refresh().unwrap(), 12);
        assert_eq!(reader.len(), 12);
        assert_eq!(reader.read(3, 12).unwrap(), writer.read(3, 12).unwrap());
        assert_eq!(
            reader.refresh().unwrap(),
            12,
            "nothing new: the same length"
        );
    }
}

/// A committed journal never shrinks: a head put back from before what a reader already
/// read (a restored backup under a running reader) is reported, not followed.
#[test]
fn given_a_reader_when_the_head_is_put_back_to_fewer_entries_then_refresh_reports_damage() {
    let d = tempfile::tempdir().unwrap();
    let mut writer = FileStore::open(d.path()).unwrap();
    writer
        .append(0, &(0..5).map(record).collect::<Vec<_>>())
        .unwrap();
    let old_head = std::fs::read(d.path().join("head")).unwrap();
    writer
        .append(5, &(5..9).map(record).collect::<Vec<_>>())
        .unwrap();
    let mut reader = FileStore::open_read_only(d.path()).unwrap();
    drop(writer);
    std::fs::write(d.path().join("head"), &old_head).unwrap();

    let refreshed = reader.refresh();

    assert!(
        matches!(
            &refreshed,
            Err(StorageError::Damaged(d)) if d.reason == DamageReason::HeadMismatch
        ),
        "{refreshed:?}"
    );
    assert_eq!(reader.len(), 9, "the reader keeps what it had");
}

/// New records whose bytes were changed after the writer committed them reach no ledger: the
/// catch-up hashes each one, and the reader's ledger keeps only what verified.
#[test]
fn given_a_reader_ledger_when_a_new_entry_is_changed_on_disk_then_catch_up_refuses_it() {
    let d = tempfile::tempdir().unwrap();
    let (mut w, a) = World::standard(FileStore::open(d.path()).unwrap());
    w.issue(&a, "AUTH1", "FIRST");
    let n = w.ledger.len();
    let store = FileStore::open_read_only(d.path()).unwrap();
    let mut reader = Ledger::open(store, w.clock.clone()).unwrap();
    w.issue(&a, "AUTH1", "LATER");
    drop(w);
    // One byte inside the new entry (its last bytes: the signature) changed in place.
    let jp = journal(d.path());
    let mut bytes = std::fs::read(&jp).unwrap();
    let at = bytes.len() - 10;
    bytes[at] ^= 0x20;
    std::fs::write(&jp, &bytes).unwrap();

    let caught = reader.catch_up();

    assert!(caught.is_err(), "{caught:?}");
    assert_eq!(reader.len(), n);
}
