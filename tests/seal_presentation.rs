//! Issue 13: sealed documents verified offline. A seal presentation carries the sealing entry,
//! the seal's registration (or the automatic-sealing policy) and the registrar's chain up to a
//! trusted root key, with inclusion proofs, and the operator's stamp of the sealing's verdict.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::crypto::sha256;
use chancery::present::seal::{verify_sealed, SealPresentation};
use chancery::stamp::SealingStamp;
use chancery::verify::SealFilter;
use chancery::{Canonical, Event, InvalidReason, MemoryStore, Verdict};
use common::*;

type W = World<MemoryStore>;

const DOC: &[u8] = b"permit decision 2026-0042";

/// Registrar AUTH1 registers seal S1 of unit OWNER (seal key 40); the seal is applied to DOC.
fn sealed() -> (W, u64) {
    let (mut w, registrar) = W::standard(MemoryStore::new());
    w.unit("OWNER", 20);
    let seal = actor(40);
    w.register_seal(&registrar, "S1", "OWNER", &seal, "AUTH1");
    let r = w.ok(&seal, W::application("S1", DOC, "CASE-1"));
    w.advance_days(1);
    (w, r.seq)
}

/// The owner reports seal S1 lost since two days ago, before the sealing.
fn lost_before_the_sealing(w: &mut W) {
    let since = chancery::Timestamp(w.now().0 - 2 * DAY);
    w.ok(
        &actor(20),
        Event::SealReportedLost {
            es_id: "S1".into(),
            since,
            reason: "stolen".into(),
        },
    );
}

fn present(w: &W, seq: u64) -> SealPresentation {
    let now = w.now();
    let stamp = w
        .ledger
        .stamp_sealing(
            &sha256(DOC),
            seq,
            now,
            now.plus_days(1),
            &key(1),
            &chancery::MemoryCheckpointLog::new(),
        )
        .unwrap();
    let note = w.note(&key(1), &[(WITNESS, &key(90))]);
    w.ledger
        .present_sealing(&sha256(DOC), seq, &note, stamp)
        .unwrap()
}

#[test]
fn given_a_sealed_document_when_verified_offline_then_valid() {
    let (w, seq) = sealed();
    let p = present(&w, seq);
    let back = SealPresentation::from_canonical(&p.to_canonical()).unwrap();
    assert_eq!(back, p);
    assert_eq!(
        verify_sealed(DOC, &p, &w.trust(|_| {}), w.now(), &SealFilter::default()).verdict,
        Verdict::Valid
    );
}

#[test]
fn given_another_document_when_verified_with_the_presentation_then_not_sealed() {
    let (w, seq) = sealed();
    let p = present(&w, seq);
    assert_eq!(
        verify_sealed(
            b"another document",
            &p,
            &w.trust(|_| {}),
            w.now(),
            &SealFilter::default()
        )
        .verdict,
        Verdict::Invalid(InvalidReason::NotSealed)
    );
}

#[test]
fn given_a_seal_lost_before_the_sealing_when_stamped_then_the_presentation_is_invalid() {
    let (mut w, seq) = sealed();
    lost_before_the_sealing(&mut w);
    let p = present(&w, seq);
    assert!(!p.stamp.claim.valid);
    assert_eq!(
        verify_sealed(DOC, &p, &w.trust(|_| {}), w.now(), &SealFilter::default()).verdict,
        Verdict::Invalid(InvalidReason::SealingNotValid)
    );
}

#[test]
fn given_a_forged_verdict_or_a_dropped_registration_when_verified_then_refused() {
    let (mut w, seq) = sealed();
    lost_before_the_sealing(&mut w);
    let p = present(&w, seq);
    let t = w.trust(|_| {});
    // "valid", signed by someone who is not the operator.
    let mut forged = p.clone();
    forged.stamp.claim.valid = true;
    forged.stamp = SealingStamp::sign(forged.stamp.claim.clone(), &key(66)).unwrap();
    assert_eq!(
        verify_sealed(DOC, &forged, &t, w.now(), &SealFilter::default()).verdict,
        Verdict::Invalid(InvalidReason::StampSignature)
    );
    // The seal's registration dropped: its key is not proven.
    let mut dropped = p.clone();
    dropped.entries.retain(|pe| {
        !matches!(
            chancery::Entry::from_canonical(&pe.entry)
                .unwrap()
                .statement
                .statement()
                .event,
            Event::SealRegistered(_)
        )
    });
    assert!(matches!(
        verify_sealed(DOC, &dropped, &t, w.now(), &SealFilter::default()).verdict,
        Verdict::Invalid(InvalidReason::SignerNotProven { .. })
    ));
}

