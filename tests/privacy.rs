//! Privacy and disclosure verification: no personal value reaches the store in clear; the
//! verifier checks disclosed values against the recorded digests and returns verdicts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::privacy::SALT_LEN;
use chancery::verify::{IndeterminateReason, InvalidReason};
use chancery::{Canonical, Credential, Disclosure, Event, FileStore, MemoryStore, Status, Verdict};
use common::*;

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn no_personal_value_in_store_files() {
    let d = tempfile::tempdir().unwrap();
    let (mut w, a) = World::standard(FileStore::open(d.path()).unwrap());
    for i in 0..20 {
        let (id, _) = w.issue(&a, "AUTH1", &format!("S{i}"));
        if i % 3 == 0 {
            let (s, _) = w.succession(&id, Some(400));
            w.ok(&a, Event::LicenseAmended(s));
        }
    }
    drop(w);
    let mut scanned = 0;
    for f in std::fs::read_dir(d.path()).unwrap() {
        let bytes = std::fs::read(f.unwrap().path()).unwrap();
        scanned += bytes.len();
        for secret in [HOLDER_ID, "West Lake Noodles", "1 Wensan Road"] {
            assert!(
                !contains(&bytes, secret.as_bytes()),
                "{secret} found in clear"
            );
        }
    }
    assert!(scanned > 10_000);
}

#[test]
fn salts_are_fresh_and_long() {
    let id = chancery::LicenseId::new("T1", "AUTH1", "S1", 1).unwrap();
    let a = World::<MemoryStore>::credential(&id);
    let b = World::<MemoryStore>::credential(&id);
    const { assert!(SALT_LEN >= 16) };
    assert_ne!(a.holder.salt, b.holder.salt);
    assert_ne!(
        a.holder_commitment(),
        b.holder_commitment(),
        "same holder, unlinkable commitments"
    );
    assert_ne!(a.claim_digests(), b.claim_digests());
    let mut salts: Vec<_> = a.claims.iter().map(|c| c.salt).collect();
    salts.push(a.holder.salt);
    salts.sort();
    salts.dedup();
    assert_eq!(salts.len(), 4);
}

#[test]
fn credential_and_disclosure_round_trip() {
    let id = chancery::LicenseId::new("T1", "AUTH1", "S1", 1).unwrap();
    let c = World::<MemoryStore>::credential(&id);
    assert_eq!(Credential::from_canonical(&c.to_canonical()).unwrap(), c);
    let d = c.disclose(&["scope", "name"], true).unwrap();
    assert_eq!(Disclosure::from_canonical(&d.to_canonical()).unwrap(), d);
    assert!(c.disclose(&["age"], false).is_err());
    // Debug output never shows values.
    let dbg = format!("{c:?}");
    assert!(!dbg.contains(HOLDER_ID) && !dbg.contains("West Lake"));
}

#[test]
fn disclosure_verdicts() {
    let (mut w, a) = World::standard(MemoryStore::new());
    let (id, cred) = w.issue(&a, "AUTH1", "S1");
    let now = w.now();
    let d = cred.disclose(&["name", "scope"], true).unwrap();
    assert_eq!(w.ledger.verify_disclosure(&d, now), Verdict::Valid);
    // Nothing disclosed but the license id: status only.
    let bare = cred.disclose(&[], false).unwrap();
    assert_eq!(w.ledger.verify_disclosure(&bare, now), Verdict::Valid);
    // Tampered value, wrong salt, unknown and duplicate claims, wrong holder.
    let mut t = d.clone();
    t.claims[0].value.push('!');
    assert_eq!(
        w.ledger.verify_disclosure(&t, now),
        Verdict::Invalid(InvalidReason::ClaimMismatch {
            name: "name".into()
        })
    );
    let mut t = d.clone();
    t.claims[1].salt[0] ^= 1;
    assert!(matches!(
        w.ledger.verify_disclosure(&t, now),
        Verdict::Invalid(InvalidReason::ClaimMismatch { .. })
    ));
    let mut t = d.clone();
    t.claims[0].name = "age".into();
    assert!(matches!(
        w.ledger.verify_disclosure(&t, now),
        Verdict::Invalid(InvalidReason::UnknownClaim { .. })
    ));
    let mut t = d.clone();
    t.claims.push(t.claims[0].clone());
    assert!(matches!(
        w.ledger.verify_disclosure(&t, now),
        Verdict::Invalid(InvalidReason::DuplicateClaim { .. })
    ));
    let mut t = d.clone();
    t.holder.as_mut().unwrap().code = "330106199001019999".into();
    assert_eq!(
        w.ledger.verify_disclosure(&t, now),
        Verdict::Invalid(InvalidReason::HolderMismatch)
    );
    // Another license's credential against this id.
    let (_, other) = w.issue(&a, "AUTH1", "S2");
    let mut t = other.disclose(&["name"], false).unwrap();
    t.license = id.clone();
    assert!(matches!(
        w.ledger.verify_disclosure(&t, now),
        Verdict::Invalid(InvalidReason::ClaimMismatch { .. })
    ));
    // Unknown license.
    let mut t = d.clone();
    t.license = chancery::LicenseId::new("T1", "AUTH1", "NOPE", 1).unwrap();
    assert!(matches!(
        w.ledger.verify_disclosure(&t, now),
        Verdict::Invalid(InvalidReason::UnknownLicense(_))
    ));
    // A reference time after the ledger's present is indeterminate.
    let later = w.now().plus_days(30);
    assert!(matches!(
        w.ledger.verify_disclosure(&d, later),
        Verdict::Indeterminate(IndeterminateReason::FutureReferenceTime { .. })
    ));
    // Suspended, then valid again, then superseded.
    w.ok(
        &a,
        Event::LicenseSuspended {
            license: id.clone(),
            reason: "x".into(),
        },
    );
    assert_eq!(
        w.ledger.verify_disclosure(&d, w.now()),
        Verdict::Invalid(InvalidReason::NotValid(Status::Suspended))
    );
    assert_eq!(
        w.ledger.verify_disclosure(&d, now),
        Verdict::Valid,
        "before the suspension"
    );
    // Holder lookup by commitment.
    assert_eq!(w.ledger.state().by_holder(&cred.holder_commitment()), &[id]);
}

