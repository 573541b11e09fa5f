//! The PostgreSQL backend against a real server: run through `scripts/with-postgres.sh`, which
//! sets CHANCERY_PG_URL (`scripts/with-postgres.sh cargo test --release --features postgres
//! --test postgres`). Each test uses ledgers of its own name.
#![cfg(feature = "postgres")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::storage::{conformance, PgStore, StorageError, Store};
use chancery::{Ledger, ManualClock};
use common::*;
use std::sync::atomic::{AtomicU32, Ordering};

/// The server is shared: the test that stops it takes this lock exclusively, the others share
/// it.
static SERVER: std::sync::RwLock<()> = std::sync::RwLock::new(());

fn shared() -> std::sync::RwLockReadGuard<'static, ()> {
    SERVER.read().unwrap_or_else(|e| e.into_inner())
}

fn url() -> String {
    std::env::var("CHANCERY_PG_URL")
        .expect("CHANCERY_PG_URL is not set: run the tests through scripts/with-postgres.sh")
}

/// A ledger name unique to this test run.
fn name(what: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{what}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

#[test]
fn conformance_suite() {
    let _server = shared();
    conformance::run(|| PgStore::connect(&url(), &name("conformance")).unwrap());
}

#[test]
fn a_ledger_on_postgres_replays_and_audits() {
    let _server = shared();
    let ledger_name = name("ledger");
    let (mut w, a) = World::standard(PgStore::connect(&url(), &ledger_name).unwrap());
    let mut ids = Vec::new();
    for i in 0..50 {
        let (id, _) = w.issue(&a, "AUTH1", &format!("S{i}"));
        ids.push(id);
    }
    let t = w.termination(&ids[3]);
    w.ok(&a, chancery::Event::LicenseRevoked(t));
    w.ledger.audit().unwrap();
    // Another process opening the same ledger replays it, verifying everything.
    let store = PgStore::connect(&url(), &ledger_name).unwrap();
    let reopened = Ledger::open_verified(store, ManualClock::new(w.now())).unwrap();
    assert_eq!(reopened.state(), w.ledger.state());
    assert!(!reopened.status(&ids[3], w.now()).is_valid());
    assert!(reopened.status(&ids[4], w.now()).is_valid());
}

#[test]
fn two_writers_on_two_connections() {
    let _server = shared();
    let ledger_name = name("writers");
    let (mut w, a) = World::standard(PgStore::connect(&url(), &ledger_name).unwrap());
    let mut other = Ledger::open(
        PgStore::connect(&url(), &ledger_name).unwrap(),
        ManualClock::new(w.now()),
    )
    .unwrap();
    for i in 0..20 {
        let (ev, _, _) = w.issue_event("AUTH1", &format!("S{i}"));
        let s = w.sign(&a, ev);
        let (first, second) = if i % 2 == 0 {
            (&mut w.ledger, &mut other)
        } else {
            (&mut other, &mut w.ledger)
        };
        let r = first.append(s.clone()).unwrap();
        assert_eq!(r.seq, 3 + i as u64);
        // Idempotent across writers: the other one returns the same receipt.
        // (Marked as a re-submission since issue 12, attack 14.)
        assert_eq!(
            second.append(s).unwrap(),
            chancery::Receipt {
                resubmission: Some(chancery::Effect::InForce),
                ..r
            }
        );
    }
    assert_eq!(w.ledger.state(), other.state());
    other.audit().unwrap();
}

#[test]
fn four_writer_processes_100k_statements_then_a_full_audit() {
    let _server = shared();
    let ledger_name = name("concurrent");
    // The set-up (genesis, AUTH1, type T1); the writers sign as AUTH1 (seed 10).
    let (w, _) = World::standard(PgStore::connect(&url(), &ledger_name).unwrap());
    let clock = ManualClock::new(w.now());
    let writers = 4;
    let per_writer = std::env::var("CHANCERY_PG_STATEMENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(25_000usize);
    // Four writer processes, each with its own connection, 25,000 statements in batches of
    // 1,000.
    let children: Vec<_> = (0..writers)
        .map(|t| spawn_writer(&ledger_name, &format!("W{t}"), Some(per_writer), 1000))
        .collect();
    let receipts: Vec<Vec<(u64, String)>> = children
        .into_iter()
        .map(|mut child| {
            use std::io::BufRead;
            let out = std::io::BufReader::new(child.stdout.take().unwrap());
            let lines: Vec<_> = out
                .lines()
                .map_while(Result::ok)
                .filter_map(|l| receipt_line(&l))
                .collect();
            assert!(child.wait().unwrap().success(), "a writer process failed");
            lines
        })
        .collect();
    let total = (writers * per_writer) as u64;
    let store = PgStore::connect(&url(), &ledger_name).unwrap();
    assert_eq!(store.len(), 3 + total);
    let fresh = Ledger::open_verified(store, clock).unwrap();
    fresh.audit().unwrap();
    let mut seqs: Vec<u64> = receipts.iter().flatten().map(|r| r.0).collect();
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len() as u64, total, "no sequence number twice");
    for (seq, hash) in receipts.iter().flatten() {
        assert_eq!(
            fresh.tree().leaf(*seq).map(|h| h.to_hex()),
            Some(hash.clone())
        );
    }
}

#[test]
fn read_only_verifier_mode() {
    let _server = shared();
    let ledger_name = name("readonly");
    let (mut w, a) = World::standard(PgStore::connect(&url(), &ledger_name).unwrap());
    let (id, _) = w.issue(&a, "AUTH1", "S1");
    let store = PgStore::connect_read_only(&url(), &ledger_name).unwrap();
    let mut verifier = Ledger::open_verified(store, ManualClock::new(w.now())).unwrap();
    assert!(verifier.status(&id, w.now()).is_valid());
    // Proofs and sealed-document checks are served too.
    let n = verifier.len();
    let seq = verifier.state().license(&id).unwrap().recorded.seq;
    let proof = verifier.prove_inclusion(seq, n).unwrap();
    proof
        .verify(
            &verifier.tree().leaf(seq).unwrap(),
            &verifier.root(n).unwrap(),
        )
        .unwrap();
    assert_eq!(
        verifier.verify_document(b"never sealed", w.now()).verdict,
        chancery::Verdict::Invalid(chancery::InvalidReason::NotSealed)
    );
    let (ev, _, _) = w.issue_event("AUTH1", "S2");
    let before = verifier.len();
    match verifier.append(w.sign(&a, ev)) {
        Err(chancery::AppendError::Storage(StorageError::ReadOnly)) => {}
        other => panic!("a read-only store must refuse appends, got {other:?}"),
    }
    assert_eq!(verifier.len(), before);
    // A ledger that does not exist is not created in read-only mode.
    assert!(matches!(
        PgStore::connect_read_only(&url(), &name("absent")),
        Err(StorageError::NoSuchLedger(_))
    ));
}

#[test]
fn bad_connections_are_typed_errors() {
    let _server = shared();
    assert!(matches!(
        PgStore::connect("postgresql://nobody@127.0.0.1:1/none", "x"),
        Err(StorageError::Database(_))
    ));
    assert!(matches!(
        PgStore::connect("not a url", "x"),
        Err(StorageError::Database(_))
    ));
}

/// Batches of this many statements in the fault tests: every batch is all or nothing, so the
/// store always holds the 3 set-up entries plus whole batches.
const FAULT_BATCH: usize = 100;

/// Signs batch `n` of a writer's stream: issuances with serials `{tag}B{n}N{i}`.
fn fault_batch(
    w: &World<PgStore>,
    a: &chancery::Actor,
    tag: &str,
    n: usize,
) -> Vec<chancery::SignedStatement> {
    (0..FAULT_BATCH)
        .map(|i| {
            let (ev, _, _) = w.issue_event("AUTH1", &format!("{tag}B{n}N{i}"));
            a.sign(ev, T0)
        })
        .collect()
}

/// The body of a writer process (run by [`spawn_writer`]): appends batches of
/// CHANCERY_PG_CHILD_BATCH issuances (serials `{CHANCERY_PG_CHILD_TAG}B{n}N{i}`) to the ledger
/// named by CHANCERY_PG_CHILD, CHANCERY_PG_CHILD_STATEMENTS in all (or until killed), printing
/// each receipt only after its batch is acknowledged.
#[test]
#[ignore = "run as a child process by the tests that spawn writer processes"]
fn child_writer() {
    use std::io::Write;
    let Ok(ledger_name) = std::env::var("CHANCERY_PG_CHILD") else {
        return;
    };
    let var = |name: &str| std::env::var(name).ok();
    let tag = var("CHANCERY_PG_CHILD_TAG").unwrap_or_else(|| "CB".into());
    let total: Option<usize> = var("CHANCERY_PG_CHILD_STATEMENTS").and_then(|v| v.parse().ok());
    let batch_size: usize = var("CHANCERY_PG_CHILD_BATCH")
        .and_then(|v| v.parse().ok())
        .unwrap_or(FAULT_BATCH);
    let store = PgStore::connect(&url(), &ledger_name).unwrap();
    let mut ledger = Ledger::open(store, ManualClock::new(T0)).unwrap();
    let w = World::with_store(chancery::MemoryStore::new());
    let a = actor(10);
    let mut out = std::io::stdout().lock();
    let mut done = 0;
    for n in 0.. {
        let size = total.map_or(batch_size, |t| batch_size.min(t - done));
        if size == 0 {
            break;
        }
        let batch = (0..size)
            .map(|i| {
                let (ev, _, _) = w.issue_event("AUTH1", &format!("{tag}B{n}N{i}"));
                a.sign(ev, T0)
            })
            .collect();
        for r in ledger.append_batch(batch).unwrap() {
            let r = r.unwrap();
            // The test harness may have written on the same line: the marker finds the receipt.
            writeln!(out, "RECEIPT {} {}", r.seq, r.entry_hash.to_hex()).unwrap();
        }
        out.flush().unwrap();
        done += size;
    }
}

/// Starts a writer process (this test binary running [`child_writer`]).
fn spawn_writer(
    ledger_name: &str,
    tag: &str,
    statements: Option<usize>,
    batch: usize,
) -> std::process::Child {
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "child_writer",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .env("CHANCERY_PG_CHILD", ledger_name)
    .env("CHANCERY_PG_CHILD_TAG", tag)
    .env("CHANCERY_PG_CHILD_BATCH", batch.to_string())
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::null());
    if let Some(n) = statements {
        cmd.env("CHANCERY_PG_CHILD_STATEMENTS", n.to_string());
    }
    cmd.spawn().unwrap()
}

