//! Given/when/then tests of every authority and license rule: each legal transition is
//! accepted, each illegal one refused with its typed error and leaves the ledger unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::event::{AuthorityRegistration, LicenseVersion};
use chancery::state::{AuthorityState, Invalid, Rejection, RuleError};
use chancery::{
    Actor, AppendError, Event, LicenseId, MemoryStore, OpenError, Receipt, SignedStatement, Status,
    Timestamp,
};
use common::*;

type W = World<MemoryStore>;

// Genesis.

/// Creating a ledger at T0 from `genesis`: the rule it was refused under, if it was.
fn genesis_refusal(genesis: SignedStatement) -> Option<RuleError> {
    match chancery::Ledger::in_memory(genesis, chancery::ManualClock::new(T0)) {
        Err(OpenError::Genesis(Rejection::Rule(e))) => Some(e),
        _ => None,
    }
}

#[test]
fn given_a_first_statement_other_than_ledger_created_when_creating_then_not_genesis() {
    let s = actor(1).sign(W::registration("A", &[&actor(2)], &[], None), T0);
    assert_eq!(genesis_refusal(s), Some(RuleError::NotGenesis));
}

/// The signature verifies with the signer's own key, but that key is not a root key the
/// genesis names.
#[test]
fn given_a_genesis_signed_by_a_key_not_among_its_root_keys_when_creating_then_not_genesis() {
    let s = actor(2).sign(
        Event::LedgerCreated {
            root_keys: vec![actor(1).public_key()],
            policy: Default::default(),
        },
        T0,
    );
    assert_eq!(genesis_refusal(s), Some(RuleError::NotGenesis));
}

#[test]
fn given_a_genesis_claimed_a_day_after_ledger_time_when_creating_then_clock_skew() {
    let refusal = genesis_refusal(genesis(&actor(1), T0.plus_days(1)));
    assert!(
        matches!(refusal, Some(RuleError::ClockSkew { .. })),
        "{refusal:?}"
    );
}

#[test]
fn given_a_ledger_when_a_second_genesis_is_appended_then_genesis_repeated() {
    let mut w = W::new();
    let g = genesis(&actor(1), w.now().plus_millis(1));
    let r = w.ledger.append(g);
    assert!(matches!(
        r,
        Err(AppendError::Rejected(Rejection::Rule(
            RuleError::GenesisRepeated
        )))
    ));
    assert_eq!(w.ledger.len(), 1);
}

// The statement envelope: origin, claimed time, key, signature.

#[test]
fn given_a_statement_for_another_origin_when_appended_then_wrong_origin() {
    let (mut w, _) = W::standard(MemoryStore::new());
    let foreign = Actor::new("other.example/ledger", key(10));
    refused(&mut w, &foreign, reinstatement("AUTH1"), |e| {
        matches!(e, RuleError::WrongOrigin { expected, found }
            if expected == ORIGIN && found == "other.example/ledger")
    });
}

/// AUTH1 appends its issuance of S1 claimed at `claimed(now, max_skew_ms)`: the outcome, and
/// whether the ledger's length is unchanged.
fn append_claimed(
    claimed: fn(Timestamp, u64) -> Timestamp,
) -> (Result<Receipt, AppendError>, bool) {
    let (mut w, a) = W::standard(MemoryStore::new());
    let skew = w.ledger.state().policy().max_skew_ms;
    let (ev, _, _) = w.issue_event("AUTH1", "S1");
    let before = w.ledger.len();
    let r = w.ledger.append(a.sign(ev, claimed(w.now(), skew)));
    let unchanged = w.ledger.len() == before;
    (r, unchanged)
}

fn is_clock_skew(r: &Result<Receipt, AppendError>) -> bool {
    matches!(
        r,
        Err(AppendError::Rejected(Rejection::Rule(
            RuleError::ClockSkew { .. }
        )))
    )
}

#[test]
fn given_a_claimed_time_too_far_ahead_when_appended_then_clock_skew_and_nothing_recorded() {
    let (r, unchanged) = append_claimed(|now, skew| now.plus_millis(skew + 1));
    assert!(is_clock_skew(&r), "{r:?}");
    assert!(unchanged);
}

#[test]
fn given_a_claimed_time_too_far_behind_when_appended_then_clock_skew_and_nothing_recorded() {
    let (r, unchanged) = append_claimed(|now, skew| Timestamp(now.0 - skew - 1));
    assert!(is_clock_skew(&r), "{r:?}");
    assert!(unchanged);
}

#[test]
fn given_a_claimed_time_at_the_edge_of_the_skew_when_appended_then_accepted() {
    let (r, _) = append_claimed(|now, skew| now.plus_millis(skew));
    assert!(r.is_ok(), "{r:?}");
}

#[test]
fn given_a_key_no_one_registered_when_it_signs_then_unknown_key() {
    let (mut w, _) = W::standard(MemoryStore::new());
    let stranger = actor(99);
    let id = stranger.key_id();
    refused(
        &mut w,
        &stranger,
        reinstatement("AUTH1"),
        |e| matches!(e, RuleError::UnknownKey(k) if *k == id),
    );
}

#[test]
fn given_a_signature_over_another_statement_when_appended_then_refused_and_nothing_changes() {
    let (mut w, a) = W::standard(MemoryStore::new());
    let s = w.sign(
        &a,
        Event::LicenseSuspensionLifted {
            license: LicenseId::new("T1", "AUTH1", "S1", 1).unwrap(),
        },
    );
    let other = w.sign(&actor(99), reinstatement("X"));
    let forged = SignedStatement::new(s.statement().clone(), *other.signature());
    let (before, len) = (w.ledger.state().clone(), w.ledger.len());
    assert!(matches!(
        w.ledger.append(forged),
        Err(AppendError::Rejected(Rejection::Signature(_)))
    ));
    assert_eq!(w.ledger.state(), &before);
    assert_eq!(w.ledger.len(), len);
}

