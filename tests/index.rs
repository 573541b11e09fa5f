//! The persistent index (SPEC §12): a ledger opened with it answers as a replay of its journal
//! does — after appends through it, after appends it did not see, and whatever bytes of the
//! index file are damaged.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::event::Event;
use chancery::{FileStore, IntegrityKey, Ledger, LicenseId, ManualClock, Status};
use common::{World, T0};
use std::path::Path;

const KEY: [u8; 32] = [5; 32];

fn index_path(dir: &Path) -> std::path::PathBuf {
    dir.join("index.redb")
}

/// The ledger in `dir` opened with its persistent index.
fn indexed(dir: &Path, clock: &ManualClock) -> Ledger<FileStore> {
    indexed_at(dir, &index_path(dir), clock, KEY)
}

/// The ledger in `dir` opened with the index at `index` under `key`.
fn indexed_at(dir: &Path, index: &Path, clock: &ManualClock, key: [u8; 32]) -> Ledger<FileStore> {
    let journal = dir.to_owned();
    Ledger::open_indexed(
        FileStore::open(dir).unwrap(),
        clock.clone(),
        index,
        IntegrityKey::from_bytes(key),
        move || FileStore::open_read_only(&journal),
    )
    .unwrap()
}

/// Writes `value` as the stored bytes of row `key` of `table` in the index in `dir`, as
/// whoever can write the index file can.
fn put_row(dir: &Path, table: &str, key: &[u8], value: &[u8]) {
    let def: redb::TableDefinition<&[u8], &[u8]> = redb::TableDefinition::new(table);
    let db = redb::Database::create(index_path(dir)).unwrap();
    let tx = db.begin_write().unwrap();
    {
        let mut t = tx.open_table(def).unwrap();
        t.insert(key, value).unwrap();
    }
    tx.commit().unwrap();
}

/// The world with its ledger closed, `meanwhile` run on its directory, and the ledger in
/// `dir` opened again with its index.
fn reopened(w: World<FileStore>, dir: &Path, meanwhile: impl FnOnce(&Path)) -> World<FileStore> {
    let World {
        clock,
        root,
        ledger,
    } = w;
    drop(ledger);
    meanwhile(dir);
    let ledger = indexed(dir, &clock);
    World {
        clock,
        root,
        ledger,
    }
}

/// A world over a file store in `dir` whose ledger is opened with the index, with licenses
/// issued, one suspended and one revoked.
fn indexed_world(dir: &Path) -> (World<FileStore>, Vec<LicenseId>) {
    let (w, _) = World::standard(FileStore::open(dir).unwrap());
    let mut w = reopened(w, dir, |_| {});
    assert!(w.ledger.index_status().unwrap().rebuilt);
    let a = common::actor(10);
    let ids: Vec<LicenseId> = (0..12)
        .map(|i| w.issue(&a, "AUTH1", &format!("S{i}")).0)
        .collect();
    w.ok(
        &a,
        Event::LicenseSuspended {
            license: ids[1].clone(),
            reason: "inspection".into(),
        },
    );
    w.ok(
        &a,
        Event::LicenseRevoked(chancery::event::Termination {
            license: ids[2].clone(),
            effective: w.now(),
            reason: "violation".into(),
        }),
    );
    (w, ids)
}

/// What a replay of the journal in `dir` answers for each license now.
fn replayed_answers(dir: &Path, ids: &[LicenseId], now: chancery::Timestamp) -> Vec<Status> {
    let plain = Ledger::open(
        FileStore::open_read_only(dir).unwrap(),
        ManualClock::new(now),
    )
    .unwrap();
    ids.iter().map(|id| plain.status(id, now)).collect()
}

/// The ledger answers for every license as a replay of the journal in `dir` does.
fn assert_answers_as_replay(
    ledger: &Ledger<FileStore>,
    dir: &Path,
    ids: &[LicenseId],
    now: chancery::Timestamp,
) {
    assert_eq!(answers(ledger, ids, now), replayed_answers(dir, ids, now));
}

fn answers(ledger: &Ledger<FileStore>, ids: &[LicenseId], now: chancery::Timestamp) -> Vec<Status> {
    ids.iter().map(|id| ledger.status(id, now)).collect()
}

