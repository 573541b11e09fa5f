//! Given/when/then tests of every authority and license rule: each legal transition is
//! accepted, each illegal one refused with its typed error and leaves the ledger unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::event::AuthorityRegistration;
use chancery::state::{AuthorityState, Rejection, RuleError};
use chancery::{AppendError, Event, LicenseId, MemoryStore, Status, Timestamp};
use common::*;

type W = World<MemoryStore>;

#[test]
fn genesis_rules() {
    let root = actor(1);
    let other = actor(2);
    let clock = chancery::ManualClock::new(T0);
    // Not a LedgerCreated first.
    let s = root.sign(W::registration("A", &[&other], &[], None), T0);
    assert!(matches!(
        chancery::Ledger::in_memory(s, clock.clone()),
        Err(chancery::OpenError::Genesis(Rejection::Rule(
            RuleError::NotGenesis
        )))
    ));
    // Signed by a key that is not a root key.
    let s = other.sign(
        Event::LedgerCreated {
            root_keys: vec![root.public_key()],
            policy: Default::default(),
        },
        T0,
    );
    assert!(chancery::Ledger::in_memory(s, clock.clone()).is_err());
    // Claimed time too far from ledger time.
    let s = genesis(&root, T0.plus_days(1));
    assert!(matches!(
        chancery::Ledger::in_memory(s, clock),
        Err(chancery::OpenError::Genesis(Rejection::Rule(
            RuleError::ClockSkew { .. }
        )))
    ));
    // A second genesis.
    let mut w = W::new();
    let g = genesis(&actor(1), w.now().plus_millis(1));
    let r = w.ledger.append(g);
    assert!(matches!(
        r,
        Err(AppendError::Rejected(Rejection::Rule(
            RuleError::GenesisRepeated
        )))
    ));
}

#[test]
fn statement_envelope_rules() {
    let (mut w, a) = W::standard(MemoryStore::new());
    // Wrong origin.
    let foreign = chancery::Actor::new("other.example/ledger", key(10));
    let s = foreign.sign(
        Event::AuthorityReinstated {
            authority: "AUTH1".into(),
        },
        w.now(),
    );
    assert!(matches!(
        w.ledger.append(s),
        Err(AppendError::Rejected(Rejection::Rule(
            RuleError::WrongOrigin { .. }
        )))
    ));
    // Claimed time out of the skew window, on both sides; inside it is fine.
    let skew = w.ledger.state().policy().max_skew_ms;
    let (ev, _, _) = w.issue_event("AUTH1", "S1");
    for claimed in [
        w.now().plus_millis(skew + 1),
        Timestamp(w.now().0 - skew - 1),
    ] {
        let before = w.ledger.len();
        let r = w.ledger.append(a.sign(ev.clone(), claimed));
        assert!(matches!(
            r,
            Err(AppendError::Rejected(Rejection::Rule(
                RuleError::ClockSkew { .. }
            )))
        ));
        assert_eq!(w.ledger.len(), before);
    }
    assert!(w
        .ledger
        .append(a.sign(ev, w.now().plus_millis(skew)))
        .is_ok());
    // Unknown key.
    let stranger = actor(99);
    refused(
        &mut w,
        &stranger,
        Event::AuthorityReinstated {
            authority: "AUTH1".into(),
        },
        |e| matches!(e, RuleError::UnknownKey(_)),
    );
    // A bad signature.
    let s = w.sign(
        &a,
        Event::LicenseSuspensionLifted {
            license: LicenseId::new("T1", "AUTH1", "S1", 1).unwrap(),
        },
    );
    let forged = chancery::SignedStatement::new(
        s.statement().clone(),
        *w.sign(
            &stranger,
            Event::AuthorityReinstated {
                authority: "X".into(),
            },
        )
        .signature(),
    );
    let before = w.ledger.state().clone();
    assert!(matches!(
        w.ledger.append(forged),
        Err(AppendError::Rejected(Rejection::Signature(_)))
    ));
    assert_eq!(w.ledger.state(), &before);
}

