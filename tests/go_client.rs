//! Issue 16, item 3: the read path checked by an outside client — a Go program built on the Go
//! module mirror's own transparency-log packages (golang.org/x/mod/sumdb/note and sumdb/tlog)
//! verifies the served checkpoint, reads the C2SP tiles through its own TileReader, and checks
//! inclusion and consistency proofs against the signed roots. Run through the script that
//! provides Go: `scripts/with-go.sh cargo test --release --test go_client -- --ignored`.
#![cfg(feature = "server")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::checkpoint::NoteVerifier;
use chancery::server::{kept_in, Options, Service};
use chancery::{FileCheckpointLog, FileStore, Ledger};
use common::serving::Serving;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds tests/go/tlogclient into `dir`; returns the binary.
fn build_client(dir: &Path) -> PathBuf {
    let bin = dir.join("tlogclient");
    let out = Command::new("go")
        .arg("build")
        .arg("-o")
        .arg(&bin)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go/tlogclient/main.go"))
        .output()
        .expect("go (run this test through scripts/with-go.sh)");
    assert!(
        out.status.success(),
        "go build: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    bin
}

/// A file store of 600 licenses (three level-0 tiles, the last partial) with two kept
/// checkpoints signed by the root, the first at 303 entries; served with its entry bundles.
/// Returns the store, the service, the first checkpoint's file and the root's verifier key.
fn served() -> (tempfile::TempDir, Serving, PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let (mut w, a) = World::standard(FileStore::open(dir.path()).unwrap());
    let mut log = FileCheckpointLog::open(dir.path()).unwrap();
    for i in 0..300 {
        w.issue(&a, "AUTH1", &format!("A{i}"));
    }
    let old = w.ledger.sign_checkpoint(&key(1), &mut log).unwrap().note;
    for i in 0..300 {
        w.issue(&a, "AUTH1", &format!("B{i}"));
    }
    w.ledger.sign_checkpoint(&key(1), &mut log).unwrap();
    let old_file = dir.path().join("old.checkpoint");
    std::fs::write(&old_file, old).unwrap();
    drop(w);
    let ledger = Ledger::open(
        FileStore::open_read_only(dir.path()).unwrap(),
        chancery::SystemClock,
    )
    .unwrap();
    let options = Options {
        public_entries: true,
        ..Options::default()
    };
    let server = Serving::start(Service::new(ledger, kept_in(dir.path()), options).router());
    let vkey = NoteVerifier::new(ORIGIN, &key(1).public_key())
        .unwrap()
        .to_vkey();
    (dir, server, old_file, vkey)
}

#[test]
#[ignore = "needs Go: scripts/with-go.sh cargo test --release --test go_client -- --ignored"]
fn given_a_served_ledger_when_the_go_tlog_client_checks_it_then_checkpoint_inclusion_and_consistency_verify(
) {
    let (dir, server, old, vkey) = served();
    let client = build_client(dir.path());

    let out = Command::new(client)
        .arg(format!("http://{}", server.addr))
        .arg(&vkey)
        .arg(&old)
        .output()
        .unwrap();

    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.trim(), "ok 603");
}

#[test]
#[ignore = "needs Go: scripts/with-go.sh cargo test --release --test go_client -- --ignored"]
fn given_another_key_when_the_go_tlog_client_checks_the_checkpoint_then_it_refuses() {
    let (dir, server, old, _) = served();
    let client = build_client(dir.path());
    let other = NoteVerifier::new(ORIGIN, &key(2).public_key())
        .unwrap()
        .to_vkey();

    let out = Command::new(client)
        .arg(format!("http://{}", server.addr))
        .arg(&other)
        .arg(&old)
        .output()
        .unwrap();

    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("FAIL checkpoint signature"));
}

#[test]
#[ignore = "needs Go: scripts/with-go.sh cargo test --release --test go_client -- --ignored"]
fn given_an_old_checkpoint_of_another_history_when_the_go_tlog_client_checks_consistency_then_it_refuses(
) {
    let (dir, server, _, vkey) = served();
    let client = build_client(dir.path());
    // A checkpoint the same key signed over another tree of 303 entries.
    let forged = chancery::checkpoint::Checkpoint {
        origin: ORIGIN.into(),
        size: 303,
        root: chancery::Digest32([7; 32]),
        extensions: vec![],
    }
    .sign(ORIGIN, &key(1))
    .unwrap()
    .to_text();
    let file = dir.path().join("forged.checkpoint");
    std::fs::write(&file, forged).unwrap();

    let out = Command::new(client)
        .arg(format!("http://{}", server.addr))
        .arg(&vkey)
        .arg(&file)
        .output()
        .unwrap();

    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.starts_with("FAIL consistency 303..603"), "{stdout}");
}
