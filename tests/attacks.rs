//! Issue 12's attacks on the ledger rules, each performed through the public API and refused
//! (given/when/then). Each rule lives in `State::check`, shared by append and replay.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::event::CaseOpening;
use chancery::state::{Invalid, Rejection, RuleError};
use chancery::{Actor, AppendError, Event, Ledger, ManualClock, MemoryStore, OpenError};
use common::*;

/// Attack 12: an origin that can never be a C2SP key name (so no checkpoint could ever be
/// signed for it) is refused at genesis.
#[test]
fn given_an_origin_with_a_plus_space_or_control_character_when_creating_then_refused() {
    for origin in [
        "zj.gov.cn/e+license",
        "zj.gov.cn/e license",
        "zj.gov.cn/e\u{1}x",
        "x\u{7f}",
        "",
    ] {
        let root = Actor::new(origin, key(1));
        let g = genesis(&root, T0);
        match Ledger::create(MemoryStore::new(), g, ManualClock::new(T0)) {
            Err(OpenError::Genesis(Rejection::Rule(RuleError::Invalid(Invalid::Origin)))) => {}
            Err(e) => panic!("{origin:?}: unexpected {e}"),
            Ok(_) => panic!("{origin:?}: accepted"),
        }
    }
    // The C2SP key-name rule allows any other non-empty text.
    let root = Actor::new("省.gov.cn/电子证照", key(1));
    Ledger::create(MemoryStore::new(), genesis(&root, T0), ManualClock::new(T0)).unwrap();
}

/// Attack 15: the root may not open an approval case, which no one could decide and no
/// policy could cover; the case's owner is always an authority.
#[test]
fn given_the_root_when_it_opens_a_case_then_it_is_refused() {
    let (mut w, _) = World::standard(MemoryStore::new());
    let root = w.root.clone();
    let case = Event::CaseOpened(CaseOpening {
        case: "C-1".into(),
        case_type: "RENEWAL".into(),
        service_item: "ITEM".into(),
        document: chancery::crypto::sha256(b"approval"),
        deadline: w.now().plus_days(3),
    });
    refused(&mut w, &root, case, |e| {
        matches!(
            e,
            RuleError::Unauthorized {
                event: "CaseOpened"
            }
        )
    });
}

#[allow(dead_code)]
fn rejected(r: Result<chancery::Receipt, AppendError>) -> RuleError {
    match r {
        Err(AppendError::Rejected(Rejection::Rule(e))) => e,
        other => panic!("expected a rule rejection, got {other:?}"),
    }
}

/// Attack 1: with a stolen authority key, the thief declares that key compromised from 200
/// years ahead (and retired then), so that the honest declaration would be refused and the
/// key's forgeries stay valid for ever.
#[test]
fn given_a_stolen_key_when_the_thief_preempts_its_compromise_then_the_honest_declaration_still_counts(
) {
    let (mut w, thief) = World::standard(MemoryStore::new());
    let root = w.root.clone();
    let far = w.now().plus_days(200 * 365);
    let key = thief.key_id();
    // The far-future compromise is refused: a compromise is declared for the past or present.
    refused(
        &mut w,
        &thief,
        Event::AuthorityKeyCompromised {
            authority: "AUTH1".into(),
            key,
            since: far,
        },
        |e| matches!(e, RuleError::Invalid(Invalid::CompromisePointAhead)),
    );
    // A scheduled retirement far ahead is legitimate.
    w.ok(
        &thief,
        Event::AuthorityKeyRetired {
            authority: "AUTH1".into(),
            key,
            from: far,
        },
    );
    w.advance_days(1);
    let (forged, _) = w.issue(&thief, "AUTH1", "FORGED");
    assert_eq!(w.ledger.status(&forged, w.now()), chancery::Status::Valid);
    // The honest declaration, since before the forgery, is accepted and ends the forgery.
    let since = w.now().plus_millis(0).0 - DAY / 2;
    w.ok(
        &root,
        Event::AuthorityKeyCompromised {
            authority: "AUTH1".into(),
            key,
            since: chancery::Timestamp(since),
        },
    );
    assert_eq!(
        w.ledger.status(&forged, w.now()),
        chancery::Status::KeyCompromised { key }
    );
    // The retirement can be moved earlier by a party with the right, never later.
    w.ok(
        &root,
        Event::AuthorityKeyRetired {
            authority: "AUTH1".into(),
            key,
            from: w.now(),
        },
    );
    refused(
        &mut w,
        &root,
        Event::AuthorityKeyRetired {
            authority: "AUTH1".into(),
            key,
            from: far,
        },
        |e| matches!(e, RuleError::KeyAlreadyEnded(_)),
    );
    // And the compromise point earlier, never later.
    w.ok(
        &root,
        Event::AuthorityKeyCompromised {
            authority: "AUTH1".into(),
            key,
            since: chancery::Timestamp(since - DAY),
        },
    );
    refused(
        &mut w,
        &root,
        Event::AuthorityKeyCompromised {
            authority: "AUTH1".into(),
            key,
            since: chancery::Timestamp(since),
        },
        |e| matches!(e, RuleError::KeyAlreadyEnded(_)),
    );
}