/// Every inclusion proof at the ledger's size, a consistency proof from every size, and every
/// leaf tile.
fn proofs(
    ledger: &Ledger<FileStore>,
) -> (
    Vec<chancery::merkle::InclusionProof>,
    Vec<chancery::merkle::ConsistencyProof>,
    Vec<Option<Vec<u8>>>,
) {
    use chancery::merkle::{Tile, TileKind};
    let len = ledger.len();
    let inclusion = (0..len)
        .map(|seq| ledger.prove_inclusion(seq, len).unwrap())
        .collect();
    let consistency = (1..=len)
        .map(|old| ledger.prove_consistency(old, len).unwrap())
        .collect();
    let tiles = (0..len.div_ceil(256))
        .map(|n| {
            ledger.tree().tile_hashes(&Tile {
                kind: TileKind::Hashes(0),
                index: n,
                partial: u8::try_from((len - n * 256).min(256)).ok(),
            })
        })
        .collect();
    (inclusion, consistency, tiles)
}

#[test]
fn given_an_indexed_ledger_when_reopened_then_it_reads_the_index_and_answers_as_a_replay() {
    let dir = tempfile::tempdir().unwrap();
    let (w, ids) = indexed_world(dir.path());
    let (now, len, clock) = (w.now(), w.ledger.len(), w.clock.clone());
    drop(w);
    let reopened = indexed(dir.path(), &clock);
    let status = reopened.index_status().unwrap();
    assert!(!status.rebuilt && !status.damaged, "{status:?}");
    assert_eq!(status.entries, len);
    let expected = replayed_answers(dir.path(), &ids, now);
    assert_eq!(answers(&reopened, &ids, now), expected);
    assert!(
        matches!(expected[2], Status::Revoked { .. }),
        "{:?}",
        expected[2]
    );
    let plain = Ledger::open(FileStore::open_read_only(dir.path()).unwrap(), clock).unwrap();
    assert_eq!(reopened.state(), plain.state());
    assert_eq!(reopened.root(len).unwrap(), plain.root(len).unwrap());
    assert_eq!(proofs(&reopened), proofs(&plain));
}

/// Issue 15 (the tree from tiles): a ledger of several leaf tiles, written batch by batch,
/// reopened from the index, proves every entry as a replay does.
#[test]
fn given_an_indexed_ledger_of_several_tiles_when_reopened_then_its_proofs_are_a_replays() {
    let dir = tempfile::tempdir().unwrap();
    let (mut w, _) = indexed_world(dir.path());
    // Written after every batch: each write adds to tiles written before.
    w.ledger.set_index_interval(1);
    let a = common::actor(10);
    for batch in 0..9 {
        let statements: Vec<_> = (0..97)
            .map(|i| w.issue_event("AUTH1", &format!("B{batch}X{i}")).0)
            .map(|event| w.sign(&a, event))
            .collect();
        let results = w.ledger.append_batch(statements).unwrap();
        assert!(results.iter().all(Result::is_ok));
        assert_eq!(w.ledger.index_status().unwrap().entries, w.ledger.len());
    }
    let (len, clock) = (w.ledger.len(), w.clock.clone());
    assert!(len > 3 * 256, "{len}");
    drop(w);
    let reopened = indexed(dir.path(), &clock);
    assert!(!reopened.index_status().unwrap().rebuilt);
    let plain = Ledger::open(FileStore::open_read_only(dir.path()).unwrap(), clock).unwrap();
    assert_eq!(reopened.tree_head(), plain.tree_head());
    assert_eq!(proofs(&reopened), proofs(&plain));
}

