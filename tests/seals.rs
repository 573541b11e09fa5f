//! Given/when/then tests of every seal rule, sealed-document verification on both sides of
//! every boundary, and key compromise cut-over for seals and authorities, in append and in
//! replay.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::crypto::sha256;
use chancery::event::{SealRegistration, SealTerms};
use chancery::state::{Invalid, RuleError};
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

/// A refusal because seal S1 is `state`, not in the state the event requires.
fn s1_is(state: &'static str) -> impl Fn(&RuleError) -> bool {
    move |e| {
        matches!(e, RuleError::SealState { es_id, state: s }
            if es_id == "S1" && *s == state)
    }
}

fn registered(r: SealRegistration) -> Event {
    Event::SealRegistered(Box::new(r))
}

fn seal_suspension(es_id: &str) -> Event {
    Event::SealSuspended {
        es_id: es_id.into(),
        reason: "audit".into(),
    }
}

fn resumption(es_id: &str) -> Event {
    Event::SealResumed {
        es_id: es_id.into(),
    }
}

fn loss(es_id: &str, since: Timestamp, reason: &str) -> Event {
    Event::SealReportedLost {
        es_id: es_id.into(),
        since,
        reason: reason.into(),
    }
}

fn cancellation(es_id: &str, reason: &str) -> Event {
    Event::SealCancelled {
        es_id: es_id.into(),
        reason: reason.into(),
    }
}

fn invalidation(es_id: &str, reason: &str) -> Event {
    Event::SealInvalidated {
        es_id: es_id.into(),
        reason: reason.into(),
    }
}

fn authority_suspension(code: &str) -> Event {
    Event::AuthoritySuspended {
        authority: code.into(),
        reason: "inspection".into(),
    }
}

fn authority_reinstatement(code: &str) -> Event {
    Event::AuthorityReinstated {
        authority: code.into(),
    }
}

// Seal registration.

/// The registration of seal S2 of OWNER (fresh key seed 41) by AUTH1, its terms changed by
/// `change`, accepted by OWNER with the seal key's proof of possession.
fn s2(f: &Fixture, change: impl FnOnce(&mut SealTerms)) -> Event {
    let key = actor(41);
    let mut terms = f.w.seal_terms("S2", "OWNER", &key, "AUTH1");
    change(&mut terms);
    registered(f.owner.accept_seal(terms, &key))
}

