//! Issue 12, attacks 2 and 3: what a stolen key did stops counting once the key is declared
//! compromised since before it — the keys, authorities and bindings it brought in, and the
//! keys it ended — evaluated when asked, not frozen when recorded (SPEC §9, "What counts").
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::state::{AuthorityState, Invalid, RuleError};
use chancery::{Actor, Event, MemoryStore, Status, Timestamp};
use common::*;

fn compromised(key: &Actor, since: Timestamp) -> Event {
    Event::AuthorityKeyCompromised {
        authority: "AUTH1".into(),
        key: key.key_id(),
        since,
    }
}

/// AUTH1 with its first key (seed 10) and a second key (seed 22) that a thief will steal.
fn authority_with_a_stolen_key() -> (World<MemoryStore>, Actor, Actor) {
    let (mut w, a) = World::standard(MemoryStore::new());
    let thief = w.add_key(&a, "AUTH1", 22);
    w.advance_days(1);
    (w, a, thief)
}

fn half_a_day_ago(w: &World<MemoryStore>) -> Timestamp {
    Timestamp(w.now().0 - DAY / 2)
}

/// Attack 2: a backdoor key added with the stolen key stops counting, with its licenses.
#[test]
fn given_a_backdoor_key_added_with_a_stolen_key_when_the_key_is_declared_compromised_then_the_backdoor_is_void(
) {
    let (mut w, a, thief) = authority_with_a_stolen_key();
    let since = w.now();
    w.advance_days(1);
    let backdoor = w.add_key(&thief, "AUTH1", 23);
    let (forged, _) = w.issue(&backdoor, "AUTH1", "FORGED");
    assert_eq!(w.ledger.status(&forged, w.now()), Status::Valid);
    w.ok(&a, compromised(&thief, since));
    assert_eq!(
        w.ledger.status(&forged, w.now()),
        Status::KeyCompromised {
            key: thief.key_id()
        }
    );
    let (ev, _, _) = w.issue_event("AUTH1", "FORGED2");
    refused(&mut w, &backdoor, ev, |e| {
        matches!(e, RuleError::IntroducedUnderCompromise { key, by, .. }
            if *key == backdoor.key_id() && *by == thief.key_id())
    });
}

/// Attack 2: keys introduced by keys introduced by the stolen key stop counting too, however
/// long the chain; a key the stolen key introduced before its compromise point still counts.
#[test]
fn given_a_chain_of_keys_from_a_stolen_key_when_it_is_declared_compromised_then_only_later_links_fail(
) {
    let (mut w, a, thief) = authority_with_a_stolen_key();
    let before = w.add_key(&thief, "AUTH1", 24);
    w.advance_days(1);
    let since = w.now();
    w.advance_days(1);
    let first = w.add_key(&thief, "AUTH1", 25);
    let second = w.add_key(&first, "AUTH1", 26);
    let (deep, _) = w.issue(&second, "AUTH1", "DEEP");
    let (kept, _) = w.issue(&before, "AUTH1", "KEPT");
    w.ok(&a, compromised(&thief, since));
    assert!(!w.ledger.status(&deep, w.now()).is_valid());
    assert_eq!(w.ledger.status(&kept, w.now()), Status::Valid);
}

/// Attack 2: a child authority registered with the stolen key stops counting: its licenses
/// are void and its keys can no longer sign.
#[test]
fn given_a_child_authority_registered_with_a_stolen_key_when_declared_then_its_licenses_are_void() {
    let (mut w, a, thief) = authority_with_a_stolen_key();
    let since = w.now();
    w.advance_days(1);
    let child = actor(30);
    w.ok(
        &thief,
        World::<MemoryStore>::registration("CHILD", &[&child], &["T1"], Some("AUTH1")),
    );
    let (forged, _) = w.issue(&child, "CHILD", "FORGED");
    assert_eq!(w.ledger.status(&forged, w.now()), Status::Valid);
    w.ok(&a, compromised(&thief, since));
    assert!(!w.ledger.status(&forged, w.now()).is_valid());
    let (ev, _, _) = w.issue_event("CHILD", "FORGED2");
    refused(&mut w, &child, ev, |e| {
        matches!(e, RuleError::IntroducedUnderCompromise { .. })
    });
}