#[test]
fn given_an_index_behind_its_journal_when_opened_then_it_catches_up_without_a_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let (w, mut ids) = indexed_world(dir.path());
    let World {
        clock,
        root,
        ledger,
    } = w;
    drop(ledger);
    // Another process appends without the index.
    let mut plain = World {
        clock: clock.clone(),
        root,
        ledger: Ledger::open(FileStore::open(dir.path()).unwrap(), clock.clone()).unwrap(),
    };
    let a = common::actor(10);
    ids.extend((20..25).map(|i| plain.issue(&a, "AUTH1", &format!("S{i}")).0));
    let (now, len) = (plain.now(), plain.ledger.len());
    drop(plain);
    let reopened = indexed(dir.path(), &clock);
    let status = reopened.index_status().unwrap();
    assert!(!status.rebuilt, "{status:?}");
    assert_eq!(status.entries, len);
    assert_answers_as_replay(&reopened, dir.path(), &ids, now);
}

#[test]
fn given_an_index_under_another_key_when_opened_then_it_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let (w, ids) = indexed_world(dir.path());
    let (now, clock) = (w.now(), w.clock.clone());
    drop(w);
    // Opened under another node's key.
    let other = indexed_at(dir.path(), &index_path(dir.path()), &clock, [6; 32]);
    assert!(other.index_status().unwrap().rebuilt);
    assert_answers_as_replay(&other, dir.path(), &ids, now);
}

#[test]
fn given_an_index_ahead_of_its_journal_when_opened_then_it_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let (w, ids) = indexed_world(dir.path());
    let (now, clock) = (w.now(), w.clock.clone());
    drop(w);
    // The journal restored from a copy taken before the last entries; the index kept.
    let short = tempfile::tempdir().unwrap();
    {
        let (mut w2, _) = World::standard(FileStore::open(short.path()).unwrap());
        let a = common::actor(10);
        w2.issue(&a, "AUTH1", "S0");
    }
    std::fs::copy(index_path(dir.path()), index_path(short.path())).unwrap();
    let reopened = indexed(short.path(), &clock);
    assert!(reopened.index_status().unwrap().rebuilt);
    assert_answers_as_replay(&reopened, short.path(), &ids, now);
}

/// Every sampled byte of the index file flipped in turn: the ledger opened over it answers
/// as the replay does, every time, and never panics.
#[test]
fn given_any_byte_of_the_index_flipped_when_opened_then_no_answer_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let (w, ids) = indexed_world(dir.path());
    let (now, len, clock) = (w.now(), w.ledger.len(), w.clock.clone());
    drop(w);
    let expected = replayed_answers(dir.path(), &ids, now);
    let plain = Ledger::open(
        FileStore::open_read_only(dir.path()).unwrap(),
        clock.clone(),
    )
    .unwrap();
    let pristine = std::fs::read(index_path(dir.path())).unwrap();
    // Every byte of the pages in use would take minutes: a spread of offsets over the whole
    // file, and every byte of its first and last 512.
    let n = pristine.len();
    let mut offsets: Vec<usize> = (0..n).step_by(n / 400 + 1).collect();
    offsets.extend(0..512.min(n));
    offsets.extend(n.saturating_sub(512)..n);
    let scratch = tempfile::tempdir().unwrap();
    let copy = scratch.path().join("index.redb");
    let (mut rebuilt, mut damaged) = (0, 0);
    for at in offsets {
        let mut bytes = pristine.clone();
        bytes[at] ^= 0x20;
        std::fs::write(&copy, &bytes).unwrap();
        let ledger = indexed_at(dir.path(), &copy, &clock, KEY);
        assert_eq!(answers(&ledger, &ids, now), expected, "byte {at}");
        assert_eq!(ledger.state(), plain.state(), "byte {at}");
        assert_eq!(
            ledger.root(len).unwrap(),
            plain.root(len).unwrap(),
            "byte {at}"
        );
        assert_eq!(proofs(&ledger), proofs(&plain), "byte {at}");
        let status = ledger.index_status().unwrap();
        rebuilt += usize::from(status.rebuilt);
        damaged += usize::from(status.damaged);
    }
    // Some flips land in pages in use: those are caught.
    assert!(rebuilt + damaged > 0);
    let _ = T0;
}

