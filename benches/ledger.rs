//! Criterion benches: the raw primitives and the ledger, measured in one run so their ratios
//! are meaningful. `cargo bench --bench ledger`; see benches/README.md.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use chancery::crypto::{leaf_hash, sha256, Digest32};
use chancery::event::{AuthorityRegistration, Policy};
use chancery::merkle::MerkleTree;
use chancery::{
    Actor, Credential, Event, FileStore, Ledger, LicenseId, SecretKey, SignedStatement, Store,
    SystemClock, Timestamp,
};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use ed25519_dalek::{Signer, SigningKey};
use std::hint::black_box;

const ORIGIN: &str = "bench.example.gov.cn/elicense";

struct Fixture {
    root: Actor,
    issuer: Actor,
    serial: u64,
}

impl Fixture {
    fn new() -> Self {
        Self {
            root: Actor::new(ORIGIN, SecretKey::from_seed([1; 32])),
            issuer: Actor::new(ORIGIN, SecretKey::from_seed([2; 32])),
            serial: 0,
        }
    }

    fn ledger<S: Store>(&self, store: S) -> Ledger<S> {
        let now = Timestamp::now();
        let genesis = self.root.sign(
            Event::LedgerCreated {
                root_keys: vec![self.root.public_key()],
                policy: Policy::default(),
            },
            now,
        );
        let mut l = Ledger::create(store, genesis, SystemClock).unwrap();
        let rs = l
            .append_batch(vec![
                self.root.sign(
                    Event::AuthorityRegistered(AuthorityRegistration {
                        code: "11330100MB0000001X".into(),
                        name: "Bureau".into(),
                        parent: None,
                        keys: vec![self.issuer.public_key()],
                        license_types: vec!["FOODBIZ".into()],
                        may_register_seals: true,
                        may_delegate: false,
                    }),
                    now,
                ),
                self.issuer.sign(
                    Event::LicenseTypeDefined {
                        code: "FOODBIZ".into(),
                        name: "Food business permit".into(),
                        claim_names: vec!["name".into(), "address".into(), "scope".into()],
                    },
                    now,
                ),
            ])
            .unwrap();
        assert!(rs.iter().all(Result::is_ok));
        l
    }

    /// A realistic issuance statement (about 600 bytes).
    fn issuance(&mut self) -> SignedStatement {
        self.issuance_with_credential().0
    }

    /// An issuance statement, the license id and the holder's credential.
    fn issuance_with_credential(&mut self) -> (SignedStatement, LicenseId, Credential) {
        self.serial += 1;
        let id = LicenseId::new(
            "FOODBIZ",
            "11330100MB0000001X",
            &format!("{:08}", self.serial),
            1,
        )
        .unwrap();
        let cred = Credential::new(
            id.clone(),
            "330106199001011234",
            &[
                ("name", "West Lake Noodles"),
                ("address", "1 Wensan Road"),
                ("scope", "catering"),
            ],
        );
        let now = Timestamp::now();
        let statement = self.issuer.sign(
            Event::LicenseIssued(cred.version(chancery::VersionTerms {
                printed_number: format!("JY{:014}", self.serial),
                valid_from: now,
                valid_until: Some(now.plus_days(1825)),
                document: sha256(&self.serial.to_be_bytes()),
                related: vec![],
            })),
            now,
        );
        (statement, id, cred)
    }

    fn batch(&mut self, n: usize) -> Vec<SignedStatement> {
        (0..n).map(|_| self.issuance()).collect()
    }
}