/// A receipt line of a writer process: sequence number and entry hash.
fn receipt_line(line: &str) -> Option<(u64, String)> {
    let (_, receipt) = line.split_once("RECEIPT ")?;
    let (seq, hash) = receipt.split_once(' ')?;
    Some((seq.parse().ok()?, hash.to_owned()))
}

/// Checks the invariants after a fault: only whole batches, the chain and every rule (a full
/// audit), and every acknowledged receipt at its sequence number.
fn check_after_fault(ledger_name: &str, acknowledged: &[(u64, String)]) -> Ledger<PgStore> {
    let store = PgStore::connect(&url(), ledger_name).unwrap();
    let len = store.len();
    assert_eq!(
        (len - 3) % FAULT_BATCH as u64,
        0,
        "a partial batch is visible: {len} entries"
    );
    let ledger = Ledger::open_verified(store, ManualClock::new(T0)).unwrap();
    ledger.audit().unwrap();
    for (seq, hash) in acknowledged {
        assert_eq!(
            ledger.tree().leaf(*seq).map(|h| h.to_hex()).as_deref(),
            Some(hash.as_str()),
            "acknowledged entry {seq} lost"
        );
    }
    ledger
}

#[test]
fn a_killed_writer_loses_nothing_acknowledged() {
    let _server = shared();
    use std::io::BufRead;
    let ledger_name = name("killed");
    let (w, a) = World::standard(PgStore::connect(&url(), &ledger_name).unwrap());
    let mut child = spawn_writer(&ledger_name, "CB", None, FAULT_BATCH);
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut acknowledged = Vec::new();
    // Kill it with SIGKILL in the middle of its stream (after 7 batches, while it is busy
    // with the next).
    while acknowledged.len() < 7 * FAULT_BATCH {
        let line = lines.next().unwrap().unwrap();
        acknowledged.extend(receipt_line(&line));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    acknowledged.extend(lines.map_while(Result::ok).filter_map(|l| receipt_line(&l)));
    let mut ledger = check_after_fault(&ledger_name, &acknowledged);
    // Another writer continues.
    let before = ledger.len();
    for r in ledger
        .append_batch(fault_batch(&w, &a, "AFTER", 0))
        .unwrap()
    {
        r.unwrap();
    }
    assert_eq!(ledger.len(), before + FAULT_BATCH as u64);
}

/// Runs `pg_ctl` on the test cluster (as the cluster's owner).
fn pg_ctl(args: &[&str]) {
    let ctl = std::env::var("CHANCERY_PG_CTL").unwrap();
    let data = std::env::var("CHANCERY_PG_DATA").unwrap();
    let as_owner = std::env::var("CHANCERY_PG_AS").unwrap_or_default();
    let mut argv: Vec<String> = as_owner.split_whitespace().map(str::to_owned).collect();
    argv.push(ctl);
    argv.extend(["-D".to_owned(), data]);
    argv.extend(args.iter().map(|s| (*s).to_owned()));
    let status = std::process::Command::new(&argv[0])
        .args(&argv[1..])
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "pg_ctl {args:?} failed");
}