/// Attack 2: a holder key bound to a victim's license with the stolen key (which retired the
/// real holder key) stops counting: its consents cover nothing, and the real holder key is the
/// license's holder key again and signs.
#[test]
fn given_a_holder_key_bound_with_a_stolen_key_when_declared_then_the_real_holder_key_is_back() {
    let (mut w, a, thief) = authority_with_a_stolen_key();
    w.unit("BANK", 40);
    let (id, _) = w.issue(&a, "AUTH1", "VICTIM");
    let real = w.bind_holder(&a, &id, 70);
    w.advance_days(1);
    let since = w.now();
    w.advance_days(1);
    let fake = w.bind_holder(&thief, &id, 71);
    w.ok(
        &fake,
        Event::UseAuthorized(w.consent(&id, "BANK", "LOAN", 30, 5)),
    );
    assert!(w
        .ledger
        .state()
        .consent_covering(&id, "BANK", "LOAN", w.now())
        .is_some());
    let card = Event::UseAuthorized(w.consent(&id, "BANK", "CARD", 30, 1));
    refused(&mut w, &real, card, |e| {
        matches!(e, RuleError::KeyRetired { .. })
    });
    w.ok(&a, compromised(&thief, since));
    assert_eq!(w.ledger.state().holder_key(&id), Some(real.key_id()));
    assert!(w
        .ledger
        .state()
        .consent_covering(&id, "BANK", "LOAN", w.now())
        .is_none());
    w.ok(
        &real,
        Event::UseAuthorized(w.consent(&id, "BANK", "CARD", 30, 1)),
    );
}

/// Attack 3: the thief declares the authority's legitimate key compromised since 1970,
/// voiding every license it issued; once the thief's key is declared compromised since before
/// that declaration, the declaration no longer counts: the licenses are valid again and the
/// legitimate key signs again.
#[test]
fn given_a_thiefs_compromise_declaration_when_the_thiefs_key_is_declared_then_the_victim_key_is_whole(
) {
    let (mut w, a, thief) = authority_with_a_stolen_key();
    let (honest, _) = w.issue(&a, "AUTH1", "HONEST");
    let since = w.now();
    w.advance_days(1);
    w.ok(&thief, compromised(&a, Timestamp(0)));
    assert_eq!(
        w.ledger.status(&honest, w.now()),
        Status::KeyCompromised { key: a.key_id() }
    );
    let root = w.root.clone();
    w.ok(&root, compromised(&thief, since));
    assert_eq!(w.ledger.status(&honest, w.now()), Status::Valid);
    assert_eq!(w.ledger.state().compromised_since(&a.key_id()), None);
    w.issue(&a, "AUTH1", "AFTER");
}

/// Attack 3: a retirement and a suspension made with the stolen key stop counting too: the
/// retired key signs again and the suspended child authority is active again.
#[test]
fn given_a_retirement_and_a_suspension_by_a_stolen_key_when_declared_then_both_are_undone() {
    let (mut w, a, thief) = authority_with_a_stolen_key();
    let child = actor(30);
    w.ok(
        &a,
        World::<MemoryStore>::registration("CHILD", &[&child], &["T1"], Some("AUTH1")),
    );
    let since = w.now();
    w.advance_days(1);
    w.ok(
        &thief,
        Event::AuthorityKeyRetired {
            authority: "AUTH1".into(),
            key: a.key_id(),
            from: w.now(),
        },
    );
    w.ok(
        &thief,
        Event::AuthoritySuspended {
            authority: "CHILD".into(),
            reason: "forged".into(),
        },
    );
    let (ev, _, _) = w.issue_event("AUTH1", "X");
    refused(&mut w, &a, ev, |e| {
        matches!(e, RuleError::KeyRetired { .. })
    });
    let root = w.root.clone();
    w.ok(&root, compromised(&thief, since));
    assert_eq!(
        w.ledger.state().authority("CHILD").unwrap().state,
        AuthorityState::Active
    );
    w.issue(&a, "AUTH1", "X");
    w.issue(&child, "CHILD", "Y");
}

/// Attack 3: a key's declaration about itself always counts against itself, even when the
/// key is then declared compromised by someone else.
#[test]
fn given_a_key_declaring_itself_compromised_then_it_counts_against_itself() {
    let (mut w, _a, thief) = authority_with_a_stolen_key();
    let (own, _) = w.issue(&thief, "AUTH1", "OWN");
    w.advance_days(1);
    w.ok(&thief, compromised(&thief, Timestamp(0)));
    assert_eq!(
        w.ledger.status(&own, w.now()),
        Status::KeyCompromised {
            key: thief.key_id()
        }
    );
    assert_eq!(
        w.ledger.state().compromised_since(&thief.key_id()),
        Some(Timestamp(0))
    );
}

