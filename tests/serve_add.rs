//! Issue 16, the write path: `POST /v1/add` group-commits signed statements and answers each
//! with its receipt and an inclusion proof to the checkpoint signed for its commit — checked
//! here with the tests' own RFC 9162 arithmetic and the note's signature — or with the rule
//! that refused it, leaving the ledger as it was.
#![cfg(feature = "server")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::Engine;
use chancery::checkpoint::{Checkpoint, NoteVerifier};
use chancery::server::{Options, Service};
use chancery::storage::CheckpointLog;
use chancery::{
    Canonical, Event, FileCheckpointLog, FileStore, Ledger, MemoryStore, SecretKey,
    SignedStatement, Store,
};
use common::http::{self, Response};
use common::rfc9162::root_from_path;
use common::serving::Serving;
use common::*;
use std::path::Path;
use std::time::Duration;

const CBOR: &str = "application/cbor";
const OPERATOR: u8 = 50;

/// A world (root, AUTH1, T1, an operator key) whose entries are copied into a file store in a
/// temporary directory; the world keeps signing, the service records.
fn world_on_disk() -> (
    tempfile::TempDir,
    World<MemoryStore>,
    chancery::Actor,
    SecretKey,
) {
    let (mut w, a) = World::standard(MemoryStore::new());
    let operator = w.add_operator_key(OPERATOR);
    let dir = w.on_disk();
    (dir, w, a, operator)
}

/// Serves the store in `dir` as its writer, signing each commit's checkpoint with `key` into
/// the store's checkpoint log.
fn start(dir: &Path, w: &World<MemoryStore>, key: SecretKey, options: Options) -> Serving {
    let store = FileStore::open(dir).unwrap();
    let ledger = Ledger::open(store, w.clock.clone()).unwrap();
    let mut log = FileCheckpointLog::open(dir).unwrap();
    let checkpoints = dir.to_path_buf();
    let service = Service::with_writer(
        ledger,
        chancery::server::kept_in(&checkpoints),
        options,
        move |ledger, statements| ledger.append_batch_proven(statements, &key, &mut log),
    );
    Serving::start(service.router())
}

fn add(server: &Serving, body: &[u8]) -> Response {
    http::send(server.addr, "POST", "/v1/add", CBOR, body)
}

fn json(r: &Response) -> serde_json::Value {
    serde_json::from_slice(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.text()))
}

