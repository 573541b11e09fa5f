//! The persistent index's candidates, sled and redb, on the same workload (issue 15): a durable
//! update of 1,000 entries (what one appended batch adds), warm point lookups, opening a store
//! of 100,000 entries, and the bytes each takes per entry. `cargo bench --bench index`; the raw
//! primitive to compare with is `raw/ed25519_verify_batch_1024_2threads` of `--bench ledger`,
//! run in the same invocation (see benches/README.md).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use chancery::crypto::sha256;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use redb::{ReadableDatabase, TableDefinition};
use std::hint::black_box;
use std::path::Path;

/// Entries in the prefilled stores.
const PREFILL: u64 = 100_000;
/// Entries per update (one appended batch).
const BATCH: u64 = 1_000;
/// A statement id (32 bytes) to the entry's sequence number and hash: the shape of the
/// idempotency index, the largest projection (one row per entry).
const TABLE: TableDefinition<&[u8; 32], &[u8; 40]> = TableDefinition::new("statements");

fn key(n: u64) -> [u8; 32] {
    sha256(&n.to_be_bytes()).0
}

fn value(n: u64) -> [u8; 40] {
    let mut v = [0u8; 40];
    v[..8].copy_from_slice(&n.to_be_bytes());
    v[8..].copy_from_slice(&sha256(&key(n)).0);
    v
}

fn redb_fill(db: &redb::Database, from: u64, to: u64) {
    let tx = db.begin_write().unwrap();
    {
        let mut t = tx.open_table(TABLE).unwrap();
        for n in from..to {
            t.insert(&key(n), &value(n)).unwrap();
        }
    }
    // Durability::Immediate (the default): the commit fsyncs before it returns.
    tx.commit().unwrap();
}

fn sled_fill(db: &sled::Db, from: u64, to: u64) {
    let mut batch = sled::Batch::default();
    for n in from..to {
        batch.insert(&key(n)[..], &value(n)[..]);
    }
    db.apply_batch(batch).unwrap();
    // What sled offers for durability (SPEC §12: in 0.34 it does not fsync the data).
    db.flush().unwrap();
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            if m.is_dir() {
                dir_size(&e.path())
            } else {
                m.len()
            }
        })
        .sum()
}

fn prefilled_redb(dir: &Path) -> redb::Database {
    let db = redb::Database::create(dir.join("index.redb")).unwrap();
    for start in (0..PREFILL).step_by(BATCH as usize) {
        redb_fill(&db, start, start + BATCH);
    }
    db
}

fn prefilled_sled(dir: &Path) -> sled::Db {
    let db = sled::open(dir.join("index.sled")).unwrap();
    for start in (0..PREFILL).step_by(BATCH as usize) {
        sled_fill(&db, start, start + BATCH);
    }
    db
}

fn index(c: &mut Criterion) {
    let redb_dir = tempfile::tempdir().unwrap();
    let sled_dir = tempfile::tempdir().unwrap();
    let rdb = prefilled_redb(redb_dir.path());
    let sdb = prefilled_sled(sled_dir.path());
    sdb.flush().unwrap();
    println!(
        "index sizes at {PREFILL} entries: redb {} bytes ({} per entry), sled {} bytes ({} per entry)",
        dir_size(redb_dir.path()),
        dir_size(redb_dir.path()) / PREFILL,
        dir_size(sled_dir.path()),
        dir_size(sled_dir.path()) / PREFILL,
    );

    let mut g = c.benchmark_group("index");
    g.sample_size(20);
    g.throughput(Throughput::Elements(BATCH));
    let mut next = PREFILL;
    g.bench_function("redb_durable_update_1000", |b| {
        b.iter(|| {
            redb_fill(&rdb, next, next + BATCH);
            next += BATCH;
        })
    });
    let mut next_sled = PREFILL;
    g.bench_function("sled_update_1000_flush", |b| {
        b.iter(|| {
            sled_fill(&sdb, next_sled, next_sled + BATCH);
            next_sled += BATCH;
        })
    });
    g.throughput(Throughput::Elements(1));
    let mut n = 0u64;
    g.bench_function("redb_lookup_warm", |b| {
        let tx = rdb.begin_read().unwrap();
        let t = tx.open_table(TABLE).unwrap();
        b.iter(|| {
            n = (n + 7919) % PREFILL;
            black_box(t.get(&key(n)).unwrap().unwrap().value()[0])
        })
    });
    g.bench_function("sled_lookup_warm", |b| {
        b.iter(|| {
            n = (n + 7919) % PREFILL;
            black_box(sdb.get(key(n)).unwrap().unwrap()[0])
        })
    });
    drop(rdb);
    drop(sdb);
    // Opening a store (the OS's page cache is warm; each library's own cache is empty), then
    // the first lookup: what a command pays before it answers.
    g.bench_function("redb_open_and_first_lookup", |b| {
        b.iter_batched(
            || (),
            |()| {
                let db = redb::Database::open(redb_dir.path().join("index.redb")).unwrap();
                let tx = db.begin_read().unwrap();
                let t = tx.open_table(TABLE).unwrap();
                black_box(t.get(&key(12_345)).unwrap().unwrap().value()[0])
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("sled_open_and_first_lookup", |b| {
        b.iter_batched(
            || (),
            |()| {
                let db = sled::open(sled_dir.path().join("index.sled")).unwrap();
                black_box(db.get(key(12_345)).unwrap().unwrap()[0])
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, index);
criterion_main!(benches);