#[test]
fn given_an_automatic_sealing_when_verified_offline_then_valid() {
    let (mut w, registrar) = W::standard(MemoryStore::new());
    let owner = w.unit("OWNER", 20);
    w.register_seal(&registrar, "S1", "OWNER", &actor(40), "AUTH1");
    let engine = actor(60);
    w.ok(&owner, W::auto_policy("P1", "S1", "PERMIT", &engine, 20));
    w.ok(&owner, w.case_opening("CASE-1", "PERMIT", 10));
    w.advance_days(11);
    let r = w.ok(
        &engine,
        Event::SealAutoApplied(chancery::event::AutoSealApplication {
            policy: "P1".into(),
            case: "CASE-1".into(),
            document: sha256(b"approval"),
        }),
    );
    let now = w.now();
    let doc = sha256(b"approval");
    let stamp = w.seal_stamp_for_a_day(&doc, r.seq, now, &key(1)).unwrap();
    assert!(stamp.claim.valid);
    let note = w.note(&key(1), &[(WITNESS, &key(90))]);
    let p = w.ledger.present_sealing(&doc, r.seq, &note, stamp).unwrap();
    assert_eq!(
        verify_sealed(
            b"approval",
            &p,
            &w.trust(|_| {}),
            now,
            &SealFilter::default()
        )
        .verdict,
        Verdict::Valid
    );
}

#[test]
fn given_a_stale_sealing_stamp_when_verified_then_indeterminate() {
    let (w, seq) = sealed();
    let p = present(&w, seq);
    let later = w.now().plus_days(2);
    assert!(matches!(
        verify_sealed(DOC, &p, &w.trust(|_| {}), later, &SealFilter::default()).verdict,
        Verdict::Indeterminate(_)
    ));
}

/// Review: a valid verdict says who sealed the document, and a relying party may ask for the
/// seal or the owner it expects.
#[test]
fn given_a_sealed_document_when_verified_then_the_sealer_is_reported_and_can_be_required() {
    let (w, seq) = sealed();
    let p = present(&w, seq);
    let t = w.trust(|_| {});
    let v = verify_sealed(DOC, &p, &t, w.now(), &SealFilter::default());
    let s = v.sealer.unwrap();
    assert_eq!(
        (s.es_id.as_str(), s.owner.as_str(), s.registrar.as_str()),
        ("S1", "OWNER", "AUTH1")
    );
    assert_eq!(
        verify_sealed(DOC, &p, &t, w.now(), &SealFilter::owner("OWNER")).verdict,
        Verdict::Valid
    );
    let other = verify_sealed(DOC, &p, &t, w.now(), &SealFilter::owner("MINISTRY"));
    assert_eq!(other.verdict, Verdict::Invalid(InvalidReason::NotSealed));
    assert!(other.sealer.is_none());
}

/// Review: one engine key may serve several policies, the first for another owner's seal; an
/// automatic sealing under the second still verifies offline.
#[test]
fn given_an_engine_key_serving_two_policies_when_the_second_seals_then_it_verifies() {
    let (mut w, registrar) = W::standard(MemoryStore::new());
    let other = w.unit("OTHER", 21);
    let owner = w.unit("OWNER", 20);
    w.register_seal(&registrar, "S0", "OTHER", &actor(41), "AUTH1");
    w.register_seal(&registrar, "S1", "OWNER", &actor(40), "AUTH1");
    let engine = actor(60);
    w.ok(&other, W::auto_policy("P0", "S0", "PERMIT", &engine, 20));
    w.ok(&owner, W::auto_policy("P1", "S1", "PERMIT", &engine, 20));
    w.ok(&owner, w.case_opening("CASE-1", "PERMIT", 10));
    w.advance_days(11);
    let doc = sha256(b"approval");
    let r = w.ok(
        &engine,
        Event::SealAutoApplied(chancery::event::AutoSealApplication {
            policy: "P1".into(),
            case: "CASE-1".into(),
            document: doc,
        }),
    );
    let now = w.now();
    let stamp = w.seal_stamp_for_a_day(&doc, r.seq, now, &key(1)).unwrap();
    let note = w.note(&key(1), &[(WITNESS, &key(90))]);
    let p = w.ledger.present_sealing(&doc, r.seq, &note, stamp).unwrap();
    let v = verify_sealed(
        b"approval",
        &p,
        &w.trust(|_| {}),
        now,
        &SealFilter::default(),
    );
    assert_eq!(v.verdict, Verdict::Valid);
    assert_eq!(v.sealer.unwrap().policy.as_deref(), Some("P1"));
}
