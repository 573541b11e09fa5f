//! Issue 15: a file store opened lazily reads its committed head and its offsets file instead
//! of walking the journal, and reads every record as a store opened with the full walk does;
//! a missing, short or damaged offsets file never makes it serve a wrong record.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chancery::storage::{conformance, DamageReason, Record, StorageError, Store};
use chancery::FileStore;
use proptest::prelude::*;
use std::path::Path;

fn record(i: u64) -> Record {
    // Lengths vary, so that an offset off by a record misframes.
    let bytes = format!("entry {i} {}", "x".repeat((i % 7) as usize)).into_bytes();
    Record {
        hash: chancery::crypto::leaf_hash(&bytes),
        bytes,
    }
}

/// A store of `n` records appended in batches of 10 by a writer opened with the full walk.
fn written(dir: &Path, n: u64) -> Vec<Record> {
    let all: Vec<Record> = (0..n).map(record).collect();
    let mut s = FileStore::open(dir).unwrap();
    for (i, batch) in all.chunks(10).enumerate() {
        s.append(i as u64 * 10, batch).unwrap();
    }
    all
}

/// The first `n` records, read from a store opened read-only and lazily.
fn read_lazily(dir: &Path, n: u64) -> Vec<Record> {
    FileStore::open_read_only_lazily(dir)
        .unwrap()
        .read(0, n)
        .unwrap()
}

fn offsets(dir: &Path) -> std::path::PathBuf {
    dir.join("offsets")
}

#[test]
fn lazily_opened_file_store_conforms() {
    let dirs: std::cell::RefCell<Vec<tempfile::TempDir>> = Default::default();
    conformance::run(|| {
        let d = tempfile::tempdir().unwrap();
        let s = FileStore::open_lazily(d.path()).unwrap();
        dirs.borrow_mut().push(d);
        s
    });
}

#[test]
fn given_a_written_store_when_opened_lazily_then_it_reads_every_record_as_the_full_open() {
    let d = tempfile::tempdir().unwrap();
    let all = written(d.path(), 95);
    for s in [
        FileStore::open_read_only_lazily(d.path()).unwrap(),
        FileStore::open_lazily(d.path()).unwrap(),
    ] {
        assert_eq!(s.len(), 95);
        assert_eq!(s.read(0, 95).unwrap(), all);
        assert_eq!(s.read(37, 38).unwrap(), vec![record(37)]);
        let full = FileStore::open_read_only(d.path()).unwrap();
        assert_eq!(s.locate(40), full.locate(40));
    }
}

#[test]
fn given_a_lazily_opened_writer_when_it_appends_then_a_full_open_and_a_lazy_one_read_it_all() {
    let d = tempfile::tempdir().unwrap();
    let mut all = written(d.path(), 30);
    {
        let mut s = FileStore::open_lazily(d.path()).unwrap();
        let more: Vec<Record> = (30..55).map(record).collect();
        s.append(30, &more).unwrap();
        all.extend(more);
    }
    assert_eq!(
        FileStore::open_read_only(d.path())
            .unwrap()
            .read(0, 55)
            .unwrap(),
        all
    );
    assert_eq!(
        FileStore::open_read_only_lazily(d.path())
            .unwrap()
            .read(0, 55)
            .unwrap(),
        all
    );
}

#[test]
fn given_an_offsets_file_missing_or_short_when_opened_lazily_then_the_journal_is_walked() {
    let d = tempfile::tempdir().unwrap();
    let all = written(d.path(), 64);
    let full = std::fs::read(offsets(d.path())).unwrap();
    assert_eq!(full.len(), 64 * 8);
    // Short by a batch: as after a crash between the head's sync and the offsets' write.
    std::fs::write(offsets(d.path()), &full[..54 * 8]).unwrap();
    assert_eq!(read_lazily(d.path(), 64), all);
    std::fs::remove_file(offsets(d.path())).unwrap();
    assert_eq!(read_lazily(d.path(), 64), all);
    // The writer's open puts it back whole.
    drop(FileStore::open_lazily(d.path()).unwrap());
    assert_eq!(std::fs::read(offsets(d.path())).unwrap(), full);
}

#[test]
fn given_unacknowledged_bytes_after_the_head_when_a_writer_opens_lazily_then_they_are_cut() {
    let d = tempfile::tempdir().unwrap();
    let all = written(d.path(), 20);
    let journal = d.path().join("journal.log");
    let len = std::fs::metadata(&journal).unwrap().len();
    let mut bytes = std::fs::read(&journal).unwrap();
    bytes.extend_from_slice(&[0, 0, 0, 9, 1, 2, 3]);
    std::fs::write(&journal, &bytes).unwrap();
    let mut s = FileStore::open_lazily(d.path()).unwrap();
    assert_eq!(std::fs::metadata(&journal).unwrap().len(), len);
    s.append(20, &[record(20)]).unwrap();
    let mut want = all;
    want.push(record(20));
    assert_eq!(
        FileStore::open_read_only(d.path())
            .unwrap()
            .read(0, 21)
            .unwrap(),
        want
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Whatever byte of the offsets file is changed, a lazily opened store either reads a
    /// record as it is or reports the offsets file damaged: never another record.
    #[test]
    fn given_any_byte_of_the_offsets_file_changed_when_read_lazily_then_no_record_is_wrong(
        at in 0usize..40 * 8,
        xor in 1u8..=255,
        start in 0u64..40,
        span in 1u64..8,
    ) {
        let d = tempfile::tempdir().unwrap();
        let all = written(d.path(), 40);
        let mut bytes = std::fs::read(offsets(d.path())).unwrap();
        bytes[at] ^= xor;
        std::fs::write(offsets(d.path()), &bytes).unwrap();
        let s = FileStore::open_read_only_lazily(d.path()).unwrap();
        prop_assert_eq!(s.len(), 40);
        let end = (start + span).min(40);
        match s.read(start, end) {
            Ok(records) => prop_assert_eq!(records, all[start as usize..end as usize].to_vec()),
            Err(StorageError::Damaged(d)) => prop_assert_eq!(d.reason, DamageReason::BadOffset),
            Err(e) => prop_assert!(false, "{e}"),
        }
    }
}

/// A pipe or a link planted as the offsets file is neither opened nor followed: a lazy open
/// falls back to the walk instead of blocking, and the writer puts a regular file there.
#[test]
fn given_a_pipe_planted_as_the_offsets_file_when_opened_lazily_then_nothing_blocks() {
    let d = tempfile::tempdir().unwrap();
    let all = written(d.path(), 12);
    std::fs::remove_file(offsets(d.path())).unwrap();
    // Made in this process: a child spawned here would share, between its fork and exec, the
    // writer lock other tests hold.
    rustix::fs::mkfifoat(
        rustix::fs::CWD,
        offsets(d.path()),
        rustix::fs::Mode::from_raw_mode(0o600),
    )
    .unwrap();
    assert_eq!(read_lazily(d.path(), 12), all);
    drop(FileStore::open_lazily(d.path()).unwrap());
    assert!(std::fs::symlink_metadata(offsets(d.path()))
        .unwrap()
        .is_file());
    assert_eq!(std::fs::read(offsets(d.path())).unwrap().len(), 12 * 8);
}