fn cancel(w: &World<MemoryStore>, id: &chancery::LicenseId, days_ahead: u64) -> Event {
    let mut t = w.termination(id);
    t.effective = w.now().plus_days(days_ahead);
    Event::LicenseCancelled(t)
}

/// Attack 4: a cancellation effective a century ahead would block every later remedy for
/// ever; an effective date further ahead than the policy's limit is refused.
#[test]
fn given_a_termination_a_century_ahead_when_recorded_then_it_is_refused() {
    let (mut w, a) = World::standard(MemoryStore::new());
    let (id, _) = w.issue(&a, "AUTH1", "L1");
    let far = cancel(&w, &id, 100 * 365);
    refused(&mut w, &a, far, |e| {
        matches!(e, RuleError::Invalid(Invalid::EffectiveTooFarAhead))
    });
}

/// Attack 4: a termination not yet in effect blocks nothing: the issuer may still revoke with
/// an earlier effect, and anyone with the right may rescind.
#[test]
fn given_a_pending_cancellation_when_revoking_or_rescinding_earlier_then_it_is_accepted() {
    let (mut w, a) = World::standard(MemoryStore::new());
    let (id, _) = w.issue(&a, "AUTH1", "L1");
    let pending = cancel(&w, &id, 30);
    w.ok(&a, pending);
    assert_eq!(w.ledger.status(&id, w.now()), chancery::Status::Valid);
    // A suspension is still possible before the cancellation takes effect.
    w.ok(
        &a,
        Event::LicenseSuspended {
            license: id.clone(),
            reason: "inspection".into(),
        },
    );
    w.ok(
        &a,
        Event::LicenseSuspensionLifted {
            license: id.clone(),
        },
    );
    // The revocation, effective now, takes precedence.
    let now = w.now();
    w.ok(&a, Event::LicenseRevoked(w.termination(&id)));
    assert_eq!(
        w.ledger.status(&id, w.now()),
        chancery::Status::Revoked { since: now }
    );
    // Once in effect, a termination blocks other events, but not a rescission, by the root.
    let root = w.root.clone();
    w.advance_days(1);
    refused(
        &mut w,
        &a,
        Event::LicenseSuspended {
            license: id.clone(),
            reason: "again".into(),
        },
        |e| matches!(e, RuleError::LicenseTerminated(_)),
    );
    w.ok(
        &root,
        Event::LicenseRescinded {
            license: id.clone(),
            reason: "unlawful".into(),
        },
    );
    assert_eq!(w.ledger.status(&id, w.now()), chancery::Status::Rescinded);
    refused(
        &mut w,
        &root,
        Event::LicenseRescinded {
            license: id.clone(),
            reason: "twice".into(),
        },
        |e| matches!(e, RuleError::LicenseTerminated(_)),
    );
    w.ledger.audit().unwrap();
}

/// Attack 4: a termination signed with a key later declared compromised since before it does
/// not count, so it blocks nothing and the license is not terminated.
#[test]
fn given_a_termination_by_a_key_compromised_before_it_when_acting_then_it_blocks_nothing() {
    let (mut w, a) = World::standard(MemoryStore::new());
    let backup = w.add_key(&a, "AUTH1", 21);
    let (id, _) = w.issue(&backup, "AUTH1", "L1");
    w.advance_days(1);
    let since = w.now();
    w.ok(&a, Event::LicenseCancelled(w.termination(&id)));
    w.advance_days(1);
    let root = w.root.clone();
    w.compromise(&root, "AUTH1", &a, since);
    assert_eq!(w.ledger.status(&id, w.now()), chancery::Status::Valid);
    w.ok(
        &backup,
        Event::LicenseSuspended {
            license: id.clone(),
            reason: "check".into(),
        },
    );
    assert_eq!(w.ledger.status(&id, w.now()), chancery::Status::Suspended);
    w.ledger.audit().unwrap();
}

/// Attack 5: a license recorded today with `valid_from` a year ago must not verify as Valid at
/// last year's dates: the ledger vouches only from its recording on.
#[test]
fn given_a_license_recorded_late_when_verified_before_its_recording_then_indeterminate() {
    let (mut w, a) = World::standard(MemoryStore::new());
    let paper_from = w.now();
    w.advance_days(365);
    let (ev, id, cred) = w.issue_event("AUTH1", "PAPER");
    let Event::LicenseIssued(mut v) = ev else {
        unreachable!()
    };
    v.valid_from = paper_from; // migrated from paper: its original start
    let recorded = w.ok(&a, Event::LicenseIssued(v)).ledger_time;
    let last_year = paper_from.plus_days(10);
    assert_eq!(
        w.ledger.status(&id, last_year),
        chancery::Status::NotYetRecorded {
            recorded_at: recorded
        }
    );
    let disclosure = cred.disclose(&["name"], false).unwrap();
    assert_eq!(
        w.ledger.verify_disclosure(&disclosure, last_year),
        chancery::Verdict::Indeterminate(chancery::verify::IndeterminateReason::NotYetRecorded {
            recorded_at: recorded
        })
    );
    assert_eq!(
        w.ledger.verify_disclosure(&disclosure, recorded),
        chancery::Verdict::Valid
    );
}

