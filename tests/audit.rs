//! Audit and the parallel paths: large batches mixing good and bad statements, and tampered
//! entries that only a full audit (signature re-verification) can catch.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::audit::EntryFault;
use chancery::crypto::leaf_hash;
use chancery::storage::{Record, Store};
use chancery::{Canonical, Entry, Ledger, ManualClock, MemoryStore, Rejection, SignedStatement};
use common::*;

/// A standard world with `licenses` issued, and its stored records.
fn ledger_with_licenses(licenses: usize) -> (World<MemoryStore>, Vec<Record>) {
    let (mut w, a) = World::standard(MemoryStore::new());
    for i in 0..licenses {
        w.issue(&a, "AUTH1", &format!("S{i}"));
    }
    let n = w.ledger.len();
    let records = w.ledger.store().read(0, n).unwrap();
    (w, records)
}

/// Opens a ledger over exactly these records.
fn open_records(
    records: &[Record],
    now: chancery::Timestamp,
) -> Result<Ledger<MemoryStore>, chancery::OpenError> {
    let mut store = MemoryStore::new();
    store.append(0, records).unwrap();
    Ledger::open(store, ManualClock::new(now))
}

/// A batch larger than the verification pipeline's chunk: a forged signature deep inside is
/// refused alone, a key registered inside the batch signs later statements of the same batch.
#[test]
fn large_batch_with_forgeries_and_new_keys() {
    let (mut w, a) = World::standard(MemoryStore::new());
    let root = w.root.clone();
    let c = actor(40);
    let mut batch: Vec<SignedStatement> = Vec::new();
    for i in 0..1500 {
        if i == 600 {
            batch.push(w.sign(
                &root,
                World::<MemoryStore>::registration("AUTH3", &[&c], &["T1"], None),
            ));
            continue;
        }
        let (by, issuer) = if i > 600 && i % 2 == 0 {
            (&c, "AUTH3")
        } else {
            (&a, "AUTH1")
        };
        let (ev, _, _) = w.issue_event(issuer, &format!("S{i}"));
        batch.push(w.sign(by, ev));
    }
    // Forge signature 1100: right statement, signature of another statement.
    let other = batch[1101].signature().to_owned();
    batch[1100] = SignedStatement::new(batch[1100].statement().clone(), other);
    let base = w.ledger.len();
    let rs = w.ledger.append_batch(batch).unwrap();
    assert_eq!(rs.len(), 1500);
    for (i, r) in rs.iter().enumerate() {
        if i == 1100 {
            assert!(matches!(r, Err(Rejection::Signature(_))), "{r:?}");
        } else {
            assert!(r.is_ok(), "statement {i}: {r:?}");
        }
    }
    assert_eq!(w.ledger.len(), base + 1499);
    w.ledger.audit().unwrap();
}

fn tamper_last(records: &mut [Record], edit: impl Fn(&mut Vec<u8>)) {
    let last = records.last_mut().unwrap();
    edit(&mut last.bytes);
    last.hash = leaf_hash(&last.bytes);
}

/// An entry rewritten with a bad signature but a consistent hash is refused at open, which
/// names it (issue 12, attack 10: before, open trusted signatures and only audit caught it).
#[test]
fn audit_catches_a_rewritten_signature() {
    let (w, mut records) = ledger_with_licenses(10);
    let n = w.ledger.len();
    tamper_last(&mut records, |b| {
        let len = b.len();
        b[len - 1] ^= 1; // last byte of the signature
    });
    match open_records(&records, w.now()) {
        Err(chancery::OpenError::BadEntry(bad)) => {
            assert_eq!(bad.error.seq, n - 1);
            assert_eq!(bad.error.fault, EntryFault::BadSignature);
        }
        other => panic!("expected a bad signature, got {other:?}"),
    }
}

