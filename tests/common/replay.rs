//! The replay-equals-incremental property over any store (tests/replay_property.rs on the
//! memory store, tests/postgres.rs on PostgreSQL).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use super::*;
use chancery::event::{AutoSealApplication, StatementId, UseRecord, UseResult};
use chancery::storage::Store;
use chancery::test_support::StateHooks;
use chancery::{Actor, Event, Ledger, LicenseId, ManualClock};
use std::collections::HashMap;

/// The bank's record of checking the current version of `license` under `consent`.
fn use_of<S: Store>(w: &World<S>, license: LicenseId, consent: StatementId, item: &str) -> Event {
    let current = w
        .ledger
        .state()
        .versions(&license)
        .last()
        .cloned()
        .unwrap_or(license);
    Event::UseRecorded(UseRecord {
        license: current,
        consent,
        service_item: item.into(),
        case: "K".into(),
        result: UseResult::Accepted,
    })
}

/// Runs the operations on a ledger over `store`; `reopen` opens a second handle on the same
/// store (a clone, or a new connection).
pub fn run<S: Store>(store: S, reopen: impl Fn(&S) -> S, ops: &[(u8, u8)]) {
    run_then_open(
        store,
        |live| Ledger::open(reopen(live.store()), ManualClock::new(live.now())).unwrap(),
        ops,
    );
}