/// Attack 1, the other way round: once an honest declaration has set a key's compromise
/// point, a thief holding a sibling key may move it earlier (any party with the right may),
/// voiding everything the key signed; but once the sibling key is declared compromised since
/// before that move, the move no longer counts and the honest point governs again (SPEC §9).
#[test]
fn given_an_honest_compromise_point_when_a_sibling_key_moves_it_earlier_then_it_is_undone_later() {
    let (mut w, a) = World::standard(MemoryStore::new());
    let thief = w.add_key(&a, "AUTH1", 22);
    let (early, _) = w.issue(&a, "AUTH1", "EARLY");
    w.advance_days(2);
    let since = w.now();
    let root = w.root.clone();
    let declare = |key: chancery::KeyId, since| Event::AuthorityKeyCompromised {
        authority: "AUTH1".into(),
        key,
        since,
    };
    w.ok(&root, declare(a.key_id(), since));
    w.advance_days(1);
    let stolen = w.now();
    w.ok(&thief, declare(a.key_id(), chancery::Timestamp(0)));
    assert!(!w.ledger.status(&early, w.now()).is_valid());
    w.ok(&root, declare(thief.key_id(), stolen));
    assert_eq!(w.ledger.status(&early, w.now()), chancery::Status::Valid);
    assert_eq!(w.ledger.state().compromised_since(&a.key_id()), Some(since));
}

/// Review of attack 4: a termination backdated to before the license was recorded is refused
/// (it would leave no room for an earlier revocation); a revocation effective at the same
/// time as a cancellation is accepted and governs.
#[test]
fn given_a_backdated_cancellation_when_recorded_then_refused_and_a_same_time_revocation_governs() {
    let (mut w, a) = World::standard(MemoryStore::new());
    let (id, _) = w.issue(&a, "AUTH1", "L1");
    let recorded = w.ledger.state().license(&id).unwrap().recorded.ledger_time;
    let mut t = w.termination(&id);
    t.effective = chancery::Timestamp(0);
    refused(&mut w, &a, Event::LicenseCancelled(t.clone()), |e| {
        matches!(e, RuleError::Invalid(Invalid::EffectiveBeforeRecorded))
    });
    t.effective = recorded;
    w.ok(&a, Event::LicenseCancelled(t.clone()));
    let root = w.root.clone();
    w.ok(&root, Event::LicenseRevoked(t));
    assert_eq!(
        w.ledger.status(&id, w.now()),
        chancery::Status::Revoked { since: recorded }
    );
}

/// Review of attack 4: a status stamp may not vouch past a termination the ledger already
/// holds: its next update is capped at the termination's effective time.
#[test]
fn given_a_pending_cancellation_when_stamping_then_next_update_ends_at_it() {
    let (mut w, a) = World::standard(MemoryStore::new());
    let (id, _) = w.issue(&a, "AUTH1", "L1");
    let effective = w.now().plus_millis(3_600_000);
    let mut t = w.termination(&id);
    t.effective = effective;
    w.ok(&a, Event::LicenseCancelled(t));
    let now = w.now();
    let stamp = w.stamp_for_a_day(&id, now, &key(1)).unwrap();
    assert_eq!(stamp.claim.status, chancery::Status::Valid);
    assert_eq!(stamp.claim.next_update, effective);
    w.ledger.check_stamps(std::slice::from_ref(&stamp)).unwrap();
}

/// A seal's loss point may be moved earlier by a later report (the true point found out
/// later), never later.
#[test]
fn given_a_lost_seal_when_the_loss_is_reported_earlier_then_earlier_sealings_stop_counting() {
    let (mut w, _a) = World::standard(MemoryStore::new());
    let owner = w.unit("OWNER", 40);
    let seal = actor(41);
    let auth = actor(10);
    w.register_seal(&auth, "S1", "OWNER", &seal, "AUTH1");
    w.ok(
        &seal,
        World::<MemoryStore>::application("S1", b"doc 1", "CASE-1"),
    );
    w.advance_days(1);
    let first = w.now();
    w.advance_days(1);
    let lost = |since| Event::SealReportedLost {
        es_id: "S1".into(),
        since,
        reason: "stolen".into(),
    };
    w.ok(&owner, lost(first));
    let doc = chancery::crypto::sha256(b"doc 1");
    assert!(w
        .ledger
        .verify_document_digest(&doc, w.now())
        .verdict
        .is_valid());
    refused(&mut w, &owner, lost(first), |e| {
        matches!(e, RuleError::SealState { .. })
    });
    w.ok(&owner, lost(T0));
    assert!(!w
        .ledger
        .verify_document_digest(&doc, w.now())
        .verdict
        .is_valid());
    w.ledger.audit().unwrap();
}

