//! Several writers on one store (what a shared database backend allows): an append that finds
//! the store moved by another writer is rolled back, the ledger catches up with the other
//! writer's entries (checking each as a replay does) and the batch is validated again. No fork,
//! no gap, no duplicate; idempotent re-submission works across writers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::storage::{Record, StorageError, Store};
use chancery::{Event, Ledger, ManualClock, MemoryStore};
use common::*;
use std::sync::{Arc, Mutex};

/// One store shared by several ledgers, as several processes share a database.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<MemoryStore>>);

impl Store for Shared {
    fn len(&self) -> u64 {
        self.0.lock().unwrap().len()
    }
    fn append(&mut self, expected_len: u64, records: &[Record]) -> Result<(), StorageError> {
        self.0.lock().unwrap().append(expected_len, records)
    }
    fn read(&self, start: u64, end: u64) -> Result<Vec<Record>, StorageError> {
        self.0.lock().unwrap().read(start, end)
    }
}

#[test]
fn two_writers_interleave_without_forking() {
    let (mut w, a) = World::standard(Shared::default());
    let store = w.ledger.store().clone();
    let mut other = Ledger::open(store.clone(), ManualClock::new(w.now())).unwrap();
    let mut ids = Vec::new();
    for i in 0..20 {
        let (ev, id, _) = w.issue_event("AUTH1", &format!("S{i}"));
        ids.push(id);
        let s = w.sign(&a, ev);
        // Alternate writers; each finds the store moved by the other.
        let writer = if i % 2 == 0 {
            &mut w.ledger
        } else {
            &mut other
        };
        let r = writer.append(s.clone()).unwrap();
        assert_eq!(r.seq, 3 + i as u64);
        // Re-submitting to the other writer returns the same receipt.
        let again = if i % 2 == 0 {
            &mut other
        } else {
            &mut w.ledger
        };
        // (Marked as a re-submission since issue 12, attack 14.)
        assert_eq!(
            again.append(s).unwrap(),
            chancery::Receipt {
                resubmission: Some(chancery::Effect::InForce),
                ..r
            }
        );
    }
    assert_eq!(store.len(), 23);
    // Both writers and a fresh audit agree on everything.
    w.ledger.audit().unwrap();
    other.audit().unwrap();
    assert_eq!(w.ledger.state(), other.state());
    let fresh = Ledger::open_verified(store, ManualClock::new(w.now())).unwrap();
    assert_eq!(fresh.state(), w.ledger.state());
    for id in &ids {
        assert!(fresh.status(id, w.now()).is_valid());
    }
}

#[test]
fn a_batch_is_validated_again_after_another_writer_moved_the_head() {
    let (mut w, a) = World::standard(Shared::default());
    let mut other = Ledger::open(w.ledger.store().clone(), ManualClock::new(w.now())).unwrap();
    // The other writer issues S1; this writer, not knowing, submits a batch issuing S1 again
    // and S2: after catching up, S1 is refused as existing and S2 recorded.
    let (ev1, _, _) = w.issue_event("AUTH1", "S1");
    let first = w.sign(&a, ev1.clone());
    other.append(first).unwrap();
    let dup = w.sign(&a, ev1);
    let (ev2, id2, _) = w.issue_event("AUTH1", "S2");
    let s2 = w.sign(&a, ev2);
    let results = w.ledger.append_batch(vec![dup, s2]).unwrap();
    assert!(matches!(
        results[0],
        Err(chancery::Rejection::Rule(
            chancery::RuleError::LicenseExists(_)
        ))
    ));
    assert_eq!(results[1].as_ref().unwrap().seq, 4);
    assert!(w.ledger.status(&id2, w.now()).is_valid());
    w.ledger.audit().unwrap();
}

