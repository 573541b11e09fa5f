//! Issue 16, item 6: a served log watched and audited with no store access — `server::watch`
//! (`chancery monitor`) accepts a new checkpoint only with a consistency proof computed from
//! the log's own hash tiles, and reports a fork with both signed notes; `server::audit_remote`
//! (`chancery audit --url`) replays every entry served and checks the checkpoint against the
//! ledger they make.
#![cfg(feature = "server")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::checkpoint::{Monitor, MonitorError, NoteVerifier};
use chancery::server::{
    audit_remote, watch, Options, Remote, RemoteAuditError, RemoteError, Service, WatchError,
};
use chancery::storage::CheckpointLog;
use chancery::{FileCheckpointLog, FileStore, Ledger, Store};
use common::serving::Serving;
use common::*;
use std::path::Path;
use std::sync::Arc;

/// A file store in a temporary directory holding the standard world and `n` licenses whose
/// serials start with `prefix`, its writer open, and its checkpoint log.
fn ledger_on_disk(
    n: usize,
    prefix: &str,
) -> (
    tempfile::TempDir,
    World<FileStore>,
    chancery::Actor,
    FileCheckpointLog,
) {
    let dir = tempfile::tempdir().unwrap();
    let (mut w, a) = World::standard(FileStore::open(dir.path()).unwrap());
    for i in 0..n {
        w.issue(&a, "AUTH1", &format!("{prefix}{i}"));
    }
    let mut log = FileCheckpointLog::open(dir.path()).unwrap();
    w.ledger.sign_checkpoint(&key(1), &mut log).unwrap();
    (dir, w, a, log)
}

/// Serves a reader of the store in `dir` (entries public or not).
fn serve(dir: &Path, public_entries: bool) -> Serving {
    let store = FileStore::open_read_only(dir).unwrap();
    let ledger = Ledger::open(store, chancery::SystemClock).unwrap();
    let options = Options {
        public_entries,
        ..Options::default()
    };
    Serving::start(Service::new(ledger, chancery::server::kept_in(dir), options).router())
}

fn remote(server: &Serving) -> Arc<Remote> {
    Arc::new(Remote::new(&format!("http://{}", server.addr)).unwrap())
}

fn log_verifiers() -> Vec<NoteVerifier> {
    NoteVerifier::for_keys(ORIGIN, &[key(1).public_key()])
}

#[test]
fn given_a_monitor_that_trusted_a_checkpoint_when_the_log_grows_then_the_new_one_is_proven_from_its_tiles(
) {
    let (dir, mut w, a, mut log) = ledger_on_disk(300, "S");
    let server = serve(dir.path(), false);
    let remote = remote(&server);
    let mut monitor = Monitor::new(log_verifiers(), None).unwrap();
    let first = watch(&remote, &mut monitor).unwrap();
    for i in 0..40 {
        w.issue(&a, "AUTH1", &format!("T{i}"));
    }
    w.ledger.sign_checkpoint(&key(1), &mut log).unwrap();

    let second = watch(&remote, &mut monitor).unwrap();

    assert_eq!(first.size, 303);
    assert_eq!(second.size, 343);
    assert_eq!(second.root, w.ledger.root(343).unwrap());
}

#[test]
fn given_a_monitor_that_trusted_one_history_when_a_log_serves_another_then_it_is_a_fork() {
    let (dir, _, _, _) = ledger_on_disk(300, "S");
    // The same start, signed by the same key, then other entries: another history.
    let (forked_dir, _, _, _) = ledger_on_disk(320, "F");
    let honest = serve(dir.path(), false);
    let forked = serve(forked_dir.path(), false);
    let mut monitor = Monitor::new(log_verifiers(), None).unwrap();
    watch(&remote(&honest), &mut monitor).unwrap();

    let e = watch(&remote(&forked), &mut monitor).unwrap_err();

    let WatchError::Monitor(MonitorError::Fork(evidence)) = e else {
        panic!("{e}")
    };
    assert!(evidence.earlier.contains("\n303\n"));
    assert!(evidence.later.contains("\n323\n"));
}

#[test]
fn given_a_checkpoint_signed_by_another_key_when_watched_then_it_is_refused() {
    let (dir, _, _, _) = ledger_on_disk(3, "S");
    let server = serve(dir.path(), false);
    let mut monitor =
        Monitor::new(NoteVerifier::for_keys(ORIGIN, &[key(9).public_key()]), None).unwrap();
    let e = watch(&remote(&server), &mut monitor).unwrap_err();
    assert!(
        matches!(e, WatchError::Monitor(MonitorError::Note(_))),
        "{e}"
    );
}

#[test]
fn given_a_served_ledger_with_public_entries_when_audited_remotely_then_every_entry_is_replayed() {
    let (dir, w, _, _) = ledger_on_disk(300, "S");
    let server = serve(dir.path(), true);

    let audited = audit_remote(&remote(&server), |_| {}).unwrap();

    assert_eq!(audited.tree.len(), w.ledger.len());
    assert_eq!(
        audited.checkpoint.root,
        w.ledger.root(w.ledger.len()).unwrap()
    );
    assert_eq!(audited.state.origin(), Some(ORIGIN));
}

#[test]
fn given_entries_that_are_not_public_when_audited_remotely_then_it_is_403() {
    let (dir, _, _, _) = ledger_on_disk(3, "S");
    let server = serve(dir.path(), false);
    let e = audit_remote(&remote(&server), |_| {}).unwrap_err();
    assert!(
        matches!(
            e,
            RemoteAuditError::Remote(RemoteError::Status { status: 403, .. })
        ),
        "{e}"
    );
}