/// Attack 6: an authority registered by delegation keeps issuing after its parent is
/// suspended or revoked. An ancestor's suspension refuses the whole subtree from then on
/// (reinstatement lifts it); licenses issued before keep their status.
#[test]
fn given_a_suspended_parent_when_its_delegate_issues_then_it_is_refused_until_reinstated() {
    let (mut w, parent) = World::standard(MemoryStore::new());
    let child = actor(23);
    w.ok(
        &parent,
        World::<MemoryStore>::registration("CHILD1", &[&child], &["T1"], Some("AUTH1")),
    );
    let (before, _) = w.issue(&child, "CHILD1", "BEFORE");
    let root = w.root.clone();
    w.ok(
        &root,
        Event::AuthoritySuspended {
            authority: "AUTH1".into(),
            reason: "audit".into(),
        },
    );
    let (ev, _, _) = w.issue_event("CHILD1", "DURING");
    refused(
        &mut w,
        &child,
        ev,
        |e| matches!(e, RuleError::AuthorityNotActive { code } if code == "AUTH1"),
    );
    assert_eq!(w.ledger.status(&before, w.now()), chancery::Status::Valid);
    w.ok(
        &root,
        Event::AuthorityReinstated {
            authority: "AUTH1".into(),
        },
    );
    w.issue(&child, "CHILD1", "AFTER");
    w.ok(
        &root,
        Event::AuthorityRevoked {
            authority: "AUTH1".into(),
            reason: "closed".into(),
        },
    );
    let (ev, _, _) = w.issue_event("CHILD1", "REVOKED");
    refused(
        &mut w,
        &child,
        ev,
        |e| matches!(e, RuleError::AuthorityNotActive { code } if code == "AUTH1"),
    );
    w.ledger.audit().unwrap();
}

/// Issue 12, Formats: an entry always fits a C2SP tlog-tiles entry bundle (uint16 length):
/// 65,535 bytes are accepted, 65,536 refused.
#[test]
fn given_a_statement_whose_entry_is_65536_bytes_when_appended_then_it_is_refused() {
    let (mut w, a) = World::standard(MemoryStore::new());
    let define = |code: &str, len: usize| Event::LicenseTypeDefined {
        code: code.into(),
        name: "n".repeat(len),
        claim_names: vec!["c".into()],
    };
    // Measure an entry with a long name, then size the name to hit the limit exactly.
    let probe = w.ok(&a, define("T2", 60_000)).seq;
    let probe_len = chancery::Canonical::to_canonical(&w.ledger.entry(probe).unwrap()).len();
    let fit = 60_000 + (chancery::event::MAX_ENTRY_LEN - probe_len);
    let root = w.root.clone();
    // (T3, T4 are not in AUTH1's scope: the root defines them.)
    refused(&mut w, &root, define("T3", fit + 1), |e| {
        matches!(e, RuleError::Invalid(Invalid::StatementTooLarge))
    });
    let at_limit = w.ok(&root, define("T4", fit)).seq;
    let len = chancery::Canonical::to_canonical(&w.ledger.entry(at_limit).unwrap()).len();
    assert_eq!(len, 65_535);
}

/// Attack 9: a third party applies its own seal to the victim's document digest, then reports
/// its seal lost since before that sealing; the victim's valid sealing must stay valid, each
/// sealing is reported with its own verdict, and the question "sealed by unit X / by seal S?"
/// is answered for X or S alone.
#[test]
fn given_a_poisoning_sealing_when_the_document_is_verified_then_the_victims_sealing_is_valid() {
    use chancery::verify::SealFilter;
    let (mut w, _a) = World::standard(MemoryStore::new());
    let auth = actor(10);
    let victim = w.unit("VICTIM", 40);
    let attacker = w.unit("ATTACKER", 42);
    let (vseal, aseal) = (actor(41), actor(43));
    w.register_seal(&auth, "SV", "VICTIM", &vseal, "AUTH1");
    w.register_seal(&auth, "SA", "ATTACKER", &aseal, "AUTH1");
    let start = w.now();
    w.ok(
        &vseal,
        World::<MemoryStore>::application("SV", b"contract", "C-1"),
    );
    w.ok(
        &aseal,
        World::<MemoryStore>::application("SA", b"contract", "X-1"),
    );
    w.ok(
        &attacker,
        Event::SealReportedLost {
            es_id: "SA".into(),
            since: start,
            reason: "oops".into(),
        },
    );
    let _ = victim;
    let doc = chancery::crypto::sha256(b"contract");
    let any = w.ledger.verify_document_digest(&doc, w.now());
    assert_eq!(any.verdict, chancery::Verdict::Valid, "{any:?}");
    assert_eq!(any.sealings.len(), 2);
    assert!(any.sealings[0].verdict.is_valid() && !any.sealings[1].verdict.is_valid());
    let by = |f: SealFilter| {
        w.ledger
            .verify_document_digest_by(&doc, &f, w.now())
            .verdict
    };
    assert!(by(SealFilter::owner("VICTIM")).is_valid());
    assert!(by(SealFilter::seal("SV")).is_valid());
    assert!(!by(SealFilter::owner("ATTACKER")).is_valid());
    assert!(matches!(
        by(SealFilter::owner("NOBODY")),
        chancery::Verdict::Invalid(chancery::InvalidReason::NotSealed)
    ));
}