/// An index writer (without the key) deletes a license's row: the ledger does not answer
/// "unknown" from the gap — the row's predecessor proves it exists, and the journal answers.
#[test]
fn given_a_row_deleted_from_the_index_when_asked_then_the_journal_answers() {
    use redb::{ReadableDatabase, TableDefinition};
    let dir = tempfile::tempdir().unwrap();
    let (w, ids) = indexed_world(dir.path());
    let (now, clock) = (w.now(), w.clock.clone());
    drop(w);
    let mut key = Vec::new();
    ciborium::into_writer(ids[0].lineage(), &mut key).unwrap();
    {
        let db = redb::Database::create(index_path(dir.path())).unwrap();
        let tx = db.begin_write().unwrap();
        {
            let lineages: TableDefinition<&[u8], &[u8]> = TableDefinition::new("lineages");
            let mut t = tx.open_table(lineages).unwrap();
            assert!(t.remove(key.as_slice()).unwrap().is_some());
        }
        tx.commit().unwrap();
        let _ = db.begin_read();
    }
    let ledger = indexed(dir.path(), &clock);
    assert_eq!(ledger.status(&ids[0], now), Status::Valid);
    assert!(ledger.index_status().unwrap().damaged);
    assert_answers_as_replay(&ledger, dir.path(), &ids, now);
}

/// A reader opened beside the writer reads the same index without writing it and sees the head
/// it opened at while the writer goes on; a reader opened later sees the writer's new head.
#[test]
fn given_a_writer_with_its_index_when_a_reader_opens_beside_it_then_it_reads_a_consistent_head() {
    let dir = tempfile::tempdir().unwrap();
    let (mut w, mut ids) = indexed_world(dir.path());
    let journal = dir.path().to_owned();
    let clock = w.clock.clone();
    let open_reader = || {
        let journal = journal.clone();
        Ledger::open_indexed(
            FileStore::open_read_only(dir.path()).unwrap(),
            clock.clone(),
            &index_path(dir.path()),
            IntegrityKey::from_bytes(KEY),
            move || FileStore::open_read_only(&journal),
        )
        .unwrap()
    };
    let mut reader = open_reader();
    let status = reader.index_status().unwrap();
    assert!(!status.rebuilt, "{status:?}");
    let (before, now) = (reader.len(), w.now());
    let answers_then = answers(&reader, &ids, now);
    // The writer goes on: it revokes a license the reader saw valid and issues more.
    let a = common::actor(10);
    w.ok(
        &a,
        Event::LicenseRevoked(chancery::event::Termination {
            license: ids[3].clone(),
            effective: w.now(),
            reason: "violation".into(),
        }),
    );
    ids.push(w.issue(&a, "AUTH1", "S30").0);
    assert_eq!(reader.len(), before);
    assert_eq!(answers(&reader, &ids[..12], now), answers_then);
    assert!(reader
        .append(w.sign(
            &a,
            Event::LicenseTypeDefined {
                code: "T9".into(),
                name: "n".into(),
                claim_names: vec!["name".into()],
            }
        ))
        .is_err());
    let later = open_reader();
    assert!(!later.index_status().unwrap().rebuilt);
    assert_eq!(later.len(), before + 2);
    let t = w.now();
    assert_eq!(answers(&later, &ids, t), answers(&w.ledger, &ids, t));
    assert_eq!(later.state(), w.ledger.state());
    drop(reader);
}

/// Appends gather in memory until the index interval is reached; `flush_index` (or dropping
/// the ledger) writes them, and a reopened ledger then has nothing to catch up.
#[test]
fn given_appends_below_the_index_interval_when_flushed_then_the_index_holds_them() {
    let dir = tempfile::tempdir().unwrap();
    let (mut w, _) = indexed_world(dir.path());
    w.ledger.flush_index().unwrap();
    let written = w.ledger.index_status().unwrap().entries;
    assert_eq!(written, w.ledger.len());
    let a = common::actor(10);
    w.issue(&a, "AUTH1", "LATE1");
    assert_eq!(w.ledger.index_status().unwrap().entries, written);
    w.ledger.flush_index().unwrap();
    assert_eq!(w.ledger.index_status().unwrap().entries, written + 1);
    w.issue(&a, "AUTH1", "LATE2");
    let (len, clock) = (w.ledger.len(), w.clock.clone());
    drop(w);
    // Reopened read-only, the index is read as it is (a reader never writes): it holds all.
    let journal = dir.path().to_owned();
    let reader = Ledger::open_indexed(
        FileStore::open_read_only(dir.path()).unwrap(),
        clock,
        &index_path(dir.path()),
        IntegrityKey::from_bytes(KEY),
        move || FileStore::open_read_only(&journal),
    )
    .unwrap();
    assert_eq!(reader.index_status().unwrap().entries, len);
}