/// A fake log at a port of its own serving `checkpoint` and one entry bundle of `entries`.
fn fake_log(checkpoint: String, entries: Vec<Vec<u8>>) -> Serving {
    let mut bundle = Vec::new();
    for e in &entries {
        bundle.extend_from_slice(&u16::try_from(e.len()).unwrap().to_be_bytes());
        bundle.extend_from_slice(e);
    }
    let path = format!("/tile/entries/000.p/{}", entries.len());
    Serving::start(
        axum::Router::new()
            .route(
                "/checkpoint",
                axum::routing::get(move || async move { checkpoint }),
            )
            .route(&path, axum::routing::get(move || async move { bundle })),
    )
}

fn stored(dir: &Path) -> (String, Vec<Vec<u8>>) {
    let store = FileStore::open_read_only(dir).unwrap();
    let entries = store
        .read(0, store.len())
        .unwrap()
        .into_iter()
        .map(|r| r.bytes)
        .collect();
    let note = FileCheckpointLog::open_read_only(dir)
        .unwrap()
        .last_checkpoint()
        .unwrap()
        .unwrap();
    (note, entries)
}

#[test]
fn given_an_entry_changed_by_the_server_when_audited_remotely_then_that_entry_is_reported() {
    let (dir, _, _, _) = ledger_on_disk(20, "S");
    let (note, mut entries) = stored(dir.path());
    let last = entries[9].len() - 1;
    entries[9][last] ^= 1;
    let server = fake_log(note, entries);

    let e = audit_remote(&remote(&server), |_| {}).unwrap_err();

    let RemoteAuditError::Entry(fault) = e else {
        panic!("{e}")
    };
    assert_eq!(fault.seq, 9);
}

#[test]
fn given_a_checkpoint_of_another_history_when_audited_remotely_then_it_does_not_belong() {
    let (dir, _, _, _) = ledger_on_disk(20, "S");
    let (forked, _, _, _) = ledger_on_disk(20, "F");
    let (_, entries) = stored(dir.path());
    let (other_note, _) = stored(forked.path());
    let server = fake_log(other_note, entries);

    let e = audit_remote(&remote(&server), |_| {}).unwrap_err();

    assert!(matches!(e, RemoteAuditError::Checkpoint(_)), "{e}");
}

#[test]
fn given_a_bundle_with_fewer_entries_than_its_width_when_audited_remotely_then_it_is_malformed() {
    let (dir, _, _, _) = ledger_on_disk(20, "S");
    let (note, entries) = stored(dir.path());
    let n = entries.len();
    let mut short = entries;
    short.pop();
    // Served under the full count's path, holding one entry less.
    let mut bundle = Vec::new();
    for e in &short {
        bundle.extend_from_slice(&u16::try_from(e.len()).unwrap().to_be_bytes());
        bundle.extend_from_slice(e);
    }
    let path = format!("/tile/entries/000.p/{n}");
    let server = Serving::start(
        axum::Router::new()
            .route(
                "/checkpoint",
                axum::routing::get(move || async move { note }),
            )
            .route(&path, axum::routing::get(move || async move { bundle })),
    );
    let e = audit_remote(&remote(&server), |_| {}).unwrap_err();
    assert!(
        matches!(e, RemoteAuditError::Remote(RemoteError::Malformed { .. })),
        "{e}"
    );
}

/// A log at a port of its own answering as the service at `real` does, but with one byte of
/// every hash tile changed.
fn lying_about_tiles(real: std::net::SocketAddr) -> Serving {
    Serving::start(
        axum::Router::new().fallback(move |uri: axum::http::Uri| async move {
            let path = uri.path().to_owned();
            let answer =
                tokio::task::spawn_blocking(move || common::http::request(real, "GET", &path))
                    .await
                    .unwrap();
            let mut body = answer.body;
            if uri.path().starts_with("/tile/") && !body.is_empty() {
                body[0] ^= 1;
            }
            (
                axum::http::StatusCode::from_u16(answer.status).unwrap(),
                body,
            )
        }),
    )
}

#[test]
fn given_tiles_that_do_not_make_the_signed_root_when_watched_then_it_is_not_called_a_fork() {
    let (dir, mut w, a, mut log) = ledger_on_disk(300, "S");
    let honest = serve(dir.path(), false);
    let mut monitor = Monitor::new(log_verifiers(), None).unwrap();
    watch(&remote(&honest), &mut monitor).unwrap();
    for i in 0..40 {
        w.issue(&a, "AUTH1", &format!("T{i}"));
    }
    w.ledger.sign_checkpoint(&key(1), &mut log).unwrap();
    let liar = lying_about_tiles(honest.addr);

    let e = watch(&remote(&liar), &mut monitor).unwrap_err();

    assert!(matches!(e, WatchError::Tiles(343)), "{e}");
    // Nothing was trusted from it: the honest log's checkpoint is accepted next.
    assert_eq!(watch(&remote(&honest), &mut monitor).unwrap().size, 343);
}

#[test]
fn given_a_monitor_that_trusted_the_empty_tree_when_the_log_has_entries_then_no_proof_is_needed() {
    let (dir, _, _, _) = ledger_on_disk(3, "S");
    let server = serve(dir.path(), false);
    let empty = chancery::checkpoint::Checkpoint {
        origin: ORIGIN.into(),
        size: 0,
        root: chancery::crypto::sha256(b""),
        extensions: vec![],
    }
    .sign(ORIGIN, &key(1))
    .unwrap()
    .to_text();
    let mut monitor = Monitor::new(log_verifiers(), Some(&empty)).unwrap();
    assert_eq!(watch(&remote(&server), &mut monitor).unwrap().size, 6);
}