/// Attack 10: whoever can write the store appends a correctly framed and hashed entry whose
/// signature is junk (to the journal, or a database table); opening the ledger must refuse it,
/// not report the forged license Valid.
#[test]
fn given_a_store_writer_adding_an_entry_with_a_junk_signature_when_opening_then_it_is_refused() {
    use chancery::storage::{Record, Store};
    use chancery::{Canonical, FileStore, SignedStatement};
    let d = tempfile::tempdir().unwrap();
    let (w, a) = World::standard(FileStore::open(d.path()).unwrap());
    let (ev, id, _) = w.issue_event("AUTH1", "FORGED");
    let honest = w.sign(&a, ev);
    let mut bytes = honest.to_canonical();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01; // the signature's last byte
    let forged = SignedStatement::from_canonical(&bytes).unwrap();
    let seq = w.ledger.len();
    let entry = chancery::Entry::encode_parts(seq, &w.ledger.state().head(), w.now(), &forged);
    let record = Record {
        hash: chancery::crypto::leaf_hash(&entry),
        bytes: entry,
    };
    drop(w);
    let mut store = FileStore::open(d.path()).unwrap();
    store.append(seq, &[record]).unwrap();
    drop(store);
    match Ledger::open(FileStore::open(d.path()).unwrap(), ManualClock::new(T0)) {
        Err(OpenError::BadEntry(bad)) => assert_eq!(bad.error.seq, seq, "{bad}"),
        Err(e) => panic!("unexpected {e}"),
        Ok(l) => panic!("accepted; the forged license is {}", l.status(&id, l.now())),
    }
}

/// Attack 14: re-submitting a recorded statement stays idempotent (nothing new is recorded),
/// but its receipt now says it is a re-submission of entry N and what that entry means now:
/// a grant re-submitted after its revocation is reported revoked, not silently "recorded".
#[test]
fn given_a_revoked_consent_when_its_grant_is_resubmitted_then_the_receipt_says_revoked() {
    use chancery::Effect;
    let (mut w, issuer) = World::standard(MemoryStore::new());
    w.unit("BANK", 22);
    let (id, _) = w.issue(&issuer, "AUTH1", "S1");
    let holder = w.bind_holder(&issuer, &id, 70);
    let grant = w.sign(
        &holder,
        Event::UseAuthorized(w.consent(&id, "BANK", "LOAN", 30, 1)),
    );
    let first = w.ledger.append(grant.clone()).unwrap();
    assert_eq!(first.resubmission, None);
    let again = w.ledger.append(grant.clone()).unwrap();
    assert_eq!(
        (again.seq, again.resubmission),
        (first.seq, Some(Effect::InForce))
    );
    let revoked = w.ok(
        &holder,
        Event::UseAuthorizationRevoked {
            consent: grant.id(),
        },
    );
    let len = w.ledger.len();
    let after = w.ledger.append(grant).unwrap();
    assert_eq!(after.seq, first.seq);
    assert_eq!(
        after.resubmission,
        Some(Effect::ConsentRevoked {
            at_entry: revoked.seq
        })
    );
    assert_eq!(w.ledger.len(), len, "nothing new recorded");
}

/// Attack 14: an issuance re-submitted after the license was revoked reports the revocation.
#[test]
fn given_a_revoked_license_when_its_issuance_is_resubmitted_then_the_receipt_says_so() {
    let (mut w, a) = World::standard(MemoryStore::new());
    let (ev, id, _) = w.issue_event("AUTH1", "S1");
    let issuance = w.sign(&a, ev);
    w.ledger.append(issuance.clone()).unwrap();
    w.ok(&a, Event::LicenseRevoked(w.termination(&id)));
    let again = w.ledger.append(issuance).unwrap();
    assert_eq!(
        again.resubmission,
        Some(chancery::Effect::LicenseNot { status: "Revoked" })
    );
}