#[test]
fn server_stopped_immediately_and_restarted() {
    let _alone = SERVER.write().unwrap_or_else(|e| e.into_inner());
    let ledger_name = name("crash");
    let (w, a) = World::standard(PgStore::connect(&url(), &ledger_name).unwrap());
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (acknowledged, errors) = std::thread::scope(|s| {
        let writer = s.spawn(|| {
            let mut acknowledged = Vec::new();
            let mut errors = 0;
            let mut ledger: Option<Ledger<PgStore>> = None;
            // The batch in flight: after a failure the very same statements are submitted.
            let mut pending: Option<Vec<chancery::SignedStatement>> = None;
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) || ledger.is_none() {
                // (Re)connect after a failure; a writer that lost its server gets typed errors
                // and continues once the server is back.
                let l = match &mut ledger {
                    Some(l) => l,
                    None => match PgStore::connect(&url(), &ledger_name)
                        .map_err(chancery::OpenError::Storage)
                        .and_then(|s| Ledger::open(s, ManualClock::new(T0)))
                    {
                        Ok(l) => ledger.insert(l),
                        Err(_) => {
                            errors += 1;
                            std::thread::sleep(std::time::Duration::from_millis(50));
                            continue;
                        }
                    },
                };
                // A batch whose commit failed may or may not be stored: it is submitted again
                // and, if it was, its receipts come back unchanged (idempotency).
                let batch = pending
                    .get_or_insert_with(|| fault_batch(&w, &a, "CRASH", n))
                    .clone();
                match l.append_batch(batch) {
                    Ok(results) => {
                        for r in results {
                            let r = r.unwrap();
                            acknowledged.push((r.seq, r.entry_hash.to_hex()));
                        }
                        pending = None;
                        n += 1;
                    }
                    Err(_) => {
                        errors += 1;
                        ledger = None;
                    }
                }
            }
            (acknowledged, errors)
        });
        std::thread::sleep(std::time::Duration::from_millis(300));
        pg_ctl(&["-m", "immediate", "stop"]);
        std::thread::sleep(std::time::Duration::from_millis(300));
        let opts = std::env::var("CHANCERY_PG_OPTS").unwrap();
        let log = std::env::var("CHANCERY_PG_LOG").unwrap();
        pg_ctl(&["-l", &log, "-w", "-o", &opts, "start"]);
        std::thread::sleep(std::time::Duration::from_millis(500));
        stop.store(true, Ordering::SeqCst);
        writer.join().unwrap()
    });
    assert!(errors > 0, "the writer should have seen the server go away");
    assert!(!acknowledged.is_empty());
    check_after_fault(&ledger_name, &acknowledged);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 12, ..Default::default() })]
    /// Replay equals incremental state on PostgreSQL, with every kind of event mixed in.
    #[test]
    fn replay_equals_incremental_on_postgres(
        ops in proptest::collection::vec((proptest::prelude::any::<u8>(), proptest::prelude::any::<u8>()), 1..80)
    ) {
        let _server = shared();
        let store = PgStore::connect(&url(), &name("property")).unwrap();
        common::replay::run(store, |s: &PgStore| PgStore::connect(&url(), s.ledger()).unwrap(), &ops);
    }
}