#[test]
fn an_entry_another_writer_forged_is_refused_and_changes_nothing() {
    let (w, a) = World::standard(Shared::default());
    let mut store = w.ledger.store().clone();
    let mut other = Ledger::open(store.clone(), ManualClock::new(w.now())).unwrap();
    // A rogue writer puts a well-formed entry with someone else's signature into the store.
    let (ev, _, _) = w.issue_event("AUTH1", "S1");
    let real = w.sign(&a, ev);
    let forged_statement = chancery::SignedStatement::new(
        real.statement().clone(),
        *w.sign(
            &actor(77),
            Event::AuthorityReinstated {
                authority: "X".into(),
            },
        )
        .signature(),
    );
    let n = store.len();
    let bytes = chancery::Entry::encode_parts(n, &other.state().head(), w.now(), &forged_statement);
    store
        .append(
            n,
            &[Record {
                hash: chancery::crypto::leaf_hash(&bytes),
                bytes,
            }],
        )
        .unwrap();
    let before = other.state().clone();
    let err = other.catch_up().unwrap_err();
    match err {
        chancery::CatchUpError::BadEntry(b) => assert_eq!(b.error.seq, n),
        e => panic!("expected a bad entry, got {e}"),
    }
    assert_eq!(other.state(), &before, "a refused catch-up changes nothing");
    // An append on top of it is refused: the ledger will not build on a forged entry. Its
    // write finds the store moved, the catch-up refuses the forged entry again, and the
    // ledger poisons itself rather than guess.
    let (ev, _, _) = w.issue_event("AUTH1", "S2");
    let r = other.append(w.sign(&a, ev));
    assert!(
        matches!(
            r,
            Err(chancery::AppendError::Storage(StorageError::Poisoned))
        ),
        "{r:?}"
    );
    assert_eq!(
        store.len(),
        n + 1,
        "nothing written on top of the forged entry"
    );
}

#[test]
fn concurrent_writers_on_threads() {
    let (w, a) = World::standard(Shared::default());
    let store = w.ledger.store().clone();
    let now = w.now();
    let clock = ManualClock::new(now);
    let statements: Vec<Vec<chancery::SignedStatement>> = (0..2)
        .map(|t| {
            (0..150)
                .map(|i| {
                    let (ev, _, _) = w.issue_event("AUTH1", &format!("T{t}N{i}"));
                    a.sign(ev, now)
                })
                .collect()
        })
        .collect();
    let receipts: Vec<Vec<chancery::Receipt>> = std::thread::scope(|s| {
        let handles: Vec<_> = statements
            .iter()
            .map(|mine| {
                let (store, clock) = (store.clone(), clock.clone());
                s.spawn(move || {
                    let mut ledger = Ledger::open(store, clock).unwrap();
                    mine.chunks(10)
                        .flat_map(|batch| {
                            ledger
                                .append_batch(batch.to_vec())
                                .unwrap()
                                .into_iter()
                                .map(Result::unwrap)
                                .collect::<Vec<_>>()
                        })
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(store.len(), 3 + 300);
    let fresh = Ledger::open_verified(store, clock).unwrap();
    // Every acknowledged entry is where its receipt says, and no sequence number is reused.
    let mut seqs: Vec<u64> = receipts.iter().flatten().map(|r| r.seq).collect();
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len(), 300);
    for r in receipts.iter().flatten() {
        assert_eq!(fresh.entry(r.seq).unwrap().hash(), r.entry_hash);
    }
    fresh.audit().unwrap();
}

/// Issue 12, attack 13: a one-use consent verified by two writers at once is used once. Each
/// verifies and records in one step; the second finds the use spent (the check lives in the
/// ledger rules, re-run after catching up with the first writer) and is told Invalid.
#[test]
fn given_a_one_use_consent_when_two_writers_verify_and_record_then_only_one_use_is_recorded() {
    let (mut w, issuer) = World::standard(Shared::default());
    let bank = w.unit("BANK", 22);
    let (id, cred) = w.issue(&issuer, "AUTH1", "S1");
    let holder = w.bind_holder(&issuer, &id, 70);
    let consent = w.consent(&id, "BANK", "LOAN", 30, 1);
    let granted = w.sign(&holder, Event::UseAuthorized(consent));
    let consent_id = granted.id();
    w.ledger.append(granted).unwrap();
    let mut other = Ledger::open(w.ledger.store().clone(), w.clock.clone()).unwrap();
    let disclosure = cred.disclose(&["name"], false).unwrap();
    // Both see one use left before either records.
    assert_eq!(w.ledger.uses_left(&consent_id), 1);
    assert_eq!(other.uses_left(&consent_id), 1);
    w.clock.advance(1);
    let first = w
        .ledger
        .verify_and_record_use(&disclosure, &bank, "BANK", "LOAN", "LOAN-1")
        .unwrap();
    assert_eq!(first.verdict, chancery::Verdict::Valid);
    assert!(first.receipt.is_some());
    assert_eq!(first.uses_left, 0);
    w.clock.advance(1);
    let second = other
        .verify_and_record_use(&disclosure, &bank, "BANK", "LOAN", "LOAN-2")
        .unwrap();
    assert_eq!(
        second.verdict,
        chancery::Verdict::Invalid(chancery::InvalidReason::NoConsent)
    );
    assert!(second.receipt.is_none());
    assert_eq!(w.ledger.state().uses_of(&id).len(), 1);
    other.catch_up().unwrap();
    assert_eq!(other.state().uses_of(&id).len(), 1);
}
