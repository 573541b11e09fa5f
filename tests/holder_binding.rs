//! Issue 13, holder binding (一码免证 without screenshots): the person showing a presentation
//! signs it with the license's holder key for one verifier, a nonce and a few minutes; a copy,
//! a replay, another verifier's or another key's signature is refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::present::compact::{verify_compact_for, CompactPresentation};
use chancery::present::holder::{HolderError, MAX_WINDOW_MS};
use chancery::present::trust::Trust;
use chancery::present::{
    verify_presentation_for, Binding, HolderCheck, HolderSignature, Presentation,
};
use chancery::{
    Canonical, IndeterminateReason, InvalidReason, MemoryStore, SecretKey, Timestamp, Verdict,
};
use common::*;

type W = World<MemoryStore>;

const MINUTE: u64 = 60_000;

struct Bound {
    w: W,
    p: Presentation,
    holder: SecretKey,
    cred: chancery::Credential,
}

/// A license whose issuer bound holder key 50, presented under a cosigned checkpoint.
fn bound() -> Bound {
    let (mut w, a) = W::standard(MemoryStore::new());
    let (id, cred) = w.issue(&a, "AUTH1", "S1");
    w.bind_holder(&a, &id, 50);
    w.advance_days(1);
    let note = w.note(&key(1), &[(WITNESS, &key(90))]);
    let now = w.now();
    let stamp = w.stamp_for_a_day(&id, now, &key(1)).unwrap();
    assert_eq!(stamp.claim.holder, Some(key(50).public_key()));
    let p = w
        .ledger
        .present(cred.disclose(&["name"], false).unwrap(), &note, stamp)
        .unwrap();
    Bound {
        w,
        p,
        holder: key(50),
        cred,
    }
}

fn trust(w: &W, require_holder: bool) -> Trust {
    w.trust(|l| l.require_holder = require_holder)
}

impl Bound {
    /// Every claim and the holder's code disclosed.
    fn cred_all(&self) -> chancery::Disclosure {
        self.cred.disclose(&CLAIMS, true).unwrap()
    }

    /// Signed by `key` for `audience` (and `nonce`) from now for `ttl` ms.
    fn signed(
        &self,
        key: &SecretKey,
        audience: &str,
        nonce: Option<&str>,
        ttl: u64,
    ) -> Presentation {
        let now = self.w.now();
        let mut p = self.p.clone();
        let claim = p.stamp.claim.clone();
        let holder = claim.holder.unwrap();
        // Sign as `key` even when it is not the holder's (an attacker's forgery).
        let message = chancery::present::holder::holder_message(
            &claim,
            audience,
            nonce,
            now,
            now.plus_millis(ttl),
        );
        p.holder_signature = Some(if key.public_key() == holder {
            HolderSignature::sign(&claim, audience, nonce, now, now.plus_millis(ttl), key).unwrap()
        } else {
            HolderSignature {
                audience: audience.into(),
                nonce: nonce.map(Into::into),
                not_before: now,
                not_after: now.plus_millis(ttl),
                signature: key.sign(chancery::crypto::Domain::HolderPresentation, &message),
            }
        });
        p
    }

    /// The verdicts of the full and compact forms of `p` at `at`, asked `check`.
    fn check(
        &self,
        p: &Presentation,
        check: &HolderCheck,
        at: Timestamp,
        t: &Trust,
    ) -> [Verdict; 2] {
        let c = CompactPresentation::from_presentation(p, 1).unwrap();
        [
            verify_presentation_for(p, t, at, check).verdict,
            verify_compact_for(&c, t, at, check).verdict,
        ]
    }
}

#[test]
fn given_a_holder_signature_for_this_verifier_when_verifying_then_both_forms_are_valid_and_bound() {
    let b = bound();
    let p = b.signed(&b.holder, "BANK01", Some("n-123"), 5 * MINUTE);
    let ask = HolderCheck::require("BANK01").with_nonce("n-123");
    let t = trust(&b.w, false);
    let now = b.w.now();
    let full = verify_presentation_for(&p, &t, now, &ask);
    assert_eq!(full.verdict, Verdict::Valid);
    assert_eq!(
        full.binding,
        Binding::Bound {
            audience: "BANK01".into()
        }
    );
    let c = CompactPresentation::from_presentation(&p, 1).unwrap();
    let compact = verify_compact_for(&c, &t, now, &ask);
    assert_eq!(
        compact.binding,
        Binding::Bound {
            audience: "BANK01".into()
        }
    );
    // With every claim disclosed it still fits one QR code: report its size.
    let mut all = b.p.clone();
    all.disclosure = b.cred_all();
    let unbound = CompactPresentation::from_presentation(&all, 1).unwrap();
    let mut signed = all.clone();
    signed.holder_signature = p.holder_signature.clone();
    let bound = CompactPresentation::from_presentation(&signed, 1).unwrap();
    for (what, c) in [("unbound", &unbound), ("bound", &bound)] {
        let text = c.to_text();
        let side = chancery::present::qr::modules(&text).unwrap();
        eprintln!(
            "{what} compact presentation, 3 claims, 1 cosignature: {} bytes, {} characters, \
             QR version {}",
            c.to_canonical().len(),
            text.len(),
            (side - 17) / 4
        );
    }
}

