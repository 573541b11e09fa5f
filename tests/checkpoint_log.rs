//! Issue 14, item 1: the rule that the operator never signs two checkpoints that do not fit
//! together lives in the library (`Ledger::sign_checkpoint` over a `CheckpointLog`), and the
//! file store's log keeps each checkpoint durably before it is returned.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::checkpoint::CheckpointError;
use chancery::stamp::IssueStampError;
use chancery::storage::{DamageReason, StorageError};
use chancery::{
    AppendError, CheckpointLog, FileCheckpointLog, Ledger, MemoryCheckpointLog, MemoryStore,
    SignCheckpointError, Store,
};
use common::*;

type W = World<MemoryStore>;

/// A ledger of a root, an authority, a type and `licenses` licenses.
fn ledger_with(licenses: usize) -> (W, chancery::Actor) {
    let (mut w, a) = W::standard(MemoryStore::new());
    for i in 0..licenses {
        w.issue(&a, "AUTH1", &format!("L{i}"));
    }
    (w, a)
}

/// The ledger as it was at `len` entries, in a store of its own (a restored backup).
fn rolled_back(w: &W, len: u64) -> Ledger<MemoryStore> {
    let records = w.ledger.store().read(0, len).unwrap();
    let mut store = MemoryStore::new();
    store.append(0, &records).unwrap();
    Ledger::open(store, w.clock.clone()).unwrap()
}

/// A ledger of 3 licenses whose checkpoint is kept, then rolled back by two entries and
/// rewritten to the same size (licenses F1, F2); the log and the size.
fn rewritten_after_a_checkpoint() -> (W, MemoryCheckpointLog, u64) {
    let (w, a) = ledger_with(3);
    let mut log = MemoryCheckpointLog::new();
    w.ledger.sign_checkpoint(&key(1), &mut log).unwrap();
    let len = w.ledger.len();
    let mut forked = W {
        ledger: rolled_back(&w, len - 2),
        clock: w.clock.clone(),
        root: w.root.clone(),
    };
    forked.issue(&a, "AUTH1", "F1");
    forked.issue(&a, "AUTH1", "F2");
    (forked, log, len)
}

#[test]
fn given_an_empty_log_when_a_checkpoint_is_signed_then_it_is_kept_and_belongs_to_the_ledger() {
    let (w, _) = ledger_with(2);
    let mut log = MemoryCheckpointLog::new();
    let signed = w.ledger.sign_checkpoint(&key(1), &mut log).unwrap();
    assert_eq!(log.checkpoints().unwrap(), vec![signed.note.clone()]);
    assert_eq!(signed.checkpoint.size, w.ledger.len());
    assert_eq!(
        w.ledger.check_checkpoint(signed.note.as_bytes()).unwrap(),
        signed.checkpoint
    );
}

#[test]
fn given_a_kept_checkpoint_when_the_same_head_is_signed_again_then_it_is_kept_once() {
    let (w, _) = ledger_with(1);
    let mut log = MemoryCheckpointLog::new();
    let first = w.ledger.sign_checkpoint(&key(1), &mut log).unwrap();
    let second = w.ledger.sign_checkpoint(&key(1), &mut log).unwrap();
    assert_eq!(first, second);
    assert_eq!(log.checkpoints().unwrap().len(), 1);
}

/// The checkpoint `note` kept again with a witness's cosignature after it (what a service with
/// witnesses keeps, SPEC §16); the cosigned note.
fn keep_cosigned(log: &mut MemoryCheckpointLog, note: &str) -> String {
    let mut cosigned = chancery::checkpoint::Note::parse(note.as_bytes()).unwrap();
    cosigned.signatures.push(
        chancery::checkpoint::cosign_note(&cosigned.text, "w.example", &key(40), 1_800_000_000)
            .unwrap(),
    );
    let cosigned = cosigned.to_text();
    log.keep_checkpoint(&cosigned, Some(note)).unwrap();
    cosigned
}