/// Attack 3: two keys of one authority declaring each other compromised: once the first
/// declaration counts, the second key cannot sign, so it cannot answer.
#[test]
fn given_one_key_declaring_its_sibling_compromised_when_the_sibling_answers_then_it_is_refused() {
    let (mut w, a, thief) = authority_with_a_stolen_key();
    w.ok(&a, compromised(&thief, half_a_day_ago(&w)));
    w.advance_days(1);
    refused(&mut w, &thief, compromised(&a, Timestamp(0)), |e| {
        matches!(e, RuleError::KeyCompromised { .. })
    });
}

/// Attack 3, the circle: key A declares key B compromised (x1); key C then voids x1 by
/// declaring A compromised since before it (x2), so B may answer and declares A compromised
/// (x3); the root finally declares C compromised since before x2, which revives x1. Now x1 and
/// x3 each void the other: the earlier declaration wins (SPEC §9), so B is compromised and A
/// is not — one answer, the same however the ledger is read.
#[test]
fn given_two_declarations_voiding_each_other_when_counting_then_the_earlier_wins() {
    let (mut w, a, b) = authority_with_a_stolen_key();
    let c = w.add_key(&a, "AUTH1", 23);
    let (by_a, _) = w.issue(&a, "AUTH1", "BYA");
    w.advance_days(1);
    let before_x1 = w.now();
    w.advance_days(1);
    w.ok(&a, compromised(&b, Timestamp(0)));
    w.advance_days(1);
    w.ok(&c, compromised(&a, before_x1));
    w.advance_days(1);
    w.ok(&b, compromised(&a, Timestamp(0)));
    w.advance_days(1);
    let root = w.root.clone();
    w.ok(&root, compromised(&c, Timestamp(0)));
    let state = w.ledger.state();
    assert_eq!(state.compromised_since(&b.key_id()), Some(Timestamp(0)));
    assert_eq!(state.compromised_since(&a.key_id()), None);
    assert_eq!(w.ledger.status(&by_a, w.now()), Status::Valid);
    // Replay reaches the same answer.
    w.ledger.audit().unwrap();
}

/// Attack 3, root rotation: a rotation retires its own signer (its declaration about itself
/// counts), and what the old key registered before rotating still counts.
#[test]
fn given_a_root_rotation_then_the_old_key_is_retired_and_its_registrations_still_count() {
    let (mut w, a) = World::standard(MemoryStore::new());
    let old = w.root.clone();
    let new = actor(2);
    let message = chancery::event::rotation_message(ORIGIN, &old.key_id(), &new.public_key());
    let acceptance = key(2).sign(chancery::crypto::Domain::KeyRotation, &message);
    w.ok(
        &old,
        Event::RootKeyRotated {
            new_key: new.public_key(),
            acceptance,
        },
    );
    assert_eq!(w.ledger.state().retired_from(&old.key_id()), Some(w.now()));
    w.advance_days(1);
    let (id, _) = w.issue(&a, "AUTH1", "ROTATED");
    assert_eq!(w.ledger.status(&id, w.now()), Status::Valid);
    w.ok(
        &new,
        World::<MemoryStore>::registration("AUTH2", &[&actor(31)], &["T1"], None),
    );
    refused(
        &mut w,
        &old,
        World::<MemoryStore>::registration("AUTH3", &[&actor(32)], &["T1"], None),
        |e| matches!(e, RuleError::KeyRetired { .. }),
    );
}