/// A full disk while the index is written: every append is acknowledged and durable in the
/// journal all the same; the index stays behind, and the next write that succeeds writes all it
/// lacks.
#[test]
fn given_index_writes_failing_when_appending_then_the_journal_takes_them_and_a_later_write_catches_up(
) {
    use chancery::test_support::LedgerHooks;
    let dir = tempfile::tempdir().unwrap();
    let (mut w, ids) = indexed_world(dir.path());
    w.ledger.set_index_interval(1);
    w.ledger.flush_index().unwrap();
    let written = w.ledger.index_status().unwrap().entries;
    w.ledger.fail_index_writes(2);
    let a = common::actor(10);
    w.issue(&a, "AUTH1", "FULL1");
    w.issue(&a, "AUTH1", "FULL2");
    assert_eq!(w.ledger.index_status().unwrap().entries, written);
    let plain = Ledger::open(
        FileStore::open_read_only(dir.path()).unwrap(),
        w.clock.clone(),
    )
    .unwrap();
    assert_eq!(plain.len(), w.ledger.len());
    assert_eq!(w.ledger.state(), plain.state());
    w.issue(&a, "AUTH1", "FULL3");
    assert_eq!(w.ledger.index_status().unwrap().entries, w.ledger.len());
    let (now, clock) = (w.now(), w.clock.clone());
    drop(w);
    let reopened = indexed(dir.path(), &clock);
    assert!(!reopened.index_status().unwrap().rebuilt);
    assert_answers_as_replay(&reopened, dir.path(), &ids, now);
}

/// The index's writes keep failing until the writer stops: the next open finds the index
/// behind, catches it up from the journal, and answers as a replay does.
#[test]
fn given_index_writes_failing_until_the_writer_stops_when_reopened_then_the_index_catches_up() {
    use chancery::test_support::LedgerHooks;
    let dir = tempfile::tempdir().unwrap();
    let (mut w, mut ids) = indexed_world(dir.path());
    w.ledger.flush_index().unwrap();
    w.ledger.fail_index_writes(u32::MAX);
    let a = common::actor(10);
    ids.push(w.issue(&a, "AUTH1", "LOST1").0);
    let (now, len, clock) = (w.now(), w.ledger.len(), w.clock.clone());
    drop(w);
    let reopened = indexed(dir.path(), &clock);
    let status = reopened.index_status().unwrap();
    assert!(!status.rebuilt && !status.damaged, "{status:?}");
    assert_eq!((status.entries, reopened.len()), (len, len));
    assert_answers_as_replay(&reopened, dir.path(), &ids, now);
}

/// SPEC §24, index writer: putting back an earlier MACed value of a row (a license's lineage
/// row from before its suspension) is not caught on read — the index then answers from the
/// older row — but an audit, which compares a replay of the journal with the index, is.
#[test]
fn given_an_earlier_row_put_back_in_the_index_when_audited_then_the_divergence_is_found() {
    use redb::{ReadableDatabase, TableDefinition};
    let lineages: TableDefinition<&[u8], &[u8]> = TableDefinition::new("lineages");
    let dir = tempfile::tempdir().unwrap();
    let (mut w, ids) = indexed_world(dir.path());
    w.ledger.flush_index().unwrap();
    let mut key = Vec::new();
    ciborium::into_writer(ids[0].lineage(), &mut key).unwrap();
    let mut before = Vec::new();
    let mut w = reopened(w, dir.path(), |dir| {
        let db = redb::Database::create(index_path(dir)).unwrap();
        let tx = db.begin_read().unwrap();
        let t = tx.open_table(lineages).unwrap();
        before = t.get(key.as_slice()).unwrap().unwrap().value().to_vec();
    });
    let a = common::actor(10);
    w.ok(
        &a,
        Event::LicenseSuspended {
            license: ids[0].clone(),
            reason: "inspection".into(),
        },
    );
    let (now, clock) = (w.now(), w.clock.clone());
    drop(w);
    put_row(dir.path(), "lineages", &key, &before);
    let ledger = indexed(dir.path(), &clock);
    // Not caught on read: the earlier row carries a valid MAC.
    assert_eq!(ledger.status(&ids[0], now), Status::Valid);
    assert!(!ledger.index_status().unwrap().damaged);
    // Caught by the audit, which names the table and row that differ.
    match ledger.audit() {
        Err(chancery::AuditError::IndexDivergence { table, key: at }) => {
            assert_eq!((table.as_str(), at), ("lineages", key));
        }
        other => panic!("expected the lineage row named, got {other:?}"),
    }
}