#[test]
fn given_the_last_checkpoint_kept_with_cosignatures_when_the_same_head_is_signed_then_that_note_is_returned_and_nothing_kept(
) {
    let (w, _) = ledger_with(1);
    let mut log = MemoryCheckpointLog::new();
    let first = w.ledger.sign_checkpoint(&key(1), &mut log).unwrap();
    let cosigned = keep_cosigned(&mut log, &first.note);
    let again = w.ledger.sign_checkpoint(&key(1), &mut log).unwrap();
    assert_eq!(again.note, cosigned);
    assert_eq!(log.checkpoints().unwrap().len(), 2);
}

#[test]
fn given_the_last_checkpoint_kept_with_cosignatures_when_a_batch_appends_nothing_then_its_proof_leads_to_that_note(
) {
    let (mut w, a) = ledger_with(0);
    let mut log = MemoryCheckpointLog::new();
    let (event, _, _) = w.issue_event("AUTH1", "B1");
    let statement = w.sign(&a, event);
    let proven = w
        .ledger
        .append_batch_proven(vec![statement.clone()], &key(1), &mut log)
        .unwrap();
    let cosigned = keep_cosigned(&mut log, &proven.checkpoint);
    // Submitted again: recorded before, nothing appended.
    let again = w
        .ledger
        .append_batch_proven(vec![statement], &key(1), &mut log)
        .unwrap();
    assert_eq!(again.checkpoint, cosigned);
    assert_eq!(log.checkpoints().unwrap().len(), 2);
}

#[test]
fn given_a_key_that_does_not_sign_checkpoints_when_signing_then_it_is_refused_and_nothing_kept() {
    let (w, _) = ledger_with(1);
    let mut log = MemoryCheckpointLog::new();
    // Seed 10 is the authority's key: it signs statements, not checkpoints.
    assert!(matches!(
        w.ledger.sign_checkpoint(&key(10), &mut log),
        Err(SignCheckpointError::NotACheckpointKey)
    ));
    assert!(log.checkpoints().unwrap().is_empty());
}

/// The attack: restore an older backup of the store and sign a checkpoint of it with the same
/// log. The older ledger does not hold the last checkpoint kept; signing would publish a
/// smaller tree that the operator's earlier checkpoint contradicts (or, once it grows again,
/// a fork).
#[test]
fn given_a_checkpoint_kept_when_the_ledger_is_rolled_back_then_signing_is_refused() {
    let (w, _) = ledger_with(3);
    let mut log = MemoryCheckpointLog::new();
    w.ledger.sign_checkpoint(&key(1), &mut log).unwrap();
    let older = rolled_back(&w, w.ledger.len() - 2);
    assert!(matches!(
        older.sign_checkpoint(&key(1), &mut log),
        Err(SignCheckpointError::Inconsistent(
            CheckpointError::BeyondLedger { .. }
        ))
    ));
    assert_eq!(log.checkpoints().unwrap().len(), 1);
}

/// The same attack by another road: roll back, append other entries until the ledger is as
/// large as before, and sign; the root at the kept size differs.
#[test]
fn given_a_checkpoint_kept_when_the_ledger_is_rewritten_to_the_same_size_then_signing_is_refused() {
    let (forked, log, len) = rewritten_after_a_checkpoint();
    assert_eq!(forked.ledger.len(), len);
    let mut log = log;
    assert!(matches!(
        forked.ledger.sign_checkpoint(&key(1), &mut log),
        Err(SignCheckpointError::Inconsistent(
            CheckpointError::Inconsistent { .. }
        ))
    ));
}

#[test]
fn given_a_log_of_another_ledger_when_signing_then_it_is_refused() {
    let (w, _) = ledger_with(1);
    let other = World::with_store(MemoryStore::new());
    let mut log = MemoryCheckpointLog::new();
    // Another ledger of the same origin under another root key (seed 2).
    let mut other = other;
    let root2 = actor(2);
    other.ledger = Ledger::create(
        MemoryStore::new(),
        genesis(&root2, other.now()),
        other.clock.clone(),
    )
    .unwrap();
    other.ledger.sign_checkpoint(&key(2), &mut log).unwrap();
    assert!(matches!(
        w.ledger.sign_checkpoint(&key(1), &mut log),
        Err(SignCheckpointError::Inconsistent(CheckpointError::Note(_)))
    ));
}