/// Review of attacks 2 and 3: declarations that attack one another in long lines (a thief
/// moving a point earlier three times, then voided) are decided in dependency order, whatever
/// their number: the thief's declarations stop counting and the honest later one governs.
#[test]
fn given_a_thiefs_repeated_declarations_when_voided_then_the_honest_point_governs() {
    let (mut w, m) = World::standard(MemoryStore::new());
    let m2 = w.add_key(&m, "AUTH1", 21);
    let (k, z) = (actor(30), actor(31));
    w.ok(
        &m,
        World::<MemoryStore>::registration("CHILD", &[&k, &z], &["T1"], Some("AUTH1")),
    );
    w.advance_days(1);
    let t1 = w.now();
    let l = w.add_key(&k, "CHILD", 32);
    w.advance_days(1);
    let t2 = w.now();
    let declare = |key: &Actor, since| Event::AuthorityKeyCompromised {
        authority: "CHILD".into(),
        key: key.key_id(),
        since,
    };
    w.ok(&k, declare(&z, t2));
    w.advance_days(1);
    let before_thief = w.now();
    w.advance_days(1);
    for back in 0..3 {
        w.ok(&m, declare(&k, Timestamp(t1.0 - back)));
    }
    w.compromise(&m2, "AUTH1", &m, before_thief);
    let honest = Timestamp(t1.0 + DAY / 2);
    w.ok(&l, declare(&k, honest));
    let state = w.ledger.state();
    assert_eq!(state.compromised_since(&k.key_id()), Some(honest));
    // K's own declaration about Z came after K's compromise point: it no longer counts.
    assert_eq!(state.compromised_since(&z.key_id()), None);
    let (id, _) = w.issue(&l, "CHILD", "STILL");
    assert_eq!(w.ledger.status(&id, w.now()), Status::Valid);
    w.ledger.audit().unwrap();
}

/// Review of attacks 2 and 3: a chain of 20,000 keys, each added by the one before,
/// is walked without exhausting the stack (replay included).
#[test]
fn given_a_long_chain_of_added_keys_when_checking_and_replaying_then_no_stack_overflow() {
    let (mut w, a) = World::standard(MemoryStore::new());
    let mut last = a.clone();
    for i in 0..20_000u32 {
        let next = Actor::new(
            ORIGIN,
            chancery::SecretKey::from_seed({
                let mut s = [7u8; 32];
                s[..4].copy_from_slice(&i.to_be_bytes());
                s
            }),
        );
        w.ok(
            &last,
            Event::AuthorityKeyAdded {
                authority: "AUTH1".into(),
                key: next.public_key(),
            },
        );
        last = next;
    }
    w.ok(&a, compromised(&last, w.now()));
    let (id, _) = w.issue(&a, "AUTH1", "DEEP");
    assert_eq!(w.ledger.status(&id, w.now()), Status::Valid);
    w.ledger.audit().unwrap();
}

/// Review: a thief's earlier loss report, once voided, leaves the owner's own report in force
/// (every report is kept; the earliest that counts governs).
#[test]
fn given_a_thiefs_earlier_loss_report_when_voided_then_the_owners_report_governs() {
    let (mut w, a, thief) = authority_with_a_stolen_key();
    let owner = w.unit("OWNER", 40);
    let seal = actor(41);
    w.register_seal(&a, "S1", "OWNER", &seal, "AUTH1");
    let before_thief = w.now();
    w.advance_days(2);
    let t3 = w.now();
    w.advance_days(2);
    let t5 = w.now();
    w.advance_days(1);
    let lost = |since| Event::SealReportedLost {
        es_id: "S1".into(),
        since,
        reason: "lost".into(),
    };
    w.ok(&owner, lost(t5));
    w.ok(&thief, lost(t3));
    let root = w.root.clone();
    w.ok(&root, compromised(&thief, before_thief));
    assert_eq!(
        w.ledger.seal_status("S1", w.now()),
        chancery::SealStatus::Lost { since: t5 }
    );
    assert_eq!(w.ledger.state().compromised_since(&seal.key_id()), Some(t5));
}

/// Review: a case opened with a stolen key, once the key is declared compromised since before
/// it, is no longer due for automatic sealing, and the engine's sealing of it is refused.
#[test]
fn given_a_case_opened_with_a_stolen_key_when_declared_then_it_is_not_auto_sealed() {
    let (mut w, a) = World::standard(MemoryStore::new());
    let owner = w.unit("OWNER", 40);
    let stolen = w.add_key(&owner, "OWNER", 43);
    let seal = actor(41);
    let engine = actor(60);
    w.register_seal(&a, "S1", "OWNER", &seal, "AUTH1");
    w.ok(
        &owner,
        World::<MemoryStore>::auto_policy("P1", "S1", "PERMIT", &engine, 10),
    );
    let since = w.now();
    w.advance_days(1);
    w.ok(&stolen, w.case_opening("C1", "PERMIT", 1));
    w.compromise(&owner, "OWNER", &stolen, since);
    w.advance_days(2);
    assert!(w.ledger.due_auto_seals().is_empty());
    let sealing = Event::SealAutoApplied(chancery::event::AutoSealApplication {
        policy: "P1".into(),
        case: "C1".into(),
        document: chancery::crypto::sha256(b"approval"),
    });
    refused(
        &mut w,
        &engine,
        sealing,
        |e| matches!(e, RuleError::OutsidePolicy { what, .. } if what.contains("case")),
    );
}