/// Checks a receipt of the service's JSON against its checkpoint note: the note is signed by
/// `operator` for the ledger's origin, and the entry hash leads by the proof to its root.
/// Returns the receipt's sequence number.
fn check_receipt(checkpoint: &str, receipt: &serde_json::Value, operator: &SecretKey) -> u64 {
    let verifier = NoteVerifier::for_keys(ORIGIN, &[operator.public_key()]);
    let (cp, _) = Checkpoint::open(checkpoint.as_bytes(), &verifier).unwrap();
    let proof = &receipt["inclusion_proof"];
    let seq = receipt["seq"].as_u64().unwrap();
    assert_eq!(proof["leaf_index"].as_u64(), Some(seq));
    assert_eq!(proof["tree_size"].as_u64(), Some(cp.size));
    let path: Vec<[u8; 32]> = proof["hashes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            base64::engine::general_purpose::STANDARD
                .decode(h.as_str().unwrap())
                .unwrap()
                .try_into()
                .unwrap()
        })
        .collect();
    let leaf: [u8; 32] = hex::decode(receipt["entry_hash"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    assert_eq!(root_from_path(leaf, seq, cp.size, &path), Some(cp.root.0));
    seq
}

/// The entries of the store in `dir`.
fn stored(dir: &Path) -> u64 {
    FileStore::open_read_only(dir).unwrap().len()
}

fn issue(w: &World<MemoryStore>, a: &chancery::Actor, serial: &str) -> SignedStatement {
    w.sign(a, w.issue_event("AUTH1", serial).0)
}

#[test]
fn given_a_signed_statement_when_added_then_its_receipt_proves_it_in_the_signed_checkpoint() {
    let (dir, w, a, operator) = world_on_disk();
    let before = stored(dir.path());
    let server = start(dir.path(), &w, operator.clone(), Options::default());
    let statement = issue(&w, &a, "S1");

    let r = add(&server, &statement.to_canonical());

    assert_eq!(r.status, 200, "{}", r.text());
    let body = json(&r);
    let seq = check_receipt(
        body["checkpoint"].as_str().unwrap(),
        &body["receipt"],
        &operator,
    );
    assert_eq!(seq, before);
    assert_eq!(body["receipt"]["resubmitted"], false);
}

#[test]
fn given_an_added_statement_when_acknowledged_then_it_is_durable_in_the_store() {
    let (dir, w, a, operator) = world_on_disk();
    let before = stored(dir.path());
    let server = start(dir.path(), &w, operator, Options::default());

    let r = add(&server, &issue(&w, &a, "S1").to_canonical());

    assert_eq!(r.status, 200);
    // Read by another handle, as after a restart: the acknowledged entry is in the journal.
    assert_eq!(stored(dir.path()), before + 1);
}

#[test]
fn given_an_added_statement_when_acknowledged_then_its_checkpoint_is_the_one_served() {
    let (dir, w, a, operator) = world_on_disk();
    let server = start(dir.path(), &w, operator, Options::default());

    let added = json(&add(&server, &issue(&w, &a, "S1").to_canonical()));
    let served = http::request(server.addr, "GET", "/checkpoint");

    assert_eq!(served.status, 200);
    assert_eq!(served.text(), added["checkpoint"].as_str().unwrap());
}

#[test]
fn given_a_statement_refused_by_a_rule_when_added_then_422_names_the_rule_and_nothing_is_written() {
    let (dir, w, _, operator) = world_on_disk();
    let before = stored(dir.path());
    let server = start(dir.path(), &w, operator, Options::default());
    // Key 77 is no key of the ledger's.
    let stranger = actor(77);
    let statement = w.sign(&stranger, w.issue_event("AUTH1", "S1").0);

    let r = add(&server, &statement.to_canonical());

    assert_eq!(r.status, 422, "{}", r.text());
    let body = json(&r);
    assert_eq!(body["error"], "Refused");
    assert_eq!(body["rule"], "UnknownKey");
    assert_eq!(stored(dir.path()), before);
}

#[test]
fn given_a_statement_whose_signature_fails_when_added_then_422_signature_and_nothing_is_written() {
    let (dir, w, a, operator) = world_on_disk();
    let before = stored(dir.path());
    let server = start(dir.path(), &w, operator, Options::default());
    let mut bytes = issue(&w, &a, "S1").to_canonical();
    // The signature is the last 64 bytes.
    let last = bytes.len() - 1;
    bytes[last] ^= 1;

    let r = add(&server, &bytes);

    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(json(&r)["rule"], "Signature");
    assert_eq!(stored(dir.path()), before);
}

#[test]
fn given_a_batch_with_one_refused_statement_when_added_then_the_others_are_recorded_and_proven() {
    let (dir, w, a, operator) = world_on_disk();
    let before = stored(dir.path());
    let server = start(dir.path(), &w, operator.clone(), Options::default());
    let stranger = actor(77);
    let batch = vec![
        issue(&w, &a, "S1"),
        w.sign(&stranger, w.issue_event("AUTH1", "S2").0),
        issue(&w, &a, "S3"),
    ];

    let r = add(&server, &batch.to_canonical());

    assert_eq!(r.status, 200, "{}", r.text());
    let body = json(&r);
    let checkpoint = body["checkpoint"].as_str().unwrap();
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(
        check_receipt(checkpoint, &results[0]["receipt"], &operator),
        before
    );
    assert_eq!(results[1]["rule"], "UnknownKey");
    assert_eq!(
        check_receipt(checkpoint, &results[2]["receipt"], &operator),
        before + 1
    );
    assert_eq!(stored(dir.path()), before + 2);
}

#[test]
fn given_a_recorded_statement_when_added_again_then_its_original_receipt_is_returned() {
    let (dir, w, a, operator) = world_on_disk();
    let server = start(dir.path(), &w, operator.clone(), Options::default());
    let statement = issue(&w, &a, "S1").to_canonical();
    let first = json(&add(&server, &statement));
    let after_first = stored(dir.path());

    let again = json(&add(&server, &statement));

    assert_eq!(again["receipt"]["seq"], first["receipt"]["seq"]);
    assert_eq!(again["receipt"]["resubmitted"], true);
    check_receipt(
        again["checkpoint"].as_str().unwrap(),
        &again["receipt"],
        &operator,
    );
    assert_eq!(stored(dir.path()), after_first);
}

#[test]
fn given_concurrent_submissions_when_added_then_they_share_one_commit_and_checkpoint() {
    let (dir, w, a, operator) = world_on_disk();
    let before = stored(dir.path());
    let options = Options {
        batch_window: Duration::from_millis(300),
        ..Options::default()
    };
    let server = start(dir.path(), &w, operator.clone(), options);
    let statements: Vec<Vec<u8>> = (0..8)
        .map(|i| issue(&w, &a, &format!("S{i}")).to_canonical())
        .collect();

    let answers: Vec<serde_json::Value> = std::thread::scope(|s| {
        let handles: Vec<_> = statements
            .iter()
            .map(|st| s.spawn(|| json(&add(&server, st))))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });

    let mut seqs: Vec<u64> = answers
        .iter()
        .map(|b| check_receipt(b["checkpoint"].as_str().unwrap(), &b["receipt"], &operator))
        .collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (before..before + 8).collect::<Vec<_>>());
    let checkpoints: std::collections::BTreeSet<&str> = answers
        .iter()
        .map(|b| b["checkpoint"].as_str().unwrap())
        .collect();
    assert_eq!(checkpoints.len(), 1, "one group commit, one checkpoint");
    let kept = FileCheckpointLog::open_read_only(dir.path())
        .unwrap()
        .checkpoints()
        .unwrap();
    assert_eq!(kept.len(), 1);
}