/// Reordered, dropped and re-sequenced entries are reported at the first bad position.
#[test]
fn audit_and_open_catch_dropped_and_reordered_entries() {
    let (w, records) = ledger_with_licenses(10);
    let open = |recs: &[Record]| open_records(recs, w.now());
    // Dropped entry 5: entry 6 sits at position 5.
    let mut dropped = records.clone();
    dropped.remove(5);
    match open(&dropped) {
        Err(chancery::OpenError::BadEntry(bad)) => {
            assert_eq!(bad.error.seq, 5);
            assert!(matches!(
                bad.error.fault,
                EntryFault::WrongSequence {
                    expected: 5,
                    found: 6
                }
            ));
        }
        other => panic!("dropped entry not caught: {other:?}"),
    }
    // Swapped entries 4 and 5.
    let mut swapped = records.clone();
    swapped.swap(4, 5);
    assert!(matches!(open(&swapped), Err(chancery::OpenError::BadEntry(b)) if b.error.seq == 4));
    // An entry re-sequenced to fit, but its previous-hash link then breaks.
    let mut e = Entry::from_canonical(&records[6].bytes).unwrap();
    e.seq = 5;
    let bytes = e.to_canonical();
    let mut resequenced = records[..5].to_vec();
    resequenced.push(Record {
        hash: leaf_hash(&bytes),
        bytes,
    });
    match open(&resequenced) {
        Err(chancery::OpenError::BadEntry(bad)) => {
            assert_eq!(bad.error.fault, EntryFault::BrokenChain)
        }
        other => panic!("broken chain not caught: {other:?}"),
    }
    // A stored hash that does not match.
    let mut wrong_hash = records.clone();
    wrong_hash[3].hash.0[0] ^= 1;
    assert!(
        matches!(open(&wrong_hash), Err(chancery::OpenError::BadEntry(b)) if b.error.fault == EntryFault::HashMismatch)
    );
}

/// A forged ledger that records one statement twice (a suspension replayed after its lift) is
/// refused at the second copy, though the rules alone would allow it there.
#[test]
fn duplicate_statement_in_a_forged_ledger() {
    let (mut w, a) = World::standard(MemoryStore::new());
    let (id, _) = w.issue(&a, "AUTH1", "S1");
    let suspend = w.sign(
        &a,
        chancery::Event::LicenseSuspended {
            license: id.clone(),
            reason: "x".into(),
        },
    );
    let first = w.ledger.append(suspend.clone()).unwrap();
    w.ok(&a, chancery::Event::LicenseSuspensionLifted { license: id });
    let n = w.ledger.len();
    let mut records = w.ledger.store().read(0, n).unwrap();
    let last = Entry::from_canonical(&records[(n - 1) as usize].bytes).unwrap();
    let forged = Entry {
        seq: n,
        prev: records[(n - 1) as usize].hash,
        ledger_time: last.ledger_time,
        statement: suspend,
    };
    let bytes = forged.to_canonical();
    records.push(Record {
        hash: leaf_hash(&bytes),
        bytes,
    });
    match open_records(&records, w.now()) {
        Err(chancery::OpenError::BadEntry(bad)) => {
            assert_eq!(bad.error.seq, n);
            assert_eq!(
                bad.error.fault,
                EntryFault::Rule(chancery::RuleError::DuplicateStatement(first.seq))
            );
        }
        other => panic!("duplicate not caught: {other:?}"),
    }
}

/// A speculative batch with forged signatures ends in exactly the state that appending the
/// same statements one by one gives, with the same results.
#[test]
fn speculative_batch_equals_one_by_one() {
    let make = || World::standard(MemoryStore::new());
    let (mut w, a) = make();
    let mut batch = Vec::new();
    let mut ids = Vec::new();
    for i in 0..150 {
        let (ev, id, _) = w.issue_event("AUTH1", &format!("S{i}"));
        batch.push(w.sign(&a, ev));
        ids.push(id);
    }
    for (i, id) in ids.iter().enumerate() {
        let ev = match i % 4 {
            0 => chancery::Event::LicenseSuspended {
                license: id.clone(),
                reason: "r".into(),
            },
            1 => chancery::Event::LicenseAmended(w.succession(id, Some(400)).0),
            2 => chancery::Event::LicenseRevoked(w.termination(id)),
            _ => chancery::Event::LicenseSuspensionLifted {
                license: id.clone(),
            },
        };
        batch.push(w.sign(&a, ev));
    }
    for i in (0..batch.len()).step_by(37) {
        let other = *batch[(i + 1) % batch.len()].signature();
        batch[i] = SignedStatement::new(batch[i].statement().clone(), other);
    }
    let (mut one_by_one, _) = make();
    one_by_one.clock.set(w.now());
    let batched = w.ledger.append_batch(batch.clone()).unwrap();
    let singles: Vec<_> = batch
        .into_iter()
        .map(|s| {
            one_by_one
                .ledger
                .append_batch(vec![s])
                .unwrap()
                .pop()
                .unwrap()
        })
        .collect();
    assert_eq!(batched, singles);
    assert!(batched.iter().filter(|r| r.is_err()).count() >= 9);
    assert_eq!(w.ledger.state(), one_by_one.ledger.state());
    let n = w.ledger.len();
    assert_eq!(
        w.ledger.root(n).unwrap(),
        one_by_one.ledger.root(n).unwrap()
    );
    w.ledger.audit().unwrap();
}

