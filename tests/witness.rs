//! Issue 16, item 6: the C2SP tlog-witness protocol both ways. A witness (`WitnessService`,
//! `chancery witness serve`) cosigns a log's checkpoint only if it extends the last one it
//! cosigned, answering each refusal with the protocol's status; a service with witnesses has
//! each commit's checkpoint cosigned and answers with, and serves, the cosigned note.
#![cfg(feature = "server")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::checkpoint::{
    AddCheckpoint, AddCheckpointError, Checkpoint, Note, NoteVerifier, Witness, WitnessPolicy,
};
use chancery::server::{
    Options, Service, WitnessEndpoint, WitnessOutcome, WitnessService, Witnesses,
};
use chancery::{Canonical, FileStore, Ledger, MemoryStore, SecretKey, Store};
use common::http;
use common::serving::Serving;
use common::*;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

const WITNESS: &str = "witness.example/w1";
const NOW: u64 = 1_800_000_000;

fn witness_key() -> SecretKey {
    SecretKey::from_seed([77; 32])
}

fn log_key() -> SecretKey {
    SecretKey::from_seed([1; 32])
}

/// A world of `n` licenses (its checkpoints signed by the root key, seed 1).
fn world(n: usize) -> World<MemoryStore> {
    world_of(n, "W")
}

/// A world of `n` licenses whose serials start with `prefix`.
fn world_of(n: usize, prefix: &str) -> World<MemoryStore> {
    let (mut w, a) = World::standard(MemoryStore::new());
    for i in 0..n {
        w.issue(&a, "AUTH1", &format!("{prefix}{i}"));
    }
    w
}

/// The request adding the checkpoint of `w` at `size` from `old` (with the ledger's proof).
fn request(w: &World<MemoryStore>, old: u64, size: u64) -> AddCheckpoint {
    AddCheckpoint {
        old_size: old,
        proof: match old {
            0 => vec![],
            o if o == size => vec![],
            o => w.ledger.prove_consistency(o, size).unwrap().path,
        },
        note: w.signed_checkpoint(size, &log_key()),
    }
}

fn witness() -> Witness {
    Witness::new(
        WITNESS,
        witness_key(),
        ORIGIN,
        vec![NoteVerifier::new(ORIGIN, &log_key().public_key()).unwrap()],
        None,
    )
    .unwrap()
}

fn cosigner() -> NoteVerifier {
    NoteVerifier::cosigner(WITNESS, &witness_key().public_key()).unwrap()
}

/// `note` with `line` (a cosignature line) added, checked against the witness's key.
fn cosigned_by_witness(note: &str, line: &str) -> bool {
    let with = Note::parse(format!("{note}{line}").as_bytes()).unwrap();
    WitnessPolicy {
        witnesses: vec![cosigner()],
        threshold: 1,
    }
    .check(&with)
    .is_ok()
}

fn keep_nothing(_: &Checkpoint, _: &str) -> std::io::Result<()> {
    Ok(())
}

fn vector() -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/vectors/c2sp/tlog-witness-add-checkpoint.txt"),
    )
    .unwrap()
}

#[test]
fn given_the_c2sp_example_request_when_parsed_then_it_reads_and_writes_back_byte_for_byte() {
    let bytes = vector();
    let r = AddCheckpoint::parse(&bytes).unwrap();
    assert_eq!(r.old_size, 20_852_014);
    assert_eq!(r.proof.len(), 4);
    assert!(r
        .note
        .starts_with("example.com/behind-the-sofa\n20852163\n"));
    assert_eq!(r.to_text().as_bytes(), &bytes[..]);
}