#[test]
fn given_an_event_that_changes_the_checkpoint_keys_when_added_then_it_is_refused_and_not_written() {
    let (dir, w, _, operator) = world_on_disk();
    let before = stored(dir.path());
    let server = start(dir.path(), &w, operator, Options::default());
    let statement = w.sign(
        &w.root,
        Event::OperatorKeyRetired {
            key: key(OPERATOR).key_id(),
        },
    );

    let r = add(&server, &statement.to_canonical());

    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(json(&r)["rule"], "ChangesCheckpointKeys");
    assert_eq!(stored(dir.path()), before);
}

#[test]
fn given_bytes_that_are_not_a_statement_when_added_then_400_and_nothing_is_written() {
    let (dir, w, a, operator) = world_on_disk();
    let before = stored(dir.path());
    let server = start(dir.path(), &w, operator, Options::default());
    let mut trailing = issue(&w, &a, "S1").to_canonical();
    trailing.push(0);

    for body in [&b""[..], b"\xff", b"\x83\x01", &trailing, b"\x80"] {
        let r = add(&server, body);
        assert_eq!(r.status, 400, "{body:?}: {}", r.text());
        assert_eq!(json(&r)["error"], "Malformed");
    }
    assert_eq!(stored(dir.path()), before);
}

#[test]
fn given_a_body_that_is_not_cbor_when_added_then_415_and_nothing_is_written() {
    let (dir, w, a, operator) = world_on_disk();
    let before = stored(dir.path());
    let server = start(dir.path(), &w, operator, Options::default());
    let statement = issue(&w, &a, "S1").to_canonical();

    let r = http::send(
        server.addr,
        "POST",
        "/v1/add",
        "application/json",
        &statement,
    );

    assert_eq!(r.status, 415, "{}", r.text());
    assert_eq!(stored(dir.path()), before);
}