#[test]
fn given_an_authority_without_seal_rights_when_it_registers_a_seal_then_unauthorized() {
    let mut f = fixture();
    let noseal = f.w.unit("NOSEAL", 16);
    let ev = s2(&f, |t| t.registrar = "NOSEAL".into());
    refused(&mut f.w, &noseal, ev, |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
}

#[test]
fn given_a_registrar_when_it_names_another_registrar_then_unauthorized() {
    let mut f = fixture();
    f.w.unit("NOSEAL", 16);
    let ev = s2(&f, |t| t.registrar = "NOSEAL".into());
    refused(&mut f.w, &f.registrar, ev, |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
}

#[test]
fn given_the_root_when_it_registers_a_seal_then_unauthorized() {
    let mut f = fixture();
    let root = f.w.root.clone();
    let ev = s2(&f, |_| {});
    refused(&mut f.w, &root, ev, |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
}

#[test]
fn given_a_malformed_es_id_when_a_seal_is_registered_then_invalid() {
    let mut f = fixture();
    let ev = s2(&f, |t| t.es_id = "s 2".into());
    refused(&mut f.w, &f.registrar, ev, |e| {
        matches!(e, RuleError::Invalid(Invalid::EsId))
    });
}

#[test]
fn given_an_es_id_already_taken_when_a_seal_is_registered_then_duplicate_seal() {
    let mut f = fixture();
    let ev = s2(&f, |t| t.es_id = "S1".into());
    refused(
        &mut f.w,
        &f.registrar,
        ev,
        |e| matches!(e, RuleError::DuplicateSeal(s) if s == "S1"),
    );
}

#[test]
fn given_an_unregistered_owner_when_a_seal_is_registered_then_unknown_authority() {
    let mut f = fixture();
    let ev = s2(&f, |t| t.owner = "NOBODY".into());
    refused(
        &mut f.w,
        &f.registrar,
        ev,
        |e| matches!(e, RuleError::UnknownAuthority(c) if c == "NOBODY"),
    );
}

#[test]
fn given_a_name_other_than_the_owners_filed_name_when_a_seal_is_registered_then_invalid() {
    let mut f = fixture();
    let ev = s2(&f, |t| t.name = "Someone else".into());
    refused(&mut f.w, &f.registrar, ev, |e| {
        matches!(e, RuleError::Invalid(Invalid::SealName))
    });
}

#[test]
fn given_no_seal_type_when_a_seal_is_registered_then_invalid() {
    let mut f = fixture();
    let ev = s2(&f, |t| t.seal_type.clear());
    refused(&mut f.w, &f.registrar, ev, |e| {
        matches!(e, RuleError::Invalid(Invalid::SealType))
    });
}

#[test]
fn given_a_validity_ending_when_it_starts_when_a_seal_is_registered_then_invalid_validity() {
    let mut f = fixture();
    let ev = s2(&f, |t| t.valid_until = Some(t.valid_from));
    refused(&mut f.w, &f.registrar, ev, |e| {
        matches!(e, RuleError::InvalidValidity)
    });
}

/// The seal key is fresh: not an authority's, not another seal's.
#[test]
fn given_a_seal_key_already_registered_when_a_seal_is_registered_then_duplicate_key() {
    let mut f = fixture();
    let taken = f.w.seal_registration("S2", "OWNER", &f.registrar, "AUTH1");
    let id = f.registrar.key_id();
    refused(
        &mut f.w,
        &f.registrar,
        registered(taken),
        |e| matches!(e, RuleError::DuplicateKey(k) if *k == id),
    );
}

#[test]
fn given_every_rule_holds_when_a_seal_is_registered_then_accepted_and_active() {
    let mut f = fixture();
    let ev = s2(&f, |_| {});
    f.w.ok(&f.registrar, ev);
    assert_eq!(f.w.ledger.seal_status("S2", f.w.now()), SealStatus::Active);
}

#[test]
fn given_a_suspended_owner_when_a_seal_is_registered_for_it_then_authority_not_active() {
    let mut f = fixture();
    let root = f.w.root.clone();
    f.w.ok(&root, authority_suspension("OWNER"));
    let s3 = f.w.seal_registration("S3", "OWNER", &actor(42), "AUTH1");
    refused(
        &mut f.w,
        &f.registrar,
        registered(s3),
        |e| matches!(e, RuleError::AuthorityNotActive { code } if code == "OWNER"),
    );
}

// Seal life cycle: application, suspension, loss, cancellation, invalidation.

/// The fixture with S1 suspended by its owner.
fn s1_suspended() -> Fixture {
    let mut f = fixture();
    f.w.ok(&f.owner, seal_suspension("S1"));
    f
}

/// The fixture with S1 reported lost by its owner since now: the fixture and the loss time.
fn s1_lost() -> (Fixture, Timestamp) {
    let mut f = fixture();
    let now = f.w.now();
    f.w.ok(&f.owner, loss("S1", now, "lost"));
    (f, now)
}

/// The fixture with a contract sealed with S1, then S1 cancelled by its owner.
fn s1_cancelled() -> Fixture {
    let mut f = fixture();
    f.w.ok(&f.seal, W::application("S1", b"contract", "C1"));
    f.w.ok(&f.owner, cancellation("S1", "unit merged"));
    f
}

#[test]
fn given_an_active_seal_when_its_key_applies_it_then_accepted() {
    let mut f = fixture();
    f.w.ok(&f.seal, W::application("S1", b"doc 1", "CASE-1"));
    let now = f.w.now();
    assert!(f.w.ledger.verify_document(b"doc 1", now).verdict.is_valid());
}

/// Only the seal's key applies it.
#[test]
fn given_an_active_seal_when_its_owner_applies_it_then_unauthorized() {
    let mut f = fixture();
    refused(&mut f.w, &f.owner, W::application("S1", b"doc", "C"), |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
}

/// The seal's key does nothing but apply its seal.
#[test]
fn given_a_seal_key_when_it_suspends_its_seal_then_unauthorized() {
    let mut f = fixture();
    refused(&mut f.w, &f.seal, seal_suspension("S1"), |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
}

#[test]
fn given_an_application_without_a_case_when_the_seal_is_applied_then_invalid() {
    let mut f = fixture();
    refused(&mut f.w, &f.seal, W::application("S1", b"doc", ""), |e| {
        matches!(e, RuleError::Invalid(Invalid::SealingCase))
    });
}

/// Another seal's application signed with this seal's key names the mismatch.
#[test]
fn given_a_seal_key_when_it_applies_another_seal_then_seal_key_mismatch() {
    let mut f = fixture();
    refused(
        &mut f.w,
        &f.seal,
        W::application("S9", b"doc", "C"),
        |e| matches!(e, RuleError::SealKeyMismatch { key_of, seal } if key_of == "S1" && seal == "S9"),
    );
}

#[test]
fn given_another_unit_when_it_suspends_the_seal_then_unauthorized() {
    let mut f = fixture();
    refused(&mut f.w, &f.other, seal_suspension("S1"), |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
}

#[test]
fn given_an_unknown_seal_when_suspended_then_unknown_seal() {
    let mut f = fixture();
    refused(
        &mut f.w,
        &f.owner,
        seal_suspension("S9"),
        |e| matches!(e, RuleError::UnknownSeal(s) if s == "S9"),
    );
}

#[test]
fn given_a_suspended_seal_when_applied_then_not_active() {
    let mut f = s1_suspended();
    refused(
        &mut f.w,
        &f.seal,
        W::application("S1", b"doc 2", "C"),
        not_active(|s| *s == SealStatus::Suspended),
    );
}

#[test]
fn given_a_suspended_seal_when_suspended_again_then_seal_state() {
    let mut f = s1_suspended();
    refused(
        &mut f.w,
        &f.registrar,
        seal_suspension("S1"),
        s1_is("suspended"),
    );
}

#[test]
fn given_a_resumed_seal_when_resumed_again_then_seal_state() {
    let mut f = s1_suspended();
    f.w.ok(&f.registrar, resumption("S1"));
    refused(&mut f.w, &f.owner, resumption("S1"), s1_is("not suspended"));
}

#[test]
fn given_a_resumed_seal_when_applied_then_accepted() {
    let mut f = s1_suspended();
    f.w.ok(&f.registrar, resumption("S1"));
    f.w.ok(&f.seal, W::application("S1", b"doc 2", "CASE-2"));
}

#[test]
fn given_a_loss_dated_after_its_report_when_reported_then_invalid() {
    let mut f = fixture();
    let future = f.w.now().plus_millis(10_000);
    refused(&mut f.w, &f.owner, loss("S1", future, "lost"), |e| {
        matches!(e, RuleError::Invalid(Invalid::LossTime))
    });
}

/// After the loss the seal's key is compromised: refused as a lost seal.
#[test]
fn given_a_lost_seal_when_applied_then_not_active() {
    let (mut f, _) = s1_lost();
    refused(
        &mut f.w,
        &f.seal,
        W::application("S1", b"doc 3", "C"),
        not_active(|s| matches!(s, SealStatus::Lost { .. })),
    );
}

#[test]
fn given_a_lost_seal_when_reported_lost_again_since_the_same_time_then_seal_state() {
    let (mut f, since) = s1_lost();
    refused(
        &mut f.w,
        &f.owner,
        loss("S1", since, "again"),
        s1_is("already reported lost since then or earlier"),
    );
}

/// Cancelled: nobody manages it any more.
#[test]
fn given_a_cancelled_seal_when_suspended_resumed_or_cancelled_then_seal_state() {
    let mut f = s1_cancelled();
    for e in [
        seal_suspension("S1"),
        resumption("S1"),
        cancellation("S1", "x"),
    ] {
        refused(&mut f.w, &f.registrar, e, s1_is("cancelled"));
    }
}

#[test]
fn given_a_cancelled_seal_when_its_owner_invalidates_it_then_unauthorized() {
    let mut f = s1_cancelled();
    refused(
        &mut f.w,
        &f.owner,
        invalidation("S1", "forged filing"),
        |e| matches!(e, RuleError::Unauthorized { .. }),
    );
}

/// A cancelled seal can still be found unlawful: invalid for all time.
#[test]
fn given_a_cancelled_seal_when_its_registrar_invalidates_it_then_invalidated_from_the_start() {
    let mut f = s1_cancelled();
    f.w.ok(&f.registrar, invalidation("S1", "forged filing"));
    assert_eq!(f.w.ledger.seal_status("S1", T0), SealStatus::Invalidated);
}

#[test]
fn given_an_invalidated_seal_when_the_root_invalidates_it_again_then_seal_state() {
    let mut f = s1_cancelled();
    f.w.ok(&f.registrar, invalidation("S1", "forged filing"));
    let root = f.w.root.clone();
    refused(
        &mut f.w,
        &root,
        invalidation("S1", "forged filing"),
        s1_is("invalidated"),
    );
}

// Remade seals.

fn remake(registration: SealRegistration) -> Event {
    Event::SealRemade {
        old: "S1".into(),
        registration: Box::new(registration),
    }
}

/// The fixture with a document sealed with S1, then S1 remade by AUTH1 as S1B (key seed 43):
/// the fixture and the new key.
fn s1_remade() -> (Fixture, Actor) {
    let mut f = fixture();
    f.w.ok(&f.seal, W::application("S1", b"before remake", "C1"));
    let new_key = actor(43);
    let remade = f.w.seal_registration("S1B", "OWNER", &new_key, "AUTH1");
    f.w.ok(&f.registrar, remake(remade));
    (f, new_key)
}

/// The owner has no registration rights.
#[test]
fn given_an_owner_when_it_remakes_its_seal_then_unauthorized() {
    let mut f = fixture();
    let remade = f.w.seal_registration("S1B", "OWNER", &actor(43), "AUTH1");
    refused(&mut f.w, &f.owner, remake(remade), |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
}

#[test]
fn given_a_remade_seal_for_another_owner_when_the_registrar_remakes_then_invalid() {
    let mut f = fixture();
    let mut foreign = f.w.seal_terms("S1B", "OWNER", &actor(43), "AUTH1");
    foreign.owner = "OTHER".into();
    foreign.name = "Authority OTHER".into();
    let foreign = f.w.accepted(foreign);
    refused(&mut f.w, &f.registrar, remake(foreign), |e| {
        matches!(e, RuleError::Invalid(Invalid::RemadeSealOwner))
    });
}

#[test]
fn given_a_remade_seal_when_the_old_key_applies_the_old_seal_then_not_active() {
    let (mut f, _) = s1_remade();
    refused(
        &mut f.w,
        &f.seal,
        W::application("S1", b"after", "C2"),
        not_active(|s| matches!(s, SealStatus::Superseded { by, .. } if by == "S1B")),
    );
}

#[test]
fn given_a_remade_seal_when_the_new_key_applies_the_new_seal_then_accepted() {
    let (mut f, new_key) = s1_remade();
    f.w.ok(&new_key, W::application("S1B", b"after", "C2"));
}

#[test]
fn given_a_remade_seal_when_documents_sealed_before_and_after_are_verified_then_both_valid() {
    let (mut f, new_key) = s1_remade();
    f.w.ok(&new_key, W::application("S1B", b"after", "C2"));
    let at = f.w.now();
    for d in [b"before remake".as_slice(), b"after"] {
        assert!(f.w.ledger.verify_document(d, at).verdict.is_valid());
    }
}

// The validity window, and the authorities at sealing time.

/// The fixture with seal S2 of OWNER (key seed 44) registered by AUTH1 for ten days from
/// tomorrow: the world, the key and the window's start and end. (`append` signs at the clock's
/// time and records 1 ms later.)
fn windowed() -> (W, Actor, Timestamp, Timestamp) {
    let Fixture {
        mut w, registrar, ..
    } = fixture();
    let key = actor(44);
    let mut terms = w.seal_terms("S2", "OWNER", &key, "AUTH1");
    let start = w.now().plus_days(1);
    let end = start.plus_days(10);
    terms.valid_from = start;
    terms.valid_until = Some(end);
    let r = w.accepted(terms);
    w.ok(&registrar, registered(r));
    (w, key, start, end)
}

#[test]
fn given_a_seal_window_when_applied_a_millisecond_before_it_starts_then_not_active() {
    let (mut w, key, start, _) = windowed();
    w.clock.set(Timestamp(start.0 - 2));
    refused(
        &mut w,
        &key,
        W::application("S2", b"early", "C"),
        not_active(|s| *s == SealStatus::NotYetValid),
    );
}

#[test]
fn given_a_seal_window_when_applied_at_its_start_then_accepted() {
    let (mut w, key, start, _) = windowed();
    w.clock.set(Timestamp(start.0 - 1));
    w.ok(&key, W::application("S2", b"first day", "C"));
}

#[test]
fn given_a_seal_window_when_applied_a_millisecond_before_its_end_then_accepted() {
    let (mut w, key, _, end) = windowed();
    w.clock.set(Timestamp(end.0 - 2));
    w.ok(&key, W::application("S2", b"last moment", "C"));
}

/// The end of the window is exclusive.
#[test]
fn given_a_seal_window_when_applied_at_its_end_then_not_active() {
    let (mut w, key, _, end) = windowed();
    w.clock.set(Timestamp(end.0 - 1));
    refused(
        &mut w,
        &key,
        W::application("S2", b"late", "C"),
        not_active(|s| *s == SealStatus::Expired),
    );
}

#[test]
fn given_a_document_sealed_inside_the_window_when_verified_after_it_then_valid() {
    let (mut w, key, _, end) = windowed();
    w.clock.set(Timestamp(end.0 - 2));
    w.ok(&key, W::application("S2", b"last moment", "C"));
    let later = w.now().plus_days(100);
    w.clock.set(later);
    assert!(w
        .ledger
        .verify_document(b"last moment", later)
        .verdict
        .is_valid());
}

/// The fixture with seal S3 of OWNER (key seed 45) registered by AUTH1: the world and the root.
fn s3() -> (W, Actor) {
    let Fixture {
        mut w, registrar, ..
    } = fixture();
    let r = w.seal_registration("S3", "OWNER", &actor(45), "AUTH1");
    w.ok(&registrar, registered(r));
    let root = w.root.clone();
    (w, root)
}

/// With `s3` and `unit` suspended by the root, S3's key applies it: refused, naming `unit`.
#[track_caller]
fn refused_while_suspended(unit: &str) {
    let (mut w, root) = s3();
    w.ok(&root, authority_suspension(unit));
    refused(
        &mut w,
        &actor(45),
        W::application("S3", b"x", "C"),
        |e| matches!(e, RuleError::AuthorityNotActive { code } if code == unit),
    );
}

#[test]
fn given_a_suspended_owner_when_its_seal_is_applied_then_authority_not_active() {
    refused_while_suspended("OWNER");
}

#[test]
fn given_a_suspended_registrar_when_a_seal_it_registered_is_applied_then_authority_not_active() {
    refused_while_suspended("AUTH1");
}

#[test]
fn given_an_owner_and_a_registrar_reinstated_when_the_seal_is_applied_then_accepted() {
    let (mut w, root) = s3();
    for unit in ["OWNER", "AUTH1"] {
        w.ok(&root, authority_suspension(unit));
        w.ok(&root, authority_reinstatement(unit));
    }
    w.ok(&actor(45), W::application("S3", b"x", "C"));
}

// Loss and invalidation: verdicts of documents sealed on both sides of a loss, and after an
// invalidation; the replayed ledger gives the same verdicts.

/// The fixture with documents A, B (2 ms before the loss time) and C (1 ms before: recorded
/// at it) sealed with S1, then a day later S1 reported lost since that time: the fixture and
/// the loss time. (`append` signs at the clock's time and records 1 ms later.)
fn lost_after_sealing() -> (Fixture, Timestamp) {
    let mut f = fixture();
    f.w.ok(&f.seal, W::application("S1", b"doc A", "C1"));
    let lost_at = f.w.now().plus_millis(1000);
    f.w.clock.set(Timestamp(lost_at.0 - 2));
    f.w.ok(&f.seal, W::application("S1", b"doc B", "C2"));
    f.w.clock.set(Timestamp(lost_at.0 - 1));
    f.w.ok(&f.seal, W::application("S1", b"doc C", "C3"));
    f.w.advance_days(1);
    f.w.ok(&f.owner, loss("S1", lost_at, "stolen"));
    (f, lost_at)
}

/// `lost_after_sealing`, then S1 invalidated by its registrar.
fn invalidated_after_loss() -> W {
    let (mut f, _) = lost_after_sealing();
    f.w.ok(&f.registrar, invalidation("S1", "made without filing"));
    f.w
}

/// The verdicts on documents A to D as of `at`.
fn verdicts(l: &Ledger<MemoryStore>, at: Timestamp) -> [Verdict; 4] {
    [b"doc A".as_slice(), b"doc B", b"doc C", b"doc D"].map(|d| l.verify_document(d, at).verdict)
}

#[test]
fn given_a_reported_loss_when_the_seal_is_applied_then_not_active_and_the_document_not_sealed() {
    let (mut f, _) = lost_after_sealing();
    refused(
        &mut f.w,
        &f.seal,
        W::application("S1", b"doc D", "C4"),
        not_active(|s| matches!(s, SealStatus::Lost { .. })),
    );
    assert_eq!(
        verdicts(&f.w.ledger, f.w.now())[3],
        Verdict::Invalid(InvalidReason::NotSealed)
    );
}

#[test]
fn given_a_loss_when_documents_sealed_before_it_are_verified_then_valid() {
    let (f, _) = lost_after_sealing();
    let v = verdicts(&f.w.ledger, f.w.now());
    assert!(v[0].is_valid() && v[1].is_valid(), "{v:?}");
}

/// Sealed at the loss time, before anyone reported it: accepted then, invalid once the loss is
/// known.
#[test]
fn given_a_loss_when_a_document_sealed_at_its_time_is_verified_then_invalid_as_lost() {
    let (f, lost_at) = lost_after_sealing();
    let v = verdicts(&f.w.ledger, f.w.now());
    assert!(matches!(
        &v[2],
        Verdict::Invalid(InvalidReason::SealNotActive { status: SealStatus::Lost { since }, .. }) if *since == lost_at
    ));
}

#[test]
fn given_a_loss_when_the_ledger_is_replayed_then_it_gives_the_same_verdicts() {
    let (f, _) = lost_after_sealing();
    let now = f.w.now();
    assert_eq!(verdicts(&reopened(&f.w), now), verdicts(&f.w.ledger, now));
}

#[test]
fn given_a_sealing_when_its_report_is_read_then_it_names_seal_owner_time_and_position() {
    let (f, lost_at) = lost_after_sealing();
    let report = f.w.ledger.verify_document(b"doc B", f.w.now());
    let s = &report.sealings[0];
    assert_eq!((s.es_id.as_str(), s.owner.as_str()), ("S1", "OWNER"));
    assert_eq!(s.sealed_at, Timestamp(lost_at.0 - 1));
    assert_eq!(f.w.ledger.entry(s.seq).unwrap().ledger_time, s.sealed_at);
    assert_eq!(s.operator.as_deref(), Some("clerk-07"));
    assert!(s.automatic.is_none());
}

#[test]
fn given_a_sealed_document_when_verified_as_of_before_its_sealing_then_not_sealed() {
    let (f, _) = lost_after_sealing();
    assert_eq!(
        f.w.ledger.verify_document(b"doc A", T0).verdict,
        Verdict::Invalid(InvalidReason::NotSealed)
    );
}

#[test]
fn given_a_sealed_document_when_verified_as_of_after_now_then_indeterminate() {
    let (f, _) = lost_after_sealing();
    let tomorrow = f.w.now().plus_days(1);
    assert!(matches!(
        f.w.ledger.verify_document(b"doc A", tomorrow).verdict,
        Verdict::Indeterminate(_)
    ));
}

/// Invalidation makes every use invalid, before and after the loss.
#[test]
fn given_an_invalidated_seal_when_documents_sealed_before_the_loss_are_verified_then_invalid() {
    let w = invalidated_after_loss();
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
}

#[test]
fn given_an_invalidated_seal_when_the_ledger_is_replayed_then_it_gives_the_same_verdicts() {
    let w = invalidated_after_loss();
    let now = w.now();
    assert_eq!(verdicts(&reopened(&w), now), verdicts(&w.ledger, now));
}

// Cancellation.

#[test]
fn given_a_cancelled_seal_when_applied_then_not_active() {
    let mut f = s1_cancelled();
    refused(
        &mut f.w,
        &f.seal,
        W::application("S1", b"late", "C2"),
        not_active(|s| matches!(s, SealStatus::Cancelled { .. })),
    );
}

#[test]
fn given_a_cancelled_seal_when_a_document_sealed_before_is_verified_then_valid() {
    let f = s1_cancelled();
    let now = f.w.now();
    assert!(f
        .w
        .ledger
        .verify_document(b"contract", now)
        .verdict
        .is_valid());
}

#[test]
fn given_a_cancelled_seal_when_its_status_is_asked_then_cancelled() {
    let f = s1_cancelled();
    assert!(matches!(
        f.w.ledger.seal_status("S1", f.w.now()),
        SealStatus::Cancelled { .. }
    ));
}

#[test]
fn given_a_document_sealed_twice_by_one_seal_when_verified_then_both_sealings_are_listed() {
    let mut f = fixture();
    let s2 = actor(46);
    let reg = f.w.seal_registration("S2", "OWNER", &s2, "AUTH1");
    f.w.ok(&f.registrar, registered(reg));
    f.w.ok(&s2, W::application("S2", b"twice", "C3"));
    f.w.ok(&s2, W::application("S2", b"twice", "C4"));
    let report = f.w.ledger.verify_document(b"twice", f.w.now());
    assert_eq!(report.sealings.len(), 2);
    assert!(report.verdict.is_valid());
    assert_eq!(f.w.ledger.state().seal_uses("S2").len(), 2);
    assert_eq!(report.document, sha256(b"twice"));
}

// A registrar's key compromise: a seal registered with it before the point stays good, one
// registered at or after it is void, with every use; append refuses the key from the point on.
// Checked in the live ledger and after replay.

/// The fixture with seals S2 (key seed 47) and then S3 (seed 48) registered by AUTH1's key and
/// each applied once; AUTH1 gets a spare key (seed 49) from the root, which declares the first
/// compromised since just after S2's registration: the world, the compromised key, the spare.
fn registrar_compromised() -> (W, Actor, Actor) {
    let Fixture {
        mut w, registrar, ..
    } = fixture();
    let root = w.root.clone();
    let (k_before, k_after) = (actor(47), actor(48));
    let r = w.seal_registration("S2", "OWNER", &k_before, "AUTH1");
    w.ok(&registrar, registered(r));
    let point = w.now();
    let r = w.seal_registration("S3", "OWNER", &k_after, "AUTH1");
    w.ok(&registrar, registered(r));
    w.ok(&k_before, W::application("S2", b"by S2", "C"));
    w.ok(&k_after, W::application("S3", b"by S3", "C"));
    let spare = w.add_key(&root, "AUTH1", 49);
    w.compromise(&root, "AUTH1", &registrar, Timestamp(point.0 + 1));
    (w, registrar, spare)
}

#[test]
fn given_a_registrar_key_compromise_when_seal_statuses_are_asked_then_only_later_seals_are_void() {
    let (w, registrar, _) = registrar_compromised();
    let replayed = reopened(&w);
    for l in [&w.ledger, &replayed] {
        let now = l.now();
        assert_eq!(l.seal_status("S2", now), SealStatus::Active);
        assert!(matches!(
            l.seal_status("S3", now),
            SealStatus::RegistrationVoid { key } if key == registrar.key_id()
        ));
    }
}

#[test]
fn given_a_registrar_key_compromise_when_documents_are_verified_then_only_later_seals_uses_fail() {
    let (w, _, _) = registrar_compromised();
    let replayed = reopened(&w);
    for l in [&w.ledger, &replayed] {
        let now = l.now();
        assert!(l.verify_document(b"by S2", now).verdict.is_valid());
        assert!(matches!(
            l.verify_document(b"by S3", now).verdict,
            Verdict::Invalid(InvalidReason::SealNotActive { .. })
        ));
    }
}

#[test]
fn given_a_compromised_registrar_key_when_it_registers_a_seal_then_key_compromised() {
    let (mut w, registrar, _) = registrar_compromised();
    let r = w.seal_registration("S4", "OWNER", &actor(50), "AUTH1");
    refused(&mut w, &registrar, registered(r), |e| {
        matches!(e, RuleError::KeyCompromised { .. })
    });
}

#[test]
fn given_a_compromised_registrar_key_when_the_spare_key_registers_the_seal_then_accepted() {
    let (mut w, _, spare) = registrar_compromised();
    let r = w.seal_registration("S4", "OWNER", &actor(50), "AUTH1");
    w.ok(&spare, registered(r));
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
        authority_reinstatement("OWNER"),
    ] {
        refused(&mut w, &engine, e, |e| {
            matches!(e, RuleError::Unauthorized { .. })
        });
    }
}

// Automatic sealing: policies, cases, and sealings under them.

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

fn decision(case: &str, outcome: &str) -> Event {
    Event::CaseDecided {
        case: case.into(),
        outcome: outcome.into(),
    }
}

fn policy_revocation(policy: &str) -> Event {
    Event::AutoSealPolicyRevoked {
        policy: policy.into(),
    }
}

/// Only the seal's owner grants a policy.
#[test]
fn given_the_seals_registrar_when_it_grants_a_policy_then_unauthorized() {
    let (mut f, engine, _) = auto_fixture();
    let ev = W::auto_policy("P2", "S1", "PERMIT", &engine, 20);
    refused(&mut f.w, &f.registrar, ev, |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
}

#[test]
fn given_a_policy_id_already_taken_when_a_policy_is_granted_then_duplicate_policy() {
    let (mut f, engine, _) = auto_fixture();
    let ev = W::auto_policy("P1", "S1", "PERMIT", &engine, 20);
    refused(
        &mut f.w,
        &f.owner,
        ev,
        |e| matches!(e, RuleError::DuplicatePolicy(p) if p == "P1"),
    );
}

#[test]
fn given_an_empty_case_type_when_a_policy_is_granted_then_invalid() {
    let (mut f, engine, _) = auto_fixture();
    let ev = W::auto_policy("P2", "S1", "", &engine, 20);
    refused(&mut f.w, &f.owner, ev, |e| {
        matches!(e, RuleError::Invalid(Invalid::PolicyCaseTypes))
    });
}

#[test]
fn given_no_decision_period_when_a_policy_is_granted_then_invalid() {
    let (mut f, engine, _) = auto_fixture();
    let ev = W::auto_policy("P2", "S1", "PERMIT", &engine, 0);
    refused(&mut f.w, &f.owner, ev, |e| {
        matches!(e, RuleError::Invalid(Invalid::PolicyTerms))
    });
}

/// The engine key may not be anyone else's key.
#[test]
fn given_an_authoritys_key_as_the_engine_when_a_policy_is_granted_then_duplicate_key() {
    let (mut f, _, _) = auto_fixture();
    let ev = W::auto_policy("P2", "S1", "PERMIT", &f.registrar, 20);
    let id = f.registrar.key_id();
    refused(
        &mut f.w,
        &f.owner,
        ev,
        |e| matches!(e, RuleError::DuplicateKey(k) if *k == id),
    );
}

/// The engine key may serve several policies.
#[test]
fn given_an_engine_key_serving_a_policy_when_granted_another_then_accepted() {
    let (mut f, engine, _) = auto_fixture();
    let ev = W::auto_policy("P2", "S1", "LICENCE", &engine, 20);
    f.w.ok(&f.owner, ev);
    assert!(f.w.ledger.state().auto_seal_policy("P2").is_some());
}

#[test]
fn given_a_case_reference_already_taken_when_a_case_is_opened_then_duplicate_case() {
    let (mut f, _, _) = auto_fixture();
    let dup = f.w.case_opening("CASE-1", "PERMIT", 10);
    refused(
        &mut f.w,
        &f.owner,
        dup,
        |e| matches!(e, RuleError::DuplicateCase(c) if c == "CASE-1"),
    );
}

#[test]
fn given_a_deadline_not_after_the_opening_when_a_case_is_opened_then_invalid() {
    let (mut f, _, _) = auto_fixture();
    let past = f.w.case_opening("CASE-2", "PERMIT", 0);
    refused(&mut f.w, &f.owner, past, |e| {
        matches!(e, RuleError::Invalid(Invalid::CaseDeadline))
    });
}

/// Only the unit that opened the case decides it.
#[test]
fn given_another_unit_when_it_decides_the_case_then_unauthorized() {
    let (mut f, _, _) = auto_fixture();
    refused(&mut f.w, &f.other, decision("CASE-1", "approved"), |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
}

#[test]
fn given_an_empty_outcome_when_the_case_is_decided_then_invalid() {
    let (mut f, _, _) = auto_fixture();
    refused(&mut f.w, &f.owner, decision("CASE-1", ""), |e| {
        matches!(e, RuleError::Invalid(Invalid::CaseOutcome))
    });
}

#[test]
fn given_a_decided_case_when_decided_again_then_case_closed() {
    let (mut f, _, _) = auto_fixture();
    f.w.ok(&f.owner, decision("CASE-1", "approved"));
    refused(
        &mut f.w,
        &f.owner,
        decision("CASE-1", "rejected"),
        |e| matches!(e, RuleError::CaseClosed(c) if c == "CASE-1"),
    );
}

/// Revocation: by the owner only.
#[test]
fn given_another_unit_when_it_revokes_the_policy_then_unauthorized() {
    let (mut f, _, _) = auto_fixture();
    refused(&mut f.w, &f.other, policy_revocation("P1"), |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
}

#[test]
fn given_a_revoked_policy_when_revoked_again_then_policy_revoked() {
    let (mut f, _, _) = auto_fixture();
    f.w.ok(&f.owner, policy_revocation("P1"));
    refused(
        &mut f.w,
        &f.owner,
        policy_revocation("P1"),
        |e| matches!(e, RuleError::PolicyRevoked(p) if p == "P1"),
    );
}

/// `auto_fixture`, then CASE-1 sealed automatically by the engine at its deadline (signed 1 ms
/// before, recorded at it): the world, the engine, the owner and the deadline.
fn auto_sealed() -> (W, Actor, Actor, Timestamp) {
    let (f, engine, deadline) = auto_fixture();
    let Fixture { mut w, owner, .. } = f;
    w.clock.set(Timestamp(deadline.0 - 1));
    w.ok(&engine, auto("P1", "CASE-1", b"approval"));
    (w, engine, owner, deadline)
}

#[test]
fn given_an_open_case_before_its_deadline_when_due_sealings_are_listed_then_none() {
    let (f, _, _) = auto_fixture();
    assert!(f.w.ledger.due_auto_seals().is_empty());
}

#[test]
fn given_an_open_case_when_the_engine_seals_a_millisecond_before_its_deadline_then_not_passed() {
    let (mut f, engine, deadline) = auto_fixture();
    f.w.clock.set(Timestamp(deadline.0 - 2));
    refused(&mut f.w, &engine, auto("P1", "CASE-1", b"approval"), |e| {
        matches!(e, RuleError::DeadlineNotPassed { case, deadline: d }
            if case == "CASE-1" && *d == deadline)
    });
}

#[test]
fn given_an_open_case_at_its_deadline_when_due_sealings_are_listed_then_it_is_due_under_policy() {
    let (f, engine, deadline) = auto_fixture();
    f.w.clock.set(deadline);
    let due = f.w.ledger.due_auto_seals();
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
}

/// Another key (even the seal's own) cannot act under the policy.
#[test]
fn given_a_key_no_one_registered_when_it_seals_under_the_policy_then_unknown_key() {
    let (mut f, _, deadline) = auto_fixture();
    f.w.clock.set(Timestamp(deadline.0 - 1));
    refused(
        &mut f.w,
        &actor(61),
        auto("P1", "CASE-1", b"approval"),
        |e| matches!(e, RuleError::UnknownKey(_)),
    );
}

#[test]
fn given_the_seals_own_key_when_it_seals_under_the_policy_then_unauthorized() {
    let (mut f, _, deadline) = auto_fixture();
    f.w.clock.set(Timestamp(deadline.0 - 1));
    refused(&mut f.w, &f.seal, auto("P1", "CASE-1", b"approval"), |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
}

#[test]
fn given_a_case_at_its_deadline_when_the_engine_seals_it_then_accepted_and_nothing_is_due() {
    let (w, _, _, _) = auto_sealed();
    assert!(w.ledger.due_auto_seals().is_empty());
}

/// Once sealed the case is closed.
#[test]
fn given_an_automatically_sealed_case_when_sealed_again_then_case_closed() {
    let (mut w, engine, _, _) = auto_sealed();
    refused(
        &mut w,
        &engine,
        auto("P1", "CASE-1", b"approval"),
        |e| matches!(e, RuleError::CaseClosed(c) if c == "CASE-1"),
    );
}

#[test]
fn given_an_automatically_sealed_case_when_decided_then_case_closed() {
    let (mut w, _, owner, _) = auto_sealed();
    refused(
        &mut w,
        &owner,
        decision("CASE-1", "rejected"),
        |e| matches!(e, RuleError::CaseClosed(c) if c == "CASE-1"),
    );
}

#[test]
fn given_an_automatic_sealing_when_the_document_is_verified_then_valid_and_citing_its_grounds() {
    let (w, _, _, deadline) = auto_sealed();
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
}

/// Revoking the policy later does not undo a lawful sealing.
#[test]
fn given_an_automatic_sealing_when_its_policy_is_revoked_later_then_the_document_stays_valid() {
    let (mut w, _, owner, _) = auto_sealed();
    w.ok(&owner, policy_revocation("P1"));
    let now = w.now();
    assert!(w
        .ledger
        .verify_document(b"approval", now)
        .verdict
        .is_valid());
    assert!(reopened(&w)
        .verify_document(b"approval", now)
        .verdict
        .is_valid());
}

/// `auto_fixture` and further cases, none of which P1 covers once their deadlines pass: a
/// decided case, a case of another type, a period beyond the policy's, another unit's case;
/// then 30 days pass. The world, the engine and the owner.
fn outside_cases() -> (W, Actor, Actor) {
    let (f, engine, _) = auto_fixture();
    let Fixture {
        mut w,
        owner,
        other,
        ..
    } = f;
    let open = |w: &mut W, by: &Actor, case: &str, ty: &str, days: u64| {
        let e = w.case_opening(case, ty, days);
        w.ok(by, e);
    };
    open(&mut w, &owner, "DECIDED", "PERMIT", 5);
    w.ok(&owner, decision("DECIDED", "approved"));
    open(&mut w, &owner, "OTHER-TYPE", "TAX", 5);
    open(&mut w, &owner, "TOO-LONG", "PERMIT", 25);
    open(&mut w, &other, "NOT-MINE", "PERMIT", 5);
    w.advance_days(30);
    (w, engine, owner)
}

/// `outside_cases`, then the owner's `event` accepted: the world and the engine.
fn outside_cases_then(event: Event) -> (W, Actor) {
    let (mut w, engine, owner) = outside_cases();
    w.ok(&owner, event);
    (w, engine)
}

/// In `outside_cases`, the engine seals `case`: refused as outside the policy for `what`.
#[track_caller]
fn refused_outside_policy(case: &str, what: &'static str) {
    let (mut w, engine, _) = outside_cases();
    refused(&mut w, &engine, auto("P1", case, b"approval"), |e| {
        matches!(e, RuleError::OutsidePolicy { policy, what: why }
            if policy == "P1" && *why == what)
    });
}

#[test]
fn given_cases_outside_the_policy_when_due_sealings_are_listed_then_only_the_covered_one() {
    let (w, _, _) = outside_cases();
    let due: Vec<String> = w
        .ledger
        .due_auto_seals()
        .into_iter()
        .map(|d| d.case)
        .collect();
    assert_eq!(due, vec!["CASE-1".to_string()]);
}

#[test]
fn given_a_decided_case_when_the_engine_seals_it_then_case_closed() {
    let (mut w, engine, _) = outside_cases();
    refused(
        &mut w,
        &engine,
        auto("P1", "DECIDED", b"approval"),
        |e| matches!(e, RuleError::CaseClosed(c) if c == "DECIDED"),
    );
}

#[test]
fn given_a_case_of_a_type_the_policy_does_not_cover_when_the_engine_seals_it_then_refused() {
    refused_outside_policy("OTHER-TYPE", "case type not covered");
}

#[test]
fn given_a_decision_period_beyond_the_policys_when_the_engine_seals_the_case_then_refused() {
    refused_outside_policy("TOO-LONG", "decision period longer than the policy allows");
}

#[test]
fn given_another_units_case_when_the_engine_seals_it_then_outside_policy() {
    refused_outside_policy("NOT-MINE", "case belongs to another unit");
}

#[test]
fn given_an_unknown_policy_when_the_engine_cites_it_then_unknown_policy() {
    let (mut w, engine, _) = outside_cases();
    refused(
        &mut w,
        &engine,
        auto("P9", "CASE-1", b"approval"),
        |e| matches!(e, RuleError::UnknownPolicy(p) if p == "P9"),
    );
}

#[test]
fn given_an_unknown_case_when_the_engine_cites_it_then_unknown_case() {
    let (mut w, engine, _) = outside_cases();
    refused(
        &mut w,
        &engine,
        auto("P1", "CASE-9", b"approval"),
        |e| matches!(e, RuleError::UnknownCase(c) if c == "CASE-9"),
    );
}

#[test]
fn given_a_suspended_seal_when_due_sealings_are_listed_then_none() {
    let (w, _) = outside_cases_then(seal_suspension("S1"));
    assert!(w.ledger.due_auto_seals().is_empty());
}

/// A suspended seal cannot be applied automatically either.
#[test]
fn given_a_suspended_seal_when_the_engine_seals_a_due_case_then_not_active() {
    let (mut w, engine) = outside_cases_then(seal_suspension("S1"));
    refused(
        &mut w,
        &engine,
        auto("P1", "CASE-1", b"approval"),
        not_active(|s| *s == SealStatus::Suspended),
    );
}

#[test]
fn given_a_revoked_policy_when_due_sealings_are_listed_then_none() {
    let (w, _) = outside_cases_then(policy_revocation("P1"));
    assert!(w.ledger.due_auto_seals().is_empty());
}

#[test]
fn given_a_revoked_policy_when_the_engine_cites_it_then_policy_revoked() {
    let (mut w, engine) = outside_cases_then(policy_revocation("P1"));
    refused(
        &mut w,
        &engine,
        auto("P1", "CASE-1", b"approval"),
        |e| matches!(e, RuleError::PolicyRevoked(p) if p == "P1"),
    );
}