#[test]
fn given_malformed_requests_when_parsed_then_each_is_refused_as_400() {
    let good = String::from_utf8(vector()).unwrap();
    let sixty_four = format!(
        "old 1\n{}\n{}",
        vec!["PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw="; 64].join("\n"),
        good.split_once("\n\n").unwrap().1
    );
    for bad in [
        good.replacen("old ", "old  ", 1),
        good.replacen("old 20852014", "old 020852014", 1),
        good.replacen("old 20852014", "new 20852014", 1),
        good.replacen("PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=", "PlRN", 1),
        good.replacen("\n\n", "\n", 1),
        sixty_four,
    ] {
        let e = AddCheckpoint::parse(bad.as_bytes()).unwrap_err();
        assert_eq!(e.status(), 400, "{bad:?}: {e}");
    }
    assert_eq!(
        AddCheckpoint::parse(&[0xff, b'\n', b'\n'])
            .unwrap_err()
            .status(),
        400
    );
}

#[test]
fn given_a_new_witness_when_a_checkpoint_comes_from_size_0_then_it_cosigns_it() {
    let w = world(3);
    let mut witness = witness();
    let r = request(&w, 0, w.ledger.len());
    let sig = witness.add_checkpoint(&r, NOW, keep_nothing).unwrap();
    assert!(cosigned_by_witness(&r.note, &sig.to_line()));
    assert_eq!(witness.last().unwrap().size, w.ledger.len());
}

#[test]
fn given_a_cosigned_checkpoint_when_a_larger_one_comes_with_its_consistency_proof_then_it_cosigns_it(
) {
    let w = world(6);
    let mut witness = witness();
    witness
        .add_checkpoint(&request(&w, 0, 3), NOW, keep_nothing)
        .unwrap();
    let sig = witness
        .add_checkpoint(&request(&w, 3, 8), NOW, keep_nothing)
        .unwrap();
    assert!(cosigned_by_witness(&request(&w, 3, 8).note, &sig.to_line()));
    assert_eq!(witness.last().unwrap().size, 8);
}

#[test]
fn given_a_cosigned_checkpoint_when_the_old_size_is_not_its_size_then_409_names_its_size() {
    let w = world(6);
    let mut witness = witness();
    witness
        .add_checkpoint(&request(&w, 0, 5), NOW, keep_nothing)
        .unwrap();
    let e = witness
        .add_checkpoint(&request(&w, 3, 8), NOW, keep_nothing)
        .unwrap_err();
    assert!(
        matches!(e, AddCheckpointError::Conflict { latest: 5, old: 3 }),
        "{e}"
    );
    assert_eq!(e.status(), 409);
}

#[test]
fn given_a_proof_that_does_not_link_the_checkpoints_when_added_then_422_and_nothing_changes() {
    let w = world(6);
    let mut witness = witness();
    witness
        .add_checkpoint(&request(&w, 0, 3), NOW, keep_nothing)
        .unwrap();
    let mut r = request(&w, 3, 8);
    r.proof[0].0[0] ^= 1;
    let e = witness.add_checkpoint(&r, NOW, keep_nothing).unwrap_err();
    assert_eq!(e.status(), 422, "{e}");
    assert_eq!(witness.last().unwrap().size, 3);
}

#[test]
fn given_a_proof_from_size_0_when_added_then_422() {
    let w = world(3);
    let mut r = request(&w, 0, 5);
    r.proof = w.ledger.prove_consistency(2, 5).unwrap().path;
    let e = witness().add_checkpoint(&r, NOW, keep_nothing).unwrap_err();
    assert_eq!(e.status(), 422, "{e}");
}

#[test]
fn given_a_cosigned_checkpoint_when_another_root_of_the_same_size_comes_then_it_is_a_fork_409() {
    let w = world(3);
    let other = world_of(3, "F");
    let mut witness = witness();
    let size = w.ledger.len();
    witness
        .add_checkpoint(&request(&w, 0, size), NOW, keep_nothing)
        .unwrap();
    // Another ledger of the same origin and root key, forked at the last entry.
    let forked = request(&other, size, size);
    let e = witness
        .add_checkpoint(&forked, NOW, keep_nothing)
        .unwrap_err();
    assert!(matches!(e, AddCheckpointError::Fork { .. }), "{e}");
    assert_eq!(e.status(), 409);
}

