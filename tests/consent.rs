//! Given/when/then tests of holder keys, consent (用证授权) and use records (用证记录), and of
//! license verification for a relying party on both sides of every boundary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::event::{UseRecord, UseResult};
use chancery::state::{Invalid, RuleError};
use chancery::{
    Actor, Event, InvalidReason, Ledger, LicenseId, ManualClock, MemoryStore, Timestamp, Verdict,
};
use common::*;

type W = World<MemoryStore>;

/// AUTH1 (seed 10) issues license S1 to a holder whose key (seed 70) it binds; BANK (seed 22)
/// and TAX (seed 23) are relying parties.
fn fixture() -> (W, Actor, Actor, Actor, LicenseId, chancery::Credential) {
    let (mut w, issuer) = W::standard(MemoryStore::new());
    let bank = w.unit("BANK", 22);
    w.unit("TAX", 23);
    let (id, cred) = w.issue(&issuer, "AUTH1", "S1");
    let holder = actor(70);
    w.ok(
        &issuer,
        Event::HolderKeyBound {
            license: id.clone(),
            key: holder.public_key(),
        },
    );
    (w, issuer, bank, holder, id, cred)
}

fn use_of(license: &LicenseId, consent: chancery::event::StatementId, item: &str) -> Event {
    Event::UseRecorded(UseRecord {
        license: license.clone(),
        consent,
        service_item: item.into(),
        case: "LOAN-2026-0001".into(),
        result: UseResult::Accepted,
    })
}