fn raw_primitives(c: &mut Criterion) {
    let mut g = c.benchmark_group("raw");
    // Ed25519 verify_batch over 1,024 signatures on 2 threads (512 each).
    let keys: Vec<SigningKey> = (0..1024u32)
        .map(|i| {
            let mut seed = [0u8; 32];
            seed[..4].copy_from_slice(&i.to_be_bytes());
            SigningKey::from_bytes(&seed)
        })
        .collect();
    let msgs: Vec<Vec<u8>> = (0..1024u32).map(|i| vec![i as u8; 600]).collect();
    let sigs: Vec<ed25519_dalek::Signature> =
        keys.iter().zip(&msgs).map(|(k, m)| k.sign(m)).collect();
    let vks: Vec<ed25519_dalek::VerifyingKey> =
        keys.iter().map(SigningKey::verifying_key).collect();
    g.throughput(Throughput::Elements(1024));
    g.bench_function("ed25519_verify_batch_1024_2threads", |b| {
        b.iter(|| {
            std::thread::scope(|s| {
                let hs: Vec<_> = (0..2)
                    .map(|t| {
                        let r = t * 512..(t + 1) * 512;
                        let (m, sg, k) = (&msgs[r.clone()], &sigs[r.clone()], &vks[r]);
                        s.spawn(move || {
                            let refs: Vec<&[u8]> = m.iter().map(Vec::as_slice).collect();
                            ed25519_dalek::verify_batch(&refs, sg, k).unwrap()
                        })
                    })
                    .collect();
                for h in hs {
                    h.join().unwrap();
                }
            })
        })
    });
    let mut f = Fixture::new();
    let statements = f.batch(1024);
    let key = f.issuer.public_key();
    let items: Vec<(&[u8], &chancery::PublicKey, &chancery::Signature)> = statements
        .iter()
        .map(|s| (s.statement_bytes(), &key, s.signature()))
        .collect();
    g.throughput(Throughput::Elements(1024));
    g.bench_function("chancery_verify_many_1024_statements", |b| {
        b.iter(|| {
            chancery::crypto::verify_many(chancery::crypto::Domain::Statement, black_box(&items))
        })
    });
    let entry_like = chancery::Canonical::to_canonical(&f.issuance());
    g.throughput(Throughput::Elements(1));
    let entry = chancery::Entry {
        seq: 12_345,
        prev: Digest32([7; 32]),
        ledger_time: Timestamp::now(),
        statement: f.issuance(),
    };
    let entry_bytes = chancery::Canonical::to_canonical(&entry);
    g.bench_function("strict_decode_entry", |b| {
        b.iter(|| {
            <chancery::Entry as chancery::Canonical>::from_canonical(black_box(&entry_bytes))
                .unwrap()
        })
    });
    g.bench_function(format!("sha256_entry_{}B", entry_like.len()), |b| {
        b.iter(|| leaf_hash(black_box(&entry_like)))
    });
    g.finish();
}

fn append(c: &mut Criterion) {
    let mut g = c.benchmark_group("ledger");
    g.sample_size(20);
    g.throughput(Throughput::Elements(1000));
    let dir = tempfile::tempdir().unwrap();
    let mut f = Fixture::new();
    let mut ledger = f.ledger(FileStore::open(dir.path()).unwrap());
    bench_append(&mut g, &mut f, &mut ledger);
    g.finish();
}

/// `durable_append_batch_1000`: batches of 1,000 freshly signed issuances appended to `ledger`
/// (signing not timed).
fn bench_append(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    f: &mut Fixture,
    ledger: &mut Ledger<FileStore>,
) {
    g.bench_function("durable_append_batch_1000", |b| {
        b.iter_batched(
            || f.batch(1000),
            |batch| {
                let rs = ledger.append_batch(batch).unwrap();
                debug_assert!(rs.iter().all(Result::is_ok));
                rs
            },
            BatchSize::PerIteration,
        )
    });
}

/// Appends `batches` batches of 1,000 issuances to `ledger`, recording the license ids.
fn fill(f: &mut Fixture, ledger: &mut Ledger<FileStore>, batches: usize, ids: &mut Vec<LicenseId>) {
    for _ in 0..batches {
        let batch = f.batch(1000);
        for st in &batch {
            if let Event::LicenseIssued(v) = &st.statement().event {
                ids.push(v.id.clone());
            }
        }
        assert!(ledger
            .append_batch(batch)
            .unwrap()
            .iter()
            .all(Result::is_ok));
    }
}