// Authority registration and delegation.

fn suspension(authority: &str, reason: &str) -> Event {
    Event::AuthoritySuspended {
        authority: authority.into(),
        reason: reason.into(),
    }
}

fn reinstatement(authority: &str) -> Event {
    Event::AuthorityReinstated {
        authority: authority.into(),
    }
}

fn revocation(authority: &str, reason: &str) -> Event {
    Event::AuthorityRevoked {
        authority: authority.into(),
        reason: reason.into(),
    }
}

/// A root and authority PARENT (seed 10), scoped for T1, which may delegate: the world, the
/// root and PARENT.
fn with_parent() -> (W, Actor, Actor) {
    let mut w = W::new();
    let root = w.root.clone();
    let parent = actor(10);
    w.ok(&root, W::registration("PARENT", &[&parent], &["T1"], None));
    (w, root, parent)
}

/// `with_parent`, and CHILD (seed 12), scoped for T1, registered by PARENT: the world, PARENT
/// and CHILD.
fn with_child() -> (W, Actor, Actor) {
    let (mut w, _, parent) = with_parent();
    let child = actor(12);
    w.ok(
        &parent,
        W::registration("CHILD", &[&child], &["T1"], Some("PARENT")),
    );
    (w, parent, child)
}

#[test]
fn given_a_malformed_code_when_an_authority_is_registered_then_invalid() {
    let (mut w, root, _) = with_parent();
    let ev = W::registration("bad code", &[&actor(11)], &[], None);
    refused(&mut w, &root, ev, |e| {
        matches!(e, RuleError::Invalid(Invalid::AuthorityCode))
    });
}

#[test]
fn given_a_code_already_taken_when_an_authority_is_registered_then_duplicate_authority() {
    let (mut w, root, _) = with_parent();
    let ev = W::registration("PARENT", &[&actor(11)], &[], None);
    refused(
        &mut w,
        &root,
        ev,
        |e| matches!(e, RuleError::DuplicateAuthority(c) if c == "PARENT"),
    );
}

#[test]
fn given_no_key_when_an_authority_is_registered_then_invalid() {
    let (mut w, root, _) = with_parent();
    let ev = W::registration("NOKEY", &[], &[], None);
    refused(&mut w, &root, ev, |e| {
        matches!(e, RuleError::Invalid(Invalid::NoKeys))
    });
}

#[test]
fn given_a_key_already_registered_when_an_authority_is_registered_with_it_then_duplicate_key() {
    let (mut w, root, parent) = with_parent();
    let ev = W::registration("REUSE", &[&parent], &[], None);
    let id = parent.key_id();
    refused(
        &mut w,
        &root,
        ev,
        |e| matches!(e, RuleError::DuplicateKey(k) if *k == id),
    );
}

#[test]
fn given_a_parent_that_may_delegate_when_it_registers_a_child_within_its_scope_then_accepted() {
    let (w, _, _) = with_child();
    let child = w.ledger.state().authority("CHILD").unwrap();
    assert_eq!(child.parent.as_deref(), Some("PARENT"));
    assert_eq!(child.state, AuthorityState::Active);
}

#[test]
fn given_a_parent_when_it_delegates_a_type_outside_its_scope_then_scope_exceeded() {
    let (mut w, _, parent) = with_parent();
    let ev = W::registration("CHILD2", &[&actor(13)], &["T2"], Some("PARENT"));
    refused(&mut w, &parent, ev, |e| {
        matches!(e, RuleError::ScopeExceeded)
    });
}

