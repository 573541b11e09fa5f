//! Issue 12's attacks on the ledger rules, each performed through the public API and refused
//! (given/when/then). Each rule lives in `State::check`, shared by append and replay.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::event::CaseOpening;
use chancery::state::{Rejection, RuleError};
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
            Err(OpenError::Genesis(Rejection::Rule(RuleError::Invalid { what }))) => {
                assert!(what.contains("origin"), "{origin:?}: {what}")
            }
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
        |e| matches!(e, RuleError::Invalid { what } if what.contains("compromise")),
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