#[test]
fn a_newer_schema_is_refused() {
    let _server = shared();
    // A database of its own, so the version written does not affect the other tests.
    let db = format!("schema_{}", std::process::id());
    let mut admin = postgres_client(&url());
    // One statement per request: neither may run inside a transaction block.
    for sql in [
        format!("DROP DATABASE IF EXISTS {db}"),
        format!("CREATE DATABASE {db}"),
    ] {
        admin.batch_execute(&sql).unwrap();
    }
    let db_url = format!("{}/{db}", url().rsplit_once('/').unwrap().0);
    PgStore::connect(&db_url, "x").unwrap();
    postgres_client(&db_url)
        .batch_execute("INSERT INTO chancery_schema (version) VALUES (99)")
        .unwrap();
    for r in [
        PgStore::connect(&db_url, "x"),
        PgStore::connect_read_only(&db_url, "x"),
    ] {
        assert!(matches!(
            r,
            Err(StorageError::SchemaVersion {
                found: 99,
                supported: chancery::storage::SCHEMA_VERSION
            })
        ));
    }
    // Nothing was written by the refused connections: the ledger's head is still empty.
    let row = postgres_client(&db_url)
        .query_one("SELECT seq FROM chancery_head WHERE ledger = 'x'", &[])
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 0);
}