/// Review: a thief lifts an honest suspension and suspends again; once the thief's key is
/// declared compromised since before, the honest suspension is in force again, and the honest
/// lift lifts it (a lift ends every suspension before it).
#[test]
fn given_a_thiefs_lift_and_suspension_when_voided_then_the_honest_lift_ends_the_honest_suspension()
{
    let (mut w, a, thief) = authority_with_a_stolen_key();
    let (id, _) = w.issue(&a, "AUTH1", "L1");
    let suspend = |license: &chancery::LicenseId| Event::LicenseSuspended {
        license: license.clone(),
        reason: "inspection".into(),
    };
    w.ok(&a, suspend(&id));
    let since = w.now();
    w.advance_days(1);
    w.ok(
        &thief,
        Event::LicenseSuspensionLifted {
            license: id.clone(),
        },
    );
    w.ok(&thief, suspend(&id));
    let root = w.root.clone();
    w.ok(&root, compromised(&thief, since));
    assert_eq!(w.ledger.status(&id, w.now()), Status::Suspended);
    w.ok(
        &a,
        Event::LicenseSuspensionLifted {
            license: id.clone(),
        },
    );
    assert_eq!(w.ledger.status(&id, w.now()), Status::Valid);
    let (next, _) = w.succession(&id, Some(400));
    w.ok(&a, Event::LicenseAmended(next));
    w.ledger.audit().unwrap();
}

/// A ledger with three root keys (seeds 1, 2, 3; seed 1 signs the genesis) and AUTH1.
fn three_roots() -> (World<MemoryStore>, [Actor; 3]) {
    let roots = [actor(1), actor(2), actor(3)];
    let clock = chancery::ManualClock::new(T0);
    let genesis = roots[0].sign(
        Event::LedgerCreated {
            root_keys: roots.iter().map(Actor::public_key).collect(),
            policy: chancery::event::Policy::default(),
        },
        T0,
    );
    let ledger = chancery::Ledger::create(MemoryStore::new(), genesis, clock.clone()).unwrap();
    let w = World {
        clock,
        root: roots[0].clone(),
        ledger,
    };
    (w, roots)
}

/// Root key `key` declared compromised since `since`, cosigned by `cosigners`.
fn root_compromised(key: &Actor, since: Timestamp, cosigners: &[&Actor]) -> Event {
    let message = chancery::event::root_compromise_message(ORIGIN, &key.key_id(), since);
    Event::RootKeyCompromised {
        key: key.key_id(),
        since,
        cosignatures: cosigners
            .iter()
            .map(|a| chancery::event::Cosignature {
                key: a.key_id(),
                signature: common::key(seed_of(a.key_id()).unwrap())
                    .sign(chancery::crypto::Domain::RootCompromise, &message),
            })
            .collect(),
    }
}

