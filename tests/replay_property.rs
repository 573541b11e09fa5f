//! Property: for random sequences of authority, root key and license events (legal and
//! illegal), the state replayed from the store equals the state built incrementally, and the
//! audit passes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::{Event, Ledger, LicenseId, ManualClock, MemoryStore};
use common::*;
use proptest::prelude::*;

fn run(ops: &[(u8, u8)]) {
    let (mut w, a) = World::standard(MemoryStore::new());
    let b = w.authority("AUTH2", 30);
    let mut root = w.root.clone();
    let mut rotations = 0u8;
    let spare = actor(11);
    let mut ids: Vec<LicenseId> = Vec::new();
    let mut serial = 0;
    for (op, arg) in ops {
        let pick = |ids: &[LicenseId]| ids.get(usize::from(*arg) % ids.len().max(1)).cloned();
        let by = if arg % 5 == 0 { &b } else { &a };
        let event = match op % 15 {
            0 | 1 => {
                serial += 1;
                let (ev, id, _) = w.issue_event(
                    if arg % 7 == 0 { "AUTH2" } else { "AUTH1" },
                    &format!("S{serial}"),
                );
                ids.push(id);
                ev
            }
            2..=4 => {
                let Some(id) = pick(&ids) else { continue };
                let cur = w.ledger.state().versions(&id).last().cloned().unwrap_or(id);
                let (s, _) = w.succession(&cur, Some(u64::from(*arg) * 10 + 400));
                match op % 3 {
                    0 => Event::LicenseAmended(s),
                    1 => Event::LicenseRenewed(s),
                    _ => Event::LicenseReissued(s),
                }
            }
            5 => match pick(&ids) {
                Some(license) => Event::LicenseSuspended {
                    license,
                    reason: "r".into(),
                },
                None => continue,
            },
            6 => match pick(&ids) {
                Some(license) => Event::LicenseSuspensionLifted { license },
                None => continue,
            },
            7 => match pick(&ids) {
                Some(id) => match arg % 4 {
                    0 => Event::LicenseCancelled(w.termination(&id)),
                    1 => Event::LicenseRevoked(w.termination(&id)),
                    2 => Event::LicenseWithdrawn(w.termination(&id)),
                    _ => Event::LicenseRescinded {
                        license: id,
                        reason: "r".into(),
                    },
                },
                None => continue,
            },
            8 => {
                w.clock.advance(u64::from(*arg) * 3_600_000);
                continue;
            }
            9 => Event::AuthorityKeyAdded {
                authority: "AUTH1".into(),
                key: spare.public_key(),
            },
            10 => {
                let since = chancery::Timestamp(w.now().0.saturating_sub(u64::from(*arg) * 60_000));
                let _ = w.append(
                    &root,
                    Event::AuthorityKeyCompromised {
                        authority: "AUTH2".into(),
                        key: b.key_id(),
                        since,
                    },
                );
                continue;
            }
            11 => Event::AuthoritySuspended {
                authority: "AUTH1".into(),
                reason: "r".into(),
            },
            12 => Event::AuthorityReinstated {
                authority: "AUTH1".into(),
            },
            13 => Event::AuthorityKeyRetired {
                authority: "AUTH1".into(),
                key: a.key_id(),
                from: w.now().plus_days(u64::from(*arg)),
            },
            _ => {
                // Root key rotation (sometimes with a wrong acceptance, which is refused).
                rotations = rotations.wrapping_add(1);
                let seed = 200 + rotations % 50;
                let new = actor(seed);
                let message =
                    chancery::event::rotation_message(ORIGIN, &root.key_id(), &new.public_key());
                let signer = if arg % 4 == 0 {
                    key(seed + 1)
                } else {
                    key(seed)
                };
                let event = Event::RootKeyRotated {
                    new_key: new.public_key(),
                    acceptance: signer.sign(chancery::crypto::Domain::KeyRotation, &message),
                };
                if w.append(&root, event).is_ok() {
                    root = new;
                }
                continue;
            }
        };
        let signer = match event {
            Event::AuthoritySuspended { .. } | Event::AuthorityReinstated { .. } => &root,
            _ => by,
        };
        let _ = w.append(signer, event);
    }
    // Incremental state == replayed state (audit checks this and every signature and rule).
    w.ledger.audit().unwrap();
    let reopened = Ledger::open(w.ledger.store().clone(), ManualClock::new(w.now())).unwrap();
    assert_eq!(reopened.state(), w.ledger.state());
    let n = w.ledger.len();
    assert_eq!(reopened.root(n).unwrap(), w.ledger.root(n).unwrap());
    for id in &ids {
        for t in [T0, w.now(), w.now().plus_days(400)] {
            assert_eq!(reopened.status(id, t), w.ledger.status(id, t));
        }
    }
    // Speculative application of any suffix, rolled back, leaves the state exactly as before.
    let entries: Vec<_> = (0..n).map(|i| w.ledger.entry(i).unwrap()).collect();
    let split = (ops.len() as u64 * 7919) % n;
    let mut state = chancery::State::new();
    for e in &entries[..split as usize] {
        state.apply(e.seq, e.ledger_time, &e.statement, e.hash());
    }
    let snapshot = state.clone();
    let mut log = chancery::state::UndoLog::new();
    for e in &entries[split as usize..] {
        state.apply_speculative(e.seq, e.ledger_time, &e.statement, e.hash(), &mut log);
    }
    assert_eq!(&state, w.ledger.state());
    state.rollback(log);
    assert_eq!(state, snapshot);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn replay_equals_incremental(ops in proptest::collection::vec((any::<u8>(), any::<u8>()), 1..80)) {
        run(&ops);
    }
}