#[test]
fn given_no_holder_signature_when_not_required_then_valid_but_unbound() {
    let b = bound();
    let t = trust(&b.w, false);
    let v = verify_presentation_for(&b.p, &t, b.w.now(), &HolderCheck::default());
    assert_eq!(v.verdict, Verdict::Valid);
    assert_eq!(v.binding, Binding::Unbound);
}

#[test]
fn given_no_holder_signature_when_required_by_the_verifier_or_the_list_then_refused() {
    let b = bound();
    let now = b.w.now();
    let missing = Verdict::Invalid(InvalidReason::HolderBindingMissing);
    let by_call = b.check(
        &b.p,
        &HolderCheck::require("BANK01"),
        now,
        &trust(&b.w, false),
    );
    assert_eq!(by_call, [missing.clone(), missing.clone()]);
    let by_list = b.check(
        &b.p,
        &HolderCheck::require("BANK01"),
        now,
        &trust(&b.w, true),
    );
    assert_eq!(by_list, [missing.clone(), missing]);
    // A list that requires binding needs the verifier's audience, signed or not.
    let p = b.signed(&b.holder, "BANK01", None, MINUTE);
    let needed = Verdict::Indeterminate(IndeterminateReason::AudienceNeeded);
    for q in [&b.p, &p] {
        assert_eq!(
            b.check(q, &HolderCheck::default(), now, &trust(&b.w, true)),
            [needed.clone(), needed.clone()]
        );
    }
}

/// Review: without the verifier's audience, a holder signature proves nothing about who shows
/// the presentation here: it is reported unchecked, never bound.
#[test]
fn given_a_holder_signature_when_the_verifier_gives_no_audience_then_it_is_unchecked_not_bound() {
    let b = bound();
    let p = b.signed(&b.holder, "BANK01", None, MINUTE);
    let v = verify_presentation_for(&p, &trust(&b.w, false), b.w.now(), &HolderCheck::default());
    assert_eq!(v.verdict, Verdict::Valid);
    assert_eq!(
        v.binding,
        Binding::Unchecked {
            audience: "BANK01".into()
        }
    );
}

/// Review: a nonce without an audience would let a verifier relay another's challenge.
#[test]
fn given_a_nonce_without_an_audience_when_verifying_then_indeterminate() {
    let b = bound();
    let p = b.signed(&b.holder, "EVIL", Some("n-1"), MINUTE);
    let ask = HolderCheck {
        audience: None,
        nonce: Some("n-1".into()),
    };
    let needed = Verdict::Indeterminate(IndeterminateReason::AudienceNeeded);
    assert_eq!(
        b.check(&p, &ask, b.w.now(), &trust(&b.w, false)),
        [needed.clone(), needed]
    );
}

#[test]
fn given_a_replayed_holder_signature_when_outside_its_window_then_refused() {
    let b = bound();
    let p = b.signed(&b.holder, "BANK01", None, 2 * MINUTE);
    let t = trust(&b.w, false);
    let ask = HolderCheck::require("BANK01");
    let now = b.w.now();
    assert_eq!(
        b.check(&p, &ask, now.plus_millis(2 * MINUTE - 1), &t),
        [Verdict::Valid, Verdict::Valid]
    );
    let later = b.check(&p, &ask, now.plus_millis(2 * MINUTE), &t);
    assert!(
        later
            .iter()
            .all(|v| matches!(v, Verdict::Invalid(InvalidReason::HolderWindow { .. }))),
        "{later:?}"
    );
}