#[test]
fn given_an_old_size_beyond_the_checkpoint_when_added_then_400() {
    let w = world(3);
    let mut r = request(&w, 0, 3);
    r.old_size = 4;
    assert_eq!(
        witness()
            .add_checkpoint(&r, NOW, keep_nothing)
            .unwrap_err()
            .status(),
        400
    );
}

#[test]
fn given_a_checkpoint_signed_by_another_key_when_added_then_403() {
    let w = world(3);
    let r = AddCheckpoint {
        old_size: 0,
        proof: vec![],
        note: w.signed_checkpoint(3, &SecretKey::from_seed([9; 32])),
    };
    let e = witness().add_checkpoint(&r, NOW, keep_nothing).unwrap_err();
    assert_eq!(e.status(), 403, "{e}");
}

#[test]
fn given_a_checkpoint_of_another_origin_when_added_then_404() {
    let r = AddCheckpoint {
        old_size: 0,
        proof: vec![],
        note: Checkpoint {
            origin: "other.example/log".into(),
            size: 1,
            root: chancery::Digest32([3; 32]),
            extensions: vec![],
        }
        .sign("other.example/log", &log_key())
        .unwrap()
        .to_text(),
    };
    let e = witness().add_checkpoint(&r, NOW, keep_nothing).unwrap_err();
    assert_eq!(e.status(), 404, "{e}");
}

#[test]
fn given_a_checkpoint_that_cannot_be_kept_when_added_then_nothing_is_cosigned_and_the_witness_stays(
) {
    let w = world(3);
    let mut witness = witness();
    let e = witness
        .add_checkpoint(&request(&w, 0, 3), NOW, |_, _| {
            Err(std::io::Error::other("disk full"))
        })
        .unwrap_err();
    assert!(matches!(e, AddCheckpointError::NotKept(_)), "{e}");
    assert!(witness.last().is_none());
}

// --- Over HTTP: `WitnessService` ---------------------------------------------------------------

fn witness_service(dir: &Path) -> Arc<WitnessService> {
    Arc::new(
        WitnessService::open(
            dir,
            WITNESS,
            witness_key(),
            vec![NoteVerifier::new(ORIGIN, &log_key().public_key()).unwrap()],
        )
        .unwrap(),
    )
}

fn post(server: &Serving, body: &str) -> http::Response {
    http::send(
        server.addr,
        "POST",
        "/add-checkpoint",
        "text/plain",
        body.as_bytes(),
    )
}

#[test]
fn given_a_served_witness_when_a_checkpoint_is_added_then_200_is_its_cosignature_line() {
    let d = tempfile::tempdir().unwrap();
    let w = world(3);
    let server = Serving::start(witness_service(d.path()).router());
    let r = request(&w, 0, 5);
    let answer = post(&server, &r.to_text());
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert!(answer.text().starts_with("\u{2014} witness.example/w1 "));
    assert!(cosigned_by_witness(&r.note, &answer.text()));
}

#[test]
fn given_a_served_witness_when_the_old_size_is_stale_then_409_is_text_x_tlog_size() {
    let d = tempfile::tempdir().unwrap();
    let w = world(3);
    let server = Serving::start(witness_service(d.path()).router());
    assert_eq!(post(&server, &request(&w, 0, 5).to_text()).status, 200);
    let answer = post(&server, &request(&w, 0, 6).to_text());
    assert_eq!(answer.status, 409);
    assert_eq!(answer.header("content-type"), Some("text/x.tlog.size"));
    assert_eq!(answer.text(), "5\n");
}

#[test]
fn given_a_witness_restarted_when_a_checkpoint_comes_then_it_remembers_the_last_it_cosigned() {
    let d = tempfile::tempdir().unwrap();
    let w = world(3);
    witness_service(d.path())
        .add_checkpoint(request(&w, 0, 5).to_text().as_bytes(), NOW)
        .unwrap();
    let reopened = witness_service(d.path());
    assert_eq!(reopened.last_size(ORIGIN), Some(5));
    // A rollback to a smaller tree is not cosigned after the restart either.
    let e = reopened
        .add_checkpoint(request(&w, 0, 4).to_text().as_bytes(), NOW)
        .unwrap_err();
    assert_eq!(e.status(), 409);
}