/// The time `iters` calls of `f` take, not counting dropping what they return (each result
/// is dropped before the next call: an open ledger holds its store's lock).
/// The integrity key the indexed benches MAC their index with.
fn bench_key() -> chancery::IntegrityKey {
    chancery::IntegrityKey::from_bytes([9; 32])
}

/// The ledger in `dir` opened with its persistent index at `dir/index.redb`, the store opened
/// lazily (what the CLI does with `--integrity-key`).
fn open_indexed(dir: &std::path::Path) -> Ledger<FileStore> {
    let journal = dir.to_owned();
    Ledger::open_indexed(
        FileStore::open_lazily(dir).unwrap(),
        SystemClock,
        &dir.join("index.redb"),
        bench_key(),
        move || FileStore::open_read_only(&journal),
    )
    .unwrap()
}

/// Drops the page cache's copy of the files (the store's and its index's) under `dir`.
fn evict(dir: &std::path::Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let f = std::fs::File::open(&path).unwrap();
            rustix::fs::fadvise(&f, 0, None, rustix::fs::Advice::DontNeed).unwrap();
        }
    }
}

/// The persistent index (issue 15): appends through it, open, catch-up, rebuild, and queries
/// warm and cold, on a journal store of 20,003 entries.
fn indexed(c: &mut Criterion) {
    let mut f = Fixture::new();
    let dir = tempfile::tempdir().unwrap();
    drop(f.ledger(FileStore::open(dir.path()).unwrap()));
    let mut ledger = open_indexed(dir.path());
    let mut ids = Vec::new();
    let mut g = c.benchmark_group("indexed");
    g.sample_size(20);
    g.throughput(Throughput::Elements(1000));
    bench_append(&mut g, &mut f, &mut ledger);
    drop(ledger);
    // A fixed ledger for the rest: 20,003 entries, the index holding 10,003 of them.
    let dir = tempfile::tempdir().unwrap();
    drop(f.ledger(FileStore::open(dir.path()).unwrap()));
    let mut ledger = open_indexed(dir.path());
    for half in 0..2 {
        fill(&mut f, &mut ledger, 10, &mut ids);
        if half == 0 {
            drop(ledger);
            std::fs::copy(
                dir.path().join("index.redb"),
                dir.path().join("behind.redb"),
            )
            .unwrap();
            // The second half is appended without the index.
            ledger = Ledger::open(FileStore::open(dir.path()).unwrap(), SystemClock).unwrap();
        }
    }
    drop(ledger);
    let index = dir.path().join("index.redb");
    let behind = dir.path().join("behind.redb");
    g.sample_size(10);
    g.throughput(Throughput::Elements(10_000));
    g.bench_function("catch_up_10000_entries", |b| {
        b.iter_custom(|iters| {
            let mut total = std::time::Duration::ZERO;
            for _ in 0..iters {
                std::fs::copy(&behind, &index).unwrap();
                let start = std::time::Instant::now();
                let l = open_indexed(dir.path());
                total += start.elapsed();
                assert!(!l.index_status().unwrap().rebuilt);
            }
            total
        })
    });
    g.throughput(Throughput::Elements(20_003));
    g.bench_function("rebuild_20003_entries", |b| {
        b.iter_custom(|iters| {
            let mut total = std::time::Duration::ZERO;
            for _ in 0..iters {
                std::fs::remove_file(&index).unwrap();
                let start = std::time::Instant::now();
                let l = open_indexed(dir.path());
                total += start.elapsed();
                assert!(l.index_status().unwrap().rebuilt);
            }
            total
        })
    });
    g.throughput(Throughput::Elements(1));
    g.sample_size(30);
    g.bench_function("open_20003_entries", |b| {
        b.iter_custom(|iters| timed_without_drop(iters, || open_indexed(dir.path())))
    });
    let ledger = open_indexed(dir.path());
    let now = Timestamp::now();
    let mut i = 0;
    g.sample_size(50);
    g.bench_function("status_query_warm", |b| {
        b.iter(|| {
            i = (i + 7919) % ids.len();
            ledger.status(black_box(&ids[i]), now)
        })
    });
    let n = ledger.len();
    g.bench_function("inclusion_proof_warm", |b| {
        b.iter(|| {
            i = (i + 7919) % n as usize;
            ledger.prove_inclusion(black_box(i as u64), n).unwrap()
        })
    });
    drop(ledger);
    // Cold: each query on a ledger just opened, after the page cache dropped every file of the
    // store and the index (the open itself not timed).
    g.sample_size(20);
    g.bench_function("status_query_cold", |b| {
        b.iter_custom(|iters| {
            cold(dir.path(), iters, |l, k| {
                black_box(l.status(&ids[(k * 7919) % ids.len()], now));
            })
        })
    });
    g.bench_function("inclusion_proof_cold", |b| {
        b.iter_custom(|iters| {
            cold(dir.path(), iters, |l, k| {
                black_box(l.prove_inclusion((k as u64 * 7919) % n, n).unwrap());
            })
        })
    });
    g.finish();
}