#[test]
fn given_a_parent_when_it_registers_a_child_under_another_parent_then_unauthorized() {
    let (mut w, parent, _) = with_child();
    let ev = W::registration("CHILD3", &[&actor(14)], &["T1"], Some("CHILD"));
    refused(&mut w, &parent, ev, |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
}

#[test]
fn given_a_parent_when_it_registers_a_top_level_authority_then_unauthorized() {
    let (mut w, _, parent) = with_parent();
    let ev = W::registration("CHILD4", &[&actor(15)], &["T1"], None);
    refused(&mut w, &parent, ev, |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
}

#[test]
fn given_a_parent_without_delegation_rights_when_it_registers_a_child_then_unauthorized() {
    let mut w = W::new();
    let root = w.root.clone();
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
    let ev = W::registration("CHILD5", &[&actor(17)], &["T1"], Some("NODEL"));
    refused(&mut w, &nodel, ev, |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
}

#[test]
fn given_a_child_when_it_suspends_its_parent_then_unauthorized() {
    let (mut w, _, child) = with_child();
    refused(&mut w, &child, suspension("PARENT", "x"), |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
}

#[test]
fn given_a_parent_when_it_suspends_its_child_then_accepted_and_the_child_is_suspended() {
    let (mut w, parent, _) = with_child();
    w.ok(&parent, suspension("CHILD", "audit"));
    assert_eq!(
        w.ledger.state().authority("CHILD").unwrap().state,
        AuthorityState::Suspended
    );
}

// Authority life cycle.

/// A refusal because AUTH1 is `state`, not in the state the event requires.
fn auth1_is(state: &'static str) -> impl Fn(&RuleError) -> bool {
    move |e| {
        matches!(e, RuleError::AuthorityState { code, state: s }
            if code == "AUTH1" && *s == state)
    }
}

/// The usual start, then the root's `event` accepted: the world, AUTH1's key and the root.
fn auth1_after(event: Event) -> (W, Actor, Actor) {
    let (mut w, a) = W::standard(MemoryStore::new());
    let root = w.root.clone();
    w.ok(&root, event);
    (w, a, root)
}

#[test]
fn given_an_authority_when_it_suspends_itself_then_unauthorized() {
    let (mut w, a) = W::standard(MemoryStore::new());
    refused(&mut w, &a, suspension("AUTH1", "x"), |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
}

#[test]
fn given_an_active_authority_when_the_root_reinstates_it_then_authority_state() {
    let (mut w, _) = W::standard(MemoryStore::new());
    let root = w.root.clone();
    refused(&mut w, &root, reinstatement("AUTH1"), auth1_is("active"));
}

#[test]
fn given_a_suspended_authority_when_it_issues_then_authority_not_active() {
    let (mut w, a, _) = auth1_after(suspension("AUTH1", "inquiry"));
    let (ev, _, _) = w.issue_event("AUTH1", "S1");
    refused(
        &mut w,
        &a,
        ev,
        |e| matches!(e, RuleError::AuthorityNotActive { code } if code == "AUTH1"),
    );
}

#[test]
fn given_a_suspended_authority_when_suspended_again_then_authority_state() {
    let (mut w, _, root) = auth1_after(suspension("AUTH1", "inquiry"));
    refused(
        &mut w,
        &root,
        suspension("AUTH1", "again"),
        auth1_is("suspended"),
    );
}

#[test]
fn given_a_reinstated_authority_when_it_issues_then_accepted() {
    let (mut w, a, root) = auth1_after(suspension("AUTH1", "inquiry"));
    w.ok(&root, reinstatement("AUTH1"));
    let (id, _) = w.issue(&a, "AUTH1", "S1");
    assert_eq!(w.ledger.status(&id, w.now()), Status::Valid);
}

#[test]
fn given_a_revoked_authority_when_revoked_again_then_authority_state() {
    let (mut w, _, root) = auth1_after(revocation("AUTH1", "merged"));
    refused(
        &mut w,
        &root,
        revocation("AUTH1", "again"),
        auth1_is("revoked"),
    );
}

#[test]
fn given_a_revoked_authority_when_reinstated_then_authority_state() {
    let (mut w, _, root) = auth1_after(revocation("AUTH1", "merged"));
    refused(&mut w, &root, reinstatement("AUTH1"), auth1_is("revoked"));
}

#[test]
fn given_a_revoked_authority_when_it_issues_then_authority_not_active() {
    let (mut w, a, _) = auth1_after(revocation("AUTH1", "merged"));
    let (ev, _, _) = w.issue_event("AUTH1", "S2");
    refused(&mut w, &a, ev, |e| {
        matches!(e, RuleError::AuthorityNotActive { .. })
    });
}

#[test]
fn given_an_unknown_authority_when_reinstated_then_unknown_authority() {
    let (mut w, _) = W::standard(MemoryStore::new());
    let root = w.root.clone();
    refused(
        &mut w,
        &root,
        reinstatement("NOPE"),
        |e| matches!(e, RuleError::UnknownAuthority(c) if c == "NOPE"),
    );
}

// Authority keys: added, retired, compromised.

/// AUTH1's retirement of `key`'s key from `from`.
fn retirement(key: &Actor, from: Timestamp) -> Event {
    Event::AuthorityKeyRetired {
        authority: "AUTH1".into(),
        key: key.key_id(),
        from,
    }
}

/// The usual start with a second AUTH1 key (seed 20) that the first added: the world and both
/// keys.
fn two_keys() -> (W, Actor, Actor) {
    let (mut w, a) = W::standard(MemoryStore::new());
    let a2 = w.add_key(&a, "AUTH1", 20);
    (w, a, a2)
}

/// `two_keys`, then the first key retired by the second from tomorrow (returned).
fn retiring_tomorrow() -> (W, Actor, Actor, Timestamp) {
    let (mut w, a, a2) = two_keys();
    let tomorrow = w.now().plus_days(1);
    w.ok(&a2, retirement(&a, tomorrow));
    (w, a, a2, tomorrow)
}

#[test]
fn given_a_key_already_added_when_added_again_then_duplicate_key() {
    let (mut w, a, a2) = two_keys();
    let id = a2.key_id();
    let ev = Event::AuthorityKeyAdded {
        authority: "AUTH1".into(),
        key: a2.public_key(),
    };
    refused(
        &mut w,
        &a,
        ev,
        |e| matches!(e, RuleError::DuplicateKey(k) if *k == id),
    );
}

#[test]
fn given_another_authoritys_key_when_auth1_retires_it_then_key_not_owned() {
    let (mut w, a, _) = two_keys();
    let b = w.authority("AUTH2", 30);
    let ev = retirement(&b, w.now());
    refused(&mut w, &a, ev, |e| {
        matches!(e, RuleError::KeyNotOwned { .. })
    });
}

#[test]
fn given_another_authority_when_it_adds_a_key_to_auth1_then_unauthorized() {
    let (mut w, _, _) = two_keys();
    let b = w.authority("AUTH2", 30);
    let ev = Event::AuthorityKeyAdded {
        authority: "AUTH1".into(),
        key: actor(31).public_key(),
    };
    refused(&mut w, &b, ev, |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
}

#[test]
fn given_a_key_retired_from_tomorrow_when_retired_again_then_key_already_ended() {
    let (mut w, a, a2, tomorrow) = retiring_tomorrow();
    let id = a.key_id();
    refused(
        &mut w,
        &a2,
        retirement(&a, tomorrow),
        |e| matches!(e, RuleError::KeyAlreadyEnded(k) if *k == id),
    );
}

#[test]
fn given_a_key_retired_from_tomorrow_when_it_signs_today_then_accepted() {
    let (mut w, a, _, _) = retiring_tomorrow();
    let (id, _) = w.issue(&a, "AUTH1", "BEFORE");
    assert_eq!(w.ledger.status(&id, w.now()), Status::Valid);
}

#[test]
fn given_a_key_retired_from_tomorrow_when_it_signs_tomorrow_then_key_retired() {
    let (mut w, a, _, tomorrow) = retiring_tomorrow();
    w.clock.set(tomorrow);
    let (ev, _, _) = w.issue_event("AUTH1", "AFTER");
    refused(&mut w, &a, ev, |e| {
        matches!(e, RuleError::KeyRetired { .. })
    });
}

#[test]
fn given_a_key_retired_from_tomorrow_when_the_other_key_signs_tomorrow_then_accepted() {
    let (mut w, _, a2, tomorrow) = retiring_tomorrow();
    w.clock.set(tomorrow);
    let (id, _) = w.issue(&a2, "AUTH1", "AFTER");
    assert_eq!(w.ledger.status(&id, w.now()), Status::Valid);
}

/// Licenses issued with AUTH1's first key a day apart, the middle one at the point the key is
/// later declared compromised since.
struct Compromised {
    w: W,
    a: Actor,
    before: LicenseId,
    at_point: LicenseId,
    after: LicenseId,
}

/// The usual start with a backup AUTH1 key (seed 21); BEFORE, ATPOINT and AFTER issued a day
/// apart with the first key, which the backup declares compromised since ATPOINT's day, a day
/// after AFTER.
fn compromised() -> Compromised {
    let (mut w, a) = W::standard(MemoryStore::new());
    let backup = w.add_key(&a, "AUTH1", 21);
    let (before, _) = w.issue(&a, "AUTH1", "BEFORE");
    w.advance_days(1);
    let since = w.now();
    let (at_point, _) = w.issue(&a, "AUTH1", "ATPOINT");
    w.advance_days(1);
    let (after, _) = w.issue(&a, "AUTH1", "AFTER");
    w.advance_days(1);
    w.compromise(&backup, "AUTH1", &a, since);
    Compromised {
        w,
        a,
        before,
        at_point,
        after,
    }
}

/// Compromise cut-over: statements recorded before the compromise point stay valid, in append
/// and in status (and so in replay, which uses the same code).
#[test]
fn given_a_compromise_point_when_a_license_recorded_before_it_is_asked_then_valid() {
    let c = compromised();
    assert_eq!(c.w.ledger.status(&c.before, c.w.now()), Status::Valid);
    c.w.ledger.audit().unwrap();
}

#[test]
fn given_a_compromise_point_when_licenses_recorded_from_it_on_are_asked_then_key_compromised() {
    let c = compromised();
    let now = c.w.now();
    let want = Status::KeyCompromised { key: c.a.key_id() };
    assert_eq!(c.w.ledger.status(&c.at_point, now), want);
    assert_eq!(c.w.ledger.status(&c.after, now), want);
    c.w.ledger.audit().unwrap();
}

#[test]
fn given_a_compromised_key_when_it_signs_then_key_compromised() {
    let Compromised { mut w, a, .. } = compromised();
    let (ev, _, _) = w.issue_event("AUTH1", "LATER");
    refused(&mut w, &a, ev, |e| {
        matches!(e, RuleError::KeyCompromised { .. })
    });
    w.ledger.audit().unwrap();
}

// License types.

fn type_definition(code: &str, name: &str, claim_names: &[&str]) -> Event {
    Event::LicenseTypeDefined {
        code: code.into(),
        name: name.into(),
        claim_names: claim_names.iter().map(|c| (*c).to_owned()).collect(),
    }
}

/// A root and authority AUTH1 (seed 10, scoped for T1 and T2), no type defined.
fn auth1_without_types() -> (W, Actor) {
    let mut w = W::new();
    let a = w.authority("AUTH1", 10);
    (w, a)
}

#[test]
fn given_a_type_outside_the_authoritys_scope_when_it_defines_it_then_unauthorized() {
    let (mut w, a) = auth1_without_types();
    let ev = type_definition("T9", "Out of scope", &["n"]);
    refused(&mut w, &a, ev, |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
}

#[test]
fn given_duplicate_claim_names_when_a_type_is_defined_then_invalid() {
    let (mut w, a) = auth1_without_types();
    let ev = type_definition("T1", "Dup claims", &["n", "n"]);
    refused(&mut w, &a, ev, |e| {
        matches!(e, RuleError::Invalid(Invalid::LicenseTypeNames))
    });
}

#[test]
fn given_a_defined_type_when_defined_again_then_duplicate_license_type() {
    let (mut w, a) = W::standard(MemoryStore::new());
    let ev = type_definition("T1", "Again", &[]);
    refused(
        &mut w,
        &a,
        ev,
        |e| matches!(e, RuleError::DuplicateLicenseType(t) if t == "T1"),
    );
}

#[test]
fn given_the_root_when_it_defines_a_type_outside_every_scope_then_accepted() {
    let (mut w, _) = W::standard(MemoryStore::new());
    let root = w.root.clone();
    w.define_type(&root, "T9");
}

// Issuance.

/// Version `version` of license `type_code`/AUTH1/S1 as a first issuance, with no end of
/// validity.
fn first_version(w: &W, type_code: &str, version: u16) -> LicenseVersion {
    let id = LicenseId::new(type_code, "AUTH1", "S1", version).unwrap();
    w.version(&id, &W::credential(&id), None)
}

#[test]
fn given_another_authority_when_it_issues_in_auth1s_name_then_unauthorized() {
    let (mut w, _) = W::standard(MemoryStore::new());
    let b = w.authority("AUTH2", 30);
    let (ev, _, _) = w.issue_event("AUTH1", "S1");
    refused(&mut w, &b, ev, |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
}

#[test]
fn given_the_root_when_it_issues_then_unauthorized() {
    let (mut w, _) = W::standard(MemoryStore::new());
    let root = w.root.clone();
    let (ev, _, _) = w.issue_event("AUTH1", "S1");
    refused(&mut w, &root, ev, |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
}

#[test]
fn given_an_undefined_type_when_issued_then_unknown_license_type() {
    let (mut w, a) = W::standard(MemoryStore::new());
    let v = first_version(&w, "T2", 1);
    refused(
        &mut w,
        &a,
        Event::LicenseIssued(v),
        |e| matches!(e, RuleError::UnknownLicenseType(t) if t == "T2"),
    );
}

#[test]
fn given_a_type_outside_the_issuers_scope_when_issued_then_unauthorized() {
    let (mut w, a) = W::standard(MemoryStore::new());
    let root = w.root.clone();
    w.define_type(&root, "T3");
    let v = first_version(&w, "T3", 1);
    refused(&mut w, &a, Event::LicenseIssued(v), |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
}

#[test]
fn given_a_first_issuance_of_version_002_when_issued_then_not_first_version() {
    let (mut w, a) = W::standard(MemoryStore::new());
    let v = first_version(&w, "T1", 2);
    refused(&mut w, &a, Event::LicenseIssued(v), |e| {
        matches!(e, RuleError::NotFirstVersion)
    });
}

#[test]
fn given_claims_out_of_the_types_order_when_issued_then_claims_mismatch() {
    let (mut w, a) = W::standard(MemoryStore::new());
    let mut v = first_version(&w, "T1", 1);
    v.claims.swap(0, 1);
    refused(&mut w, &a, Event::LicenseIssued(v), |e| {
        *e == RuleError::ClaimsMismatch {
            position: 0,
            expected: Some("name".into()),
            found: Some("address".into()),
        }
    });
}

#[test]
fn given_a_claim_of_the_type_missing_when_issued_then_claims_mismatch() {
    let (mut w, a) = W::standard(MemoryStore::new());
    let mut v = first_version(&w, "T1", 1);
    v.claims.pop();
    refused(&mut w, &a, Event::LicenseIssued(v), |e| {
        *e == RuleError::ClaimsMismatch {
            position: 2,
            expected: Some("scope".into()),
            found: None,
        }
    });
}

#[test]
fn given_a_claim_the_type_does_not_have_when_issued_then_claims_mismatch_names_it() {
    let (mut w, a) = W::standard(MemoryStore::new());
    let mut v = first_version(&w, "T1", 1);
    let mut extra = v.claims[0].clone();
    extra.name = "colour".into();
    v.claims.push(extra);
    refused(&mut w, &a, Event::LicenseIssued(v), |e| {
        *e == RuleError::ClaimsMismatch {
            position: 3,
            expected: None,
            found: Some("colour".into()),
        }
    });
}

#[test]
fn given_a_validity_ending_when_it_starts_when_issued_then_invalid_validity() {
    let (mut w, a) = W::standard(MemoryStore::new());
    let mut v = first_version(&w, "T1", 1);
    v.valid_until = Some(v.valid_from);
    refused(&mut w, &a, Event::LicenseIssued(v), |e| {
        matches!(e, RuleError::InvalidValidity)
    });
}

#[test]
fn given_an_issued_license_when_its_lineage_is_issued_again_then_license_exists() {
    let (mut w, a) = W::standard(MemoryStore::new());
    w.issue(&a, "AUTH1", "S1");
    let (ev, id, _) = w.issue_event("AUTH1", "S1");
    refused(
        &mut w,
        &a,
        ev,
        |e| matches!(e, RuleError::LicenseExists(l) if *l == id),
    );
}

// Succession: amendment, renewal, reissue.

/// The usual start, and license S1 issued by AUTH1 (returned).
fn issued() -> (W, Actor, LicenseId) {
    let (mut w, a) = W::standard(MemoryStore::new());
    let (id, _) = w.issue(&a, "AUTH1", "S1");
    (w, a, id)
}

/// `issued`, then S1 amended: the world, AUTH1, versions 001 and 002, and the time just before
/// the amendment.
fn amended() -> (W, Actor, LicenseId, LicenseId, Timestamp) {
    let (mut w, a, v1) = issued();
    let before = w.now();
    let (s, _) = w.succession(&v1, Some(365));
    w.ok(&a, Event::LicenseAmended(s));
    let v2 = v1.next_version().unwrap();
    (w, a, v1, v2, before)
}

/// `amended`, then a day later renewed (002 -> 003, extending) and reissued (003 -> 004): the
/// world, AUTH1 and versions 001 to 004.
fn four_versions() -> (W, Actor, [LicenseId; 4]) {
    let (mut w, a, v1, v2, _) = amended();
    w.advance_days(1);
    let (s, _) = w.succession(&v2, Some(3650));
    w.ok(&a, Event::LicenseRenewed(s));
    let v3 = v2.next_version().unwrap();
    let (s, _) = w.succession(&v3, Some(3650));
    w.ok(&a, Event::LicenseReissued(s));
    let v4 = v3.next_version().unwrap();
    (w, a, [v1, v2, v3, v4])
}

fn license_suspension(license: &LicenseId, reason: &str) -> Event {
    Event::LicenseSuspended {
        license: license.clone(),
        reason: reason.into(),
    }
}

fn lifting(license: &LicenseId) -> Event {
    Event::LicenseSuspensionLifted {
        license: license.clone(),
    }
}

#[test]
fn given_a_successor_id_skipping_a_version_when_amended_then_wrong_successor() {
    let (mut w, a, id) = issued();
    let (mut s, _) = w.succession(&id, Some(400));
    s.version.id = LicenseId::new("T1", "AUTH1", "S1", 3).unwrap();
    let next = id.next_version().unwrap();
    refused(
        &mut w,
        &a,
        Event::LicenseAmended(s),
        |e| matches!(e, RuleError::WrongSuccessor(n) if *n == next),
    );
}

#[test]
fn given_a_renewal_ending_sooner_when_renewed_then_renewal_must_extend() {
    let (mut w, a, id) = issued();
    let (s, _) = w.succession(&id, Some(100));
    refused(&mut w, &a, Event::LicenseRenewed(s), |e| {
        matches!(e, RuleError::RenewalMustExtend)
    });
}

#[test]
fn given_an_amended_license_when_its_old_version_is_amended_then_not_current_version() {
    let (mut w, a, v1, v2, _) = amended();
    let (s, _) = w.succession(&v1, Some(365));
    refused(
        &mut w,
        &a,
        Event::LicenseAmended(s),
        |e| matches!(e, RuleError::NotCurrentVersion { current } if *current == v2),
    );
}

#[test]
fn given_an_amended_license_when_its_old_version_is_suspended_then_not_current_version() {
    let (mut w, a, v1, _, _) = amended();
    refused(&mut w, &a, license_suspension(&v1, "x"), |e| {
        matches!(e, RuleError::NotCurrentVersion { .. })
    });
}

#[test]
fn given_a_lineage_of_four_versions_when_listed_then_all_four_in_order() {
    let (w, _, ids) = four_versions();
    assert_eq!(w.ledger.state().versions(&ids[0]), ids.to_vec());
}

#[test]
fn given_four_versions_when_asked_now_then_each_is_superseded_by_the_next_and_the_last_valid() {
    let (w, _, [v1, v2, v3, v4]) = four_versions();
    let now = w.now();
    assert_eq!(
        w.ledger.status(&v1, now),
        Status::Superseded { by: v2.clone() }
    );
    assert_eq!(
        w.ledger.status(&v2, now),
        Status::Superseded { by: v3.clone() }
    );
    assert_eq!(
        w.ledger.status(&v3, now),
        Status::Superseded { by: v4.clone() }
    );
    assert_eq!(w.ledger.status(&v4, now), Status::Valid);
}

#[test]
fn given_an_amended_license_when_asked_as_of_before_the_amendment_then_version_001_was_valid() {
    let (w, _, v1, _, before) = amended();
    assert_eq!(w.ledger.status(&v1, before), Status::Valid);
}

#[test]
fn given_a_suspended_license_when_amended_then_license_suspended() {
    let (mut w, a, [.., v4]) = four_versions();
    w.ok(&a, license_suspension(&v4, "x"));
    let (s, _) = w.succession(&v4, Some(3650));
    refused(&mut w, &a, Event::LicenseAmended(s), |e| {
        matches!(e, RuleError::LicenseSuspended(_))
    });
}

// Suspension, and status at its boundaries.

/// `issued`, then ten days later S1 suspended: the world, AUTH1, S1 and the suspension's time.
fn suspended_license() -> (W, Actor, LicenseId, Timestamp) {
    let (mut w, a, id) = issued();
    w.advance_days(10);
    let t = w.ok(&a, license_suspension(&id, "inspection")).ledger_time;
    (w, a, id, t)
}

#[test]
fn given_a_license_not_suspended_when_its_suspension_is_lifted_then_license_not_suspended() {
    let (mut w, a, id) = issued();
    refused(
        &mut w,
        &a,
        lifting(&id),
        |e| matches!(e, RuleError::LicenseNotSuspended(l) if *l == id),
    );
}

#[test]
fn given_a_suspended_license_when_suspended_again_then_license_suspended() {
    let (mut w, a, id, _) = suspended_license();
    refused(
        &mut w,
        &a,
        license_suspension(&id, "again"),
        |e| matches!(e, RuleError::LicenseSuspended(l) if *l == id),
    );
}

#[test]
fn given_a_lifted_suspension_when_status_is_asked_around_it_then_suspended_only_in_between() {
    let (mut w, a, id, t_susp) = suspended_license();
    w.advance_days(5);
    let t_lift = w.ok(&a, lifting(&id)).ledger_time;
    let s = |t: Timestamp| w.ledger.status(&id, t);
    assert_eq!(s(Timestamp(t_susp.0 - 1)), Status::Valid);
    assert_eq!(s(t_susp), Status::Suspended);
    assert_eq!(s(Timestamp(t_lift.0 - 1)), Status::Suspended);
    assert_eq!(s(t_lift), Status::Valid);
}

/// Before its recording (1 ms after valid_from here) the ledger vouches for nothing (issue
/// 12, attack 5: was NotYetValid).
#[test]
fn given_a_license_when_status_is_asked_before_its_recording_then_not_yet_recorded() {
    let (w, _, id) = issued();
    let record = w.ledger.state().license(&id).unwrap();
    assert_eq!(
        w.ledger
            .status(&id, Timestamp(record.version.valid_from.0 - 1)),
        Status::NotYetRecorded {
            recorded_at: record.recorded.ledger_time
        }
    );
}

/// Validity window boundaries: 365 days from valid_from.
#[test]
fn given_a_license_valid_365_days_when_asked_at_its_bounds_then_valid_until_it_expires() {
    let (w, _, id) = issued();
    let record = w.ledger.state().license(&id).unwrap();
    let end = record.version.valid_from.plus_days(365);
    let s = |t: Timestamp| w.ledger.status(&id, t);
    assert_eq!(s(record.recorded.ledger_time), Status::Valid);
    assert_eq!(s(Timestamp(end.0 - 1)), Status::Valid);
    assert_eq!(s(end), Status::Expired);
}

#[test]
fn given_versions_never_recorded_when_status_is_asked_then_unknown() {
    let (w, _, id) = issued();
    let now = w.now();
    let other = LicenseId::new("T1", "AUTH1", "NOPE", 1).unwrap();
    assert_eq!(w.ledger.status(&other, now), Status::Unknown);
    assert_eq!(
        w.ledger.status(&id.next_version().unwrap(), now),
        Status::Unknown
    );
}

// Terminations: cancellation, revocation, withdrawal, rescission.

const TERMINATIONS: [&str; 4] = ["cancel", "revoke", "withdraw", "rescind"];

fn rescission(license: &LicenseId, reason: &str) -> Event {
    Event::LicenseRescinded {
        license: license.clone(),
        reason: reason.into(),
    }
}

/// `issued`, then 30 days later the `kind` termination of S1, effective a week on, not yet
/// submitted: the world, AUTH1, S1, the event and its effective time.
fn termination(kind: &str) -> (W, Actor, LicenseId, Event, Timestamp) {
    let (w, a, id) = issued();
    w.advance_days(30);
    let effective = w.now().plus_days(7);
    let mut t = w.termination(&id);
    t.effective = effective;
    let event = match kind {
        "cancel" => Event::LicenseCancelled(t),
        "revoke" => Event::LicenseRevoked(t),
        "withdraw" => Event::LicenseWithdrawn(t),
        _ => rescission(&id, "fraud"),
    };
    (w, a, id, event, effective)
}

/// `termination(kind)`, accepted from AUTH1: the world, AUTH1, S1 and the effective time.
fn terminated(kind: &str) -> (W, Actor, LicenseId, Timestamp) {
    let (mut w, a, id, event, effective) = termination(kind);
    w.ok(&a, event);
    (w, a, id, effective)
}

#[test]
fn given_a_termination_when_another_authority_submits_it_then_unauthorized() {
    for kind in TERMINATIONS {
        let (mut w, _, _, event, _) = termination(kind);
        let b = w.authority("AUTH2", 30);
        refused(&mut w, &b, event, |e| {
            matches!(e, RuleError::Unauthorized { .. })
        });
    }
}

/// Before its effective time a termination changes nothing, except a rescission, which is for
/// all time; so from the license's recording on (issue 12, attack 5: before it,
/// NotYetRecorded).
#[test]
fn given_a_termination_when_asked_before_it_takes_effect_then_valid_unless_a_rescission() {
    for kind in TERMINATIONS {
        let (w, _, id, effective) = terminated(kind);
        let want = if kind == "rescind" {
            Status::Rescinded
        } else {
            Status::Valid
        };
        assert_eq!(
            w.ledger.status(&id, Timestamp(effective.0 - 1)),
            want,
            "{kind} before effective"
        );
        let from = w.ledger.state().license(&id).unwrap().recorded.ledger_time;
        assert_eq!(w.ledger.status(&id, from), want, "{kind} at issuance");
    }
}

#[test]
fn given_a_termination_when_status_is_asked_at_its_effective_time_then_it_is_in_force() {
    for kind in TERMINATIONS {
        let (w, _, id, effective) = terminated(kind);
        let want = match kind {
            "cancel" => Status::Cancelled { since: effective },
            "revoke" => Status::Revoked { since: effective },
            "withdraw" => Status::Withdrawn { since: effective },
            _ => Status::Rescinded,
        };
        assert_eq!(w.ledger.status(&id, effective), want, "{kind} at effective");
    }
}

/// Once in effect (issue 12, attack 4: before, a pending one blocked too), nothing follows a
/// termination but a remedy.
#[test]
fn given_a_termination_in_effect_when_suspended_cancelled_or_amended_then_license_terminated() {
    for kind in TERMINATIONS {
        let (mut w, a, id, effective) = terminated(kind);
        w.clock.set(effective.plus_millis(1));
        for ev in [
            license_suspension(&id, "x"),
            Event::LicenseCancelled(w.termination(&id)),
            Event::LicenseAmended(w.succession(&id, Some(365)).0),
        ] {
            refused(&mut w, &a, ev, |e| {
                matches!(e, RuleError::LicenseTerminated(_))
            });
        }
    }
}

#[test]
fn given_a_termination_other_than_a_rescission_in_effect_when_rescinded_then_rescinded() {
    for kind in ["cancel", "revoke", "withdraw"] {
        let (mut w, a, id, effective) = terminated(kind);
        w.clock.set(effective.plus_millis(1));
        w.ok(&a, rescission(&id, "x"));
        assert_eq!(w.ledger.status(&id, w.now()), Status::Rescinded, "{kind}");
    }
}

#[test]
fn given_a_rescinded_license_when_rescinded_again_then_license_terminated() {
    let (mut w, a, id, effective) = terminated("rescind");
    w.clock.set(effective.plus_millis(1));
    refused(&mut w, &a, rescission(&id, "x"), |e| {
        matches!(e, RuleError::LicenseTerminated(_))
    });
}

// Re-submission and batches.

/// The usual start and AUTH1's issuance of S1, recorded: the world, AUTH1, the statement and
/// its receipt.
fn recorded() -> (W, Actor, SignedStatement, Receipt) {
    let (mut w, a) = W::standard(MemoryStore::new());
    let (ev, _, _) = w.issue_event("AUTH1", "S1");
    let s = w.sign(&a, ev);
    let first = w.ledger.append(s.clone()).unwrap();
    (w, a, s, first)
}

/// `receipt` marked as a re-submission of an entry in force (issue 12, attack 14).
fn resubmitted(receipt: &Receipt) -> Receipt {
    Receipt {
        resubmission: Some(chancery::Effect::InForce),
        ..*receipt
    }
}

#[test]
fn given_a_recorded_statement_when_resubmitted_later_then_its_receipt_marked_resubmitted() {
    let (mut w, _, s, first) = recorded();
    w.clock.advance(1000);
    let again = w.ledger.append(s).unwrap();
    assert_eq!(again, resubmitted(&first));
    assert_eq!(w.ledger.len(), first.seq + 1);
}

#[test]
fn given_the_genesis_statement_when_resubmitted_then_entry_0s_receipt_and_nothing_recorded() {
    let (mut w, _, _, first) = recorded();
    let genesis = genesis(&w.root, T0);
    assert_eq!(w.ledger.append(genesis).unwrap().seq, 0);
    assert_eq!(w.ledger.len(), first.seq + 1);
}

#[test]
fn given_a_statement_twice_in_a_batch_when_appended_then_the_second_gets_the_first_receipt() {
    let (mut w, a, _, _) = recorded();
    let (ev2, _, _) = w.issue_event("AUTH1", "S2");
    let s2 = w.sign(&a, ev2);
    let rs = w.ledger.append_batch(vec![s2.clone(), s2]).unwrap();
    let r0 = rs[0].clone().unwrap();
    assert_eq!(rs[1].clone().unwrap(), resubmitted(&r0));
    assert_eq!(w.ledger.len(), r0.seq + 1);
}

#[test]
fn given_a_recorded_statement_when_resubmitted_in_a_batch_then_its_original_receipt() {
    let (mut w, a, s, first) = recorded();
    let (ev2, _, _) = w.issue_event("AUTH1", "S2");
    let rs = w.ledger.append_batch(vec![w.sign(&a, ev2), s]).unwrap();
    let r0 = rs[0].clone().unwrap();
    assert_eq!(rs[1].clone().unwrap(), resubmitted(&first));
    assert_eq!(w.ledger.len(), r0.seq + 1);
}

/// In a batch, a refused statement is left out and the others are recorded, each checked against
/// the state left by those before it.
#[test]
fn given_a_batch_with_a_refused_statement_when_appended_then_only_it_is_left_out() {
    let (mut w, a) = W::standard(MemoryStore::new());
    let (ev1, id1, _) = w.issue_event("AUTH1", "S1");
    let (ev2, _, _) = w.issue_event("AUTH1", "S2");
    let issue1 = w.sign(&a, ev1);
    let batch = vec![
        issue1.clone(),
        w.sign(&a, lifting(&id1)),
        w.sign(&a, license_suspension(&id1, "depends on entry 1")),
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
    w.ledger.audit().unwrap();
}

#[test]
fn given_a_key_registered_earlier_in_a_batch_when_it_signs_later_in_the_batch_then_accepted() {
    let (mut w, _) = W::standard(MemoryStore::new());
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

// Root key rotation: signed by the old root key and accepted by the new one; the old key is
// retired from the rotation on and the new one acts as root; anything else is refused.

/// The rotation event of root `old` to `new`, accepted by `new`'s signature.
fn rotation(old: &Actor, new: &Actor) -> Event {
    let message = chancery::event::rotation_message(ORIGIN, &old.key_id(), &new.public_key());
    Event::RootKeyRotated {
        new_key: new.public_key(),
        acceptance: key_of(new).sign(chancery::crypto::Domain::KeyRotation, &message),
    }
}

/// The secret key of a test actor made by `actor(seed)`.
fn key_of(a: &Actor) -> chancery::SecretKey {
    (1..=255u8)
        .map(key)
        .find(|k| k.key_id() == a.key_id())
        .unwrap()
}

/// The usual start with the root key rotated to key 90: the world, the old root and the new.
fn rotated() -> (W, Actor, Actor) {
    let (mut w, _) = W::standard(MemoryStore::new());
    let old = w.root.clone();
    let new = actor(90);
    w.ok(&old, rotation(&old, &new));
    (w, old, new)
}

#[test]
fn given_an_authority_when_it_rotates_the_root_key_then_unauthorized() {
    let (mut w, a) = W::standard(MemoryStore::new());
    let ev = rotation(&w.root, &actor(90));
    refused(&mut w, &a, ev, |e| {
        matches!(e, RuleError::Unauthorized { .. })
    });
}

/// The acceptance must be the new key's signature over this rotation.
#[test]
fn given_an_acceptance_signed_by_another_key_when_the_root_key_is_rotated_then_invalid() {
    let (mut w, _) = W::standard(MemoryStore::new());
    let old = w.root.clone();
    let Event::RootKeyRotated { acceptance, .. } = rotation(&old, &actor(91)) else {
        unreachable!()
    };
    let ev = Event::RootKeyRotated {
        new_key: actor(90).public_key(),
        acceptance,
    };
    refused(&mut w, &old, ev, |e| {
        matches!(e, RuleError::Invalid(Invalid::RotationAcceptance))
    });
}

#[test]
fn given_a_key_already_registered_when_the_root_key_is_rotated_to_it_then_duplicate_key() {
    let (mut w, a) = W::standard(MemoryStore::new());
    let old = w.root.clone();
    let id = a.key_id();
    refused(
        &mut w,
        &old,
        rotation(&old, &a),
        |e| matches!(e, RuleError::DuplicateKey(k) if *k == id),
    );
}

#[test]
fn given_a_rotated_root_key_when_the_old_key_signs_then_key_retired() {
    let (mut w, old, _) = rotated();
    let ev = W::registration("AUTH9", &[&actor(92)], &["T1"], None);
    refused(&mut w, &old, ev, |e| {
        matches!(e, RuleError::KeyRetired { .. })
    });
}

#[test]
fn given_a_rotated_root_key_when_the_new_key_registers_an_authority_then_accepted() {
    let (mut w, _, new) = rotated();
    w.ok(&new, W::registration("AUTH9", &[&actor(92)], &["T1"], None));
    assert!(w.ledger.state().authority("AUTH9").is_some());
}

#[test]
fn given_a_rotated_root_key_when_the_root_keys_are_listed_then_the_new_key_is_one() {
    let (w, _, new) = rotated();
    assert!(w.ledger.state().root_keys().contains(&new.public_key()));
}

#[test]
fn given_a_rotated_root_key_when_the_new_key_rotates_in_turn_then_accepted_and_replay_agrees() {
    let (mut w, _, new) = rotated();
    w.ok(&new, rotation(&new, &actor(93)));
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