#[test]
fn given_a_body_over_the_limit_when_added_then_413_and_nothing_is_written() {
    let (dir, w, _, operator) = world_on_disk();
    let before = stored(dir.path());
    let server = start(dir.path(), &w, operator, Options::default());

    let r = add(&server, &vec![0x80; chancery::server::MAX_BODY + 1]);

    assert_eq!(r.status, 413, "{}", r.text());
    assert_eq!(stored(dir.path()), before);
}

#[test]
fn given_a_read_only_service_when_added_then_403_and_nothing_is_written() {
    let (dir, w, a, _) = world_on_disk();
    let before = stored(dir.path());
    let ledger = Ledger::open(
        FileStore::open_read_only(dir.path()).unwrap(),
        w.clock.clone(),
    )
    .unwrap();
    let service = Service::new(ledger, || Ok(None), Options::default());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let submission =
        chancery::server::Submission::decode(&issue(&w, &a, "S1").to_canonical()).unwrap();

    let r = runtime.block_on(service.add(submission));

    assert_eq!(r.unwrap_err(), chancery::server::AddError::NotAccepting);
    assert_eq!(stored(dir.path()), before);
}

#[test]
fn given_commits_when_metrics_are_read_then_they_count_statements_and_commits() {
    let (dir, w, a, operator) = world_on_disk();
    let server = start(dir.path(), &w, operator, Options::default());
    add(&server, &issue(&w, &a, "S1").to_canonical());
    add(
        &server,
        &w.sign(&actor(77), w.issue_event("AUTH1", "S2").0)
            .to_canonical(),
    );

    let r = http::request(server.addr, "GET", "/metrics");

    assert_eq!(r.status, 200);
    let text = r.text();
    assert!(
        text.contains("chancery_statements_total{outcome=\"recorded\"} 1\n"),
        "{text}"
    );
    assert!(
        text.contains("chancery_statements_total{outcome=\"refused\"} 1\n"),
        "{text}"
    );
    assert!(
        text.contains("chancery_commits_total{result=\"ok\"} 2\n"),
        "{text}"
    );
    assert!(
        text.contains("chancery_http_requests_total{route=\"/v1/add\",status=\"422\"} 1\n"),
        "{text}"
    );
}

#[test]
fn given_a_serving_ledger_when_health_is_asked_then_ok_with_its_size() {
    let (dir, w, _, operator) = world_on_disk();
    let size = stored(dir.path());
    let server = start(dir.path(), &w, operator, Options::default());

    let r = http::request(server.addr, "GET", "/healthz");

    assert_eq!(r.status, 200);
    assert_eq!(r.text(), format!("ok {size} entries\n"));
}

#[test]
fn given_a_submission_waiting_for_its_commit_when_the_service_stops_then_it_is_committed_and_acknowledged(
) {
    let (dir, w, a, operator) = world_on_disk();
    let before = stored(dir.path());
    let options = Options {
        batch_window: Duration::from_millis(500),
        ..Options::default()
    };
    let mut server = start(dir.path(), &w, operator.clone(), options);
    let addr = server.addr;
    let statement = issue(&w, &a, "S1").to_canonical();
    let waiting = std::thread::spawn(move || http::send(addr, "POST", "/v1/add", CBOR, &statement));
    // The submission has arrived and waits out the group's window.
    std::thread::sleep(Duration::from_millis(150));

    server.stop();
    let r = waiting.join().unwrap();

    assert_eq!(r.status, 200, "{}", r.text());
    let body = json(&r);
    check_receipt(
        body["checkpoint"].as_str().unwrap(),
        &body["receipt"],
        &operator,
    );
    assert_eq!(stored(dir.path()), before + 1);
}

