//! Given/when/then tests of every seal rule, sealed-document verification on both sides of
//! every boundary, and key compromise cut-over for seals and authorities, in append and in
//! replay.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::crypto::sha256;
use chancery::event::{AuthorityRegistration, SealRegistration, SealTerms};
use chancery::state::RuleError;
use chancery::{
    Actor, Event, InvalidReason, Ledger, ManualClock, MemoryStore, SealStatus, Timestamp, Verdict,
};
use common::*;

type W = World<MemoryStore>;

/// A root, registrar AUTH1 (seed 10, may register seals), owner unit OWNER (seed 20), another
/// unit OTHER (seed 21), and seal S1 of OWNER (key seed 40) registered by AUTH1.
struct Fixture {
    w: W,
    registrar: Actor,
    owner: Actor,
    other: Actor,
    seal: Actor,
}

fn fixture() -> Fixture {
    let (mut w, registrar) = W::standard(MemoryStore::new());
    let owner = w.unit("OWNER", 20);
    let other = w.unit("OTHER", 21);
    let seal = actor(40);
    w.register_seal(&registrar, "S1", "OWNER", &seal, "AUTH1");
    Fixture {
        w,
        registrar,
        owner,
        other,
        seal,
    }
}

fn reopened(w: &W) -> Ledger<MemoryStore> {
    Ledger::open_verified(w.ledger.store().clone(), ManualClock::new(w.now())).unwrap()
}

fn not_active(status: fn(&SealStatus) -> bool) -> impl Fn(&RuleError) -> bool {
    move |e| matches!(e, RuleError::SealNotActive { status: s, .. } if status(s))
}

