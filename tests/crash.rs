//! Crash safety: a writer in a child process is killed with SIGKILL at random points during
//! batched appends; after every kill the store reopens, every acknowledged entry is present with
//! its hash, the chain, signatures and Merkle root verify, and appending continues.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::{Event, FileStore, Ledger, SystemClock, Timestamp};
use common::*;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

const DIR_VAR: &str = "CHANCERY_CRASH_DIR";
const ROUND_VAR: &str = "CHANCERY_CRASH_ROUND";

fn open_or_create(dir: &str) -> (Ledger<FileStore>, chancery::Actor) {
    let store = FileStore::open(dir).unwrap();
    let root = actor(1);
    let a = actor(10);
    if chancery::Store::is_empty(&store) {
        let mut l = Ledger::create(store, genesis(&root, Timestamp::now()), SystemClock).unwrap();
        let now = Timestamp::now();
        let rs = l
            .append_batch(vec![
                root.sign(
                    World::<chancery::MemoryStore>::registration("AUTH1", &[&a], &["T1"], None),
                    now,
                ),
                a.sign(
                    Event::LicenseTypeDefined {
                        code: "T1".into(),
                        name: "Type".into(),
                        claim_names: CLAIMS.iter().map(|c| (*c).to_owned()).collect(),
                    },
                    now,
                ),
            ])
            .unwrap();
        assert!(rs.iter().all(Result::is_ok));
        (l, a)
    } else {
        (Ledger::open(store, SystemClock).unwrap(), a)
    }
}

/// A well-formed issuance of serial `serial` by AUTH1, claimed now.
fn issuance(a: &chancery::Actor, serial: &str) -> chancery::SignedStatement {
    let id = chancery::LicenseId::new("T1", "AUTH1", serial, 1).unwrap();
    let cred = World::<chancery::MemoryStore>::credential(&id);
    let now = Timestamp::now();
    let v = cred.version(chancery::VersionTerms {
        printed_number: "P".into(),
        valid_from: now,
        valid_until: None,
        document: chancery::crypto::sha256(serial.as_bytes()),
        related: vec![],
    });
    a.sign(Event::LicenseIssued(v), now)
}

/// The writer run in the child process (ignored when run directly).
#[test]
#[ignore = "run by crash_kill_and_recover in a child process"]
fn crash_child() {
    let Ok(dir) = std::env::var(DIR_VAR) else {
        return;
    };
    let round: u64 = std::env::var(ROUND_VAR).unwrap().parse().unwrap();
    let (mut ledger, a) = open_or_create(&dir);
    let out = std::io::stdout();
    let mut serial = 0u64;
    loop {
        let size = 1 + (serial * 7919 + round * 31) % 150;
        let batch: Vec<_> = (0..size)
            .map(|_| {
                serial += 1;
                issuance(&a, &format!("R{round}N{serial}"))
            })
            .collect();
        let receipts = ledger.append_batch(batch).unwrap();
        let mut lock = out.lock();
        for r in receipts {
            let r = r.unwrap();
            writeln!(lock, "ACK {} {}", r.seq, r.entry_hash).unwrap();
        }
        lock.flush().unwrap();
    }
}

fn random_below(n: u64) -> u64 {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    u64::from(nanos.wrapping_mul(2_654_435_761)) % n
}

#[test]
fn crash_kill_and_recover() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap().to_owned();
    let mut acked: Vec<(u64, String)> = Vec::new();
    for round in 0..6 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "crash_child",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(DIR_VAR, &path)
            .env(ROUND_VAR, round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut lines = Vec::new();
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.strip_prefix("ACK ") {
                    let (seq, hash) = rest.split_once(' ').unwrap();
                    lines.push((seq.parse::<u64>().unwrap(), hash.to_owned()));
                }
            }
            lines
        });
        std::thread::sleep(Duration::from_millis(150 + random_below(600)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let got = reader.join().unwrap();
        acked.extend(got);

        // Reopen: every acknowledged entry is there with the same hash; the audit passes.
        let ledger = Ledger::open(FileStore::open(&path).unwrap(), SystemClock).unwrap();
        for (seq, hash) in &acked {
            assert!(
                *seq < ledger.len(),
                "round {round}: acknowledged entry {seq} lost"
            );
            assert_eq!(
                &ledger.entry(*seq).unwrap().hash().to_hex(),
                hash,
                "round {round}: entry {seq}"
            );
        }
        let report = ledger.audit().unwrap();
        assert_eq!(report.root, ledger.root(ledger.len()).unwrap());
    }
    assert!(
        acked.len() > 50,
        "the child acknowledged too little to test anything: {}",
        acked.len()
    );
    // Appending continues after the last crash.
    let (mut ledger, a) = open_or_create(&path);
    let before = ledger.len();
    let r = ledger.append(issuance(&a, "FINAL")).unwrap();
    assert_eq!(r.seq, before);
}