#[test]
fn given_a_rolled_back_ledger_when_a_batch_is_proven_then_nothing_is_appended() {
    let (w, a) = ledger_with(3);
    let mut log = MemoryCheckpointLog::new();
    w.ledger.sign_checkpoint(&key(1), &mut log).unwrap();
    let mut older = W {
        ledger: rolled_back(&w, w.ledger.len() - 2),
        clock: w.clock.clone(),
        root: w.root.clone(),
    };
    let (event, _, _) = older.issue_event("AUTH1", "P1");
    let statement = older.sign(&a, event);
    let before = older.ledger.len();
    let refused = older
        .ledger
        .append_batch_proven(vec![statement], &key(1), &mut log);
    assert!(matches!(
        refused,
        Err(AppendError::NotExtending(e)) if matches!(*e, SignCheckpointError::Inconsistent(_))
    ));
    assert_eq!(older.ledger.len(), before);
    assert_eq!(log.checkpoints().unwrap().len(), 1);
}

#[test]
fn given_proven_batches_when_each_is_appended_then_the_log_keeps_one_checkpoint_per_batch() {
    let (mut w, a) = ledger_with(0);
    let mut log = MemoryCheckpointLog::new();
    for serial in ["B1", "B2"] {
        let (event, _, _) = w.issue_event("AUTH1", serial);
        let statement = w.sign(&a, event);
        let proven = w
            .ledger
            .append_batch_proven(vec![statement], &key(1), &mut log)
            .unwrap();
        assert_eq!(log.last_checkpoint().unwrap(), Some(proven.checkpoint));
    }
    assert_eq!(log.checkpoints().unwrap().len(), 2);
}

#[test]
fn given_a_file_log_when_reopened_then_it_holds_every_checkpoint_kept() {
    let d = tempfile::tempdir().unwrap();
    let (w, _) = ledger_with(1);
    let signed = {
        let mut log = FileCheckpointLog::open(d.path()).unwrap();
        w.ledger.sign_checkpoint(&key(1), &mut log).unwrap()
    };
    let log = FileCheckpointLog::open(d.path()).unwrap();
    assert_eq!(log.checkpoints().unwrap(), vec![signed.note.clone()]);
    assert_eq!(log.last_checkpoint().unwrap(), Some(signed.note));
}

#[test]
fn given_a_file_log_held_by_a_writer_when_another_opens_it_then_it_is_locked() {
    let d = tempfile::tempdir().unwrap();
    let _writer = FileCheckpointLog::open(d.path()).unwrap();
    assert!(matches!(
        FileCheckpointLog::open(d.path()),
        Err(StorageError::Locked(_))
    ));
}

/// Two notes kept in a fresh log in `dir`; returns them and the byte offset of the second.
fn two_kept(dir: &std::path::Path) -> (Vec<String>, u64) {
    let (mut w, a) = ledger_with(0);
    let mut log = FileCheckpointLog::open(dir).unwrap();
    let first = w.ledger.sign_checkpoint(&key(1), &mut log).unwrap().note;
    w.issue(&a, "AUTH1", "K1");
    let second = w.ledger.sign_checkpoint(&key(1), &mut log).unwrap().note;
    // Header (16 bytes), then the first record: length, its complement, hash, note.
    (vec![first.clone(), second], 16 + 40 + first.len() as u64)
}

#[test]
fn given_a_torn_last_record_when_the_writer_opens_then_it_is_truncated_and_the_rest_kept() {
    let d = tempfile::tempdir().unwrap();
    let (notes, second_at) = two_kept(d.path());
    let path = d.path().join(FileCheckpointLog::FILE);
    let len = std::fs::metadata(&path).unwrap().len();
    // The second record's write stopped half-way (it was never synced, so never returned).
    let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.set_len(second_at + (len - second_at) / 2).unwrap();
    drop(f);
    let log = FileCheckpointLog::open(d.path()).unwrap();
    assert_eq!(log.checkpoints().unwrap(), vec![notes[0].clone()]);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), second_at);
}