#[test]
fn given_a_damaged_state_file_when_the_witness_starts_then_it_refuses_to() {
    let d = tempfile::tempdir().unwrap();
    let w = world(3);
    witness_service(d.path())
        .add_checkpoint(request(&w, 0, 5).to_text().as_bytes(), NOW)
        .unwrap();
    let file = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "checkpoint"))
        .unwrap();
    std::fs::write(&file, "not a note").unwrap();
    let e = WitnessService::open(
        d.path(),
        WITNESS,
        witness_key(),
        vec![NoteVerifier::new(ORIGIN, &log_key().public_key()).unwrap()],
    )
    .unwrap_err();
    assert!(e.to_string().contains("not a checkpoint"), "{e}");
}

// --- The log's side: a service with witnesses ---------------------------------------------------

/// Serves the world's ledger from a file store as its writer (the operator key signing), with
/// the witnesses at `urls`.
fn log_service(
    dir: &Path,
    w: &World<MemoryStore>,
    operator: SecretKey,
    urls: &[String],
) -> Serving {
    let store = FileStore::open(dir).unwrap();
    let ledger = Ledger::open(store, w.clock.clone()).unwrap();
    let witnesses = Witnesses::new(
        urls.iter()
            .map(|u| WitnessEndpoint::parse(&format!("{}={u}", cosigner().to_vkey())).unwrap())
            .collect(),
        Duration::from_secs(20),
    )
    .unwrap();
    let mut committer = chancery::server::FileCommitter::new(dir, operator)
        .unwrap()
        .with_witnesses(witnesses);
    let service = Service::with_writer(
        ledger,
        chancery::server::kept_in(dir),
        Options::default(),
        move |ledger, statements| committer.commit(ledger, statements),
    );
    Serving::start(service.router())
}

fn operator_world() -> (
    tempfile::TempDir,
    World<MemoryStore>,
    chancery::Actor,
    SecretKey,
) {
    let (mut w, a) = World::standard(MemoryStore::new());
    let operator = w.add_operator_key(50);
    let dir = w.on_disk();
    (dir, w, a, operator)
}

fn operator_witness(dir: &Path, operator: &SecretKey) -> Arc<WitnessService> {
    Arc::new(
        WitnessService::open(
            dir,
            WITNESS,
            witness_key(),
            vec![NoteVerifier::new(ORIGIN, &operator.public_key()).unwrap()],
        )
        .unwrap(),
    )
}