#[test]
fn seal_registration_rules() {
    let Fixture {
        mut w,
        registrar,
        owner,
        ..
    } = fixture();
    let root = w.root.clone();
    let fresh = actor(41);
    let good = w.seal_registration("S2", "OWNER", &fresh, "AUTH1");
    let with = |f: &dyn Fn(&mut SealTerms)| {
        let mut r = good.terms.clone();
        f(&mut r);
        Event::SealRegistered(Box::new(owner.accept_seal(r, &fresh)))
    };
    // Only an authority with seal-registration rights, naming itself as registrar.
    let nodel = actor(16);
    w.ok(
        &root,
        Event::AuthorityRegistered(AuthorityRegistration {
            code: "NOSEAL".into(),
            name: "No seal rights".into(),
            parent: None,
            keys: vec![nodel.public_key()],
            license_types: vec![],
            may_register_seals: false,
            may_delegate: false,
        }),
    );
    let by_noseal = with(&|r| r.registrar = "NOSEAL".into());
    refused(&mut w, &nodel, by_noseal, |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
    let other_registrar = with(&|r| r.registrar = "NOSEAL".into());
    refused(&mut w, &registrar, other_registrar, |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
    refused(&mut w, &root, good_event(&good), |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
    // The esID is a valid code, and unique.
    refused(&mut w, &registrar, with(&|r| r.es_id = "s 2".into()), |e| {
        matches!(e, RuleError::Invalid { .. })
    });
    refused(&mut w, &registrar, with(&|r| r.es_id = "S1".into()), |e| {
        matches!(e, RuleError::DuplicateSeal(_))
    });
    // The owner is a registered, active unit and the name is its filed name.
    refused(
        &mut w,
        &registrar,
        with(&|r| r.owner = "NOBODY".into()),
        |e| matches!(e, RuleError::UnknownAuthority(_)),
    );
    refused(
        &mut w,
        &registrar,
        with(&|r| r.name = "Someone else".into()),
        |e| matches!(e, RuleError::Invalid { .. }),
    );
    refused(&mut w, &registrar, with(&|r| r.seal_type.clear()), |e| {
        matches!(e, RuleError::Invalid { .. })
    });
    let (from, until) = (good.valid_from, Some(good.valid_from));
    refused(
        &mut w,
        &registrar,
        with(&|r| {
            r.valid_from = from;
            r.valid_until = until;
        }),
        |e| matches!(e, RuleError::InvalidValidity),
    );
    // The seal key is fresh: not an authority's, not another seal's.
    let taken = w.seal_registration("S2", "OWNER", &registrar, "AUTH1");
    refused(
        &mut w,
        &registrar,
        Event::SealRegistered(Box::new(taken)),
        |e| matches!(e, RuleError::DuplicateKey(_)),
    );
    // When all holds, it is accepted and the seal is active.
    w.ok(&registrar, good_event(&good));
    assert_eq!(w.ledger.seal_status("S2", w.now()), SealStatus::Active);
    // A suspended owner gets no new seal.
    w.ok(
        &root,
        Event::AuthoritySuspended {
            authority: "OWNER".into(),
            reason: "inspection".into(),
        },
    );
    let s3 = w.seal_registration("S3", "OWNER", &actor(42), "AUTH1");
    refused(
        &mut w,
        &registrar,
        Event::SealRegistered(Box::new(s3)),
        |e| matches!(e, RuleError::AuthorityNotActive { .. }),
    );
}

fn good_event(r: &SealRegistration) -> Event {
    Event::SealRegistered(Box::new(r.clone()))
}

#[test]
fn seal_life_cycle() {
    let Fixture {
        mut w,
        registrar,
        owner,
        other,
        seal,
    } = fixture();
    let ev = |es: &str| Event::SealSuspended {
        es_id: es.into(),
        reason: "audit".into(),
    };
    // Given an active seal, when it is applied, it is accepted.
    w.ok(&seal, W::application("S1", b"doc 1", "CASE-1"));
    // Only the seal's key applies it; the seal's key does nothing else.
    refused(&mut w, &owner, W::application("S1", b"doc", "C"), |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
    refused(&mut w, &seal, ev("S1"), |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
    refused(&mut w, &seal, W::application("S1", b"doc", ""), |e| {
        matches!(e, RuleError::Invalid { .. })
    });
    // Another seal's application signed with this seal's key names the mismatch.
    refused(
        &mut w,
        &seal,
        W::application("S9", b"doc", "C"),
        |e| matches!(e, RuleError::SealKeyMismatch { key_of, seal } if key_of == "S1" && seal == "S9"),
    );
    // Neither another unit nor an unknown seal can be managed.
    refused(&mut w, &other, ev("S1"), |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
    refused(&mut w, &owner, ev("S9"), |e| {
        matches!(e, RuleError::UnknownSeal(_))
    });
    // Suspended: not applicable, not suspendable again; resumed: applicable again.
    w.ok(&owner, ev("S1"));
    refused(
        &mut w,
        &seal,
        W::application("S1", b"doc 2", "C"),
        not_active(|s| *s == SealStatus::Suspended),
    );
    refused(&mut w, &registrar, ev("S1"), |e| {
        matches!(e, RuleError::SealState { .. })
    });
    w.ok(&registrar, Event::SealResumed { es_id: "S1".into() });
    refused(
        &mut w,
        &owner,
        Event::SealResumed { es_id: "S1".into() },
        |e| matches!(e, RuleError::SealState { .. }),
    );
    w.ok(&seal, W::application("S1", b"doc 2", "CASE-2"));
    // A loss cannot be dated after its report.
    let future = w.now().plus_millis(10_000);
    refused(
        &mut w,
        &owner,
        Event::SealReportedLost {
            es_id: "S1".into(),
            since: future,
            reason: "lost".into(),
        },
        |e| matches!(e, RuleError::Invalid { .. }),
    );
    let now = w.now();
    w.ok(
        &owner,
        Event::SealReportedLost {
            es_id: "S1".into(),
            since: now,
            reason: "lost".into(),
        },
    );
    // After the loss the seal's key is compromised: refused as a lost seal.
    refused(
        &mut w,
        &seal,
        W::application("S1", b"doc 3", "C"),
        not_active(|s| matches!(s, SealStatus::Lost { .. })),
    );
    refused(
        &mut w,
        &owner,
        Event::SealReportedLost {
            es_id: "S1".into(),
            since: now,
            reason: "again".into(),
        },
        |e| matches!(e, RuleError::SealState { .. }),
    );
    // Cancelled: nobody manages it any more, but it can still be found unlawful.
    w.ok(
        &owner,
        Event::SealCancelled {
            es_id: "S1".into(),
            reason: "closed".into(),
        },
    );
    for e in [
        ev("S1"),
        Event::SealResumed { es_id: "S1".into() },
        Event::SealCancelled {
            es_id: "S1".into(),
            reason: "x".into(),
        },
    ] {
        refused(&mut w, &registrar, e, |e| {
            matches!(e, RuleError::SealState { .. })
        });
    }
    let invalidate = Event::SealInvalidated {
        es_id: "S1".into(),
        reason: "forged filing".into(),
    };
    refused(&mut w, &owner, invalidate.clone(), |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
    w.ok(&registrar, invalidate.clone());
    let root = w.root.clone();
    refused(&mut w, &root, invalidate, |e| {
        matches!(e, RuleError::SealState { .. })
    });
    assert_eq!(w.ledger.seal_status("S1", T0), SealStatus::Invalidated);
}

#[test]
fn remade_seal_supersedes_the_old_one() {
    let Fixture {
        mut w,
        registrar,
        owner,
        seal,
        ..
    } = fixture();
    w.ok(&seal, W::application("S1", b"before remake", "C1"));
    let new_key = actor(43);
    let remade = w.seal_registration("S1B", "OWNER", &new_key, "AUTH1");
    // The owner cannot remake (no registration rights); the owner must stay the same.
    refused(
        &mut w,
        &owner,
        Event::SealRemade {
            old: "S1".into(),
            registration: Box::new(remade.clone()),
        },
        |e| matches!(e, RuleError::Unauthorized { .. }),
    );
    let mut foreign = remade.terms.clone();
    foreign.owner = "OTHER".into();
    foreign.name = "Authority OTHER".into();
    let foreign = w.accepted(foreign);
    refused(
        &mut w,
        &registrar,
        Event::SealRemade {
            old: "S1".into(),
            registration: Box::new(foreign),
        },
        |e| matches!(e, RuleError::Invalid { .. }),
    );
    w.ok(
        &registrar,
        Event::SealRemade {
            old: "S1".into(),
            registration: Box::new(remade),
        },
    );
    refused(
        &mut w,
        &seal,
        W::application("S1", b"after", "C2"),
        not_active(|s| matches!(s, SealStatus::Superseded { by, .. } if by == "S1B")),
    );
    w.ok(&new_key, W::application("S1B", b"after", "C2"));
    let at = w.now();
    assert!(w
        .ledger
        .verify_document(b"before remake", at)
        .verdict
        .is_valid());
    assert!(w.ledger.verify_document(b"after", at).verdict.is_valid());
}

#[test]
fn validity_window_and_authorities_at_sealing_time() {
    let Fixture {
        mut w,
        registrar,
        owner,
        ..
    } = fixture();
    let root = w.root.clone();
    let key = actor(44);
    let mut r = w.seal_terms("S2", "OWNER", &key, "AUTH1");
    let start = w.now().plus_days(1);
    let end = start.plus_days(10);
    r.valid_from = start;
    r.valid_until = Some(end);
    let r = w.accepted(r);
    w.ok(&registrar, Event::SealRegistered(Box::new(r)));
    // One millisecond before the window: refused; at its start: accepted. (`append` signs at
    // the clock's time and records 1 ms later.)
    w.clock.set(Timestamp(start.0 - 2));
    refused(
        &mut w,
        &key,
        W::application("S2", b"early", "C"),
        not_active(|s| *s == SealStatus::NotYetValid),
    );
    w.clock.set(Timestamp(start.0 - 1));
    w.ok(&key, W::application("S2", b"first day", "C"));
    // At the end of the window (exclusive): refused; one millisecond before: accepted.
    w.clock.set(Timestamp(end.0 - 2));
    w.ok(&key, W::application("S2", b"last moment", "C"));
    w.clock.set(Timestamp(end.0 - 1));
    refused(
        &mut w,
        &key,
        W::application("S2", b"late", "C"),
        not_active(|s| *s == SealStatus::Expired),
    );
    // Documents sealed inside the window stay valid after it.
    let later = w.now().plus_days(100);
    w.clock.set(later);
    assert!(w
        .ledger
        .verify_document(b"last moment", later)
        .verdict
        .is_valid());
    // A suspended owner or registrar stops every application of the seal.
    let _ = owner;
    let r2 = w.seal_registration("S3", "OWNER", &actor(45), "AUTH1");
    w.ok(&registrar, Event::SealRegistered(Box::new(r2)));
    for unit in ["OWNER", "AUTH1"] {
        w.ok(
            &root,
            Event::AuthoritySuspended {
                authority: unit.into(),
                reason: "inspection".into(),
            },
        );
        refused(&mut w, &actor(45), W::application("S3", b"x", "C"), |e| {
            matches!(e, RuleError::AuthorityNotActive { .. })
        });
        w.ok(
            &root,
            Event::AuthorityReinstated {
                authority: unit.into(),
            },
        );
    }
    w.ok(&actor(45), W::application("S3", b"x", "C"));
}

/// Verdicts of documents sealed on both sides of a loss, and after an invalidation; the
/// replayed ledger gives the same verdicts.
#[test]
fn loss_cuts_over_at_its_time_and_invalidation_voids_everything() {
    let Fixture {
        mut w,
        registrar,
        owner,
        seal,
        ..
    } = fixture();
    w.ok(&seal, W::application("S1", b"doc A", "C1"));
    let lost_at = w.now().plus_millis(1000);
    // (`append` signs at the clock's time and records 1 ms later.)
    w.clock.set(Timestamp(lost_at.0 - 2));
    w.ok(&seal, W::application("S1", b"doc B", "C2"));
    // Sealed at the loss time, before anyone reported it: accepted then...
    w.clock.set(Timestamp(lost_at.0 - 1));
    w.ok(&seal, W::application("S1", b"doc C", "C3"));
    w.advance_days(1);
    w.ok(
        &owner,
        Event::SealReportedLost {
            es_id: "S1".into(),
            since: lost_at,
            reason: "stolen".into(),
        },
    );
    // ...and invalid once the loss is known; a new application is refused.
    refused(
        &mut w,
        &seal,
        W::application("S1", b"doc D", "C4"),
        not_active(|s| matches!(s, SealStatus::Lost { .. })),
    );
    let now = w.now();
    let reports = |l: &Ledger<MemoryStore>| {
        [b"doc A".as_slice(), b"doc B", b"doc C", b"doc D"]
            .map(|d| l.verify_document(d, now).verdict)
    };
    let verdicts = reports(&w.ledger);
    assert!(verdicts[0].is_valid() && verdicts[1].is_valid());
    assert!(matches!(
        &verdicts[2],
        Verdict::Invalid(InvalidReason::SealNotActive { status: SealStatus::Lost { since }, .. }) if *since == lost_at
    ));
    assert_eq!(verdicts[3], Verdict::Invalid(InvalidReason::NotSealed));
    assert_eq!(reports(&reopened(&w)), verdicts);
    // The report names seal, owner, time and position.
    let report = w.ledger.verify_document(b"doc B", now);
    let s = &report.sealings[0];
    assert_eq!((s.es_id.as_str(), s.owner.as_str()), ("S1", "OWNER"));
    assert_eq!(s.sealed_at, Timestamp(lost_at.0 - 1));
    assert_eq!(w.ledger.entry(s.seq).unwrap().ledger_time, s.sealed_at);
    assert_eq!(s.operator.as_deref(), Some("clerk-07"));
    assert!(s.automatic.is_none());
    // Reference times: before the sealing it is not sealed yet; after now, indeterminate.
    assert_eq!(
        w.ledger.verify_document(b"doc A", T0).verdict,
        Verdict::Invalid(InvalidReason::NotSealed)
    );
    assert!(matches!(
        w.ledger.verify_document(b"doc A", now.plus_days(1)).verdict,
        Verdict::Indeterminate(_)
    ));
    // Invalidation makes every use invalid, before and after the loss.
    w.ok(
        &registrar,
        Event::SealInvalidated {
            es_id: "S1".into(),
            reason: "made without filing".into(),
        },
    );
    let now = w.now();
    for d in [b"doc A".as_slice(), b"doc B"] {
        assert!(matches!(
            w.ledger.verify_document(d, now).verdict,
            Verdict::Invalid(InvalidReason::SealNotActive {
                status: SealStatus::Invalidated,
                ..
            })
        ));
    }
    assert_eq!(reports(&reopened(&w)), reports(&w.ledger));
}

#[test]
fn cancellation_keeps_earlier_documents_valid() {
    let Fixture {
        mut w, owner, seal, ..
    } = fixture();
    w.ok(&seal, W::application("S1", b"contract", "C1"));
    w.ok(
        &owner,
        Event::SealCancelled {
            es_id: "S1".into(),
            reason: "unit merged".into(),
        },
    );
    refused(
        &mut w,
        &seal,
        W::application("S1", b"late", "C2"),
        not_active(|s| matches!(s, SealStatus::Cancelled { .. })),
    );
    let now = w.now();
    assert!(w
        .ledger
        .verify_document(b"contract", now)
        .verdict
        .is_valid());
    assert!(matches!(
        w.ledger.seal_status("S1", now),
        SealStatus::Cancelled { .. }
    ));
    // A document sealed twice by the same seal lists both sealings.
    let s2 = actor(46);
    let reg = w.seal_registration("S2", "OWNER", &s2, "AUTH1");
    w.ok(&actor(10), Event::SealRegistered(Box::new(reg)));
    w.ok(&s2, W::application("S2", b"twice", "C3"));
    w.ok(&s2, W::application("S2", b"twice", "C4"));
    let report = w.ledger.verify_document(b"twice", w.now());
    assert_eq!(report.sealings.len(), 2);
    assert!(report.verdict.is_valid());
    assert_eq!(w.ledger.state().seal_uses("S2").len(), 2);
    assert_eq!(report.document, sha256(b"twice"));
}

/// An authority key declared compromised since a point: a seal registered with it before that
/// point stays good, one registered at or after it is void, with every use; append refuses the
/// key from the point on. Checked in the live ledger and after replay.
#[test]
fn registrar_key_compromise_cuts_over() {
    let Fixture {
        mut w, registrar, ..
    } = fixture();
    let root = w.root.clone();
    let (k_before, k_after) = (actor(47), actor(48));
    let r = w.seal_registration("S2", "OWNER", &k_before, "AUTH1");
    w.ok(&registrar, Event::SealRegistered(Box::new(r)));
    let point = w.now();
    let r = w.seal_registration("S3", "OWNER", &k_after, "AUTH1");
    w.ok(&registrar, Event::SealRegistered(Box::new(r)));
    w.ok(&k_before, W::application("S2", b"by S2", "C"));
    w.ok(&k_after, W::application("S3", b"by S3", "C"));
    // A second key to keep AUTH1 working after the compromise.
    let spare = actor(49);
    w.ok(
        &root,
        Event::AuthorityKeyAdded {
            authority: "AUTH1".into(),
            key: spare.public_key(),
        },
    );
    w.compromise(&root, "AUTH1", &registrar, Timestamp(point.0 + 1));
    let check = |l: &Ledger<MemoryStore>| {
        let now = l.now();
        assert_eq!(l.seal_status("S2", now), SealStatus::Active);
        assert!(matches!(
            l.seal_status("S3", now),
            SealStatus::RegistrationVoid { .. }
        ));
        assert!(l.verify_document(b"by S2", now).verdict.is_valid());
        assert!(matches!(
            l.verify_document(b"by S3", now).verdict,
            Verdict::Invalid(InvalidReason::SealNotActive { .. })
        ));
    };
    check(&w.ledger);
    check(&reopened(&w));
    // The compromised key can register nothing more; the spare can.
    let r = w.seal_registration("S4", "OWNER", &actor(50), "AUTH1");
    refused(
        &mut w,
        &registrar,
        Event::SealRegistered(Box::new(r.clone())),
        |e| matches!(e, RuleError::KeyCompromised { .. }),
    );
    w.ok(&spare, Event::SealRegistered(Box::new(r)));
}

#[test]
fn engine_and_holder_keys_sign_only_their_own_events() {
    let Fixture { mut w, owner, .. } = fixture();
    let engine = actor(60);
    w.ok(&owner, W::auto_policy("P1", "S1", "PERMIT", &engine, 20));
    for e in [
        W::application("S1", b"x", "C"),
        Event::SealSuspended {
            es_id: "S1".into(),
            reason: "x".into(),
        },
        Event::AuthorityReinstated {
            authority: "OWNER".into(),
        },
    ] {
        refused(&mut w, &engine, e, |e| {
            matches!(e, RuleError::Unauthorized { .. })
        });
    }
}

/// OWNER grants policy P1 (engine seed 60, case type PERMIT, 20 days) for seal S1 and opens
/// case CASE-1 with a 10-day deadline.
fn auto_fixture() -> (Fixture, Actor, Timestamp) {
    let mut f = fixture();
    let engine = actor(60);
    let owner = f.owner.clone();
    f.w.ok(&owner, W::auto_policy("P1", "S1", "PERMIT", &engine, 20));
    let opening = f.w.case_opening("CASE-1", "PERMIT", 10);
    let Event::CaseOpened(c) = &opening else {
        unreachable!()
    };
    let deadline = c.deadline;
    f.w.ok(&owner, opening);
    (f, engine, deadline)
}

fn auto(policy: &str, case: &str, document: &[u8]) -> Event {
    Event::SealAutoApplied(chancery::event::AutoSealApplication {
        policy: policy.into(),
        case: case.into(),
        document: sha256(document),
    })
}

#[test]
fn auto_seal_policy_and_case_rules() {
    let (f, engine, _) = auto_fixture();
    let Fixture {
        mut w,
        registrar,
        owner,
        other,
        ..
    } = f;
    // Only the seal's owner grants a policy, with a fresh id, case types, a legal basis and a
    // period; the engine key may serve several policies but may not be anyone else's key.
    type Want = fn(&RuleError) -> bool;
    let table: [(&Actor, Event, Want); 5] = [
        (
            &registrar,
            W::auto_policy("P2", "S1", "PERMIT", &engine, 20),
            |e| matches!(e, RuleError::Unauthorized { .. }),
        ),
        (
            &owner,
            W::auto_policy("P1", "S1", "PERMIT", &engine, 20),
            |e| matches!(e, RuleError::DuplicatePolicy(_)),
        ),
        (&owner, W::auto_policy("P2", "S1", "", &engine, 20), |e| {
            matches!(e, RuleError::Invalid { .. })
        }),
        (
            &owner,
            W::auto_policy("P2", "S1", "PERMIT", &engine, 0),
            |e| matches!(e, RuleError::Invalid { .. }),
        ),
        (
            &owner,
            W::auto_policy("P2", "S1", "PERMIT", &registrar, 20),
            |e| matches!(e, RuleError::DuplicateKey(_)),
        ),
    ];
    for (by, event, want) in table {
        refused(&mut w, by, event, want);
    }
    w.ok(&owner, W::auto_policy("P2", "S1", "LICENCE", &engine, 20));
    // Cases: a fresh reference and a deadline after the opening.
    let dup = w.case_opening("CASE-1", "PERMIT", 10);
    refused(&mut w, &owner, dup, |e| {
        matches!(e, RuleError::DuplicateCase(_))
    });
    let past = w.case_opening("CASE-2", "PERMIT", 0);
    refused(&mut w, &owner, past, |e| {
        matches!(e, RuleError::Invalid { .. })
    });
    // Only the unit that opened the case decides it, once.
    let decide = |outcome: &str| Event::CaseDecided {
        case: "CASE-1".into(),
        outcome: outcome.into(),
    };
    refused(&mut w, &other, decide("approved"), |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
    refused(&mut w, &owner, decide(""), |e| {
        matches!(e, RuleError::Invalid { .. })
    });
    w.ok(&owner, decide("approved"));
    refused(&mut w, &owner, decide("rejected"), |e| {
        matches!(e, RuleError::CaseClosed(_))
    });
    // Revocation: by the owner, once.
    let revoke = Event::AutoSealPolicyRevoked {
        policy: "P2".into(),
    };
    refused(&mut w, &other, revoke.clone(), |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
    w.ok(&owner, revoke.clone());
    refused(&mut w, &owner, revoke, |e| {
        matches!(e, RuleError::PolicyRevoked(_))
    });
}

#[test]
fn automatic_sealing_only_after_the_deadline_of_an_undecided_case_under_policy() {
    let (f, engine, deadline) = auto_fixture();
    let Fixture { mut w, owner, .. } = f;
    // Nothing is due before the deadline, and the engine is refused one millisecond before it.
    assert!(w.ledger.due_auto_seals().is_empty());
    w.clock.set(Timestamp(deadline.0 - 2));
    refused(&mut w, &engine, auto("P1", "CASE-1", b"approval"), |e| {
        matches!(e, RuleError::DeadlineNotPassed { .. })
    });
    // At the deadline it is due and accepted; the citation is in the verification.
    w.clock.set(deadline);
    let due = w.ledger.due_auto_seals();
    assert_eq!(due.len(), 1);
    assert_eq!(
        (
            due[0].policy.as_str(),
            due[0].case.as_str(),
            due[0].es_id.as_str()
        ),
        ("P1", "CASE-1", "S1")
    );
    assert_eq!(due[0].engine, engine.key_id());
    w.clock.set(Timestamp(deadline.0 - 1));
    // Another key (even the seal's own) cannot act under the policy.
    refused(&mut w, &actor(61), auto("P1", "CASE-1", b"approval"), |e| {
        matches!(e, RuleError::UnknownKey(_))
    });
    let seal = actor(40);
    refused(&mut w, &seal, auto("P1", "CASE-1", b"approval"), |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
    w.ok(&engine, auto("P1", "CASE-1", b"approval"));
    assert!(w.ledger.due_auto_seals().is_empty());
    // Once sealed the case is closed: no second sealing, no decision.
    refused(&mut w, &engine, auto("P1", "CASE-1", b"approval"), |e| {
        matches!(e, RuleError::CaseClosed(_))
    });
    refused(
        &mut w,
        &owner,
        Event::CaseDecided {
            case: "CASE-1".into(),
            outcome: "rejected".into(),
        },
        |e| matches!(e, RuleError::CaseClosed(_)),
    );
    let report = w.ledger.verify_document(b"approval", w.now());
    assert!(report.verdict.is_valid(), "{:?}", report.verdict);
    let cited = report.sealings[0].automatic.clone().unwrap();
    assert_eq!(
        (cited.policy.as_str(), cited.case.as_str()),
        ("P1", "CASE-1")
    );
    assert_eq!(cited.deadline, deadline);
    assert!(cited.legal_basis.contains("行政许可法"));
    assert_eq!(report.sealings[0].operator, None);
    // Revoking the policy later does not undo a lawful sealing.
    w.ok(
        &owner,
        Event::AutoSealPolicyRevoked {
            policy: "P1".into(),
        },
    );
    assert!(w
        .ledger
        .verify_document(b"approval", w.now())
        .verdict
        .is_valid());
    assert!(reopened(&w)
        .verify_document(b"approval", w.now())
        .verdict
        .is_valid());
}

#[test]
fn automatic_sealing_outside_the_policy_is_refused() {
    let (f, engine, _) = auto_fixture();
    let Fixture {
        mut w,
        owner,
        other,
        ..
    } = f;
    // A decided case, a case of another type, a period beyond the policy's, another unit's
    // case, a revoked policy: all refused once their deadlines pass, and none is due.
    let open = |w: &mut W, by: &Actor, case: &str, ty: &str, days: u64| {
        let e = w.case_opening(case, ty, days);
        w.ok(by, e);
    };
    open(&mut w, &owner, "DECIDED", "PERMIT", 5);
    w.ok(
        &owner,
        Event::CaseDecided {
            case: "DECIDED".into(),
            outcome: "approved".into(),
        },
    );
    open(&mut w, &owner, "OTHER-TYPE", "TAX", 5);
    open(&mut w, &owner, "TOO-LONG", "PERMIT", 25);
    open(&mut w, &other, "NOT-MINE", "PERMIT", 5);
    w.advance_days(30);
    let due: Vec<String> = w
        .ledger
        .due_auto_seals()
        .into_iter()
        .map(|d| d.case)
        .collect();
    assert_eq!(due, vec!["CASE-1".to_string()]);
    refused(&mut w, &engine, auto("P1", "DECIDED", b"approval"), |e| {
        matches!(e, RuleError::CaseClosed(_))
    });
    for case in ["OTHER-TYPE", "TOO-LONG", "NOT-MINE"] {
        refused(&mut w, &engine, auto("P1", case, b"approval"), |e| {
            matches!(e, RuleError::OutsidePolicy { .. })
        });
    }
    refused(&mut w, &engine, auto("P9", "CASE-1", b"approval"), |e| {
        matches!(e, RuleError::UnknownPolicy(_))
    });
    refused(&mut w, &engine, auto("P1", "CASE-9", b"approval"), |e| {
        matches!(e, RuleError::UnknownCase(_))
    });
    // A suspended seal cannot be applied automatically either.
    w.ok(
        &owner,
        Event::SealSuspended {
            es_id: "S1".into(),
            reason: "x".into(),
        },
    );
    assert!(w.ledger.due_auto_seals().is_empty());
    refused(
        &mut w,
        &engine,
        auto("P1", "CASE-1", b"approval"),
        not_active(|s| *s == SealStatus::Suspended),
    );
    w.ok(&owner, Event::SealResumed { es_id: "S1".into() });
    w.ok(
        &owner,
        Event::AutoSealPolicyRevoked {
            policy: "P1".into(),
        },
    );
    assert!(w.ledger.due_auto_seals().is_empty());
    refused(&mut w, &engine, auto("P1", "CASE-1", b"approval"), |e| {
        matches!(e, RuleError::PolicyRevoked(_))
    });
}