/// Issue 12: a root key is declared compromised by a majority of the other root keys (the
/// signer and its cosigners); one other key alone, the key itself, or a cosignature over
/// another declaration is refused. Once declared, what it signed since stops counting and it
/// no longer signs checkpoints.
#[test]
fn given_three_root_keys_when_two_declare_the_third_compromised_then_it_stops_counting() {
    let (mut w, [r1, r2, r3]) = three_roots();
    let since = w.now();
    w.advance_days(1);
    let stolen = actor(10);
    w.ok(
        &r1,
        World::<MemoryStore>::registration("FAKE", &[&stolen], &["T1"], None),
    );
    // One of the three is no majority.
    refused(&mut w, &r2, root_compromised(&r1, since, &[]), |e| {
        matches!(e, RuleError::NoMajority { signed: 1, of: 3 })
    });
    // The key itself may not sign or cosign it; a cosignature over another point is refused.
    refused(&mut w, &r1, root_compromised(&r1, since, &[&r2]), |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
    refused(&mut w, &r2, root_compromised(&r1, since, &[&r1]), |e| {
        matches!(e, RuleError::Invalid(Invalid::RootCompromiseCosignature))
    });
    let Event::RootKeyCompromised { cosignatures, .. } =
        root_compromised(&r1, Timestamp(since.0 + 1), &[&r3])
    else {
        unreachable!()
    };
    refused(
        &mut w,
        &r2,
        Event::RootKeyCompromised {
            key: r1.key_id(),
            since,
            cosignatures,
        },
        |e| matches!(e, RuleError::Invalid(Invalid::RootCompromiseCosignature)),
    );
    // The thief holding r1 cannot end an honest key alone either.
    refused(&mut w, &r1, root_compromised(&r2, since, &[]), |e| {
        matches!(e, RuleError::NoMajority { .. })
    });
    w.ok(&r2, root_compromised(&r1, since, &[&r3]));
    // Now two root keys may sign: one of them alone cannot end the other.
    refused(&mut w, &r2, root_compromised(&r3, since, &[]), |e| {
        matches!(e, RuleError::NoMajority { signed: 1, of: 2 })
    });
    let state = w.ledger.state();
    assert_eq!(state.compromised_since(&r1.key_id()), Some(since));
    assert!(!state.root_keys().contains(&r1.public_key()));
    assert_eq!(state.root_keys().len(), 2);
    refused(
        &mut w,
        &stolen,
        Event::LicenseTypeDefined {
            code: "T1".into(),
            name: "x".into(),
            claim_names: vec![],
        },
        |e| matches!(e, RuleError::IntroducedUnderCompromise { .. }),
    );
    refused(
        &mut w,
        &r1,
        World::<MemoryStore>::registration("MORE", &[&actor(11)], &["T1"], None),
        |e| matches!(e, RuleError::KeyCompromised { .. }),
    );
    w.ledger.audit().unwrap();
}

/// Issue 12: a single-root ledger cannot declare its root compromised in the ledger (SPEC §8:
/// only trust lists can end it).
#[test]
fn given_a_single_root_when_declaring_it_compromised_then_it_is_refused() {
    let (mut w, _) = World::standard(MemoryStore::new());
    let root = w.root.clone();
    let declaration = root_compromised(&root, w.now(), &[]);
    refused(&mut w, &root, declaration, |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
}

/// Review: uses recorded with a relying party's stolen key, once the key is declared
/// compromised since before them, no longer spend the consent.
#[test]
fn given_uses_recorded_with_a_stolen_key_when_declared_then_the_uses_are_back() {
    use chancery::event::{UseRecord, UseResult};
    let (mut w, a) = World::standard(MemoryStore::new());
    let bank = w.unit("BANK", 40);
    let stolen = w.add_key(&bank, "BANK", 43);
    let (id, _) = w.issue(&a, "AUTH1", "L1");
    let holder = w.bind_holder(&a, &id, 70);
    let grant = w.sign(
        &holder,
        Event::UseAuthorized(w.consent(&id, "BANK", "LOAN", 30, 1)),
    );
    w.ledger.append(grant.clone()).unwrap();
    let since = w.now();
    w.advance_days(1);
    let record = |case: &str| {
        Event::UseRecorded(UseRecord {
            license: id.clone(),
            consent: grant.id(),
            service_item: "LOAN".into(),
            case: case.into(),
            result: UseResult::Accepted,
        })
    };
    w.ok(&stolen, record("THIEF"));
    assert_eq!(w.ledger.uses_left(&grant.id()), 0);
    w.compromise(&bank, "BANK", &stolen, since);
    assert_eq!(w.ledger.uses_left(&grant.id()), 1);
    w.ok(&bank, record("HONEST"));
    assert_eq!(w.ledger.uses_left(&grant.id()), 0);
}

/// Review: in a ledger of two root keys, neither can end the other alone (a thief holding one
/// would otherwise void the other's whole history).
#[test]
fn given_two_root_keys_when_one_declares_the_other_compromised_then_it_is_refused() {
    let (mut w, [r1, r2, _]) = three_roots();
    let since = w.now();
    w.advance_days(1);
    w.ok(&r1, root_compromised(&actor(3), since, &[&r2]));
    refused(&mut w, &r1, root_compromised(&r2, since, &[]), |e| {
        matches!(e, RuleError::NoMajority { signed: 1, of: 2 })
    });
}

/// Review of attack 7: a registrar above the owner (which may add keys to it) adds a key to
/// the owner and accepts the seal with it: refused, only the owner's registered keys or keys
/// the owner added itself accept for it.
#[test]
fn given_a_registrar_above_the_owner_when_it_accepts_with_a_key_it_added_then_refused() {
    let (mut w, registrar) = World::standard(MemoryStore::new());
    let owner = actor(40);
    w.ok(
        &registrar,
        World::<MemoryStore>::registration("OWNER", &[&owner], &[], Some("AUTH1")),
    );
    let planted = w.add_key(&registrar, "OWNER", 44);
    let seal = actor(41);
    let terms = w.seal_terms("S1", "OWNER", &seal, "AUTH1");
    let event = Event::SealRegistered(Box::new(planted.accept_seal(terms.clone(), &seal)));
    refused(
        &mut w,
        &registrar,
        event,
        |e| matches!(e, RuleError::SealNotAccepted { what, .. } if what.contains("added by another")),
    );
    // Nor one step removed: a key the planted key added (signed as the owner) does not
    // accept either, since it too comes from the registrar's addition.
    let laundered = w.add_key(&planted, "OWNER", 46);
    let event = Event::SealRegistered(Box::new(laundered.accept_seal(terms.clone(), &seal)));
    refused(
        &mut w,
        &registrar,
        event,
        |e| matches!(e, RuleError::SealNotAccepted { what, .. } if what.contains("added by another")),
    );
    let own = w.add_key(&owner, "OWNER", 45);
    w.ok(
        &registrar,
        Event::SealRegistered(Box::new(own.accept_seal(terms, &seal))),
    );
}

/// Review (issue 13): the operator keys a trust list names follow what counts: a root key
/// brought in by a rotation that no longer counts is left out, and a compromised root key is
/// named until its compromise point (what it registered before still presents).
#[test]
fn given_a_voided_rotation_and_a_compromised_root_when_listing_operator_keys_then_they_follow_what_counts(
) {
    let (mut w, [r1, r2, r3]) = three_roots();
    w.advance_days(1);
    let since = w.now();
    w.advance_days(1);
    let thief = actor(9);
    let message = chancery::event::rotation_message(ORIGIN, &r1.key_id(), &thief.public_key());
    w.ok(
        &r1,
        Event::RootKeyRotated {
            new_key: thief.public_key(),
            acceptance: key(9).sign(chancery::crypto::Domain::KeyRotation, &message),
        },
    );
    w.ok(&r2, root_compromised(&r1, since, &[&r3]));
    let keys = w.ledger.operator_keys().unwrap();
    assert!(keys.iter().all(|k| k.key != thief.public_key()), "{keys:?}");
    let old = keys.iter().find(|k| k.key == r1.public_key()).unwrap();
    assert_eq!((old.valid_from, old.valid_until), (T0, Some(since)));
    assert_eq!(keys.len(), 3);
}

/// Issue 13, attack 11: an operator key added by a root key declared compromised since before
/// the addition does not count: it signs no checkpoint, and root keys sign them again.
#[test]
fn given_an_operator_key_added_by_a_compromised_root_when_counting_then_it_signs_no_checkpoint() {
    let (mut w, [r1, r2, r3]) = three_roots();
    let since = w.now();
    w.clock.advance(1);
    w.add_operator_key(40);
    assert_eq!(
        w.ledger.state().checkpoint_keys(w.now()),
        vec![common::key(40).public_key()]
    );
    w.ok(&r2, root_compromised(&r1, since, &[&r3]));
    let keys = w.ledger.state().checkpoint_keys(w.now());
    assert!(!keys.contains(&common::key(40).public_key()), "{keys:?}");
    assert!(!keys.contains(&r1.public_key()));
    assert!(keys.contains(&r2.public_key()));
}

/// Review of issue 14: the operator's checkpoint log is checked against every key that ever
/// signed checkpoints ("did we sign this"), so once a root key is declared compromised the
/// checkpoint it signed before does not stop the others from signing for ever.
#[test]
fn given_a_checkpoint_by_a_root_key_since_declared_compromised_when_another_signs_then_it_is_kept()
{
    let (mut w, [r1, r2, r3]) = three_roots();
    let mut log = chancery::MemoryCheckpointLog::new();
    w.ledger.sign_checkpoint(&key(1), &mut log).unwrap();
    let since = w.now();
    w.advance_days(1);
    w.ok(&r2, root_compromised(&r1, since, &[&r3]));
    let signed = w.ledger.sign_checkpoint(&key(2), &mut log).unwrap();
    assert_eq!(signed.checkpoint.size, w.ledger.len());
    assert_eq!(chancery::CheckpointLog::checkpoints(&log).unwrap().len(), 2);
}