/// Attack 8: once a case is overdue, whoever holds the engine key could seal any document,
/// and verification would cite the legal basis. The case commits to its document: the engine
/// may seal that one only, and verification reports it.
#[test]
fn given_an_overdue_case_when_the_engine_seals_another_document_then_it_is_refused() {
    let (mut w, _a) = World::standard(MemoryStore::new());
    let auth = actor(10);
    let owner = w.unit("OWNER", 40);
    let (seal, engine) = (actor(41), actor(60));
    w.register_seal(&auth, "S1", "OWNER", &seal, "AUTH1");
    w.ok(
        &owner,
        World::<MemoryStore>::auto_policy("P1", "S1", "PERMIT", &engine, 30),
    );
    w.ok(&owner, w.case_opening("CASE-1", "PERMIT", 10));
    w.advance_days(11);
    // The engine's tick names the document to seal.
    let due = w.ledger.due_auto_seals();
    assert_eq!(due[0].document, chancery::crypto::sha256(b"approval"));
    let auto = |doc: &[u8]| {
        Event::SealAutoApplied(chancery::event::AutoSealApplication {
            policy: "P1".into(),
            case: "CASE-1".into(),
            document: chancery::crypto::sha256(doc),
        })
    };
    refused(
        &mut w,
        &engine,
        auto(b"a forged contract"),
        |e| matches!(e, RuleError::NotTheCaseDocument { case, .. } if case == "CASE-1"),
    );
    w.ok(&engine, auto(b"approval"));
    let report = w
        .ledger
        .verify_document_digest(&chancery::crypto::sha256(b"approval"), w.now());
    assert!(report.verdict.is_valid(), "{report:?}");
    let cited = report.sealings[0].automatic.as_ref().unwrap();
    assert_eq!(cited.case_document, chancery::crypto::sha256(b"approval"));
    assert_eq!(cited.service_item, "ITEM-1");
}

/// Attack 13, review: the same use recorded twice in one millisecond is one statement; the
/// second call spends nothing, so it is not answered Valid.
#[test]
fn given_the_same_use_twice_in_one_millisecond_when_recorded_then_the_second_is_not_valid() {
    let (mut w, issuer) = World::standard(MemoryStore::new());
    let bank = w.unit("BANK", 22);
    let (id, cred) = w.issue(&issuer, "AUTH1", "S1");
    let holder = w.bind_holder(&issuer, &id, 70);
    w.ok(
        &holder,
        Event::UseAuthorized(w.consent(&id, "BANK", "LOAN", 30, 5)),
    );
    let disclosure = cred.disclose(&["name"], false).unwrap();
    let first = w
        .ledger
        .verify_and_record_use(&disclosure, &bank, "BANK", "LOAN", "CASE-1")
        .unwrap();
    assert!(first.verdict.is_valid() && first.receipt.is_some());
    let again = w
        .ledger
        .verify_and_record_use(&disclosure, &bank, "BANK", "LOAN", "CASE-1")
        .unwrap();
    assert!(!again.verdict.is_valid(), "{again:?}");
    assert!(again.receipt.is_none());
    assert_eq!(again.uses_left, 4);
    // A signer that is not the party is an error, not a verdict.
    let other = w.unit("OTHER", 23);
    assert!(w
        .ledger
        .verify_and_record_use(&disclosure, &other, "BANK", "LOAN", "CASE-2")
        .is_err());
}

/// Attack 4's neighbour: a suspension signed with a key later declared compromised since
/// before it blocks nothing: the license can be amended and suspended again.
#[test]
fn given_a_suspension_by_a_key_compromised_before_it_when_amending_then_it_blocks_nothing() {
    let (mut w, a) = World::standard(MemoryStore::new());
    let backup = w.add_key(&a, "AUTH1", 21);
    let (id, _) = w.issue(&backup, "AUTH1", "L1");
    w.advance_days(1);
    let since = w.now();
    w.ok(
        &a,
        Event::LicenseSuspended {
            license: id.clone(),
            reason: "thief".into(),
        },
    );
    let root = w.root.clone();
    w.compromise(&root, "AUTH1", &a, since);
    assert_eq!(w.ledger.status(&id, w.now()), chancery::Status::Valid);
    w.ok(
        &backup,
        Event::LicenseAmended(w.succession(&id, Some(365)).0),
    );
    w.ledger.audit().unwrap();
}