#[test]
fn given_a_damaged_record_before_the_last_when_opened_then_the_damage_is_reported_at_its_byte() {
    let d = tempfile::tempdir().unwrap();
    two_kept(d.path());
    let path = d.path().join(FileCheckpointLog::FILE);
    let mut bytes = std::fs::read(&path).unwrap();
    // A byte of the first note.
    bytes[16 + 40 + 3] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    match FileCheckpointLog::open(d.path()) {
        Err(StorageError::Damaged(damage)) => {
            assert_eq!(damage.offset, 16);
            assert_eq!(damage.reason, DamageReason::HashMismatch);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn given_a_store_without_a_log_when_read_only_then_it_has_kept_nothing() {
    let d = tempfile::tempdir().unwrap();
    let log = FileCheckpointLog::open_read_only(d.path()).unwrap();
    assert!(log.is_empty());
    assert_eq!(log.last_checkpoint().unwrap(), None);
    assert!(!d.path().join(FileCheckpointLog::FILE).exists());
}

#[test]
fn given_a_read_only_log_when_keeping_then_it_is_refused() {
    let d = tempfile::tempdir().unwrap();
    two_kept(d.path());
    let mut log = FileCheckpointLog::open_read_only(d.path()).unwrap();
    assert_eq!(log.len(), 2);
    let last = log.last_checkpoint().unwrap();
    assert!(matches!(
        log.keep_checkpoint("x", last.as_deref()),
        Err(StorageError::ReadOnly)
    ));
}

/// Review of issue 14: a length field raised by a flipped bit in an earlier record made the
/// rest look like a torn tail, and the writer truncated every later checkpoint (including ones
/// already returned). The length carries its complement: a bad one is damage, wherever it lies.
#[test]
fn given_an_earlier_records_length_damaged_when_opened_then_it_is_damage_not_a_torn_tail() {
    let d = tempfile::tempdir().unwrap();
    two_kept(d.path());
    let path = d.path().join(FileCheckpointLog::FILE);
    let mut bytes = std::fs::read(&path).unwrap();
    let len_before = bytes.len();
    // The first record's length, raised past the end of the file.
    bytes[16 + 1] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    match FileCheckpointLog::open(d.path()) {
        Err(StorageError::Damaged(damage)) => {
            assert_eq!(damage.offset, 16);
            assert!(matches!(damage.reason, DamageReason::BadLength(_)));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(std::fs::metadata(&path).unwrap().len() as usize, len_before);
}

/// A last record written whole but not matching its hash was synced and may have been
/// returned: damage, not a torn write, unless its note ends in zeros (pages a crash lost).
#[test]
fn given_a_whole_last_record_not_matching_its_hash_when_opened_then_it_is_damage() {
    let d = tempfile::tempdir().unwrap();
    let (_, second_at) = two_kept(d.path());
    let path = d.path().join(FileCheckpointLog::FILE);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[second_at as usize + 40 + 2] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    match FileCheckpointLog::open(d.path()) {
        Err(StorageError::Damaged(damage)) => assert_eq!(damage.offset, second_at),
        other => panic!("{other:?}"),
    }
}

#[test]
fn given_a_last_note_whose_end_reads_as_zeros_when_the_writer_opens_then_it_is_truncated() {
    let d = tempfile::tempdir().unwrap();
    let (notes, second_at) = two_kept(d.path());
    let path = d.path().join(FileCheckpointLog::FILE);
    let mut bytes = std::fs::read(&path).unwrap();
    let n = bytes.len();
    bytes[n - 100..].fill(0);
    std::fs::write(&path, &bytes).unwrap();
    let log = FileCheckpointLog::open(d.path()).unwrap();
    assert_eq!(log.checkpoints().unwrap(), vec![notes[0].clone()]);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), second_at);
}

/// Two signers on one log: the one that checked the ledger against a checkpoint that is no
/// longer the last keeps nothing.
#[test]
fn given_a_checkpoint_kept_meanwhile_when_keeping_after_the_older_one_then_it_is_refused() {
    let (w, _) = ledger_with(1);
    let mut log = MemoryCheckpointLog::new();
    let first = w.ledger.sign_checkpoint(&key(1), &mut log).unwrap();
    assert!(matches!(
        log.keep_checkpoint(&first.note, None),
        Err(StorageError::CheckpointMoved)
    ));
    assert_eq!(log.checkpoints().unwrap().len(), 1);
}

/// Review of issue 14: a status stamp signs the ledger's size and root as a checkpoint does,
/// so a ledger rolled back and rewritten after a checkpoint was kept gets no stamp either.
#[test]
fn given_a_checkpoint_kept_when_a_rewritten_ledger_is_stamped_then_it_is_refused() {
    let (forked, log, _) = rewritten_after_a_checkpoint();
    let id = chancery::LicenseId::new("T1", "AUTH1", "F1", 1).unwrap();
    let now = forked.now();
    let stamp = forked
        .ledger
        .stamp(&id, now, now.plus_days(1), &key(1), &log);
    assert!(matches!(
        stamp,
        Err(IssueStampError::Inconsistent(
            CheckpointError::Inconsistent { .. }
        ))
    ));
    let as_of = forked
        .ledger
        .stamp_as_of(&id, now, now.plus_days(1), &key(1), &log);
    assert!(matches!(as_of, Err(IssueStampError::Inconsistent(_))));
}

#[test]
fn given_the_same_ledger_when_stamped_after_a_checkpoint_was_kept_then_it_is_signed() {
    let (mut w, a) = ledger_with(0);
    let mut log = MemoryCheckpointLog::new();
    w.ledger.sign_checkpoint(&key(1), &mut log).unwrap();
    let (id, _) = w.issue(&a, "AUTH1", "S1");
    let now = w.now();
    assert!(w
        .ledger
        .stamp(&id, now, now.plus_days(1), &key(1), &log)
        .is_ok());
}

/// A reader of the log in `dir` opened after the writer kept a first checkpoint, and a second
/// kept after it opened: the reader and the two notes.
fn reader_behind_writer(dir: &std::path::Path) -> (FileCheckpointLog, String, String) {
    let (mut w, a) = ledger_with(0);
    let mut writer = FileCheckpointLog::open(dir).unwrap();
    let first = w.ledger.sign_checkpoint(&key(1), &mut writer).unwrap().note;
    let reader = FileCheckpointLog::open_read_only(dir).unwrap();
    w.issue(&a, "AUTH1", "K1");
    let second = w.ledger.sign_checkpoint(&key(1), &mut writer).unwrap().note;
    (reader, first, second)
}

/// Issue 16 review: the service read the whole log for every `/checkpoint`. A reader follows
/// the writer by reading only what was appended since.
#[test]
fn given_a_reader_log_when_the_writer_keeps_more_then_refresh_takes_them_in() {
    let d = tempfile::tempdir().unwrap();
    let (mut reader, first, second) = reader_behind_writer(d.path());
    assert_eq!(reader.last_checkpoint().unwrap(), Some(first.clone()));

    reader.refresh().unwrap();

    assert_eq!(reader.last_checkpoint().unwrap(), Some(second.clone()));
    assert_eq!(reader.checkpoints().unwrap(), vec![first, second]);
}

#[test]
fn given_a_reader_of_a_store_without_a_log_when_one_is_kept_then_refresh_takes_it_in() {
    let d = tempfile::tempdir().unwrap();
    let (w, _) = ledger_with(0);
    let mut reader = FileCheckpointLog::open_read_only(d.path()).unwrap();
    let mut writer = FileCheckpointLog::open(d.path()).unwrap();
    let note = w.ledger.sign_checkpoint(&key(1), &mut writer).unwrap().note;

    reader.refresh().unwrap();

    assert_eq!(reader.last_checkpoint().unwrap(), Some(note));
}

#[test]
fn given_a_reader_log_when_the_file_shrinks_under_it_then_refresh_reports_damage_and_keeps_what_it_had(
) {
    let d = tempfile::tempdir().unwrap();
    let (notes, second_at) = two_kept(d.path());
    let mut reader = FileCheckpointLog::open_read_only(d.path()).unwrap();
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(d.path().join(FileCheckpointLog::FILE))
        .unwrap();
    f.set_len(second_at).unwrap();

    let r = reader.refresh();

    assert!(
        matches!(&r, Err(StorageError::Damaged(d)) if d.reason == DamageReason::Truncated),
        "{r:?}"
    );
    assert_eq!(reader.last_checkpoint().unwrap(), Some(notes[1].clone()));
}

#[test]
fn given_a_log_whose_write_failed_when_its_last_checkpoint_is_asked_then_poisoned() {
    use chancery::test_support::CheckpointLogHooks;
    let d = tempfile::tempdir().unwrap();
    let (w, _) = ledger_with(0);
    let mut log = FileCheckpointLog::open(d.path()).unwrap();
    log.fail_next_keep();
    assert!(w.ledger.sign_checkpoint(&key(1), &mut log).is_err());

    let r = log.last_checkpoint();

    assert!(matches!(r, Err(StorageError::Poisoned)), "{r:?}");
}

/// Review of issue 16: a refresh that failed part-way had already taken in the records before
/// the fault, and took them in again at the next try.
#[test]
fn given_a_refresh_that_meets_damage_when_tried_twice_then_the_reader_keeps_what_it_had() {
    use std::io::Write;
    let d = tempfile::tempdir().unwrap();
    let (mut reader, first, _) = reader_behind_writer(d.path());
    // Then 8 bytes whose length does not match its complement.
    std::fs::OpenOptions::new()
        .append(true)
        .open(d.path().join(FileCheckpointLog::FILE))
        .unwrap()
        .write_all(&[0, 0, 0, 9, 0, 0, 0, 9])
        .unwrap();

    assert!(reader.refresh().is_err());
    assert!(reader.refresh().is_err());

    assert_eq!(reader.len(), 1);
    assert_eq!(reader.last_checkpoint().unwrap(), Some(first));
}

/// Review of issue 16: a reader followed the file it opened, so a log put in place by rename
/// (restored from a backup, §16) was never seen.
#[test]
fn given_a_log_replaced_by_rename_when_the_reader_refreshes_then_it_reads_the_new_file() {
    let d = tempfile::tempdir().unwrap();
    let other = tempfile::tempdir().unwrap();
    let (mut w, a) = ledger_with(0);
    let mut writer = FileCheckpointLog::open(d.path()).unwrap();
    w.ledger.sign_checkpoint(&key(1), &mut writer).unwrap();
    let mut reader = FileCheckpointLog::open_read_only(d.path()).unwrap();
    drop(writer);
    w.issue(&a, "AUTH1", "K1");
    let mut elsewhere = FileCheckpointLog::open(other.path()).unwrap();
    let newer = w
        .ledger
        .sign_checkpoint(&key(1), &mut elsewhere)
        .unwrap()
        .note;
    drop(elsewhere);
    std::fs::rename(
        other.path().join(FileCheckpointLog::FILE),
        d.path().join(FileCheckpointLog::FILE),
    )
    .unwrap();

    reader.refresh().unwrap();

    assert_eq!(reader.last_checkpoint().unwrap(), Some(newer));
    assert_eq!(reader.len(), 1);
}

#[test]
fn given_a_log_whose_keep_failed_when_reopened_then_it_keeps_again_and_holds_what_it_kept() {
    use chancery::test_support::CheckpointLogHooks;
    let d = tempfile::tempdir().unwrap();
    let (mut w, a) = ledger_with(1);
    let mut log = FileCheckpointLog::open(d.path()).unwrap();
    let first = w.ledger.sign_checkpoint(&key(1), &mut log).unwrap();
    w.issue(&a, "AUTH1", "L9");
    log.fail_next_keep();
    assert!(w.ledger.sign_checkpoint(&key(1), &mut log).is_err());
    assert!(matches!(log.last_checkpoint(), Err(StorageError::Poisoned)));

    log.reopen().unwrap();
    let second = w.ledger.sign_checkpoint(&key(1), &mut log).unwrap();

    assert_eq!(
        FileCheckpointLog::open_read_only(d.path())
            .unwrap()
            .checkpoints()
            .unwrap(),
        vec![first.note, second.note]
    );
}

/// A checkpoint whose write reached the page cache but whose sync failed may have been read
/// (by the service's own reader of the log, say): reopened in place, the log writes it again
/// and syncs it, so what was read is kept, and a reader that read it goes on.
#[test]
fn given_a_keep_whose_sync_failed_when_the_log_is_reopened_then_it_is_kept_and_a_reader_that_read_it_goes_on(
) {
    use chancery::test_support::CheckpointLogHooks;
    let d = tempfile::tempdir().unwrap();
    let (mut w, a) = ledger_with(1);
    let mut log = FileCheckpointLog::open(d.path()).unwrap();
    let first = w.ledger.sign_checkpoint(&key(1), &mut log).unwrap();
    let mut reader = FileCheckpointLog::open_read_only(d.path()).unwrap();
    w.issue(&a, "AUTH1", "L9");
    log.fail_next_keep_sync();
    assert!(w.ledger.sign_checkpoint(&key(1), &mut log).is_err());
    reader.refresh().unwrap();
    let seen = reader.last_checkpoint().unwrap().unwrap();
    assert_ne!(seen, first.note, "the reader read the failed one");

    log.reopen().unwrap();

    assert_eq!(log.last_checkpoint().unwrap(), Some(seen));
    w.issue(&a, "AUTH1", "L10");
    let third = w.ledger.sign_checkpoint(&key(1), &mut log).unwrap();
    reader.refresh().unwrap();
    assert_eq!(reader.last_checkpoint().unwrap(), Some(third.note));
}

/// The writer's lock is held through a reopen, and through one that fails: no other writer
/// can keep checkpoints meanwhile (and have them cut or overwritten by the next reopen).
#[test]
fn given_a_log_whose_reopen_failed_when_another_writer_opens_it_then_locked() {
    use chancery::test_support::CheckpointLogHooks;
    let d = tempfile::tempdir().unwrap();
    let (mut w, a) = ledger_with(1);
    let mut log = FileCheckpointLog::open(d.path()).unwrap();
    w.ledger.sign_checkpoint(&key(1), &mut log).unwrap();
    w.issue(&a, "AUTH1", "L9");
    log.fail_next_keep();
    assert!(w.ledger.sign_checkpoint(&key(1), &mut log).is_err());
    let path = d.path().join(FileCheckpointLog::FILE);
    let len = std::fs::metadata(&path).unwrap().len();
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(len - 1).unwrap();
    assert!(matches!(
        log.reopen(),
        Err(StorageError::Damaged(d)) if d.reason == DamageReason::Truncated
    ));
    assert_eq!(
        std::fs::metadata(&path).unwrap().len(),
        len - 1,
        "left as it is"
    );

    let other = FileCheckpointLog::open(d.path());

    assert!(matches!(other, Err(StorageError::Locked(_))), "{other:?}");
    file.set_len(len).unwrap();
    log.reopen().unwrap_err();
}

#[test]
fn given_a_reopened_log_when_another_writer_opens_it_then_locked() {
    use chancery::test_support::CheckpointLogHooks;
    let d = tempfile::tempdir().unwrap();
    let (mut w, a) = ledger_with(1);
    let mut log = FileCheckpointLog::open(d.path()).unwrap();
    w.ledger.sign_checkpoint(&key(1), &mut log).unwrap();
    w.issue(&a, "AUTH1", "L9");
    log.fail_next_keep();
    assert!(w.ledger.sign_checkpoint(&key(1), &mut log).is_err());
    log.reopen().unwrap();

    let other = FileCheckpointLog::open(d.path());

    assert!(matches!(other, Err(StorageError::Locked(_))), "{other:?}");
}