/// The time `iters` calls of `query` take, each on the indexed ledger in `dir` just opened,
/// after the page cache dropped every file of the store and the index (the open not timed).
fn cold(
    dir: &std::path::Path,
    iters: u64,
    mut query: impl FnMut(&Ledger<FileStore>, usize),
) -> std::time::Duration {
    let mut total = std::time::Duration::ZERO;
    for k in 0..iters {
        let l = open_indexed(dir);
        evict(dir);
        let start = std::time::Instant::now();
        query(&l, k as usize);
        total += start.elapsed();
    }
    total
}

fn timed_without_drop<T>(iters: u64, mut f: impl FnMut() -> T) -> std::time::Duration {
    let mut total = std::time::Duration::ZERO;
    for _ in 0..iters {
        let start = std::time::Instant::now();
        let out = black_box(f());
        total += start.elapsed();
        drop(out);
    }
    total
}

fn replay_and_queries(c: &mut Criterion) {
    let mut f = Fixture::new();
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = f.ledger(FileStore::open(dir.path()).unwrap());
    let mut ids = Vec::new();
    fill(&mut f, &mut ledger, 20, &mut ids);
    let n = ledger.len();
    let mut g = c.benchmark_group("ledger");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n));
    g.bench_function(format!("audit_replay_{n}_entries"), |b| {
        b.iter(|| ledger.audit().unwrap())
    });
    drop(ledger);
    g.bench_function(format!("open_{n}_entries"), |b| {
        b.iter_custom(|iters| {
            timed_without_drop(iters, || {
                Ledger::open(FileStore::open(dir.path()).unwrap(), SystemClock).unwrap()
            })
        })
    });
    g.bench_function(format!("open_verified_{n}_entries"), |b| {
        b.iter_custom(|iters| {
            timed_without_drop(iters, || {
                Ledger::open_verified(FileStore::open(dir.path()).unwrap(), SystemClock).unwrap()
            })
        })
    });
    let ledger = Ledger::open(FileStore::open(dir.path()).unwrap(), SystemClock).unwrap();
    g.throughput(Throughput::Elements(1));
    let now = Timestamp::now();
    let mut i = 0;
    g.sample_size(50);
    g.bench_function("status_query", |b| {
        b.iter(|| {
            i = (i + 7919) % ids.len();
            ledger.status(black_box(&ids[i]), now)
        })
    });
    g.finish();
}