fn add(
    server: &Serving,
    w: &World<MemoryStore>,
    a: &chancery::Actor,
    serial: &str,
) -> serde_json::Value {
    let statement = w.sign(a, w.issue_event("AUTH1", serial).0);
    let r = http::send(
        server.addr,
        "POST",
        "/v1/add",
        "application/cbor",
        &statement.to_canonical(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    serde_json::from_slice(&r.body).unwrap()
}

#[test]
fn given_a_service_with_a_witness_when_a_statement_is_added_then_its_checkpoint_carries_the_cosignature(
) {
    let (dir, w, a, operator) = operator_world();
    let wd = tempfile::tempdir().unwrap();
    let witness = operator_witness(wd.path(), &operator);
    let witness_server = Serving::start(Arc::clone(&witness).router());
    let server = log_service(
        dir.path(),
        &w,
        operator,
        &[format!("http://{}", witness_server.addr)],
    );
    for serial in ["C1", "C2"] {
        let answer = add(&server, &w, &a, serial);
        let note = Note::parse(answer["checkpoint"].as_str().unwrap().as_bytes()).unwrap();
        let policy = WitnessPolicy {
            witnesses: vec![cosigner()],
            threshold: 1,
        };
        assert_eq!(policy.check(&note).unwrap(), 1, "{serial}");
        let size = answer["receipt"]["inclusion_proof"]["tree_size"]
            .as_u64()
            .unwrap();
        assert_eq!(witness.last_size(ORIGIN), Some(size));
    }
    // What /checkpoint serves is the cosigned note.
    let served = server.get("/checkpoint");
    let note = Note::parse(&served.body).unwrap();
    assert_eq!(note.signatures.len(), 2, "{}", served.text());
}

#[test]
fn given_a_witness_that_cosigned_earlier_when_the_service_starts_then_it_learns_the_size_from_409()
{
    let (dir, w, a, operator) = operator_world();
    let wd = tempfile::tempdir().unwrap();
    let witness = operator_witness(wd.path(), &operator);
    // The witness cosigned the ledger at its present size before this service started.
    let size = FileStore::open_read_only(dir.path()).unwrap().len();
    let ledger = Ledger::open(
        FileStore::open_read_only(dir.path()).unwrap(),
        w.clock.clone(),
    )
    .unwrap();
    let first = Checkpoint {
        origin: ORIGIN.into(),
        size,
        root: ledger.root(size).unwrap(),
        extensions: vec![],
    }
    .sign(ORIGIN, &operator)
    .unwrap()
    .to_text();
    witness
        .add_checkpoint(
            AddCheckpoint {
                old_size: 0,
                proof: vec![],
                note: first,
            }
            .to_text()
            .as_bytes(),
            NOW,
        )
        .unwrap();
    drop(ledger);
    let witness_server = Serving::start(Arc::clone(&witness).router());
    let server = log_service(
        dir.path(),
        &w,
        operator,
        &[format!("http://{}", witness_server.addr)],
    );
    let answer = add(&server, &w, &a, "C1");
    let note = Note::parse(answer["checkpoint"].as_str().unwrap().as_bytes()).unwrap();
    assert_eq!(note.signatures.len(), 2);
    assert_eq!(witness.last_size(ORIGIN), Some(size + 1));
}

#[test]
fn given_a_witness_that_is_down_when_a_statement_is_added_then_it_is_answered_without_its_cosignature(
) {
    let (dir, w, a, operator) = operator_world();
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let server = log_service(dir.path(), &w, operator, &[format!("http://{port}")]);
    let answer = add(&server, &w, &a, "C1");
    let note = Note::parse(answer["checkpoint"].as_str().unwrap().as_bytes()).unwrap();
    assert_eq!(note.signatures.len(), 1);
}

#[test]
fn given_a_witness_whose_answer_does_not_verify_when_cosigning_then_it_is_not_attached() {
    // A "witness" answering with a cosignature line by another key under the witness's name,
    // claiming the real witness's key id.
    let bogus = answering(|text| {
        let mut sig =
            chancery::checkpoint::cosign_note(text, WITNESS, &SecretKey::from_seed([5; 32]), NOW)
                .unwrap();
        sig.key_id = cosigner().key_id();
        sig.to_line()
    });
    let w = world(3);
    let mut witnesses = witnesses_at(&bogus);
    let note = w.signed_checkpoint(w.ledger.len(), &log_key());
    let (cosigned, outcomes) = witnesses.cosign(&w.ledger, &note);
    assert_eq!(cosigned, note);
    assert!(
        matches!(&outcomes[0], WitnessOutcome::Failed(_)),
        "{outcomes:?}"
    );
}

#[test]
fn given_witness_endpoints_when_parsed_then_a_log_key_or_a_missing_url_is_refused() {
    let cosigner_vkey = cosigner().to_vkey();
    assert!(WitnessEndpoint::parse(&format!("{cosigner_vkey}=http://127.0.0.1:1")).is_ok());
    assert!(WitnessEndpoint::parse(&cosigner_vkey).is_err());
    let log_vkey = NoteVerifier::new(ORIGIN, &log_key().public_key())
        .unwrap()
        .to_vkey();
    assert!(WitnessEndpoint::parse(&format!("{log_vkey}=http://127.0.0.1:1")).is_err());
}

// --- Review: what must not stop a witness or a log ---------------------------------------------

#[test]
fn given_a_request_carrying_many_unknown_signatures_when_cosigned_then_the_witness_still_restarts()
{
    let d = tempfile::tempdir().unwrap();
    let w = world(3);
    let mut note = w.signed_checkpoint(5, &log_key());
    for _ in 0..63 {
        note.push_str("\u{2014} x AAAAAAA=\n");
    }
    let r = AddCheckpoint {
        old_size: 0,
        proof: vec![],
        note,
    };
    witness_service(d.path())
        .add_checkpoint(r.to_text().as_bytes(), NOW)
        .unwrap();
    let reopened = witness_service(d.path());
    assert_eq!(reopened.last_size(ORIGIN), Some(5));
}

#[test]
fn given_a_cosigner_key_as_a_log_key_when_the_witness_starts_then_it_refuses_to() {
    let d = tempfile::tempdir().unwrap();
    let e = WitnessService::open(d.path(), WITNESS, witness_key(), vec![cosigner()]).unwrap_err();
    assert!(e.to_string().contains("cosigner key"), "{e}");
}

/// A "witness" at a port of its own answering `answer(text)` for each checkpoint text.
fn answering(answer: fn(&str) -> String) -> Serving {
    Serving::start(axum::Router::new().route(
        "/add-checkpoint",
        axum::routing::post(move |body: String| async move {
            let r = AddCheckpoint::parse(body.as_bytes()).unwrap();
            answer(&Note::parse(r.note.as_bytes()).unwrap().text)
        }),
    ))
}

fn cosign_line(text: &str, at: u64) -> String {
    chancery::checkpoint::cosign_note(text, WITNESS, &witness_key(), at)
        .unwrap()
        .to_line()
}

fn witnesses_at(server: &Serving) -> Witnesses {
    Witnesses::new(
        vec![
            WitnessEndpoint::parse(&format!("{}=http://{}", cosigner().to_vkey(), server.addr))
                .unwrap(),
        ],
        Duration::from_secs(20),
    )
    .unwrap()
}

#[test]
fn given_a_witness_answering_many_valid_cosignatures_when_cosigning_then_one_is_attached() {
    let server = answering(|text| (0..64).map(|i| cosign_line(text, NOW + i)).collect());
    let w = world(3);
    let note = w.signed_checkpoint(w.ledger.len(), &log_key());
    let (cosigned, outcomes) = witnesses_at(&server).cosign(&w.ledger, &note);
    assert_eq!(outcomes, vec![WitnessOutcome::Cosigned]);
    assert_eq!(
        Note::parse(cosigned.as_bytes()).unwrap().signatures.len(),
        2
    );
}

#[test]
fn given_a_witness_answer_with_a_blank_line_when_cosigning_then_nothing_is_attached() {
    // Signed over the text and a blank line: read after the note's text with its blank line
    // first, it would verify over that other text, and fail on the checkpoint's own.
    let server = answering(|text| format!("\n{}", cosign_line(&format!("{text}\n"), NOW)));
    let w = world(3);
    let note = w.signed_checkpoint(w.ledger.len(), &log_key());
    let (cosigned, outcomes) = witnesses_at(&server).cosign(&w.ledger, &note);
    assert_eq!(cosigned, note);
    assert!(
        matches!(&outcomes[0], WitnessOutcome::Failed(_)),
        "{outcomes:?}"
    );
}

#[test]
fn given_a_witness_answering_many_cosignatures_when_the_service_commits_twice_then_both_are_answered(
) {
    let (dir, w, a, operator) = operator_world();
    let server = answering(|text| (0..64).map(|i| cosign_line(text, NOW + i)).collect());
    let log = log_service(
        dir.path(),
        &w,
        operator,
        &[format!("http://{}", server.addr)],
    );
    for serial in ["M1", "M2"] {
        let answer = add(&log, &w, &a, serial);
        let note = Note::parse(answer["checkpoint"].as_str().unwrap().as_bytes()).unwrap();
        assert_eq!(note.signatures.len(), 2, "{serial}");
    }
}