/// A store whose `n`-th read from now fails, once (a network blip on a database, an I/O
/// error); 0: none fails.
struct Flaky {
    inner: FileStore,
    fail: std::sync::Arc<std::sync::atomic::AtomicU32>,
}

impl chancery::Store for Flaky {
    fn len(&self) -> u64 {
        self.inner.len()
    }
    fn append(
        &mut self,
        expected_len: u64,
        records: &[chancery::storage::Record],
    ) -> Result<(), chancery::StorageError> {
        self.inner.append(expected_len, records)
    }
    fn read(
        &self,
        start: u64,
        end: u64,
    ) -> Result<Vec<chancery::storage::Record>, chancery::StorageError> {
        use std::sync::atomic::Ordering;
        let was = self
            .fail
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .unwrap_or(0);
        if was == 1 {
            return Err(chancery::StorageError::Unsupported("a read failed once"));
        }
        self.inner.read(start, end)
    }
}

/// A read that fails during the catch-up at open is an error of that open, not damage: the
/// index is not thrown away, and the next open catches up without a rebuild.
#[test]
fn given_a_read_failing_during_a_catch_up_when_reopened_then_the_index_is_not_rebuilt() {
    use std::sync::atomic::{AtomicU32, Ordering};
    let dir = tempfile::tempdir().unwrap();
    let (w, ids) = indexed_world(dir.path());
    let (clock, len) = (w.clock.clone(), w.ledger.len());
    drop(w);
    // Entries the index lacks: appended without it.
    {
        use chancery::Clock;
        let mut plain = Ledger::open(FileStore::open(dir.path()).unwrap(), clock.clone()).unwrap();
        let a = common::actor(10);
        let st = a.sign(
            Event::LicenseSuspended {
                license: ids[0].clone(),
                reason: "inspection".into(),
            },
            clock.now(),
        );
        plain.append(st).unwrap();
    }
    let fail = std::sync::Arc::new(AtomicU32::new(0));
    let open = |nth: u32| {
        fail.store(nth, Ordering::SeqCst);
        let journal = dir.path().to_owned();
        Ledger::open_indexed(
            Flaky {
                inner: FileStore::open(dir.path()).unwrap(),
                fail: std::sync::Arc::clone(&fail),
            },
            clock.clone(),
            &index_path(dir.path()),
            IntegrityKey::from_bytes(KEY),
            move || {
                Ok(Flaky {
                    inner: FileStore::open_read_only(&journal)?,
                    fail: std::sync::Arc::new(AtomicU32::new(0)),
                })
            },
        )
    };
    // The open's first read (the index's last entry) passes, the catch-up's fails.
    assert!(open(2).is_err());
    let reopened = open(0).unwrap();
    let status = reopened.index_status().unwrap();
    assert!(!status.rebuilt, "{status:?}");
    assert_eq!(reopened.len(), len + 1);
}