/// A plain client for set-up the library does not do (creating a database, faking a schema).
fn postgres_client(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).unwrap()
}

#[test]
fn a_store_keyed_by_another_origin_is_refused() {
    let _server = shared();
    let other = name("other.example.gov.cn/elicense");
    // Creating this ledger (origin ORIGIN) in the store of another origin writes nothing.
    let store = PgStore::for_origin(&url(), &other).unwrap();
    let clock = ManualClock::new(T0);
    match Ledger::create(store, genesis(&actor(1), T0), clock.clone()) {
        Err(chancery::OpenError::OriginMismatch { store, ledger }) => {
            assert_eq!((store.as_str(), ledger.as_str()), (other.as_str(), ORIGIN));
        }
        r => panic!("expected an origin mismatch, got {:?}", r.err()),
    }
    assert_eq!(PgStore::connect(&url(), &other).unwrap().len(), 0);
    // A ledger stored under its own origin (the throwaway cluster holds no other) is created
    // and reopened under it.
    let ledger = Ledger::create(
        PgStore::for_origin(&url(), ORIGIN).unwrap(),
        genesis(&actor(1), T0),
        clock.clone(),
    )
    .unwrap();
    let reopened = Ledger::open(PgStore::for_origin(&url(), ORIGIN).unwrap(), clock).unwrap();
    assert_eq!(reopened.state(), ledger.state());
}