#[test]
fn authority_registration_and_delegation() {
    let mut w = W::new();
    let root = w.root.clone();
    let parent = actor(10);
    // Given the root registers a parent scoped for T1 that may delegate.
    w.ok(&root, W::registration("PARENT", &[&parent], &["T1"], None));
    // Then codes must be valid and unique, keys present and fresh.
    refused(
        &mut w,
        &root,
        W::registration("bad code", &[&actor(11)], &[], None),
        |e| matches!(e, RuleError::Invalid { .. }),
    );
    refused(
        &mut w,
        &root,
        W::registration("PARENT", &[&actor(11)], &[], None),
        |e| matches!(e, RuleError::DuplicateAuthority(_)),
    );
    refused(
        &mut w,
        &root,
        W::registration("NOKEY", &[], &[], None),
        |e| matches!(e, RuleError::Invalid { .. }),
    );
    refused(
        &mut w,
        &root,
        W::registration("REUSE", &[&parent], &[], None),
        |e| matches!(e, RuleError::DuplicateKey(_)),
    );
    // When the parent delegates within its scope, it is accepted.
    let child = actor(12);
    w.ok(
        &parent,
        W::registration("CHILD", &[&child], &["T1"], Some("PARENT")),
    );
    // When it delegates a type outside its scope, it is refused.
    refused(
        &mut w,
        &parent,
        W::registration("CHILD2", &[&actor(13)], &["T2"], Some("PARENT")),
        |e| matches!(e, RuleError::ScopeExceeded),
    );
    // When it registers under another parent or as a top-level authority, it is refused.
    refused(
        &mut w,
        &parent,
        W::registration("CHILD3", &[&actor(14)], &["T1"], Some("CHILD")),
        |e| matches!(e, RuleError::Unauthorized { .. }),
    );
    refused(
        &mut w,
        &parent,
        W::registration("CHILD4", &[&actor(15)], &["T1"], None),
        |e| matches!(e, RuleError::Unauthorized { .. }),
    );
    // A parent without delegation rights cannot delegate.
    let nodel = actor(16);
    w.ok(
        &root,
        Event::AuthorityRegistered(AuthorityRegistration {
            code: "NODEL".into(),
            name: "No delegation".into(),
            parent: None,
            keys: vec![nodel.public_key()],
            license_types: vec!["T1".into()],
            may_register_seals: false,
            may_delegate: false,
        }),
    );
    refused(
        &mut w,
        &nodel,
        W::registration("CHILD5", &[&actor(17)], &["T1"], Some("NODEL")),
        |e| matches!(e, RuleError::Unauthorized { .. }),
    );
    // The child cannot manage its parent; the parent can manage the child.
    refused(
        &mut w,
        &child,
        Event::AuthoritySuspended {
            authority: "PARENT".into(),
            reason: "x".into(),
        },
        |e| matches!(e, RuleError::Unauthorized { .. }),
    );
    w.ok(
        &parent,
        Event::AuthoritySuspended {
            authority: "CHILD".into(),
            reason: "audit".into(),
        },
    );
    assert_eq!(
        w.ledger.state().authority("CHILD").unwrap().state,
        AuthorityState::Suspended
    );
}