/// Issue 14, item 1: pairing claims with a license type and building the version from the
/// credential is one library function.
mod credential_for_a_type {
    use super::*;
    use chancery::privacy::{ClaimsError, VersionTerms};

    fn names() -> Vec<String> {
        CLAIMS.iter().map(|n| (*n).to_owned()).collect()
    }

    fn id() -> chancery::LicenseId {
        chancery::LicenseId::new("T1", "AUTH1", "C1", 1).unwrap()
    }

    #[test]
    fn given_claims_in_any_order_when_paired_then_they_follow_the_types_order() {
        let c = Credential::for_claim_names(
            id(),
            HOLDER_ID,
            &names(),
            &[("scope", "s"), ("name", "n"), ("address", "a")],
            None,
        )
        .unwrap();
        let got: Vec<(&str, &str)> = c
            .claims
            .iter()
            .map(|c| (c.name.as_str(), c.value.as_str()))
            .collect();
        assert_eq!(got, [("name", "n"), ("address", "a"), ("scope", "s")]);
    }

    #[test]
    fn given_a_claim_the_type_lacks_when_paired_then_unknown_names_it() {
        let e = Credential::for_claim_names(id(), HOLDER_ID, &names(), &[("colour", "x")], None);
        assert_eq!(
            e,
            Err(ClaimsError::Unknown {
                name: "colour".into(),
                names: names()
            })
        );
    }

    #[test]
    fn given_a_claim_twice_when_paired_then_repeated() {
        let given = [
            ("name", "n"),
            ("name", "m"),
            ("address", "a"),
            ("scope", "s"),
        ];
        let e = Credential::for_claim_names(id(), HOLDER_ID, &names(), &given, None);
        assert_eq!(e, Err(ClaimsError::Repeated("name".into())));
    }

    #[test]
    fn given_a_claim_missing_when_paired_then_missing_names_it() {
        let e = Credential::for_claim_names(id(), HOLDER_ID, &names(), &[("name", "n")], None);
        assert_eq!(e, Err(ClaimsError::Missing("address".into())));
    }

    #[test]
    fn given_a_previous_credential_when_paired_then_claims_not_given_keep_their_values() {
        let previous = World::<MemoryStore>::credential(&id());
        let next = id().next_version().unwrap();
        let c = Credential::for_claim_names(
            next,
            HOLDER_ID,
            &names(),
            &[("scope", "retail")],
            Some(&previous),
        )
        .unwrap();
        let values: Vec<&str> = c.claims.iter().map(|c| c.value.as_str()).collect();
        assert_eq!(values, ["West Lake Noodles", "1 Wensan Road", "retail"]);
        // Fresh salts: the versions cannot be linked by their digests.
        assert_ne!(c.claims[0].salt, previous.claims[0].salt);
    }

    #[test]
    fn given_a_credential_when_its_version_is_made_then_it_commits_to_the_credential() {
        let (mut w, a) = World::standard(MemoryStore::new());
        let c = w
            .ledger
            .state()
            .license_type("T1")
            .unwrap()
            .credential(
                id(),
                HOLDER_ID,
                &[("name", "n"), ("address", "a"), ("scope", "s")],
                None,
            )
            .unwrap();
        let version = c.version(VersionTerms {
            printed_number: "No.C1".into(),
            valid_from: w.now(),
            valid_until: None,
            document: chancery::Digest32::ZERO,
            related: vec![],
        });
        assert_eq!(version.holder, c.holder_commitment());
        assert_eq!(version.claims, c.claim_digests());
        w.ok(&a, Event::LicenseIssued(version));
        let all: Vec<&str> = CLAIMS.to_vec();
        let verdict = w
            .ledger
            .verify_disclosure(&c.disclose(&all, true).unwrap(), w.now());
        assert!(verdict.is_valid(), "{verdict}");
    }
}