/// A server setting changed for the whole cluster and reloaded (the caller holds the server
/// alone); `None` resets it.
fn set_server(setting: &str, value: Option<&str>) {
    let mut c = postgres::Client::connect(&url(), postgres::NoTls).unwrap();
    match value {
        Some(v) => c
            .batch_execute(&format!("ALTER SYSTEM SET {setting} = {v}"))
            .unwrap(),
        None => c
            .batch_execute(&format!("ALTER SYSTEM RESET {setting}"))
            .unwrap(),
    }
    c.batch_execute("SELECT pg_reload_conf()").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
}

/// Issue 12: a server configured with `synchronous_commit = off` lost acknowledged entries;
/// the store's sessions commit synchronously whatever the server's default, and a server
/// with `fsync = off` is refused for appends.
#[test]
fn given_an_unsafe_server_configuration_when_appending_then_commits_stay_durable_or_are_refused() {
    let _alone = SERVER.write().unwrap_or_else(|e| e.into_inner());
    set_server("synchronous_commit", Some("off"));
    let store = PgStore::connect(&url(), &name("sync")).unwrap();
    assert_eq!(store.session_setting("synchronous_commit").unwrap(), "on");
    set_server("synchronous_commit", None);
    set_server("fsync", Some("off"));
    let mut store = PgStore::connect(&url(), &name("nofsync")).unwrap();
    let fsync = store.session_setting("fsync").unwrap();
    let refused = store.append(
        0,
        &[chancery::storage::Record {
            hash: chancery::crypto::leaf_hash(b"x"),
            bytes: b"x".to_vec(),
        }],
    );
    set_server("fsync", None);
    assert!(
        matches!(
            refused,
            Err(StorageError::NotDurable {
                setting: "fsync = off"
            })
        ),
        "fsync {fsync}: {refused:?}"
    );
    assert_eq!(store.len(), 0);
}

/// Issue 14, item 1: the PostgreSQL store keeps the operator's checkpoints in
/// `chancery_checkpoints`, so a node that restarts (or another node) refuses to sign a
/// checkpoint the ledger does not extend.
#[test]
fn given_a_checkpoint_kept_in_postgres_when_another_handle_signs_then_it_extends_the_kept_one() {
    use chancery::CheckpointLog;
    let _server = shared();
    let ledger_name = name("checkpoints");
    let (mut w, a) = World::standard(PgStore::connect(&url(), &ledger_name).unwrap());
    let mut log = PgStore::connect(&url(), &ledger_name).unwrap();
    let first = w.ledger.sign_checkpoint(&key(1), &mut log).unwrap();
    w.issue(&a, "AUTH1", "P1");
    let second = w.ledger.sign_checkpoint(&key(1), &mut log).unwrap();
    let reconnected = PgStore::connect(&url(), &ledger_name).unwrap();
    assert_eq!(
        reconnected.checkpoints().unwrap(),
        vec![first.note, second.note.clone()]
    );
    assert_eq!(reconnected.last_checkpoint().unwrap(), Some(second.note));
}

#[test]
fn given_a_read_only_handle_when_keeping_a_checkpoint_then_it_is_refused() {
    use chancery::CheckpointLog;
    let _server = shared();
    let ledger_name = name("checkpoints-ro");
    let (_w, _a) = World::standard(PgStore::connect(&url(), &ledger_name).unwrap());
    let mut reader = PgStore::connect_read_only(&url(), &ledger_name).unwrap();
    assert!(matches!(
        reader.keep_checkpoint("note", None),
        Err(StorageError::ReadOnly)
    ));
}

/// Review of issue 14: two nodes keeping checkpoints of one ledger; the one that checked the
/// ledger against a note that is no longer the last keeps nothing.
#[test]
fn given_another_node_kept_a_checkpoint_when_keeping_after_the_older_one_then_it_is_refused() {
    use chancery::CheckpointLog;
    let _server = shared();
    let ledger_name = name("checkpoints-moved");
    let (w, _a) = World::standard(PgStore::connect(&url(), &ledger_name).unwrap());
    let mut node1 = PgStore::connect(&url(), &ledger_name).unwrap();
    let mut node2 = PgStore::connect(&url(), &ledger_name).unwrap();
    let checked = node1.last_checkpoint().unwrap();
    let signed = w.ledger.sign_checkpoint(&key(1), &mut node2).unwrap();
    assert!(matches!(
        node1.keep_checkpoint(&signed.note, checked.as_deref()),
        Err(StorageError::CheckpointMoved)
    ));
    assert_eq!(node1.checkpoints().unwrap(), vec![signed.note]);
}