#[test]
fn given_a_holder_signature_for_another_verifier_when_verifying_then_refused() {
    let b = bound();
    let p = b.signed(&b.holder, "SHOP99", None, MINUTE);
    let v = b.check(
        &p,
        &HolderCheck::require("BANK01"),
        b.w.now(),
        &trust(&b.w, false),
    );
    let refused = Verdict::Invalid(InvalidReason::HolderAudience {
        signed_for: "SHOP99".into(),
    });
    assert_eq!(v, [refused.clone(), refused]);
}

#[test]
fn given_a_holder_signature_over_another_nonce_when_the_verifier_gives_one_then_refused() {
    let b = bound();
    let t = trust(&b.w, false);
    let ask = HolderCheck::require("BANK01").with_nonce("fresh-1");
    let refused = Verdict::Invalid(InvalidReason::HolderNonce);
    for nonce in [None, Some("old-7")] {
        let p = b.signed(&b.holder, "BANK01", nonce, MINUTE);
        assert_eq!(
            b.check(&p, &ask, b.w.now(), &t),
            [refused.clone(), refused.clone()]
        );
    }
}

#[test]
fn given_a_signature_by_another_key_when_verifying_then_refused() {
    let b = bound();
    let p = b.signed(&key(51), "BANK01", None, MINUTE);
    let refused = Verdict::Invalid(InvalidReason::HolderSignature);
    assert_eq!(
        b.check(
            &p,
            &HolderCheck::require("BANK01"),
            b.w.now(),
            &trust(&b.w, false)
        ),
        [refused.clone(), refused]
    );
    // And the library refuses to sign with it.
    let now = b.w.now();
    assert_eq!(
        HolderSignature::sign(
            &b.p.stamp.claim,
            "BANK01",
            None,
            now,
            now.plus_millis(MINUTE),
            &key(51)
        ),
        Err(HolderError::WrongKey)
    );
}

#[test]
fn given_a_window_longer_than_ten_minutes_when_verifying_then_refused() {
    let b = bound();
    let p = b.signed(&key(51), "BANK01", None, MAX_WINDOW_MS + 1);
    // Re-sign properly with the holder key but a long window, by hand.
    let now = b.w.now();
    let claim = &b.p.stamp.claim;
    let message = chancery::present::holder::holder_message(
        claim,
        "BANK01",
        None,
        now,
        now.plus_millis(MAX_WINDOW_MS + 1),
    );
    let mut p = p;
    p.holder_signature.as_mut().unwrap().signature = b
        .holder
        .sign(chancery::crypto::Domain::HolderPresentation, &message);
    let v = b.check(
        &p,
        &HolderCheck::require("BANK01"),
        now,
        &trust(&b.w, false),
    );
    assert!(
        v.iter()
            .all(|v| matches!(v, Verdict::Invalid(InvalidReason::HolderWindow { .. }))),
        "{v:?}"
    );
}

#[test]
fn given_a_holder_signature_moved_to_another_presentation_when_verifying_then_refused() {
    let b = bound();
    let p = b.signed(&b.holder, "BANK01", None, 5 * MINUTE);
    // The same license, stamped again a minute later (another claim): the signature does not
    // carry over.
    b.w.clock.advance(MINUTE);
    let now = b.w.now();
    let stamp =
        b.w.stamp_for_a_day(&b.p.disclosure.license, now, &key(1))
            .unwrap();
    let note = b.w.note(&key(1), &[(WITNESS, &key(90))]);
    let mut q =
        b.w.ledger
            .present(b.p.disclosure.clone(), &note, stamp)
            .unwrap();
    q.holder_signature = p.holder_signature.clone();
    let refused = Verdict::Invalid(InvalidReason::HolderSignature);
    assert_eq!(
        b.check(
            &q,
            &HolderCheck::require("BANK01"),
            now,
            &trust(&b.w, false)
        ),
        [refused.clone(), refused]
    );
}

#[test]
fn given_a_license_with_no_holder_key_when_a_holder_signature_is_asked_then_it_cannot_be_made() {
    let (mut w, a) = W::standard(MemoryStore::new());
    let (id, _) = w.issue(&a, "AUTH1", "S1");
    let now = w.now();
    let stamp = w.stamp_for_a_day(&id, now, &key(1)).unwrap();
    assert_eq!(stamp.claim.holder, None);
    assert_eq!(
        HolderSignature::sign(
            &stamp.claim,
            "BANK01",
            None,
            now,
            now.plus_millis(MINUTE),
            &key(50)
        ),
        Err(HolderError::NoHolderKey)
    );
}