/// The audit of an indexed ledger replays the journal into a temporary index and compares it
/// row by row with the live one, the changes not yet written laid over it: a ledger whose last
/// appends are still in memory (below the index interval) passes, and no temporary file stays.
#[test]
fn given_an_indexed_ledger_with_unwritten_changes_when_audited_then_it_passes() {
    let dir = tempfile::tempdir().unwrap();
    let (mut w, ids) = indexed_world(dir.path());
    w.ledger.flush_index().unwrap();
    let a = common::actor(10);
    w.ok(
        &a,
        Event::LicenseSuspended {
            license: ids[3].clone(),
            reason: "inspection".into(),
        },
    );
    w.issue(&a, "AUTH1", "S40");
    assert!(w.ledger.index_status().unwrap().entries < w.ledger.len());
    let report = w.ledger.audit().unwrap();
    assert_eq!(report.entries, w.ledger.len());
    assert_eq!(report.root, w.ledger.tree_head().root);
    let left = common::files_named(dir.path(), "audit");
    assert!(left.is_empty(), "{left:?}");
}

/// A hash tile of the index put back as it was before later appends carries a valid MAC, but
/// is short of the tree's right edge: the open finds it and rebuilds, and the audit of the
/// rebuilt index (which compares the tiles too) passes.
#[test]
fn given_an_earlier_tile_put_back_in_the_index_when_opened_then_it_is_rebuilt() {
    use redb::{ReadableDatabase, TableDefinition};
    let tiles: TableDefinition<&[u8], &[u8]> = TableDefinition::new("tiles");
    let dir = tempfile::tempdir().unwrap();
    let (mut w, _) = indexed_world(dir.path());
    w.ledger.flush_index().unwrap();
    let key = [0u8; 9];
    let mut before = Vec::new();
    let mut w = reopened(w, dir.path(), |dir| {
        let db = redb::Database::create(index_path(dir)).unwrap();
        let tx = db.begin_read().unwrap();
        let t = tx.open_table(tiles).unwrap();
        before = t.get(key.as_slice()).unwrap().unwrap().value().to_vec();
    });
    let a = common::actor(10);
    w.issue(&a, "AUTH1", "S41");
    w.ledger.flush_index().unwrap();
    let clock = w.clock.clone();
    drop(w);
    put_row(dir.path(), "tiles", &key, &before);
    let ledger = indexed(dir.path(), &clock);
    assert!(ledger.index_status().unwrap().rebuilt);
    assert_eq!(ledger.audit().unwrap().entries, ledger.len());
}

/// Why an index cannot be used is said, not only that it cannot: another ledger's index, and
/// a damaged row of a registry read at open (named by its table).
#[test]
fn given_an_unusable_index_when_checked_then_the_reason_is_named() {
    use chancery::IndexUnusable;
    use redb::{ReadableTable, TableDefinition};
    let key = IntegrityKey::from_bytes(KEY);
    let (one, other) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut w, _) = indexed_world(one.path());
    w.ledger.flush_index().unwrap();
    drop(w);
    let (w2, _) = World::standard(FileStore::open(other.path()).unwrap());
    let a = common::actor(10);
    let mut w2 = reopened(w2, other.path(), |_| {});
    for i in 0..20 {
        w2.issue(&a, "AUTH1", &format!("S{i}"));
    }
    drop(w2);
    let store = FileStore::open_read_only(other.path()).unwrap();
    assert!(Ledger::check_index(&store, &index_path(other.path()), &key).is_ok());
    assert!(matches!(
        Ledger::check_index(&store, &index_path(one.path()), &key),
        Err(IndexUnusable::OtherLedger { .. })
    ));
    let authorities: TableDefinition<&[u8], &[u8]> = TableDefinition::new("authorities");
    {
        let db = redb::Database::create(index_path(other.path())).unwrap();
        let tx = db.begin_write().unwrap();
        {
            let mut t = tx.open_table(authorities).unwrap();
            let last = t
                .last()
                .unwrap()
                .map(|(k, v)| (k.value().to_vec(), v.value().to_vec()));
            let (k, mut v) = last.unwrap();
            let at = v.len() - 1;
            v[at] ^= 1;
            t.insert(k.as_slice(), v.as_slice()).unwrap();
        }
        tx.commit().unwrap();
    }
    match Ledger::check_index(&store, &index_path(other.path()), &key) {
        Err(IndexUnusable::Damaged(why)) => assert!(why.contains("authorities"), "{why}"),
        other => panic!("{other:?}"),
    }
}