/// Issue 14, item 1: on PostgreSQL a proven batch and the checkpoint over it are written in one
/// transaction (`append_batch_proven_in_store`); the kept checkpoint is the one returned, and
/// each receipt is proven by it.
#[test]
fn given_a_proven_batch_on_postgres_when_appended_then_its_checkpoint_is_kept_with_it() {
    use chancery::CheckpointLog;
    let _server = shared();
    let ledger_name = name("proven-in-store");
    let (mut w, a) = World::standard(PgStore::connect(&url(), &ledger_name).unwrap());
    let batch: Vec<_> = (0..3)
        .map(|i| {
            let (ev, _, _) = w.issue_event("AUTH1", &format!("P{i}"));
            w.sign(&a, ev)
        })
        .collect();
    let proven = w
        .ledger
        .append_batch_proven_in_store(batch, &key(1))
        .unwrap();
    let verifiers =
        [chancery::checkpoint::NoteVerifier::new(ORIGIN, &key(1).public_key()).unwrap()];
    for r in &proven.receipts {
        let cp = r
            .as_ref()
            .unwrap()
            .verify(&proven.checkpoint, &verifiers)
            .unwrap();
        assert_eq!(cp.size, w.ledger.len());
    }
    let reconnected = PgStore::connect(&url(), &ledger_name).unwrap();
    assert_eq!(reconnected.checkpoints().unwrap(), vec![proven.checkpoint]);
}

/// Two writers taking turns with proven batches on one ledger: each catches up with the
/// other's entries and checkpoint, and the kept checkpoints grow in size, each one of the
/// ledger's.
#[test]
fn given_two_writers_when_they_take_turns_with_proven_batches_then_the_checkpoints_grow() {
    use chancery::CheckpointLog;
    let _server = shared();
    let ledger_name = name("proven-turns");
    let (mut w, a) = World::standard(PgStore::connect(&url(), &ledger_name).unwrap());
    let mut other = Ledger::open(
        PgStore::connect(&url(), &ledger_name).unwrap(),
        ManualClock::new(w.now()),
    )
    .unwrap();
    for i in 0..4 {
        let (ev, _, _) = w.issue_event("AUTH1", &format!("T{i}"));
        let s = w.sign(&a, ev);
        let writer = if i % 2 == 0 {
            &mut w.ledger
        } else {
            &mut other
        };
        writer
            .append_batch_proven_in_store(vec![s], &key(1))
            .unwrap();
    }
    w.ledger.catch_up().unwrap();
    let notes = w.ledger.store().checkpoints().unwrap();
    assert_eq!(notes.len(), 4);
    let sizes: Vec<u64> = notes
        .iter()
        .map(|n| w.ledger.check_checkpoint(n.as_bytes()).unwrap().size)
        .collect();
    assert!(sizes.windows(2).all(|p| p[0] < p[1]), "{sizes:?}");
}