/// Attack 7: a registrar registers a 公章 for a unit with a key it holds, and seals in the
/// unit's name; the owner never agreed. The registration must carry the owner's acceptance (by a
/// key of the owner that counts) and the seal key's proof of possession, over the origin and
/// the terms; a registrar's own signature, a signature over other terms, or a missing proof of
/// possession are refused.
#[test]
fn given_a_seal_registered_without_its_owner_when_recorded_then_it_is_refused() {
    use chancery::event::SealAcceptance;
    let (mut w, registrar) = World::standard(MemoryStore::new());
    let owner = w.unit("OWNER", 40);
    let seal = actor(41);
    let terms = w.seal_terms("S1", "OWNER", &seal, "AUTH1");
    let register = |r: chancery::event::SealRegistration| Event::SealRegistered(Box::new(r));
    let not_accepted = |e: &RuleError| matches!(e, RuleError::SealNotAccepted { .. });
    // The registrar accepts in the owner's stead.
    let forged = registrar.accept_seal(terms.clone(), &seal);
    refused(&mut w, &registrar, register(forged), not_accepted);
    // The owner's signature over other terms (another seal key), moved onto these.
    let other = owner.accept_seal(w.seal_terms("S1", "OWNER", &actor(42), "AUTH1"), &actor(42));
    let honest = owner.accept_seal(terms.clone(), &seal);
    let moved = chancery::event::SealRegistration {
        terms: terms.clone(),
        acceptance: SealAcceptance {
            possession: honest.acceptance.possession,
            ..other.acceptance.clone()
        },
    };
    refused(&mut w, &registrar, register(moved), not_accepted);
    // No proof of possession: the possession signature is by another key.
    let unproven = chancery::event::SealRegistration {
        terms: terms.clone(),
        acceptance: SealAcceptance {
            possession: other.acceptance.possession,
            ..honest.acceptance.clone()
        },
    };
    refused(&mut w, &registrar, register(unproven), not_accepted);
    // For another ledger: the origin is signed too.
    let elsewhere = chancery::Actor::new("elsewhere.gov.cn/x", key(40)).accept_seal(
        terms.clone(),
        &chancery::Actor::new("elsewhere.gov.cn/x", key(41)),
    );
    refused(&mut w, &registrar, register(elsewhere), not_accepted);
    // With the owner's acceptance it is recorded and the seal works.
    w.ok(&registrar, register(honest));
    w.ok(
        &seal,
        World::<MemoryStore>::application("S1", b"contract", "C1"),
    );
}

/// Attack 7 with attack 2: a seal accepted with an owner key that is later declared
/// compromised since before the acceptance no longer counts, nor do its sealings.
#[test]
fn given_a_seal_accepted_with_a_stolen_owner_key_when_declared_then_the_seal_is_void() {
    let (mut w, registrar) = World::standard(MemoryStore::new());
    let owner = w.unit("OWNER", 40);
    let stolen = w.add_key(&owner, "OWNER", 43);
    w.advance_days(1);
    let since = w.now();
    w.advance_days(1);
    let seal = actor(41);
    let terms = w.seal_terms("S1", "OWNER", &seal, "AUTH1");
    w.ok(
        &registrar,
        Event::SealRegistered(Box::new(stolen.accept_seal(terms, &seal))),
    );
    w.ok(
        &seal,
        World::<MemoryStore>::application("S1", b"contract", "C1"),
    );
    w.compromise(&owner, "OWNER", &stolen, since);
    assert!(matches!(
        w.ledger.seal_status("S1", w.now()),
        chancery::SealStatus::RegistrationVoid { .. }
    ));
    assert!(!w
        .ledger
        .verify_document(b"contract", w.now())
        .verdict
        .is_valid());
    refused(
        &mut w,
        &seal,
        World::<MemoryStore>::application("S1", b"contract 2", "C2"),
        |e| {
            matches!(
                e,
                RuleError::SealNotActive {
                    status: chancery::SealStatus::RegistrationVoid { .. },
                    ..
                }
            )
        },
    );
}

/// A file-store ledger with AUTH1, type T1 and one license, keeping an integrity record under
/// `key`; the junk-signature forgery of attack 10 as a record at the end.
fn integrity_ledger(
    dir: &std::path::Path,
    key: &chancery::IntegrityKey,
) -> (chancery::storage::Record, chancery::LicenseId) {
    use chancery::{Canonical, FileStore, SignedStatement};
    let (mut w, a) = World::standard(FileStore::open(dir).unwrap());
    w.ledger.keep_integrity(key.clone());
    w.issue(&a, "AUTH1", "HONEST");
    let (ev, id, _) = w.issue_event("AUTH1", "FORGED");
    let mut bytes = w.sign(&a, ev).to_canonical();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    let forged = SignedStatement::from_canonical(&bytes).unwrap();
    let seq = w.ledger.len();
    let entry = chancery::Entry::encode_parts(seq, &w.ledger.state().head(), w.now(), &forged);
    let record = chancery::storage::Record {
        hash: chancery::crypto::leaf_hash(&entry),
        bytes: entry,
    };
    (record, id)
}