/// The replay driver fed chunk by chunk (seven records at a time, one `feed` each) rebuilds the
/// same state and tree as the ledger.
#[test]
fn given_chunks_fed_one_by_one_when_replayed_then_the_state_is_the_ledgers() {
    let (w, records) = ledger_with_licenses(30);
    let n = w.ledger.len();
    let mut replay = chancery::audit::Replay::from_genesis(Signatures::Verify, 0);
    for chunk in records.chunks(7) {
        replay.feed([Ok::<_, ()>(chunk.to_vec())]).unwrap();
        assert_eq!(replay.len(), replay.parts().0.size());
    }
    let (state, tree) = replay.finish();
    assert_eq!(&state, w.ledger.state());
    assert_eq!(tree.root(n).unwrap(), w.ledger.root(n).unwrap());
}

/// A replay resumed after a prefix replays the rest as one from genesis does.
#[test]
fn given_a_prefix_state_when_the_rest_is_replayed_resumed_then_the_state_is_the_ledgers() {
    let (w, records) = ledger_with_licenses(30);
    let (prefix_state, prefix_tree) = pipelined(&records[..11], 4, Signatures::Verify).unwrap();
    let mut replay = chancery::audit::Replay::resume(prefix_state, prefix_tree, Signatures::Verify);
    replay.feed([Ok::<_, ()>(records[11..].to_vec())]).unwrap();
    let (state, _) = replay.finish();
    assert_eq!(&state, w.ledger.state());
}

/// A resumed replay checks the chain: records that do not follow the prefix are refused at
/// the first one.
#[test]
fn given_a_prefix_state_when_records_that_skip_an_entry_are_fed_then_the_first_is_refused() {
    let (_, records) = ledger_with_licenses(30);
    let (prefix_state, prefix_tree) = pipelined(&records[..11], 4, Signatures::Verify).unwrap();
    let mut replay = chancery::audit::Replay::resume(prefix_state, prefix_tree, Signatures::Verify);
    match replay.feed([Ok::<_, ()>(records[12..].to_vec())]) {
        Err(PipelineError::Entry(e)) => {
            assert_eq!(e.seq, 11);
            assert!(matches!(
                e.fault,
                EntryFault::WrongSequence {
                    expected: 11,
                    found: 12
                }
            ));
        }
        other => panic!("{other:?}"),
    }
}

/// Replays `records` with the pipelined replayer, cut into chunks of `chunk` records.
fn pipelined(
    records: &[Record],
    chunk: usize,
    signatures: chancery::audit::Signatures,
) -> Result<(chancery::State, chancery::merkle::MerkleTree), chancery::audit::PipelineError<()>> {
    chancery::audit::replay_chunks(
        records.chunks(chunk).map(|c| Ok(c.to_vec())),
        signatures,
        records.len() as u64,
    )
}