#[test]
fn authority_life_cycle() {
    let (mut w, a) = W::standard(MemoryStore::new());
    let root = w.root.clone();
    // An authority cannot suspend itself.
    refused(
        &mut w,
        &a,
        Event::AuthoritySuspended {
            authority: "AUTH1".into(),
            reason: "x".into(),
        },
        |e| matches!(e, RuleError::Unauthorized { .. }),
    );
    refused(
        &mut w,
        &root,
        Event::AuthorityReinstated {
            authority: "AUTH1".into(),
        },
        |e| matches!(e, RuleError::AuthorityState { .. }),
    );
    w.ok(
        &root,
        Event::AuthoritySuspended {
            authority: "AUTH1".into(),
            reason: "inquiry".into(),
        },
    );
    // While suspended its statements are refused.
    let (ev, _, _) = w.issue_event("AUTH1", "S1");
    refused(&mut w, &a, ev.clone(), |e| {
        matches!(e, RuleError::AuthorityNotActive { .. })
    });
    refused(
        &mut w,
        &root,
        Event::AuthoritySuspended {
            authority: "AUTH1".into(),
            reason: "again".into(),
        },
        |e| matches!(e, RuleError::AuthorityState { .. }),
    );
    w.ok(
        &root,
        Event::AuthorityReinstated {
            authority: "AUTH1".into(),
        },
    );
    w.ok(&a, ev);
    w.ok(
        &root,
        Event::AuthorityRevoked {
            authority: "AUTH1".into(),
            reason: "merged".into(),
        },
    );
    refused(
        &mut w,
        &root,
        Event::AuthorityRevoked {
            authority: "AUTH1".into(),
            reason: "again".into(),
        },
        |e| matches!(e, RuleError::AuthorityState { .. }),
    );
    refused(
        &mut w,
        &root,
        Event::AuthorityReinstated {
            authority: "AUTH1".into(),
        },
        |e| matches!(e, RuleError::AuthorityState { .. }),
    );
    let (ev, _, _) = w.issue_event("AUTH1", "S2");
    refused(&mut w, &a, ev, |e| {
        matches!(e, RuleError::AuthorityNotActive { .. })
    });
    refused(
        &mut w,
        &root,
        Event::AuthorityReinstated {
            authority: "NOPE".into(),
        },
        |e| matches!(e, RuleError::UnknownAuthority(_)),
    );
}

#[test]
fn key_added_retired_compromised() {
    let (mut w, a) = W::standard(MemoryStore::new());
    let a2 = actor(20);
    w.ok(
        &a,
        Event::AuthorityKeyAdded {
            authority: "AUTH1".into(),
            key: a2.public_key(),
        },
    );
    refused(
        &mut w,
        &a,
        Event::AuthorityKeyAdded {
            authority: "AUTH1".into(),
            key: a2.public_key(),
        },
        |e| matches!(e, RuleError::DuplicateKey(_)),
    );
    // Another authority's key cannot be retired here.
    let b = w.authority("AUTH2", 30);
    let now = w.now();
    refused(
        &mut w,
        &a,
        Event::AuthorityKeyRetired {
            authority: "AUTH1".into(),
            key: b.key_id(),
            from: now,
        },
        |e| matches!(e, RuleError::KeyNotOwned { .. }),
    );
    // AUTH2 cannot manage AUTH1's keys.
    refused(
        &mut w,
        &b,
        Event::AuthorityKeyAdded {
            authority: "AUTH1".into(),
            key: actor(31).public_key(),
        },
        |e| matches!(e, RuleError::Unauthorized { .. }),
    );
    // Retire key a from tomorrow: usable today, refused from tomorrow.
    let tomorrow = w.now().plus_days(1);
    w.ok(
        &a2,
        Event::AuthorityKeyRetired {
            authority: "AUTH1".into(),
            key: a.key_id(),
            from: tomorrow,
        },
    );
    refused(
        &mut w,
        &a2,
        Event::AuthorityKeyRetired {
            authority: "AUTH1".into(),
            key: a.key_id(),
            from: tomorrow,
        },
        |e| matches!(e, RuleError::KeyAlreadyEnded(_)),
    );
    w.issue(&a, "AUTH1", "BEFORE");
    w.clock.set(tomorrow);
    let (ev, _, _) = w.issue_event("AUTH1", "AFTER");
    refused(&mut w, &a, ev.clone(), |e| {
        matches!(e, RuleError::KeyRetired { .. })
    });
    w.ok(&a2, ev);
}