fn merkle_1m(c: &mut Criterion) {
    let mut tree = MerkleTree::new();
    let n: u64 = 1_000_000;
    for i in 0..n {
        tree.push(leaf_hash(&i.to_be_bytes()));
    }
    let root: Digest32 = tree.root(n).unwrap();
    let mut g = c.benchmark_group("merkle_1m");
    g.throughput(Throughput::Elements(1));
    let mut i = 0u64;
    g.bench_function("inclusion_proof_generate", |b| {
        b.iter(|| {
            i = (i + 104_729) % n;
            tree.prove_inclusion(black_box(i), n).unwrap()
        })
    });
    let proof = tree.prove_inclusion(123_457, n).unwrap();
    let leaf = tree.leaf(123_457).unwrap();
    g.bench_function("inclusion_proof_verify", |b| {
        b.iter(|| proof.verify(black_box(&leaf), &root).unwrap())
    });
    g.bench_function("consistency_proof_generate", |b| {
        b.iter(|| {
            i = (i + 104_729) % n;
            tree.prove_consistency(black_box(i.max(1)), n).unwrap()
        })
    });
    let old = 654_321;
    let consistency = tree.prove_consistency(old, n).unwrap();
    let old_root = tree.root(old).unwrap();
    g.bench_function("consistency_proof_verify", |b| {
        b.iter(|| consistency.verify(black_box(&old_root), &root).unwrap())
    });
    g.finish();
}

/// Presentations at a ledger of 10,000 licenses (inclusion paths of 14 hashes), one witness,
/// with the raw single-signature verification they are made of measured beside them.
fn presentations(c: &mut Criterion) {
    use chancery::checkpoint::{cosign_note, Checkpoint, NoteVerifier, WitnessPolicy};
    use chancery::present::compact::{verify_compact, CompactPresentation};
    use chancery::present::trust::{
        Freshness, KeyRoles, OperatorKey, Trust, TrustList, TrustedLedger,
    };
    use chancery::present::verify_presentation;
    let mut f = Fixture::new();
    let mut ledger = f.ledger(chancery::MemoryStore::new());
    for _ in 0..10 {
        let batch = f.batch(1000);
        ledger.append_batch(batch).unwrap();
    }
    let (statement, id, cred) = f.issuance_with_credential();
    ledger.append(statement).unwrap();
    let root_key = SecretKey::from_seed([1; 32]);
    let witness = SecretKey::from_seed([3; 32]);
    let size = ledger.len();
    let cp = Checkpoint {
        origin: ORIGIN.into(),
        size,
        root: ledger.root(size).unwrap(),
        extensions: vec![],
    };
    let mut g = c.benchmark_group("present");
    g.throughput(Throughput::Elements(1));
    g.bench_function("checkpoint_sign", |b| {
        b.iter(|| cp.sign(ORIGIN, black_box(&root_key)).unwrap())
    });
    let mut note = cp.sign(ORIGIN, &root_key).unwrap();
    let secs = Timestamp::now().millis() / 1000;
    note.signatures
        .push(cosign_note(&note.text, "w.example.org", &witness, secs).unwrap());
    let text = note.to_text();
    let log = [NoteVerifier::new(ORIGIN, &root_key.public_key()).unwrap()];
    let policy = WitnessPolicy {
        witnesses: vec![NoteVerifier::cosigner("w.example.org", &witness.public_key()).unwrap()],
        threshold: 1,
    };
    g.bench_function("checkpoint_verify_with_1_cosignature", |b| {
        b.iter(|| {
            let (_, n) = Checkpoint::open(black_box(text.as_bytes()), &log).unwrap();
            policy.check(&n).unwrap()
        })
    });
    let now = ledger.now();
    let stamp = ledger
        .stamp(
            &id,
            now,
            now.plus_days(1),
            &root_key,
            &chancery::MemoryCheckpointLog::new(),
        )
        .unwrap();
    let p = ledger
        .present(
            cred.disclose(&["name", "address", "scope"], false).unwrap(),
            &text,
            stamp,
        )
        .unwrap();
    let trust = Trust::from_lists([TrustList {
        name: "bench".into(),
        version: 1,
        issued: now,
        next_update: now.plus_days(30),
        ledgers: vec![TrustedLedger {
            origin: ORIGIN.into(),
            operator_keys: vec![OperatorKey {
                key: root_key.public_key(),
                valid_from: Timestamp(0),
                valid_until: None,
                roles: KeyRoles::ROOT,
            }],
            witnesses: policy.clone(),
            freshness: Freshness {
                max_checkpoint_age_ms: 86_400_000,
                ..Freshness::DEFAULT
            },
            unwitnessed: false,
            require_holder: false,
        }],
    }]);
    assert!(verify_presentation(&p, &trust, now).is_valid());
    g.bench_function("verify_full_presentation", |b| {
        b.iter(|| verify_presentation(black_box(&p), &trust, now))
    });
    let compact = CompactPresentation::from_presentation(&p, 1).unwrap();
    let qr_text = compact.to_text();
    assert!(verify_compact(&compact, &trust, now).is_valid());
    g.bench_function("verify_compact_from_text", |b| {
        b.iter(|| {
            let c = CompactPresentation::from_text(black_box(&qr_text)).unwrap();
            verify_compact(&c, &trust, now)
        })
    });
    // The raw primitive: one Ed25519 verification (strict), of a message of entry size.
    let sk = SigningKey::from_bytes(&[7; 32]);
    let msg = vec![7u8; 600];
    let sig = sk.sign(&msg);
    let vk = sk.verifying_key();
    g.bench_function("raw_ed25519_verify_strict_single", |b| {
        b.iter(|| vk.verify_strict(black_box(&msg), &sig).unwrap())
    });
    g.finish();
}