/// Attack 10, the trusted open: with the integrity key (kept outside the store), reopening
/// trusts the signatures the record covers and reaches the same state; an entry a store writer
/// appends after the record has its signature checked and is refused.
#[test]
fn given_an_integrity_record_when_a_store_writer_appends_a_junk_entry_then_the_trusted_open_refuses_it(
) {
    use chancery::storage::Store;
    use chancery::FileStore;
    let d = tempfile::tempdir().unwrap();
    let key = chancery::IntegrityKey::from_bytes([5; 32]);
    let (forged, id) = integrity_ledger(d.path(), &key);
    let plain = Ledger::open(FileStore::open(d.path()).unwrap(), ManualClock::new(T0))
        .unwrap()
        .state()
        .clone();
    let trusted = Ledger::open_trusting(
        FileStore::open(d.path()).unwrap(),
        ManualClock::new(T0),
        key.clone(),
    )
    .unwrap();
    assert_eq!(trusted.trusted_at_open(), plain.size());
    assert_eq!(trusted.state(), &plain);
    drop(trusted);
    let mut store = FileStore::open(d.path()).unwrap();
    let seq = store.len();
    store.append(seq, &[forged]).unwrap();
    drop(store);
    match Ledger::open_trusting(
        FileStore::open(d.path()).unwrap(),
        ManualClock::new(T0),
        key,
    ) {
        Err(OpenError::BadEntry(bad)) => assert_eq!(bad.error.seq, seq, "{bad}"),
        Err(e) => panic!("unexpected {e}"),
        Ok(l) => panic!("accepted; the forged license is {}", l.status(&id, l.now())),
    }
}

/// Attack 10, the trusted open: a store writer who rewrites covered entries (a junk-signature
/// entry in place of a real one, the chain rebuilt) or forges the record without the key gets
/// every signature verified, and the forgery is refused.
#[test]
fn given_an_integrity_record_when_covered_entries_or_the_record_are_forged_then_every_signature_is_checked(
) {
    use chancery::storage::Store;
    use chancery::FileStore;
    let d = tempfile::tempdir().unwrap();
    let key = chancery::IntegrityKey::from_bytes([5; 32]);
    let (forged, _) = integrity_ledger(d.path(), &key);
    // A copy of the store with the last real entry replaced by the forgery, and the record.
    let copy = tempfile::tempdir().unwrap();
    {
        let original = FileStore::open_read_only(d.path()).unwrap();
        let n = original.len();
        let mut target = FileStore::open(copy.path()).unwrap();
        target.append(0, &original.read(0, n - 1).unwrap()).unwrap();
        let bytes = forged.bytes.clone();
        // Same position and chain link as the entry it replaces: re-encode at seq n - 1.
        let entry = <chancery::Entry as chancery::Canonical>::from_canonical(&bytes).unwrap();
        let prev = original.read(n - 2, n - 1).unwrap()[0].hash;
        let bytes =
            chancery::Entry::encode_parts(n - 1, &prev, entry.ledger_time, &entry.statement);
        let record = chancery::storage::Record {
            hash: chancery::crypto::leaf_hash(&bytes),
            bytes,
        };
        target.append(n - 1, &[record]).unwrap();
        let rec = original.integrity_record().unwrap();
        target.set_integrity_record(&rec).unwrap();
    }
    match Ledger::open_trusting(
        FileStore::open(copy.path()).unwrap(),
        ManualClock::new(T0),
        key.clone(),
    ) {
        Err(OpenError::BadEntry(_)) => {}
        Err(e) => panic!("unexpected {e}"),
        Ok(_) => panic!("a rewritten covered entry was trusted"),
    }
    // A record made without the key is ignored: everything is verified.
    let mut store = FileStore::open(d.path()).unwrap();
    let n = store.len();
    let head = store.read(n - 1, n).unwrap()[0].hash;
    let fake = chancery::IntegrityKey::from_bytes([6; 32]).seal(n + 1, &forged.hash);
    store.append(n, &[forged]).unwrap();
    store.set_integrity_record(&fake).unwrap();
    drop(store);
    assert_ne!(head, chancery::Digest32([0; 32]));
    assert!(matches!(
        Ledger::open_trusting(
            FileStore::open(d.path()).unwrap(),
            ManualClock::new(T0),
            key
        ),
        Err(OpenError::BadEntry(_))
    ));
}

/// Review of attack 10: a store writer who plants links where the integrity record is read or
/// written cannot make the ledger write outside the store or read a device: the temporary file
/// is created exclusively (a link there is removed, not followed), and a record that is not a
/// regular file reads as none.
#[test]
fn given_links_planted_for_the_integrity_record_when_kept_and_read_then_nothing_outside_is_touched()
{
    use chancery::storage::Store;
    use chancery::FileStore;
    let d = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim");
    std::fs::write(&victim, b"precious").unwrap();
    let key = chancery::IntegrityKey::from_bytes([5; 32]);
    integrity_ledger(d.path(), &key);
    std::os::unix::fs::symlink(&victim, d.path().join("integrity.new")).unwrap();
    let mut store = FileStore::open(d.path()).unwrap();
    store.set_integrity_record(b"x").unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    std::fs::remove_file(d.path().join("integrity")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", d.path().join("integrity")).unwrap();
    assert_eq!(store.integrity_record(), None);
}