/// Compromise cut-over: statements recorded before the compromise point stay valid, later ones
/// are invalid, in append and in status (and so in replay, which uses the same code).
#[test]
fn compromised_key_boundary() {
    let (mut w, a) = W::standard(MemoryStore::new());
    let backup = actor(21);
    w.ok(
        &a,
        Event::AuthorityKeyAdded {
            authority: "AUTH1".into(),
            key: backup.public_key(),
        },
    );
    let (before, _) = w.issue(&a, "AUTH1", "BEFORE");
    w.advance_days(1);
    let since = w.now();
    let (at_point, _) = w.issue(&a, "AUTH1", "ATPOINT");
    w.advance_days(1);
    let (after, _) = w.issue(&a, "AUTH1", "AFTER");
    // The compromise is discovered later and declared since `since`.
    w.advance_days(1);
    w.ok(
        &backup,
        Event::AuthorityKeyCompromised {
            authority: "AUTH1".into(),
            key: a.key_id(),
            since,
        },
    );
    let now = w.now();
    assert_eq!(w.ledger.status(&before, now), Status::Valid);
    assert_eq!(
        w.ledger.status(&at_point, now),
        Status::KeyCompromised { key: a.key_id() }
    );
    assert_eq!(
        w.ledger.status(&after, now),
        Status::KeyCompromised { key: a.key_id() }
    );
    // The key is refused from now on.
    let (ev, _, _) = w.issue_event("AUTH1", "LATER");
    refused(&mut w, &a, ev, |e| {
        matches!(e, RuleError::KeyCompromised { .. })
    });
    // Replay agrees.
    w.ledger.audit().unwrap();
}

#[test]
fn license_type_definition() {
    let mut w = W::new();
    let a = w.authority("AUTH1", 10);
    refused(
        &mut w,
        &a,
        Event::LicenseTypeDefined {
            code: "T9".into(),
            name: "Out of scope".into(),
            claim_names: vec!["n".into()],
        },
        |e| matches!(e, RuleError::Unauthorized { .. }),
    );
    refused(
        &mut w,
        &a,
        Event::LicenseTypeDefined {
            code: "T1".into(),
            name: "Dup claims".into(),
            claim_names: vec!["n".into(), "n".into()],
        },
        |e| matches!(e, RuleError::Invalid { .. }),
    );
    w.define_type(&a, "T1");
    refused(
        &mut w,
        &a,
        Event::LicenseTypeDefined {
            code: "T1".into(),
            name: "Again".into(),
            claim_names: vec![],
        },
        |e| matches!(e, RuleError::DuplicateLicenseType(_)),
    );
    // The root may define any type.
    let root = w.root.clone();
    w.define_type(&root, "T9");
}