/// Issue 15, item 7: a verifier node keeps its own local index, keyed to the PostgreSQL
/// ledger's head: restarting reads it instead of replaying; entries another writer appended
/// meanwhile are read from the database, every signature checked, and caught up.
#[test]
fn given_a_verifier_node_with_a_local_index_when_it_restarts_then_it_reads_it_and_catches_up() {
    let _server = shared();
    let ledger_name = name("node-index");
    let (mut w, a) = World::standard(PgStore::connect(&url(), &ledger_name).unwrap());
    let (first, _) = w.issue(&a, "AUTH1", "N1");
    let dir = tempfile::tempdir().unwrap();
    let node = |clock: ManualClock| {
        let (url, ledger_name) = (url(), ledger_name.clone());
        Ledger::open_indexed(
            PgStore::connect_read_only(&url, &ledger_name).unwrap(),
            clock,
            &dir.path().join("node.redb"),
            chancery::IntegrityKey::from_bytes([4; 32]),
            move || PgStore::connect_read_only(&url, &ledger_name),
        )
        .unwrap()
    };
    let built = node(w.clock.clone());
    assert!(built.index_status().unwrap().rebuilt);
    drop(built);
    let restarted = node(w.clock.clone());
    let status = restarted.index_status().unwrap();
    assert!(!status.rebuilt && !status.damaged, "{status:?}");
    assert!(restarted.status(&first, w.now()).is_valid());
    drop(restarted);
    // The writer goes on while the node is down.
    let (second, _) = w.issue(&a, "AUTH1", "N2");
    w.ok(
        &a,
        chancery::Event::LicenseSuspended {
            license: first.clone(),
            reason: "inspection".into(),
        },
    );
    let caught_up = node(w.clock.clone());
    let status = caught_up.index_status().unwrap();
    assert!(!status.rebuilt, "{status:?}");
    assert_eq!(status.entries, w.ledger.len());
    let replayed = Ledger::open_verified(
        PgStore::connect_read_only(&url(), &ledger_name).unwrap(),
        w.clock.clone(),
    )
    .unwrap();
    assert_eq!(caught_up.state(), replayed.state());
    assert_eq!(caught_up.tree_head(), replayed.tree_head());
    assert!(caught_up.status(&second, w.now()).is_valid());
    assert!(!caught_up.status(&first, w.now()).is_valid());
}

/// Issue 15, item 7: entries read from the database are signature-checked before they enter a
/// node's index — a database writer who appends an entry with a forged signature (hash, chain
/// and head made right) does not get it into the node's index.
#[test]
fn given_a_forged_entry_in_the_database_when_a_node_catches_up_then_it_is_refused() {
    let _server = shared();
    let ledger_name = name("node-forged");
    let (mut w, a) = World::standard(PgStore::connect(&url(), &ledger_name).unwrap());
    w.issue(&a, "AUTH1", "F1");
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("node.redb");
    let clock = w.clock.clone();
    let open_node = || {
        let (url, ledger_name) = (url(), ledger_name.clone());
        Ledger::open_indexed(
            PgStore::connect_read_only(&url, &ledger_name).unwrap(),
            clock.clone(),
            &index,
            chancery::IntegrityKey::from_bytes([4; 32]),
            move || PgStore::connect_read_only(&url, &ledger_name),
        )
    };
    drop(open_node().unwrap());
    let (ev, _, _) = w.issue_event("AUTH1", "F2");
    let r = w.ok(&a, ev);
    // The last byte of an entry is its signature's: flipped, the hash and head recomputed.
    let mut db = postgres_client(&url());
    let row = db
        .query_one(
            "SELECT bytes FROM chancery_entries WHERE ledger = $1 AND seq = $2",
            &[&ledger_name, &(r.seq as i64)],
        )
        .unwrap();
    let mut bytes: Vec<u8> = row.get(0);
    *bytes.last_mut().unwrap() ^= 1;
    let hash = chancery::crypto::leaf_hash(&bytes).0.to_vec();
    db.execute(
        "UPDATE chancery_entries SET bytes = $3, hash = $4 WHERE ledger = $1 AND seq = $2",
        &[&ledger_name, &(r.seq as i64), &bytes, &hash],
    )
    .unwrap();
    db.execute(
        "UPDATE chancery_head SET hash = $2 WHERE ledger = $1",
        &[&ledger_name, &hash],
    )
    .unwrap();
    match open_node() {
        Err(chancery::OpenError::BadEntry(bad)) => assert_eq!(bad.error.seq, r.seq),
        Err(e) => panic!("expected the forged entry refused, got {e}"),
        Ok(_) => panic!("a forged entry entered the node's index"),
    }
}
