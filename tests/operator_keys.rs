//! Issue 13, attack 11: dedicated operator keys sign checkpoints and status stamps, so the root
//! key, which registers authorities, can stay offline.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::present::compact::{verify_compact, CompactPresentation};
use chancery::present::trust::{KeyRoles, Trust};
use chancery::present::verify_presentation;
use chancery::stamp::IssueStampError;
use chancery::state::{Invalid, RuleError};
use chancery::{Event, InvalidReason, MemoryStore, Verdict};
use common::*;

type W = World<MemoryStore>;

fn trust(w: &W) -> Trust {
    w.trust(|_| {})
}

#[test]
fn given_an_operator_key_when_it_signs_a_statement_then_it_is_refused() {
    let mut w = W::new();
    w.add_operator_key(40);
    let op = actor(40);
    refused(
        &mut w,
        &op,
        W::registration("AUTH1", &[&actor(10)], &["T1"], None),
        |e| matches!(e, RuleError::Unauthorized { .. }),
    );
}

#[test]
fn given_an_authority_when_it_adds_an_operator_key_then_it_is_refused() {
    let (mut w, a) = W::standard(MemoryStore::new());
    let k = key(40);
    let message = chancery::event::operator_key_message(ORIGIN, &a.key_id(), &k.public_key());
    let event = Event::OperatorKeyAdded {
        key: k.public_key(),
        acceptance: k.sign(chancery::crypto::Domain::OperatorKey, &message),
    };
    refused(&mut w, &a, event, |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
}

#[test]
fn given_an_operator_key_addition_without_the_keys_acceptance_when_appended_then_it_is_refused() {
    let mut w = W::new();
    let root = w.root.clone();
    let k = key(40);
    let message = chancery::event::operator_key_message(ORIGIN, &root.key_id(), &k.public_key());
    let event = Event::OperatorKeyAdded {
        key: k.public_key(),
        acceptance: key(41).sign(chancery::crypto::Domain::OperatorKey, &message),
    };
    refused(&mut w, &root, event, |e| {
        matches!(e, RuleError::Invalid(Invalid::OperatorKeyAcceptance))
    });
}

#[test]
fn given_an_operator_key_when_the_ledger_stamps_then_only_it_signs_and_the_root_no_longer_does() {
    let (mut w, a) = W::standard(MemoryStore::new());
    let (id, _) = w.issue(&a, "AUTH1", "S1");
    let now = w.now();
    assert!(w.stamp_for_a_day(&id, now, &key(1)).is_ok());
    let op = w.add_operator_key(40);
    let now = w.now();
    assert_eq!(
        w.stamp_for_a_day(&id, now, &key(1)),
        Err(IssueStampError::NotAStampKey)
    );
    let stamp = w.stamp_for_a_day(&id, now, &op).unwrap();
    w.ledger.check_stamps(&[stamp]).unwrap();
    assert_eq!(w.ledger.state().checkpoint_keys(now), vec![op.public_key()]);
}

#[test]
fn given_a_retired_operator_key_when_it_stamps_then_the_ledger_refuses_and_a_retiring_twice_too() {
    let (mut w, a) = W::standard(MemoryStore::new());
    let (id, _) = w.issue(&a, "AUTH1", "S1");
    let op = w.add_operator_key(40);
    let root = w.root.clone();
    w.ok(&root, Event::OperatorKeyRetired { key: op.key_id() });
    let now = w.now();
    assert_eq!(
        w.stamp_for_a_day(&id, now, &op),
        Err(IssueStampError::NotAStampKey)
    );
    refused(
        &mut w,
        &root,
        Event::OperatorKeyRetired { key: op.key_id() },
        |e| matches!(e, RuleError::KeyRetired { .. }),
    );
    // An authority key is not an operator key.
    refused(
        &mut w,
        &root,
        Event::OperatorKeyRetired { key: a.key_id() },
        |e| matches!(e, RuleError::UnknownKey(_)),
    );
}

#[test]
fn given_an_operator_key_when_presenting_then_both_forms_verify_and_a_root_signed_stamp_does_not() {
    let (mut w, a) = W::standard(MemoryStore::new());
    let (id, cred) = w.issue(&a, "AUTH1", "S1");
    let op = w.add_operator_key(40);
    w.advance_days(1);
    let t = trust(&w);
    let keys = &t.lists()[0].ledgers[0].operator_keys;
    assert_eq!(keys.len(), 2);
    assert_eq!(
        keys.iter().filter(|k| k.roles == KeyRoles::ENTRIES).count(),
        1
    );
    assert_eq!(
        keys.iter()
            .filter(|k| k.roles == KeyRoles::OPERATOR)
            .count(),
        1
    );
    let now = w.now();
    let note = w.note(&op, &[(WITNESS, &key(90))]);
    let stamp = w.stamp_for_a_day(&id, now, &op).unwrap();
    let p = w
        .ledger
        .present(
            cred.disclose(&["name"], false).unwrap(),
            &note,
            stamp.clone(),
        )
        .unwrap();
    let compact = CompactPresentation::from_presentation(&p, 1).unwrap();
    assert_eq!(verify_presentation(&p, &t, now), Verdict::Valid);
    assert_eq!(verify_compact(&compact, &t, now), Verdict::Valid);
    // The root key signs entries, not stamps (a thief of an online root cannot stamp; an
    // offline root is not asked to).
    let by_root = chancery::stamp::StatusStamp::sign(stamp.claim.clone(), &key(1)).unwrap();
    let mut q = p.clone();
    q.stamp = by_root;
    assert_eq!(
        verify_presentation(&q, &t, now),
        Verdict::Invalid(InvalidReason::StampSignature)
    );
}

#[test]
fn given_a_list_that_predates_the_operator_key_when_presenting_then_the_full_form_follows_its_addition(
) {
    let (mut w, a) = W::standard(MemoryStore::new());
    let (id, cred) = w.issue(&a, "AUTH1", "S1");
    let before = trust(&w);
    let op = w.add_operator_key(40);
    w.advance_days(1);
    let now = w.now();
    let note = w.note(&op, &[(WITNESS, &key(90))]);
    let stamp = w.stamp_for_a_day(&id, now, &op).unwrap();
    let p = w
        .ledger
        .present(cred.disclose(&["name"], false).unwrap(), &note, stamp)
        .unwrap();
    assert_eq!(verify_presentation(&p, &before, now), Verdict::Valid);
    // From the addition on, the root keys of that list no longer sign stamps.
    let mut q = p.clone();
    q.stamp = chancery::stamp::StatusStamp::sign(p.stamp.claim.clone(), &key(1)).unwrap();
    assert_eq!(
        verify_presentation(&q, &before, now),
        Verdict::Invalid(InvalidReason::StampSignature)
    );
    // The compact form carries no entry but the license's: it needs a list naming the key.
    let compact = CompactPresentation::from_presentation(&p, 1).unwrap();
    assert_eq!(
        verify_compact(&compact, &before, now),
        Verdict::Invalid(InvalidReason::StampSignature)
    );
    assert_eq!(verify_compact(&compact, &trust(&w), now), Verdict::Valid);
}

/// Review (issue 13, attack 11): with a list made after the ledger's operator keys, a thief
/// holding the (entries-only) root key cannot bring in an operator key of its own through the
/// bundle of a tree of its own.
#[test]
fn given_a_list_naming_operator_keys_when_a_bundle_adds_another_then_it_is_not_followed() {
    let (mut w, a) = W::standard(MemoryStore::new());
    w.add_operator_key(40);
    let (id, cred) = w.issue(&a, "AUTH1", "S1");
    let t = trust(&w);
    // The thief's tree: the same history, then its own operator key.
    let thief_key = w.add_operator_key(41);
    w.advance_days(1);
    let now = w.now();
    let note = w.note(&thief_key, &[(WITNESS, &key(90))]);
    let stamp = w.stamp_for_a_day(&id, now, &thief_key).unwrap();
    let p = w
        .ledger
        .present(cred.disclose(&["name"], false).unwrap(), &note, stamp)
        .unwrap();
    assert_eq!(
        verify_presentation(&p, &t, now),
        Verdict::Invalid(InvalidReason::StampSignature)
    );
}

/// Review (issue 13, attack 11): a proven batch may not change which keys sign checkpoints,
/// else its checkpoint is signed by a key that may no longer sign one; nothing is appended.
#[test]
fn given_a_batch_adding_an_operator_key_when_appended_proven_then_it_is_refused_whole() {
    let mut w = W::new();
    let k = key(40);
    let root = w.root.clone();
    let message = chancery::event::operator_key_message(ORIGIN, &root.key_id(), &k.public_key());
    let add = w.sign(
        &root,
        Event::OperatorKeyAdded {
            key: k.public_key(),
            acceptance: k.sign(chancery::crypto::Domain::OperatorKey, &message),
        },
    );
    let before = w.ledger.len();
    assert!(matches!(
        w.ledger.append_batch_proven(
            vec![add],
            &key(1),
            &mut chancery::MemoryCheckpointLog::new()
        ),
        Err(chancery::AppendError::ChangesCheckpointKeys)
    ));
    assert_eq!(w.ledger.len(), before);
}

/// Issue 14 (errors that tell the truth): a proven batch under a key that does not sign
/// checkpoints is refused with its own error, and nothing is appended.
#[test]
fn given_a_key_that_does_not_sign_checkpoints_when_a_batch_is_proven_then_it_is_refused() {
    let (mut w, a) = W::standard(MemoryStore::new());
    let (event, _, _) = w.issue_event("AUTH1", "S9");
    let s = w.sign(&a, event);
    let before = w.ledger.len();
    assert!(matches!(
        w.ledger
            .append_batch_proven(vec![s], &key(10), &mut chancery::MemoryCheckpointLog::new()),
        Err(chancery::AppendError::NotACheckpointKey)
    ));
    assert_eq!(w.ledger.len(), before);
}