#[test]
fn issuance_rules() {
    let (mut w, a) = W::standard(MemoryStore::new());
    let b = w.authority("AUTH2", 30);
    // Another authority cannot issue in AUTH1's name.
    let (ev, _, _) = w.issue_event("AUTH1", "S1");
    refused(&mut w, &b, ev.clone(), |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
    // The root cannot issue.
    let root = w.root.clone();
    refused(&mut w, &root, ev.clone(), |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
    // An undefined type.
    let id = LicenseId::new("T2", "AUTH1", "S1", 1).unwrap();
    let cred = W::credential(&id);
    let ev_t2 = Event::LicenseIssued(w.version(&id, &cred, None));
    refused(&mut w, &a, ev_t2, |e| {
        matches!(e, RuleError::UnknownLicenseType(_))
    });
    // A type outside scope.
    let root2 = w.root.clone();
    w.define_type(&root2, "T3");
    let id3 = LicenseId::new("T3", "AUTH1", "S1", 1).unwrap();
    let ev_t3 = Event::LicenseIssued(w.version(&id3, &W::credential(&id3), None));
    refused(&mut w, &a, ev_t3, |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
    // Not version 001.
    let id2 = LicenseId::new("T1", "AUTH1", "S1", 2).unwrap();
    let ev_v2 = Event::LicenseIssued(w.version(&id2, &W::credential(&id2), None));
    refused(&mut w, &a, ev_v2, |e| {
        matches!(e, RuleError::NotFirstVersion)
    });
    // Wrong claim names.
    let id = LicenseId::new("T1", "AUTH1", "S1", 1).unwrap();
    let mut v = w.version(&id, &W::credential(&id), None);
    v.claims.swap(0, 1);
    refused(&mut w, &a, Event::LicenseIssued(v.clone()), |e| {
        matches!(e, RuleError::ClaimsMismatch)
    });
    v.claims.pop();
    refused(&mut w, &a, Event::LicenseIssued(v), |e| {
        matches!(e, RuleError::ClaimsMismatch)
    });
    // Validity ending before it starts.
    let mut v = w.version(&id, &W::credential(&id), None);
    v.valid_until = Some(v.valid_from);
    refused(&mut w, &a, Event::LicenseIssued(v), |e| {
        matches!(e, RuleError::InvalidValidity)
    });
    // Accepted once; a second issuance of the same lineage is refused.
    w.ok(&a, ev.clone());
    let (ev2, _, _) = w.issue_event("AUTH1", "S1");
    refused(&mut w, &a, ev2, |e| {
        matches!(e, RuleError::LicenseExists(_))
    });
}

#[test]
fn succession_rules() {
    let (mut w, a) = W::standard(MemoryStore::new());
    let (id, _) = w.issue(&a, "AUTH1", "S1");
    // Wrong successor id.
    let (mut s, _) = w.succession(&id, Some(400));
    let skip = LicenseId::new("T1", "AUTH1", "S1", 3).unwrap();
    s.version.id = skip;
    refused(&mut w, &a, Event::LicenseAmended(s), |e| {
        matches!(e, RuleError::WrongSuccessor(_))
    });
    // A renewal that does not extend validity.
    let (s, _) = w.succession(&id, Some(100));
    refused(&mut w, &a, Event::LicenseRenewed(s), |e| {
        matches!(e, RuleError::RenewalMustExtend)
    });
    // Amend: 001 -> 002.
    let before_amendment = w.now();
    let (s, _) = w.succession(&id, Some(365));
    w.ok(&a, Event::LicenseAmended(s));
    let v2 = id.next_version().unwrap();
    // No amendment of a superseded version.
    let (s, _) = w.succession(&id, Some(365));
    refused(&mut w, &a, Event::LicenseAmended(s), |e| {
        matches!(e, RuleError::NotCurrentVersion { .. })
    });
    refused(
        &mut w,
        &a,
        Event::LicenseSuspended {
            license: id.clone(),
            reason: "x".into(),
        },
        |e| matches!(e, RuleError::NotCurrentVersion { .. }),
    );
    // Renew 002 -> 003 (extends), reissue 003 -> 004.
    w.advance_days(1);
    let (s, _) = w.succession(&v2, Some(3650));
    w.ok(&a, Event::LicenseRenewed(s));
    let v3 = v2.next_version().unwrap();
    let (s, _) = w.succession(&v3, Some(3650));
    w.ok(&a, Event::LicenseReissued(s));
    let v4 = v3.next_version().unwrap();
    let now = w.now();
    assert_eq!(
        w.ledger.state().versions(&id),
        vec![id.clone(), v2.clone(), v3.clone(), v4.clone()]
    );
    assert_eq!(
        w.ledger.status(&id, now),
        Status::Superseded { by: v2.clone() }
    );
    assert_eq!(
        w.ledger.status(&v3, now),
        Status::Superseded { by: v4.clone() }
    );
    assert_eq!(w.ledger.status(&v4, now), Status::Valid);
    // Historical query: before the amendment, 001 was valid.
    assert_eq!(w.ledger.status(&id, before_amendment), Status::Valid);
    // No amendment while suspended.
    w.ok(
        &a,
        Event::LicenseSuspended {
            license: v4.clone(),
            reason: "x".into(),
        },
    );
    let (s, _) = w.succession(&v4, Some(3650));
    refused(&mut w, &a, Event::LicenseAmended(s), |e| {
        matches!(e, RuleError::LicenseSuspended(_))
    });
}

#[test]
fn suspension_rules_and_status_boundaries() {
    let (mut w, a) = W::standard(MemoryStore::new());
    let (id, _) = w.issue(&a, "AUTH1", "S1");
    refused(
        &mut w,
        &a,
        Event::LicenseSuspensionLifted {
            license: id.clone(),
        },
        |e| matches!(e, RuleError::LicenseNotSuspended(_)),
    );
    w.advance_days(10);
    let t_susp = w
        .ok(
            &a,
            Event::LicenseSuspended {
                license: id.clone(),
                reason: "inspection".into(),
            },
        )
        .ledger_time;
    refused(
        &mut w,
        &a,
        Event::LicenseSuspended {
            license: id.clone(),
            reason: "again".into(),
        },
        |e| matches!(e, RuleError::LicenseSuspended(_)),
    );
    w.advance_days(5);
    let t_lift = w
        .ok(
            &a,
            Event::LicenseSuspensionLifted {
                license: id.clone(),
            },
        )
        .ledger_time;
    let s = |t: Timestamp| w.ledger.status(&id, t);
    assert_eq!(s(Timestamp(t_susp.0 - 1)), Status::Valid);
    assert_eq!(s(t_susp), Status::Suspended);
    assert_eq!(s(Timestamp(t_lift.0 - 1)), Status::Suspended);
    assert_eq!(s(t_lift), Status::Valid);
    // Validity window boundaries: 365 days from valid_from. Before its recording (1 ms after
    // valid_from here) the ledger vouches for nothing (issue 12, attack 5: was NotYetValid).
    let record = w.ledger.state().license(&id).unwrap().clone();
    let from = record.version.valid_from;
    assert_eq!(
        s(Timestamp(from.0 - 1)),
        Status::NotYetRecorded {
            recorded_at: record.recorded.ledger_time
        }
    );
    assert_eq!(s(record.recorded.ledger_time), Status::Valid);
    assert_eq!(s(Timestamp(from.plus_days(365).0 - 1)), Status::Valid);
    assert_eq!(s(from.plus_days(365)), Status::Expired);
    // Unknown ids.
    let other = LicenseId::new("T1", "AUTH1", "NOPE", 1).unwrap();
    assert_eq!(w.ledger.status(&other, t_lift), Status::Unknown);
    assert_eq!(
        w.ledger.status(&id.next_version().unwrap(), t_lift),
        Status::Unknown
    );
}

#[test]
fn terminations() {
    for kind in ["cancel", "revoke", "withdraw", "rescind"] {
        let (mut w, a) = W::standard(MemoryStore::new());
        let (id, _) = w.issue(&a, "AUTH1", "S1");
        w.advance_days(30);
        let effective = w.now().plus_days(7);
        let mut t = w.termination(&id);
        t.effective = effective;
        let event = match kind {
            "cancel" => Event::LicenseCancelled(t),
            "revoke" => Event::LicenseRevoked(t),
            "withdraw" => Event::LicenseWithdrawn(t),
            _ => Event::LicenseRescinded {
                license: id.clone(),
                reason: "fraud".into(),
            },
        };
        // Only the issuer may terminate.
        let b = w.authority("AUTH2", 30);
        refused(&mut w, &b, event.clone(), |e| {
            matches!(e, RuleError::Unauthorized { .. })
        });
        w.ok(&a, event);
        let before = Timestamp(effective.0 - 1);
        let want_before = if kind == "rescind" {
            Status::Rescinded
        } else {
            Status::Valid
        };
        assert_eq!(
            w.ledger.status(&id, before),
            want_before,
            "{kind} before effective"
        );
        // At its recording (issue 12, attack 5: before it, NotYetRecorded).
        let from = w.ledger.state().license(&id).unwrap().recorded.ledger_time;
        assert_eq!(
            w.ledger.status(&id, from),
            want_before,
            "{kind} at issuance"
        );
        let want_after = match kind {
            "cancel" => Status::Cancelled { since: effective },
            "revoke" => Status::Revoked { since: effective },
            "withdraw" => Status::Withdrawn { since: effective },
            _ => Status::Rescinded,
        };
        assert_eq!(
            w.ledger.status(&id, effective),
            want_after,
            "{kind} at effective"
        );
        // Once in effect (issue 12, attack 4: before, a pending one blocked too), nothing
        // follows a termination but a remedy: a rescission, unless it was one.
        w.clock.set(effective.plus_millis(1));
        for ev in [
            Event::LicenseSuspended {
                license: id.clone(),
                reason: "x".into(),
            },
            Event::LicenseCancelled(w.termination(&id)),
            Event::LicenseAmended(w.succession(&id, Some(365)).0),
        ] {
            refused(&mut w, &a, ev, |e| {
                matches!(e, RuleError::LicenseTerminated(_))
            });
        }
        let rescission = Event::LicenseRescinded {
            license: id.clone(),
            reason: "x".into(),
        };
        if kind == "rescind" {
            refused(&mut w, &a, rescission, |e| {
                matches!(e, RuleError::LicenseTerminated(_))
            });
        } else {
            w.ok(&a, rescission);
            assert_eq!(w.ledger.status(&id, w.now()), Status::Rescinded);
        }
    }
}

#[test]
fn idempotent_resubmission() {
    let (mut w, a) = W::standard(MemoryStore::new());
    let (ev, _, _) = w.issue_event("AUTH1", "S1");
    let s = w.sign(&a, ev);
    let first = w.ledger.append(s.clone()).unwrap();
    w.clock.advance(1000);
    let again = w.ledger.append(s.clone()).unwrap();
    // The same receipt, marked as a re-submission with the entry's effect now (issue 12,
    // attack 14).
    assert_eq!(
        again,
        chancery::Receipt {
            resubmission: Some(chancery::Effect::InForce),
            ..first
        }
    );
    // The genesis statement too: re-submitting it returns entry 0's receipt.
    let genesis = genesis(&w.root, T0);
    assert_eq!(w.ledger.append(genesis).unwrap().seq, 0);
    assert_eq!(w.ledger.len(), first.seq + 1);
    // Also within one batch.
    let (ev2, _, _) = w.issue_event("AUTH1", "S2");
    let s2 = w.sign(&a, ev2);
    let rs = w.ledger.append_batch(vec![s2.clone(), s2, s]).unwrap();
    let r0 = rs[0].clone().unwrap();
    assert_eq!(
        rs[1].clone().unwrap(),
        chancery::Receipt {
            resubmission: Some(chancery::Effect::InForce),
            ..r0
        }
    );
    assert_eq!(
        rs[2].clone().unwrap(),
        chancery::Receipt {
            resubmission: Some(chancery::Effect::InForce),
            ..first
        }
    );
    assert_eq!(w.ledger.len(), r0.seq + 1);
}

/// In a batch, a refused statement is left out and the others are recorded, each checked against
/// the state left by those before it.
#[test]
fn batch_rejects_only_the_bad_statement() {
    let (mut w, a) = W::standard(MemoryStore::new());
    let (ev1, id1, _) = w.issue_event("AUTH1", "S1");
    let (ev2, _, _) = w.issue_event("AUTH1", "S2");
    let issue1 = w.sign(&a, ev1);
    let batch = vec![
        issue1.clone(),
        w.sign(
            &a,
            Event::LicenseSuspensionLifted {
                license: id1.clone(),
            },
        ),
        w.sign(
            &a,
            Event::LicenseSuspended {
                license: id1.clone(),
                reason: "depends on entry 1".into(),
            },
        ),
        issue1,
        w.sign(&a, ev2),
    ];
    let base = w.ledger.len();
    let rs = w.ledger.append_batch(batch).unwrap();
    assert_eq!(rs[0].as_ref().unwrap().seq, base);
    assert!(matches!(
        rs[1],
        Err(Rejection::Rule(RuleError::LicenseNotSuspended(_)))
    ));
    assert_eq!(rs[2].as_ref().unwrap().seq, base + 1);
    assert_eq!(
        rs[3].as_ref().unwrap().seq,
        base,
        "same statement: same receipt"
    );
    assert_eq!(rs[4].as_ref().unwrap().seq, base + 2);
    assert_eq!(w.ledger.len(), base + 3);
    assert_eq!(w.ledger.status(&id1, w.now()), Status::Suspended);
    // A key registered earlier in the same batch can sign later statements of that batch.
    let root = w.root.clone();
    let c = actor(40);
    let rs = w
        .ledger
        .append_batch(vec![
            w.sign(&root, W::registration("AUTH3", &[&c], &["T1"], None)),
            w.sign(&c, w.issue_event("AUTH3", "S1").0),
        ])
        .unwrap();
    assert!(rs.iter().all(Result::is_ok), "{rs:?}");
    w.ledger.audit().unwrap();
}

#[test]
fn ledger_time_is_monotonic() {
    let (mut w, a) = W::standard(MemoryStore::new());
    let r1 = w.ok(&a, w.issue_event("AUTH1", "S1").0);
    // The clock goes backwards: ledger time does not.
    w.clock.set(Timestamp(w.now().0 - 1000));
    let r2 = w.ok(&a, w.issue_event("AUTH1", "S2").0);
    assert!(r2.ledger_time >= r1.ledger_time);
}

/// The rotation event of root `old` to `new`, accepted by `new`'s signature.
fn rotation(old: &chancery::Actor, new: &chancery::Actor) -> Event {
    let message = chancery::event::rotation_message(ORIGIN, &old.key_id(), &new.public_key());
    Event::RootKeyRotated {
        new_key: new.public_key(),
        acceptance: key_of(new).sign(chancery::crypto::Domain::KeyRotation, &message),
    }
}

/// The secret key of a test actor made by `actor(seed)`.
fn key_of(a: &chancery::Actor) -> chancery::SecretKey {
    (1..=255u8)
        .map(key)
        .find(|k| k.key_id() == a.key_id())
        .unwrap()
}

/// Root key rotation: signed by the old root key and accepted by the new one; the old key is
/// retired from the rotation on and the new one acts as root; anything else is refused.
#[test]
fn root_key_rotation() {
    let (mut w, a) = W::standard(MemoryStore::new());
    let old = w.root.clone();
    let new = actor(90);
    // Not by an authority.
    refused(&mut w, &a, rotation(&old, &new), |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
    // The acceptance must be the new key's signature over this rotation.
    let other = actor(91);
    let Event::RootKeyRotated { acceptance, .. } = rotation(&old, &other) else {
        unreachable!()
    };
    refused(
        &mut w,
        &old,
        Event::RootKeyRotated {
            new_key: new.public_key(),
            acceptance,
        },
        |e| matches!(e, RuleError::Invalid { .. }),
    );
    // Not to a key already registered.
    refused(&mut w, &old, rotation(&old, &a), |e| {
        matches!(e, RuleError::DuplicateKey(_))
    });
    w.ok(&old, rotation(&old, &new));
    refused(
        &mut w,
        &old,
        W::registration("AUTH9", &[&actor(92)], &["T1"], None),
        |e| matches!(e, RuleError::KeyRetired { .. }),
    );
    w.ok(&new, W::registration("AUTH9", &[&actor(92)], &["T1"], None));
    assert!(w.ledger.state().root_keys().contains(&new.public_key()));
    // Replay agrees, and the rotation can be chained.
    let newer = actor(93);
    w.ok(&new, rotation(&new, &newer));
    w.ledger.audit().unwrap();
}

/// A rotation inside a large batch: statements after it in the same batch are signed with the
/// new key and the whole batch is applied speculatively like any other.
#[test]
fn root_key_rotation_inside_a_large_batch() {
    let (mut w, a) = W::standard(MemoryStore::new());
    let old = w.root.clone();
    let new = actor(95);
    let mut batch = Vec::new();
    for i in 0..100 {
        if i == 40 {
            batch.push(w.sign(&old, rotation(&old, &new)));
        } else if i == 60 {
            batch.push(w.sign(&new, W::registration("AUTH8", &[&actor(96)], &["T1"], None)));
        } else if i == 70 {
            // Refused: the old key is retired by now.
            batch.push(w.sign(&old, W::registration("AUTH7", &[&actor(97)], &["T1"], None)));
        } else {
            let (ev, _, _) = w.issue_event("AUTH1", &format!("R{i}"));
            batch.push(w.sign(&a, ev));
        }
    }
    let results = w.ledger.append_batch(batch).unwrap();
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r.is_ok(), i != 70, "statement {i}: {r:?}");
    }
    w.ledger.audit().unwrap();
}