#[test]
fn holder_keys_are_bound_by_the_issuer() {
    let (mut w, issuer, bank, holder, id, _) = fixture();
    let other = w.authority("AUTH2", 30);
    let fresh = actor(71);
    let bind = |key: &Actor| Event::HolderKeyBound {
        license: id.clone(),
        key: key.public_key(),
    };
    refused(&mut w, &other, bind(&fresh), |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
    refused(&mut w, &bank, bind(&fresh), |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
    refused(&mut w, &holder, bind(&fresh), |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
    refused(&mut w, &issuer, bind(&holder), |e| {
        matches!(e, RuleError::DuplicateKey(_))
    });
    // Re-binding replaces the key: the old one can no longer consent.
    w.ok(&issuer, bind(&fresh));
    assert_eq!(w.ledger.state().holder_key(&id), Some(fresh.key_id()));
    let c = w.consent(&id, "BANK", "LOAN", 30, 1);
    refused(&mut w, &holder, Event::UseAuthorized(c.clone()), |e| {
        matches!(e, RuleError::KeyRetired { .. })
    });
    w.ok(&fresh, Event::UseAuthorized(c));
}

#[test]
fn consent_rules() {
    let (mut w, issuer, bank, holder, id, cred) = fixture();
    let good = w.consent(&id, "BANK", "LOAN", 30, 2);
    // Only the license's holder key grants consent.
    let (id2, _) = w.issue(&issuer, "AUTH1", "S2");
    let holder2 = actor(72);
    w.ok(
        &issuer,
        Event::HolderKeyBound {
            license: id2.clone(),
            key: holder2.public_key(),
        },
    );
    for by in [&issuer, &bank, &holder2] {
        refused(&mut w, by, Event::UseAuthorized(good.clone()), |e| {
            matches!(e, RuleError::Unauthorized { .. })
        });
    }
    // The relying party is registered; the window, item and uses make sense.
    let bad = |f: &dyn Fn(&mut chancery::event::Consent)| {
        let mut c = good.clone();
        f(&mut c);
        Event::UseAuthorized(c)
    };
    refused(
        &mut w,
        &holder,
        bad(&|c| c.relying_party = "NOBODY".into()),
        |e| matches!(e, RuleError::UnknownAuthority(_)),
    );
    refused(&mut w, &holder, bad(&|c| c.max_uses = 0), |e| {
        matches!(e, RuleError::Invalid(Invalid::ConsentTerms))
    });
    refused(&mut w, &holder, bad(&|c| c.until = c.from), |e| {
        matches!(e, RuleError::Invalid(Invalid::ConsentTerms))
    });
    refused(&mut w, &holder, bad(&|c| c.service_item.clear()), |e| {
        matches!(e, RuleError::Invalid(Invalid::ConsentTerms))
    });
    let receipt = w.ok(&holder, Event::UseAuthorized(good.clone()));
    let consent = w.ledger.entry(receipt.seq).unwrap().statement.id();
    // Only the named relying party records a use, for the consented item.
    let tax = actor(23);
    refused(&mut w, &tax, use_of(&id, consent, "LOAN"), |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
    refused(&mut w, &holder, use_of(&id, consent, "LOAN"), |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
    refused(&mut w, &bank, use_of(&id, consent, "MORTGAGE"), |e| {
        matches!(e, RuleError::ConsentNotInForce { .. })
    });
    refused(&mut w, &bank, use_of(&id2, consent, "LOAN"), |e| {
        matches!(e, RuleError::UnknownLicense(_))
    });
    let unknown = chancery::crypto::sha256(b"no such consent");
    refused(&mut w, &bank, use_of(&id, unknown, "LOAN"), |e| {
        matches!(e, RuleError::UnknownConsent(_))
    });
    // Two uses allowed: the third is refused.
    w.ok(&bank, use_of(&id, consent, "LOAN"));
    w.ok(&bank, use_of(&id, consent, "LOAN"));
    refused(
        &mut w,
        &bank,
        use_of(&id, consent, "LOAN"),
        |e| matches!(e, RuleError::ConsentNotInForce { what, .. } if what.contains("no uses")),
    );
    // The holder's use history shows both, in order.
    let history = w.ledger.state().use_history(&cred.holder_commitment());
    assert_eq!(history.len(), 2);
    assert!(history[0].recorded.seq < history[1].recorded.seq);
    assert_eq!(history[0].relying_party, "BANK");
    // Revocation: by the holder, once; no use after it.
    let c2 = w.consent(&id, "BANK", "DEPOSIT", 30, 5);
    let r2 = w.ok(&holder, Event::UseAuthorized(c2));
    let consent2 = w.ledger.entry(r2.seq).unwrap().statement.id();
    let revoke = Event::UseAuthorizationRevoked { consent: consent2 };
    refused(&mut w, &bank, revoke.clone(), |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
    w.ok(&holder, revoke.clone());
    refused(&mut w, &holder, revoke, |e| {
        matches!(e, RuleError::ConsentNotInForce { .. })
    });
    refused(
        &mut w,
        &bank,
        use_of(&id, consent2, "DEPOSIT"),
        |e| matches!(e, RuleError::ConsentNotInForce { what, .. } if what.contains("revoked")),
    );
    // A terminated license takes no new consent.
    w.ok(&issuer, Event::LicenseCancelled(w.termination(&id)));
    let c3 = w.consent(&id, "BANK", "LOAN", 30, 1);
    refused(&mut w, &holder, Event::UseAuthorized(c3), |e| {
        matches!(e, RuleError::LicenseTerminated(_))
    });
}

#[test]
fn use_window_boundaries_in_append_and_verification() {
    let (mut w, _issuer, bank, holder, id, cred) = fixture();
    let disclosure = cred.disclose(&["name"], false).unwrap();
    let now = w.now();
    // No consent: the bank gets NoConsent, even though the license is valid.
    assert_eq!(
        w.ledger
            .verify_for_relying_party(&disclosure, "BANK", "LOAN", now),
        Verdict::Invalid(InvalidReason::NoConsent)
    );
    assert!(w.ledger.verify_disclosure(&disclosure, now).is_valid());
    let mut c = w.consent(&id, "BANK", "LOAN", 30, 1);
    let from = w.now().plus_days(1);
    c.from = from;
    c.until = from.plus_days(10);
    let until = c.until;
    let r = w.ok(&holder, Event::UseAuthorized(c));
    let consent = w.ledger.entry(r.seq).unwrap().statement.id();
    let verdict = |l: &Ledger<MemoryStore>, item: &str, at: Timestamp| {
        l.verify_for_relying_party(&disclosure, "BANK", item, at)
    };
    // Before the window, after it, for another item or another party: no consent.
    w.clock.set(until.plus_days(1));
    for (item, at) in [
        ("LOAN", Timestamp(from.0 - 1)),
        ("LOAN", until),
        ("CARD", from),
    ] {
        assert_eq!(
            verdict(&w.ledger, item, at),
            Verdict::Invalid(InvalidReason::NoConsent)
        );
    }
    assert_eq!(
        w.ledger
            .verify_for_relying_party(&disclosure, "TAX", "LOAN", from),
        Verdict::Invalid(InvalidReason::NoConsent)
    );
    for at in [from, Timestamp(until.0 - 1)] {
        assert!(verdict(&w.ledger, "LOAN", at).is_valid());
    }
    // Append follows the same window (the statement is recorded 1 ms after signing).
    w.clock.set(Timestamp(from.0 - 2));
    refused(&mut w, &bank, use_of(&id, consent, "LOAN"), |e| {
        matches!(e, RuleError::ConsentNotInForce { .. })
    });
    w.clock.set(Timestamp(until.0 - 1));
    refused(&mut w, &bank, use_of(&id, consent, "LOAN"), |e| {
        matches!(e, RuleError::ConsentNotInForce { .. })
    });
    w.clock.set(Timestamp(until.0 - 2));
    let used = w.ok(&bank, use_of(&id, consent, "LOAN"));
    // The single use is spent from its recording on, not before.
    w.clock.set(until.plus_days(1));
    assert!(verdict(&w.ledger, "LOAN", Timestamp(used.ledger_time.0 - 1)).is_valid());
    assert_eq!(
        verdict(&w.ledger, "LOAN", used.ledger_time),
        Verdict::Invalid(InvalidReason::NoConsent)
    );
    // Replay gives the same answers.
    let replayed =
        Ledger::open_verified(w.ledger.store().clone(), ManualClock::new(w.now())).unwrap();
    assert_eq!(replayed.state(), w.ledger.state());
    for at in [from, Timestamp(used.ledger_time.0 - 1), used.ledger_time] {
        assert_eq!(
            verdict(&replayed, "LOAN", at),
            verdict(&w.ledger, "LOAN", at)
        );
    }
}

/// A use that accepts the license records that it was valid then: after the license is
/// suspended, a relying party's accepted use of it is refused (however the two were batched),
/// and nothing changes.
#[test]
fn given_a_suspended_license_when_its_relying_party_records_an_accepted_use_then_refused() {
    let (mut w, issuer, bank, holder, id, _) = fixture();
    let r = w.ok(
        &holder,
        Event::UseAuthorized(w.consent(&id, "BANK", "LOAN", 30, 5)),
    );
    let consent = w.ledger.entry(r.seq).unwrap().statement.id();
    w.ok(
        &issuer,
        Event::LicenseSuspended {
            license: id.clone(),
            reason: "inspection".into(),
        },
    );

    refused(&mut w, &bank, use_of(&id, consent, "LOAN"), |e| {
        matches!(e, RuleError::AcceptedWhileNotValid { .. })
    });
}

/// A use that records the license as refused is recorded whatever its status.
#[test]
fn given_a_suspended_license_when_its_relying_party_records_a_refused_use_then_recorded() {
    let (mut w, issuer, bank, holder, id, _) = fixture();
    let r = w.ok(
        &holder,
        Event::UseAuthorized(w.consent(&id, "BANK", "LOAN", 30, 5)),
    );
    let consent = w.ledger.entry(r.seq).unwrap().statement.id();
    w.ok(
        &issuer,
        Event::LicenseSuspended {
            license: id.clone(),
            reason: "inspection".into(),
        },
    );
    let Event::UseRecorded(mut refusal) = use_of(&id, consent, "LOAN") else {
        unreachable!()
    };
    refusal.result = UseResult::Refused;

    w.ok(&bank, Event::UseRecorded(refusal));
}

/// The same rule within one batch: a suspension and a use accepting the license, appended
/// together, leave the use refused.
#[test]
fn given_a_suspension_and_an_accepted_use_in_one_batch_when_appended_then_the_use_is_refused() {
    let (mut w, issuer, bank, holder, id, _) = fixture();
    let r = w.ok(
        &holder,
        Event::UseAuthorized(w.consent(&id, "BANK", "LOAN", 30, 5)),
    );
    let consent = w.ledger.entry(r.seq).unwrap().statement.id();
    let suspension = w.sign(
        &issuer,
        Event::LicenseSuspended {
            license: id.clone(),
            reason: "inspection".into(),
        },
    );
    let accepted = w.sign(&bank, use_of(&id, consent, "LOAN"));

    let results = w.ledger.append_batch(vec![suspension, accepted]).unwrap();

    assert!(results[0].is_ok());
    assert!(matches!(
        &results[1],
        Err(chancery::Rejection::Rule(
            RuleError::AcceptedWhileNotValid { .. }
        ))
    ));
}