/// The PostgreSQL backend beside the embedded store, in the same run (feature `postgres`, a
/// server at CHANCERY_PG_URL: `scripts/with-postgres.sh cargo bench --bench ledger --features
/// postgres -- backends`). Without a server it reports that and measures nothing.
#[cfg(feature = "postgres")]
fn backends(c: &mut Criterion) {
    let Ok(url) = std::env::var("CHANCERY_PG_URL") else {
        eprintln!("backends: CHANCERY_PG_URL not set; run through scripts/with-postgres.sh");
        return;
    };
    let mut g = c.benchmark_group("backends");
    g.sample_size(20);
    g.throughput(Throughput::Elements(1000));
    let dir = tempfile::tempdir().unwrap();
    let mut f = Fixture::new();
    let mut embedded = f.ledger(FileStore::open(dir.path()).unwrap());
    let name = format!("bench-{}", std::process::id());
    let mut pg = f.ledger(chancery::storage::PgStore::connect(&url, &name).unwrap());
    g.bench_function("embedded_append_batch_1000", |b| {
        b.iter_batched(
            || f.batch(1000),
            |batch| embedded.append_batch(batch).unwrap(),
            BatchSize::PerIteration,
        )
    });
    g.bench_function("postgres_append_batch_1000", |b| {
        b.iter_batched(
            || f.batch(1000),
            |batch| pg.append_batch(batch).unwrap(),
            BatchSize::PerIteration,
        )
    });
    g.throughput(Throughput::Elements(1));
    let first = |l: &chancery::State| {
        l.lineages()
            .next()
            .map(|lin| lin.versions[0].version.id.clone())
            .unwrap()
    };
    let (id, embedded_id) = (first(pg.state()), first(embedded.state()));
    let now = Timestamp::now();
    // On a read-only connection (a verifier node): opens by replaying the ledger, then queries.
    let verifier = Ledger::open(
        chancery::storage::PgStore::connect_read_only(&url, &name).unwrap(),
        SystemClock,
    )
    .unwrap();
    assert!(verifier.status(&id, now).is_valid());
    g.bench_function("postgres_verifier_status_query", |b| {
        b.iter(|| verifier.status(black_box(&id), now))
    });
    g.bench_function("embedded_status_query", |b| {
        b.iter(|| embedded.status(black_box(&embedded_id), now))
    });
    g.finish();
}

#[cfg(not(feature = "postgres"))]
fn backends(_: &mut Criterion) {}

criterion_group!(
    benches,
    raw_primitives,
    append,
    indexed,
    replay_and_queries,
    merkle_1m,
    presentations,
    backends
);
criterion_main!(benches);