/// Runs the operations on a ledger over `store`, then checks that the ledger `open_again`
/// opens from the same store answers as the live one.
pub fn run_then_open<S: Store>(
    store: S,
    open_again: impl Fn(&Ledger<S>) -> Ledger<S>,
    ops: &[(u8, u8)],
) {
    let (mut w, a) = World::standard(store);
    let b = w.authority("AUTH2", 30);
    let mut root = w.root.clone();
    let mut rotations = 0u8;
    let spare = actor(11);
    let extra = actor(12);
    let mut ids: Vec<LicenseId> = Vec::new();
    let mut serial = 0;
    // Seals, automatic sealing and consent.
    let owner = w.unit("OWNER", 20);
    let bank = w.unit("BANK", 22);
    let engine = actor(60);
    let mut seals: Vec<(String, Actor)> = vec![("SEAL1".into(), actor(40))];
    let reg = w.seal_registration("SEAL1", "OWNER", &seals[0].1, "AUTH1");
    w.ok(&a, Event::SealRegistered(Box::new(reg)));
    w.ok(
        &owner,
        World::<S>::auto_policy("P1", "SEAL1", "PERMIT", &engine, 3),
    );
    let mut cases: Vec<String> = Vec::new();
    let mut holders: HashMap<String, Actor> = HashMap::new();
    let mut consents: Vec<(StatementId, LicenseId)> = Vec::new();
    let mut counter = 0u8;
    for (op, arg) in ops {
        let pick = |ids: &[LicenseId]| ids.get(usize::from(*arg) % ids.len().max(1)).cloned();
        let by = if arg % 5 == 0 { &b } else { &a };
        counter = counter.wrapping_add(1);
        let event = match op % 24 {
            15 => {
                let (es_id, key) = &seals[usize::from(*arg) % seals.len()];
                let _ = w.append(key, World::<S>::application(es_id, &[*arg], "C"));
                continue;
            }
            16 => {
                let es_id = seals[usize::from(*arg / 6) % seals.len()].0.clone();
                let (signer, event) = match arg % 6 {
                    0 => (
                        &owner,
                        Event::SealSuspended {
                            es_id,
                            reason: "r".into(),
                        },
                    ),
                    1 => (&owner, Event::SealResumed { es_id }),
                    2 => (
                        &owner,
                        Event::SealReportedLost {
                            es_id,
                            since: chancery::Timestamp(
                                w.now().0.saturating_sub(u64::from(*arg) * 1000),
                            ),
                            reason: "r".into(),
                        },
                    ),
                    3 => (
                        &a,
                        Event::SealCancelled {
                            es_id,
                            reason: "r".into(),
                        },
                    ),
                    4 => (
                        &a,
                        Event::SealInvalidated {
                            es_id,
                            reason: "r".into(),
                        },
                    ),
                    _ => {
                        let new_id = format!("SEAL{}", seals.len() + 1);
                        let key = actor(40 + (seals.len() % 10) as u8 + 1);
                        let reg = w.seal_registration(&new_id, "OWNER", &key, "AUTH1");
                        seals.push((new_id, key));
                        (
                            &a,
                            Event::SealRemade {
                                old: es_id,
                                registration: Box::new(reg),
                            },
                        )
                    }
                };
                let _ = w.append(signer, event);
                continue;
            }
            17 => {
                let case = format!("CASE{counter}");
                cases.push(case.clone());
                let ty = if arg % 4 == 0 { "TAX" } else { "PERMIT" };
                w.case_opening(&case, ty, u64::from(arg % 5))
            }
            18 | 19 => {
                let Some(case) = cases.get(usize::from(*arg) % cases.len().max(1)).cloned() else {
                    continue;
                };
                let (signer, event) = if op % 24 == 18 && arg % 3 == 0 {
                    (
                        &owner,
                        Event::CaseDecided {
                            case,
                            outcome: "approved".into(),
                        },
                    )
                } else {
                    if arg % 2 == 0 {
                        w.advance_days(3);
                    }
                    let signer = if arg % 7 == 0 { &owner } else { &engine };
                    (
                        signer,
                        Event::SealAutoApplied(AutoSealApplication {
                            policy: "P1".into(),
                            case,
                            // The case's document (tests/common case_opening), or another.
                            document: chancery::crypto::sha256(if arg % 5 == 0 {
                                b"other".as_slice()
                            } else {
                                b"approval".as_slice()
                            }),
                        }),
                    )
                };
                let _ = w.append(signer, event);
                continue;
            }
            20 => {
                let Some(license) = pick(&ids) else { continue };
                let key = actor(150 + counter % 50);
                if w.append(
                    by,
                    Event::HolderKeyBound {
                        license: license.clone(),
                        key: key.public_key(),
                    },
                )
                .is_ok()
                {
                    holders.insert(license.lineage().to_owned(), key);
                }
                continue;
            }
            21 => {
                let Some(license) = pick(&ids) else { continue };
                if !holders.contains_key(license.lineage()) {
                    let key = actor(150 + counter % 50);
                    let bind = Event::HolderKeyBound {
                        license: license.clone(),
                        key: key.public_key(),
                    };
                    if w.append(&a, bind).is_ok() {
                        holders.insert(license.lineage().to_owned(), key);
                    }
                }
                let Some(holder) = holders.get(license.lineage()).cloned() else {
                    continue;
                };
                let uses = if arg % 11 == 0 {
                    0
                } else {
                    1 + u64::from(arg % 3)
                };
                let mut c = w.consent(&license, "BANK", "LOAN", u64::from(arg % 4) * 20, uses);
                c.from = chancery::Timestamp(w.now().0.saturating_sub(1000));
                let Ok(r) = w.append(&holder, Event::UseAuthorized(c)) else {
                    continue;
                };
                let consent = w.ledger.entry(r.seq).unwrap().statement.id();
                consents.push((consent, license.clone()));
                if arg % 2 == 1 {
                    continue;
                }
                use_of(&w, license, consent, "LOAN")
            }
            22 | 23 => {
                let Some((consent, license)) = consents
                    .get(usize::from(*arg) % consents.len().max(1))
                    .cloned()
                else {
                    continue;
                };
                if op % 24 == 23 {
                    if let Some(holder) = holders.get(license.lineage()).cloned() {
                        let _ = w.append(&holder, Event::UseAuthorizationRevoked { consent });
                    }
                    continue;
                }
                use_of(
                    &w,
                    license,
                    consent,
                    if arg % 9 == 0 { "CARD" } else { "LOAN" },
                )
            }
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
            9 => {
                // The spare key, then (added by it) a key of its own: a chain of introductions.
                let (signer, key) = if arg % 2 == 0 {
                    (&a, spare.public_key())
                } else {
                    (&spare, extra.public_key())
                };
                let _ = w.append(
                    signer,
                    Event::AuthorityKeyAdded {
                        authority: "AUTH1".into(),
                        key,
                    },
                );
                continue;
            }
            10 => {
                // Compromise declarations by the root or by AUTH1's keys about each other and
                // about AUTH2's key: what counts is decided again at every one (SPEC §9).
                let since = chancery::Timestamp(w.now().0.saturating_sub(u64::from(*arg) * 60_000));
                let signer = [&root, &a, &spare, &extra][usize::from(arg % 4)];
                let (authority, key) = match (arg / 4) % 4 {
                    0 => ("AUTH2", b.key_id()),
                    1 => ("AUTH1", a.key_id()),
                    2 => ("AUTH1", spare.key_id()),
                    _ => ("AUTH1", extra.key_id()),
                };
                let _ = w.append(
                    signer,
                    Event::AuthorityKeyCompromised {
                        authority: authority.into(),
                        key,
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
            Event::CaseOpened(_) => &owner,
            Event::UseRecorded(_) => &bank,
            _ => by,
        };
        let _ = w.append(signer, event);
    }
    // Incremental state == replayed state (audit checks this and every signature and rule).
    w.ledger.audit().unwrap();
    let reopened = open_again(&w.ledger);
    assert_eq!(reopened.state(), w.ledger.state());
    let n = w.ledger.len();
    assert_eq!(reopened.root(n).unwrap(), w.ledger.root(n).unwrap());
    for id in &ids {
        for t in [T0, w.now(), w.now().plus_days(400)] {
            assert_eq!(reopened.status(id, t), w.ledger.status(id, t));
        }
    }
    for (es_id, _) in &seals {
        for t in [T0, w.now()] {
            assert_eq!(
                reopened.seal_status(es_id, t),
                w.ledger.seal_status(es_id, t)
            );
        }
    }
    assert_eq!(reopened.due_auto_seals(), w.ledger.due_auto_seals());
    // Speculative application of any suffix, rolled back, leaves the state exactly as before.
    let entries: Vec<_> = (0..n).map(|i| w.ledger.entry(i).unwrap()).collect();
    let split = (ops.len() as u64 * 7919) % n;
    let mut state = chancery::State::new();
    for e in &entries[..split as usize] {
        state.apply_entry(e.seq, e.ledger_time, &e.statement, e.hash());
    }
    let snapshot = state.clone();
    state.begin();
    for e in &entries[split as usize..] {
        state.apply_entry(e.seq, e.ledger_time, &e.statement, e.hash());
    }
    assert_eq!(&state, w.ledger.state());
    state.roll_back();
    assert_eq!(state, snapshot);
}