#[test]
fn given_submissions_waiting_past_the_queue_limit_when_another_is_added_then_busy_and_not_queued() {
    let (dir, w, a, operator) = world_on_disk();
    let store = FileStore::open(dir.path()).unwrap();
    let ledger = Ledger::open(store, w.clock.clone()).unwrap();
    let mut log = FileCheckpointLog::open(dir.path()).unwrap();
    // The commit waits until released, so what arrives meanwhile queues up.
    let (release, released) = std::sync::mpsc::channel::<()>();
    let released = std::sync::Mutex::new(released);
    let options = Options {
        batch_window: Duration::ZERO,
        max_queued_bytes: 1,
        ..Options::default()
    };
    let service = Service::with_writer(
        ledger,
        || Ok(None),
        options,
        move |ledger, batch| {
            let _ = released.lock().unwrap().recv();
            ledger.append_batch_proven(batch, &operator, &mut log)
        },
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let submit = |serial: &str| {
        let submission =
            chancery::server::Submission::decode(&issue(&w, &a, serial).to_canonical()).unwrap();
        let service = std::sync::Arc::clone(&service);
        runtime.spawn(async move { service.add(submission).await })
    };
    let committing = submit("S1");
    std::thread::sleep(Duration::from_millis(100));
    let queued = submit("S2");
    std::thread::sleep(Duration::from_millis(100));

    let refused = runtime.block_on(submit("S3")).unwrap();

    assert_eq!(refused.unwrap_err(), chancery::server::AddError::Busy);
    release.send(()).unwrap();
    release.send(()).unwrap();
    assert!(runtime.block_on(committing).unwrap().is_ok());
    assert!(runtime.block_on(queued).unwrap().is_ok());
}

#[test]
fn given_a_batch_head_claiming_a_million_statements_when_decoded_then_refused_by_its_size() {
    // An array head of 1,000,001 items, then as many empty arrays (under the body limit):
    // refused by the head before anything is decoded or reserved for it.
    let mut body = vec![0x9a, 0x00, 0x0f, 0x42, 0x41];
    body.resize(5 + 1_000_001, 0x80);

    let r = chancery::server::Submission::decode(&body);

    assert_eq!(
        r.unwrap_err(),
        chancery::server::SubmissionError::BatchSize(1_000_001)
    );
}

#[test]
fn given_a_batch_whose_statements_are_all_refused_when_added_then_no_checkpoint_is_named() {
    let (dir, w, _, operator) = world_on_disk();
    let server = start(dir.path(), &w, operator, Options::default());
    let stranger = actor(77);
    let batch = vec![
        w.sign(&stranger, w.issue_event("AUTH1", "S1").0),
        w.sign(&stranger, w.issue_event("AUTH1", "S2").0),
    ];

    let body = json(&add(&server, &batch.to_canonical()));

    assert_eq!(body["checkpoint"], serde_json::Value::Null, "{body}");
    assert_eq!(body["results"][0]["rule"], "UnknownKey");
}

/// A writer service whose commit is `commit` (given the operator key and the store's log).
fn start_committing(
    dir: &Path,
    w: &World<MemoryStore>,
    mut commit: impl FnMut(
            &mut Ledger<FileStore>,
            Vec<SignedStatement>,
        ) -> Result<chancery::ledger::ProvenBatch, chancery::AppendError>
        + Send
        + 'static,
) -> Serving {
    let ledger = Ledger::open(FileStore::open(dir).unwrap(), w.clock.clone()).unwrap();
    let checkpoints = dir.to_path_buf();
    let service = Service::with_writer(
        ledger,
        chancery::server::kept_in(&checkpoints),
        Options::default(),
        move |l, b| commit(l, b),
    );
    Serving::start(service.router())
}

#[test]
fn given_a_checkpoint_log_whose_write_failed_when_more_is_added_then_nothing_more_is_appended() {
    use chancery::test_support::CheckpointLogHooks;
    let (dir, w, a, operator) = world_on_disk();
    let mut log = FileCheckpointLog::open(dir.path()).unwrap();
    log.fail_next_keep();
    let server = start_committing(dir.path(), &w, move |l, b| {
        l.append_batch_proven(b, &operator, &mut log)
    });
    let first = add(&server, &issue(&w, &a, "S1").to_canonical());
    assert_eq!(first.status, 503, "{}", first.text());
    let after_first = stored(dir.path());

    let second = add(&server, &issue(&w, &a, "S2").to_canonical());

    assert_eq!(second.status, 503, "{}", second.text());
    assert_eq!(stored(dir.path()), after_first, "refused before appending");
}

#[test]
fn given_a_commit_that_failed_when_health_is_asked_then_unavailable() {
    use chancery::test_support::CheckpointLogHooks;
    let (dir, w, a, operator) = world_on_disk();
    let mut log = FileCheckpointLog::open(dir.path()).unwrap();
    log.fail_next_keep();
    let server = start_committing(dir.path(), &w, move |l, b| {
        l.append_batch_proven(b, &operator, &mut log)
    });
    add(&server, &issue(&w, &a, "S1").to_canonical());

    let r = server.get("/healthz");

    assert_eq!(r.status, 503, "{}", r.text());
}

#[test]
fn given_a_commit_that_panics_when_more_is_added_then_the_service_still_commits() {
    let (dir, w, a, operator) = world_on_disk();
    let mut log = FileCheckpointLog::open(dir.path()).unwrap();
    let mut calls = 0;
    let server = start_committing(dir.path(), &w, move |l, b| {
        calls += 1;
        assert!(calls > 1, "the first commit panics");
        l.append_batch_proven(b, &operator, &mut log)
    });
    let first = add(&server, &issue(&w, &a, "S1").to_canonical());
    assert_eq!(first.status, 503, "{}", first.text());

    let second = add(&server, &issue(&w, &a, "S2").to_canonical());

    assert_eq!(second.status, 200, "{}", second.text());
}

#[test]
fn given_a_client_at_its_limit_of_requests_in_flight_when_it_sends_another_then_429() {
    let (dir, w, a, operator) = world_on_disk();
    let mut log = FileCheckpointLog::open(dir.path()).unwrap();
    // The commit waits until released, so the first request stays in flight.
    let (release, released) = std::sync::mpsc::channel::<()>();
    let released = std::sync::Mutex::new(released);
    let ledger = Ledger::open(FileStore::open(dir.path()).unwrap(), w.clock.clone()).unwrap();
    let options = Options {
        per_client: 1,
        ..Options::default()
    };
    let service = Service::with_writer(
        ledger,
        || Ok(None),
        options,
        move |l, b| {
            let _ = released.lock().unwrap().recv();
            l.append_batch_proven(b, &operator, &mut log)
        },
    );
    let server = Serving::start(service.router());
    let addr = server.addr;
    let statement = issue(&w, &a, "S1").to_canonical();
    let first = std::thread::spawn(move || http::send(addr, "POST", "/v1/add", CBOR, &statement));
    std::thread::sleep(Duration::from_millis(200));

    let second = server.get("/healthz");

    assert_eq!(second.status, 429, "{}", second.text());
    assert_eq!(second.header("retry-after"), Some("1"));
    release.send(()).unwrap();
    assert_eq!(first.join().unwrap().status, 200);
    assert_eq!(server.get("/healthz").status, 200, "released when answered");
}

#[test]
fn given_a_commit_that_failed_in_the_store_when_the_submitter_is_answered_then_no_server_path_is_told(
) {
    use chancery::test_support::CheckpointLogHooks;
    let (dir, w, a, operator) = world_on_disk();
    let mut log = FileCheckpointLog::open(dir.path()).unwrap();
    log.fail_next_keep();
    let server = start_committing(dir.path(), &w, move |l, b| {
        l.append_batch_proven(b, &operator, &mut log)
    });

    let r = add(&server, &issue(&w, &a, "S1").to_canonical());

    assert_eq!(r.status, 503);
    let message = json(&r)["message"].as_str().unwrap().to_owned();
    let path = dir.path().display().to_string();
    assert!(!message.contains(&path), "{message}");
    assert!(
        message.contains("recorded"),
        "it says what became of the batch: {message}"
    );
}

/// Serves the store in `dir` through the library's file committer (what `chancery serve
/// --operator-key` runs), the store's first journal write failing as on a full disk, or its
/// first sync failing.
fn start_on_a_failing_disk(
    dir: &Path,
    w: &World<MemoryStore>,
    operator: SecretKey,
    fail: impl FnOnce(&mut FileStore),
) -> Serving {
    let mut store = FileStore::open(dir).unwrap();
    fail(&mut store);
    let ledger = Ledger::open(store, w.clock.clone()).unwrap();
    let mut committer = chancery::server::FileCommitter::new(dir, operator).unwrap();
    let service = Service::with_writer(
        ledger,
        chancery::server::kept_in(dir),
        Options::default(),
        move |l, b| committer.commit(l, b),
    );
    Serving::start(service.router())
}

#[test]
fn given_a_full_disk_when_writes_succeed_again_then_the_service_takes_submissions_without_a_restart(
) {
    use chancery::test_support::FileStoreHooks;
    let (dir, w, a, operator) = world_on_disk();
    let before = stored(dir.path());
    let server = start_on_a_failing_disk(dir.path(), &w, operator, |s| s.fail_write_after(10));

    let refused = add(&server, &issue(&w, &a, "S1").to_canonical());
    let unhealthy = server.get("/healthz");
    let taken = add(&server, &issue(&w, &a, "S2").to_canonical());
    let healthy = server.get("/healthz");

    assert_eq!(refused.status, 503, "{}", refused.text());
    assert_eq!(unhealthy.status, 503);
    assert_eq!(taken.status, 200, "{}", taken.text());
    assert_eq!(healthy.status, 200, "{}", healthy.text());
    // The refused one was never written; the one taken is durable.
    assert_eq!(stored(dir.path()), before + 1);
}

#[test]
fn given_a_failed_sync_when_the_next_submission_comes_then_the_store_is_reopened_and_it_is_taken() {
    use chancery::test_support::FileStoreHooks;
    let (dir, w, a, operator) = world_on_disk();
    let before = stored(dir.path());
    let server = start_on_a_failing_disk(dir.path(), &w, operator, |s| s.fail_next_sync());

    let refused = add(&server, &issue(&w, &a, "S1").to_canonical());
    let taken = add(&server, &issue(&w, &a, "S2").to_canonical());

    assert_eq!(refused.status, 503, "{}", refused.text());
    assert_eq!(taken.status, 200, "{}", taken.text());
    assert_eq!(stored(dir.path()), before + 1);
}

/// A batch whose journal was synced but whose head slot's sync failed (its submitters were
/// answered 503) is kept whole once the committer reopens the store: its head is synced
/// again, and submitting it again returns its receipt (SPEC §25, durability).
#[test]
fn given_a_batch_whose_head_sync_failed_when_submitted_again_then_its_original_receipt_is_returned()
{
    use chancery::test_support::FileStoreHooks;
    let (dir, w, a, operator) = world_on_disk();
    let before = stored(dir.path());
    let server = start_on_a_failing_disk(dir.path(), &w, operator, |s| s.fail_sync_in(2));
    let s1 = issue(&w, &a, "S1").to_canonical();

    let refused = add(&server, &s1);
    let taken = add(&server, &issue(&w, &a, "S2").to_canonical());
    let again = add(&server, &s1);

    assert_eq!(refused.status, 503, "{}", refused.text());
    assert_eq!(taken.status, 200, "{}", taken.text());
    assert_eq!(json(&taken)["receipt"]["seq"], before + 1);
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(json(&again)["receipt"]["seq"], before);
    assert_eq!(stored(dir.path()), before + 2);
}