/// The pipelined replayer rebuilds the ledger's state and tree however the records are cut,
/// including chunks of one record and one chunk of all.
#[test]
fn pipelined_replay_matches_the_ledger_for_any_chunking() {
    let (w, records) = ledger_with_licenses(40);
    let n = w.ledger.len();
    for chunk in [1, 3, 7, 16, 64] {
        for sigs in [Signatures::Verify, Signatures::Trust] {
            let (state, tree) = pipelined(&records, chunk, sigs).unwrap();
            assert!(state.equals_on_cores(w.ledger.state()), "chunk {chunk}");
            assert_eq!(&state, w.ledger.state());
            assert_eq!(tree.root(n).unwrap(), w.ledger.root(n).unwrap());
        }
    }
    let (state, _) = pipelined(&records[..n as usize - 1], 5, Signatures::Verify).unwrap();
    assert!(!state.equals_on_cores(w.ledger.state()));
}

use chancery::audit::{PipelineError, Signatures};

/// Rewrites record `i` with `edit` and a matching stored hash.
fn tamper(records: &mut [Record], i: usize, edit: impl Fn(&mut Vec<u8>)) {
    edit(&mut records[i].bytes);
    records[i].hash = leaf_hash(&records[i].bytes);
}

/// With a bad signature at entry 12 (so entry 13 no longer links to it) and a malformed entry
/// at 20, every chunking reports entry 12 when verifying and the broken link at 13 when
/// trusting signatures, although the stages of different chunks run at once; a failing source
/// is reported only if every entry before it was good.
#[test]
fn pipelined_replay_reports_the_first_bad_entry_in_ledger_order() {
    let (_, mut records) = ledger_with_licenses(30);
    tamper(&mut records, 12, |b| {
        let len = b.len();
        b[len - 1] ^= 1;
    });
    tamper(&mut records, 20, |b| b.push(0));
    for chunk in [1, 4, 5, 12, 13, 20, 21, 64] {
        match pipelined(&records, chunk, Signatures::Verify) {
            Err(PipelineError::Entry(e)) => {
                assert_eq!(
                    (e.seq, e.fault),
                    (12, EntryFault::BadSignature),
                    "chunk {chunk}"
                )
            }
            other => panic!("chunk {chunk}: {other:?}"),
        }
        match pipelined(&records, chunk, Signatures::Trust) {
            Err(PipelineError::Entry(e)) => {
                assert_eq!(
                    (e.seq, e.fault),
                    (13, EntryFault::BrokenChain),
                    "chunk {chunk}"
                )
            }
            other => panic!("chunk {chunk}: {other:?}"),
        }
    }
    // The source fails at the third chunk (entries 10..15): entries 0..10 are good.
    let failing = |records: &[Record]| {
        let chunks = records.chunks(5).enumerate().map(|(k, c)| match k {
            2 => Err("read failed"),
            _ => Ok(c.to_vec()),
        });
        chancery::audit::replay_chunks(chunks, Signatures::Verify, 0)
    };
    assert!(matches!(
        failing(&records),
        Err(PipelineError::Source("read failed"))
    ));
    // With a bad entry before the failing chunk, the bad entry is reported.
    tamper(&mut records, 7, |b| b.push(0));
    match failing(&records) {
        Err(PipelineError::Entry(e)) => assert_eq!(e.seq, 7),
        other => panic!("{other:?}"),
    }
}

/// `open_verified` checks signatures too: it refuses what `open` accepts.
#[test]
fn open_verified_refuses_a_rewritten_signature() {
    let (w, mut records) = ledger_with_licenses(10);
    let n = records.len();
    tamper(&mut records, n - 1, |b| {
        let len = b.len();
        b[len - 1] ^= 1;
    });
    let mut store = MemoryStore::new();
    store.append(0, &records).unwrap();
    match Ledger::open_verified(store.clone(), ManualClock::new(w.now())) {
        Err(chancery::OpenError::BadEntry(bad)) => {
            assert_eq!(bad.error.seq, n as u64 - 1);
            assert_eq!(bad.error.fault, EntryFault::BadSignature);
        }
        other => panic!("expected a bad signature, got {other:?}"),
    }
    // Since issue 12 (attack 10), plain open verifies every signature too.
    match Ledger::open(store, ManualClock::new(w.now())) {
        Err(chancery::OpenError::BadEntry(bad)) => {
            assert_eq!(bad.error.fault, EntryFault::BadSignature)
        }
        other => panic!("expected a bad signature, got {other:?}"),
    }
}
