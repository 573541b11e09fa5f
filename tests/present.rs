//! Offline presentations: full and compact forms verified against trust lists, QR images read
//! back, and every way a presentation can be wrong or not to be relied on.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::checkpoint::{cosign_note, Checkpoint, Note, NoteVerifier, WitnessPolicy};
use chancery::present::compact::{verify_compact, CompactPresentation};
use chancery::present::trust::{
    Freshness, KeyRoles, ListOperator, OperatorKey, SignedTrustList, Trust, TrustList,
    TrustedLedger,
};
use chancery::present::{verify_presentation, Presentation};
use chancery::{
    Canonical, Credential, Event, IndeterminateReason, InvalidReason, LicenseId, MemoryStore,
    SecretKey, Status, Verdict,
};
use common::*;

type W = World<MemoryStore>;

/// A ledger with a license of AUTH1 (three claims), a checkpoint signed by the root and
/// cosigned by one witness, and a stamp valid for a day.
struct Fixture {
    w: W,
    id: LicenseId,
    cred: Credential,
    witness: SecretKey,
}

fn fixture() -> Fixture {
    let (mut w, a) = W::standard(MemoryStore::new());
    let (id, cred) = w.issue(&a, "AUTH1", "S1");
    w.advance_days(1);
    Fixture {
        w,
        id,
        cred,
        witness: key(90),
    }
}

impl Fixture {
    /// A checkpoint of the ledger now, signed by `root`, cosigned by the witness at `now`.
    fn note(&self, root: &SecretKey) -> String {
        self.w.note(root, &[(WITNESS, &self.witness)])
    }

    fn present(&self, claims: &[&str]) -> Presentation {
        let root = key(1);
        let note = self.note(&root);
        let now = self.w.now();
        let stamp = self.w.stamp_for_a_day(&self.id, now, &root).unwrap();
        let disclosure = self.cred.disclose(claims, false).unwrap();
        self.w.ledger.present(disclosure, &note, stamp).unwrap()
    }

    /// A trust list for this ledger: the root key valid from T0, the witness with threshold
    /// `threshold`, checkpoints up to a week old.
    fn trust(&self, threshold: usize) -> Trust {
        let ledger = TrustedLedger {
            origin: ORIGIN.into(),
            operator_keys: vec![OperatorKey {
                key: key(1).public_key(),
                valid_from: T0,
                valid_until: None,
                roles: KeyRoles::ROOT,
            }],
            witnesses: WitnessPolicy {
                witnesses: vec![
                    NoteVerifier::cosigner(WITNESS, &self.witness.public_key()).unwrap()
                ],
                threshold,
            },
            freshness: Freshness::DEFAULT,
            unwitnessed: threshold == 0,
            require_holder: false,
        };
        Trust::from_lists([list(vec![ledger], 1)])
    }
}

fn list(ledgers: Vec<TrustedLedger>, version: u64) -> TrustList {
    TrustList {
        name: "gov.cn/trust/elicense".into(),
        version,
        issued: T0,
        next_update: T0.plus_days(3650),
        ledgers,
    }
}

#[test]
fn a_full_presentation_verifies_offline() {
    let f = fixture();
    let p = f.present(&["name", "scope"]);
    let now = f.w.now();
    assert_eq!(verify_presentation(&p, &f.trust(1), now), Verdict::Valid);
    // It round-trips through its canonical bytes.
    let bytes = p.to_canonical();
    let back = Presentation::from_canonical(&bytes).unwrap();
    assert_eq!(verify_presentation(&back, &f.trust(1), now), Verdict::Valid);
    // The entries: the issuer's registration and the version.
    assert_eq!(p.entries.len(), 2);
}

#[test]
fn trust_lists_are_signed_and_versioned() {
    let f = fixture();
    let list_operator = key(91);
    let trust = f.trust(1);
    let signed = SignedTrustList::sign(trust.lists()[0].clone(), &list_operator);
    let bytes = signed.to_canonical();
    let mut t = Trust::new();
    let operator = |k: &SecretKey| [ListOperator::new(k.public_key(), ["gov.cn/trust/elicense"])];
    t.load(&bytes, &operator(&list_operator)).unwrap();
    assert!(t.ledger(ORIGIN).is_some());
    // Another signer, or one altered byte, is refused.
    assert!(Trust::new().load(&bytes, &operator(&key(92))).is_err());
    let mut altered = bytes.clone();
    let n = altered.len();
    altered[n - 70] ^= 1;
    assert!(Trust::new()
        .load(&altered, &operator(&list_operator))
        .is_err());
    // A higher version replaces a lower one; a lower one is ignored.
    let mut t = Trust::from_lists([list(vec![], 2)]);
    t.add(trust.lists()[0].clone());
    assert!(t.ledger(ORIGIN).is_none());
    t.add(list(trust.lists()[0].ledgers.clone(), 3));
    assert!(t.ledger(ORIGIN).is_some());
    // A presentation from a ledger on no list is indeterminate.
    let p = f.present(&["name"]);
    assert_eq!(
        verify_presentation(&p, &Trust::from_lists([list(vec![], 9)]), f.w.now()),
        Verdict::Indeterminate(IndeterminateReason::UntrustedOrigin(ORIGIN.into()))
    );
}

#[test]
fn operator_key_outside_its_validity_period_is_refused() {
    let f = fixture();
    let p = f.present(&["name"]);
    let mut trust = f.trust(1).lists()[0].clone();
    // The key's period ended before the stamp was made.
    trust.ledgers[0].operator_keys[0].valid_until = Some(T0.plus_millis(1));
    let verdict = verify_presentation(&p, &Trust::from_lists([trust]), f.w.now());
    assert_eq!(
        verdict,
        Verdict::Invalid(InvalidReason::OperatorKeyOutsideValidity)
    );
}

#[test]
fn witness_quorum_and_checkpoint_age() {
    let f = fixture();
    let p = f.present(&["name"]);
    let now = f.w.now();
    // Two witnesses required, one cosigned.
    let mut two = f.trust(1).lists()[0].clone();
    two.ledgers[0]
        .witnesses
        .witnesses
        .push(NoteVerifier::cosigner("w2.example.org", &key(93).public_key()).unwrap());
    two.ledgers[0].witnesses.threshold = 2;
    assert_eq!(
        verify_presentation(&p, &Trust::from_lists([two]), now),
        Verdict::Indeterminate(IndeterminateReason::WitnessQuorum { have: 1, need: 2 })
    );
    // The checkpoint was cosigned now; a week and a second later it is too old (the stamp
    // would have run out too, but the checkpoint's age is reported first).
    let later = now.plus_millis(7 * DAY + 1000);
    assert!(matches!(
        verify_presentation(&p, &f.trust(1), later),
        Verdict::Indeterminate(IndeterminateReason::StaleCheckpoint { .. })
    ));
    // With no witnesses required, the stamp dates the checkpoint.
    assert_eq!(verify_presentation(&p, &f.trust(0), now), Verdict::Valid);
}

#[test]
fn stale_stamp_and_status() {
    let mut f = fixture();
    let p = f.present(&["name"]);
    let now = f.w.now();
    // Within the stamp's day it is valid; at its next update it is stale.
    assert!(verify_presentation(&p, &f.trust(1), now.plus_millis(DAY - 1)).is_valid());
    assert_eq!(
        verify_presentation(&p, &f.trust(1), now.plus_millis(DAY)),
        Verdict::Indeterminate(IndeterminateReason::StaleStamp {
            next_update: now.plus_days(1)
        })
    );
    // Revoked: a fresh stamp says so.
    let a = actor(10);
    let t = f.w.termination(&f.id);
    f.w.ok(&a, Event::LicenseRevoked(t));
    let p = f.present(&["name"]);
    assert!(matches!(
        verify_presentation(&p, &f.trust(1), f.w.now()),
        Verdict::Invalid(InvalidReason::NotValid(Status::Revoked { .. }))
    ));
}

#[test]
fn altered_presentations_are_invalid() {
    let f = fixture();
    let p = f.present(&["name", "address", "scope"]);
    let now = f.w.now();
    let trust = f.trust(1);
    let check = |q: &Presentation| verify_presentation(q, &trust, now);
    // A claim value changed.
    let mut q = p.clone();
    q.disclosure.claims[0].value = "Someone Else".into();
    assert!(matches!(
        check(&q),
        Verdict::Invalid(InvalidReason::ClaimMismatch { .. })
    ));
    // Proofs swapped between the two entries.
    let mut q = p.clone();
    let (a, b) = (q.entries[0].path.clone(), q.entries[1].path.clone());
    q.entries[0].path = b;
    q.entries[1].path = a;
    assert!(matches!(
        check(&q),
        Verdict::Invalid(InvalidReason::BadProof { .. })
    ));
    // The issuer's registration dropped.
    let mut q = p.clone();
    q.entries.remove(0);
    assert!(matches!(
        check(&q),
        Verdict::Invalid(InvalidReason::SignerNotProven { .. })
    ));
    // A checkpoint signed by an unknown key.
    let mut q = p.clone();
    q.checkpoint = f.note(&key(94));
    assert_eq!(
        check(&q),
        Verdict::Invalid(InvalidReason::CheckpointNotSigned)
    );
    // A witness cosignature over another checkpoint.
    let mut q = p.clone();
    let mut note = Note::parse(p.checkpoint.as_bytes()).unwrap();
    let other = Checkpoint::parse_text(&note.text).unwrap();
    let other = Checkpoint {
        size: other.size - 1,
        root: f.w.ledger.root(other.size - 1).unwrap(),
        ..other
    };
    let forged = cosign_note(
        &other.to_text(),
        WITNESS,
        &f.witness,
        f.w.now().millis() / 1000,
    )
    .unwrap();
    note.signatures[1] = forged;
    q.checkpoint = note.to_text();
    assert_eq!(check(&q), Verdict::Invalid(InvalidReason::BadCosignature));
    // A stamp for another checkpoint.
    let mut q = p.clone();
    q.stamp.claim.size -= 1;
    assert_eq!(check(&q), Verdict::Invalid(InvalidReason::StampSignature));
    // Truncated bytes do not decode; every prefix is refused without a panic.
    let bytes = p.to_canonical();
    for n in (0..bytes.len()).step_by(7) {
        assert!(Presentation::from_canonical(&bytes[..n]).is_err());
    }
}

#[test]
fn delegated_issuer_and_root_rotation_are_followed() {
    let mut w = W::new();
    let root = w.root.clone();
    let parent = actor(20);
    let child = actor(21);
    let child2 = actor(22);
    w.ok(&root, W::registration("PARENT", &[&parent], &["T1"], None));
    w.ok(
        &parent,
        W::registration("CHILD", &[&child], &["T1"], Some("PARENT")),
    );
    w.define_type(&parent, "T1");
    // The child gets a second key from its parent and issues with it.
    w.ok(
        &parent,
        Event::AuthorityKeyAdded {
            authority: "CHILD".into(),
            key: child2.public_key(),
        },
    );
    let (id, cred) = w.issue(&child2, "CHILD", "S9");
    // The root key rotates; the new key signs the checkpoint and the stamp.
    let new_root = key(95);
    let message = chancery::event::rotation_message(ORIGIN, &root.key_id(), &new_root.public_key());
    w.ok(
        &root,
        Event::RootKeyRotated {
            new_key: new_root.public_key(),
            acceptance: new_root.sign(chancery::crypto::Domain::KeyRotation, &message),
        },
    );
    let note = w.note(&new_root, &[]);
    let now = w.now();
    let stamp = w.stamp_for_a_day(&id, now, &new_root).unwrap();
    let p = w
        .ledger
        .present(cred.disclose(&["name"], true).unwrap(), &note, stamp)
        .unwrap();
    // The trust list names only the old root key: the rotation in the bundle is followed.
    let ledger = TrustedLedger {
        origin: ORIGIN.into(),
        operator_keys: vec![OperatorKey {
            key: root.public_key(),
            valid_from: T0,
            valid_until: None,
            roles: KeyRoles::ROOT,
        }],
        witnesses: WitnessPolicy {
            witnesses: vec![],
            threshold: 0,
        },
        freshness: Freshness::DEFAULT,
        unwitnessed: true,
        require_holder: false,
    };
    let trust = Trust::from_lists([list(vec![ledger], 1)]);
    assert_eq!(verify_presentation(&p, &trust, now), Verdict::Valid);
    // Without the rotation entry the new key is unknown.
    let mut q = p.clone();
    q.entries.pop();
    assert_eq!(
        verify_presentation(&q, &trust, now),
        Verdict::Invalid(InvalidReason::StampSignature)
    );
    // The holder's code was disclosed and matches.
    assert!(p.disclosure.holder.is_some());
    // Review (issue 13, attacks 1 and 3): a list that ends the old key knows of its end; a
    // rotation it does not name (a thief's, in a tree of its own) adds no key to it.
    let rotated = w.ledger.state().retired_from(&root.key_id()).unwrap();
    let mut ended = trust.lists()[0].clone();
    ended.ledgers[0].operator_keys[0].valid_until = Some(chancery::Timestamp(rotated.0 + 1));
    assert_eq!(
        verify_presentation(&p, &Trust::from_lists([ended.clone()]), now),
        Verdict::Invalid(InvalidReason::StampSignature)
    );
    // Naming the new key, as a list made after the rotation does, it verifies.
    ended.ledgers[0].operator_keys.push(OperatorKey {
        key: new_root.public_key(),
        valid_from: rotated,
        valid_until: None,
        roles: KeyRoles::ROOT,
    });
    assert_eq!(
        verify_presentation(&p, &Trust::from_lists([ended]), now),
        Verdict::Valid
    );
}

#[test]
fn compact_form_fits_one_qr_code_and_verifies() {
    let f = fixture();
    let p = f.present(&["name", "address", "scope"]);
    let now = f.w.now();
    let trust = f.trust(1);
    let compact = CompactPresentation::from_presentation(&p, 1).unwrap();
    let bytes = compact.to_canonical();
    let text = compact.to_text();
    assert!(bytes.len() <= 1200, "{} bytes", bytes.len());
    assert!(text.len() <= 1300, "{} characters", text.len());
    assert_eq!(verify_compact(&compact, &trust, now), Verdict::Valid);
    let back = CompactPresentation::from_text(&text).unwrap();
    assert_eq!(back, compact);
    // Altered: a claim, the status, the stamp window; each refused.
    let mut c = compact.clone();
    c.claims[1].value.push('!');
    assert!(matches!(
        verify_compact(&c, &trust, now),
        Verdict::Invalid(InvalidReason::ClaimMismatch { .. })
    ));
    let mut c = compact.clone();
    c.next_update = c.next_update.plus_days(30);
    assert_eq!(
        verify_compact(&c, &trust, now),
        Verdict::Invalid(InvalidReason::StampSignature)
    );
    let mut c = compact.clone();
    c.cosignatures[0].signature[0] ^= 1;
    assert_eq!(
        verify_compact(&c, &trust, now),
        Verdict::Invalid(InvalidReason::BadCosignature)
    );
    let mut c = compact.clone();
    c.cosignatures.clear();
    assert!(matches!(
        verify_compact(&c, &trust, now),
        Verdict::Indeterminate(IndeterminateReason::WitnessQuorum { .. })
    ));
    assert!(matches!(
        verify_compact(&compact, &trust, now.plus_days(1)),
        Verdict::Indeterminate(_)
    ));
    // Bad text.
    assert!(CompactPresentation::from_text("XX1:ABC").is_err());
    assert!(CompactPresentation::from_text("CH1:abc").is_err());
    assert!(CompactPresentation::from_text(&text[..text.len() - 3]).is_err());
}

#[cfg(feature = "qr")]
#[test]
fn qr_png_reads_back_and_verifies() {
    use chancery::present::qr;
    let f = fixture();
    let p = f.present(&["name", "address", "scope"]);
    let text = CompactPresentation::from_presentation(&p, 1)
        .unwrap()
        .to_text();
    let png_bytes = qr::to_png(&text, 3).unwrap();
    let svg = qr::to_svg(&text, 300).unwrap();
    assert!(svg.starts_with("<?xml") && svg.contains("<svg"));
    // Decode the PNG with independent crates: png for the pixels, rqrr for the QR code.
    let decoder = png::Decoder::new(png_bytes.as_slice());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let (w, h) = (info.width as usize, info.height as usize);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| buf[y * w + x]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1);
    let (_, content) = grids[0].decode().unwrap();
    assert_eq!(content, text);
    let read = CompactPresentation::from_text(&content).unwrap();
    assert_eq!(
        verify_compact(&read, &f.trust(1), f.w.now()),
        Verdict::Valid
    );
}

/// Issue 13, attack 8: a compact text longer than any presentation could be is refused before
/// it is decoded (32 MiB of base45 would otherwise be decoded in full first).
#[test]
fn given_an_oversize_compact_text_when_read_then_it_is_refused_before_decoding() {
    use chancery::present::compact::{CompactError, MAX_TEXT_LEN, TEXT_PREFIX};
    let text = format!("{TEXT_PREFIX}{}", "0".repeat(MAX_TEXT_LEN + 3));
    assert!(matches!(
        CompactPresentation::from_text(&text),
        Err(CompactError::TooLong { .. })
    ));
    // At the limit itself the text is decoded (and here refused for what it says).
    let text = format!("{TEXT_PREFIX}{}", "0".repeat(MAX_TEXT_LEN));
    assert!(!matches!(
        CompactPresentation::from_text(&text),
        Err(CompactError::TooLong { .. })
    ));
}

/// Issue 13, attack 5: a trust list expires at its next update; handed an old list, the
/// verifier answers indeterminate (never valid); a list from the future is not current either.
#[test]
fn given_an_expired_trust_list_when_verifying_then_indeterminate() {
    let f = fixture();
    let p = f.present(&["name"]);
    let now = f.w.now();
    let mut old = f.trust(1).lists()[0].clone();
    old.next_update = now;
    assert_eq!(
        verify_presentation(&p, &Trust::from_lists([old.clone()]), now),
        Verdict::Indeterminate(IndeterminateReason::TrustListNotCurrent {
            name: old.name.clone(),
            issued: old.issued,
            next_update: now,
        })
    );
    let mut future = f.trust(1).lists()[0].clone();
    future.issued = now.plus_days(1);
    assert!(matches!(
        verify_presentation(&p, &Trust::from_lists([future]), now),
        Verdict::Indeterminate(IndeterminateReason::TrustListNotCurrent { .. })
    ));
    // A current list naming the ledger is used even if an expired one was loaded first.
    let current = f.trust(1).lists()[0].clone();
    let mut other = current.clone();
    other.name = "other.gov.cn/trust".into();
    let mut t = Trust::from_lists([old]);
    t.add(other);
    assert_eq!(verify_presentation(&p, &t, now), Verdict::Valid);
}

/// Issue 13, attack 7: C2SP key ids are 4 bytes, so two witnesses' ids can collide (found here
/// by a birthday search); a trust list naming two witnesses with one key id does not decode,
/// so the compact form, which matches cosignatures by id, is never ambiguous.
#[test]
fn given_two_witnesses_with_colliding_key_ids_when_a_list_names_both_then_it_does_not_decode() {
    use std::collections::HashMap;
    let mut seen: HashMap<u32, NoteVerifier> = HashMap::new();
    let (a, b) = (0u32..)
        .find_map(|i| {
            let mut seed = [9u8; 32];
            seed[..4].copy_from_slice(&i.to_be_bytes());
            let v = NoteVerifier::cosigner(
                &format!("w{i}.example"),
                &SecretKey::from_seed(seed).public_key(),
            )
            .unwrap();
            seen.insert(v.key_id(), v.clone()).map(|other| (other, v))
        })
        .unwrap();
    assert_eq!(a.key_id(), b.key_id());
    let listed = TrustedLedger {
        origin: ORIGIN.into(),
        operator_keys: vec![],
        witnesses: WitnessPolicy {
            witnesses: vec![a, b],
            threshold: 1,
        },
        freshness: Freshness::DEFAULT,
        unwitnessed: false,
        require_holder: false,
    };
    let bytes = listed.to_canonical();
    assert!(matches!(
        TrustedLedger::from_canonical(&bytes),
        Err(chancery::encoding::DecodeError::InvalidValue { what, .. }) if what.contains("key id")
    ));
}

/// Review (issue 13, attack 5): a version-1 trust list, without a next update, is refused by
/// its version.
#[test]
fn given_a_version_1_trust_list_when_decoding_then_it_is_refused_by_version() {
    let mut e = chancery::encoding::Encoder::new();
    e.array(5);
    e.uint(1);
    e.text("gov.cn/trust");
    e.uint(1);
    T0.encode(&mut e);
    e.array(0);
    assert!(matches!(
        TrustList::from_canonical(&e.into_bytes()),
        Err(chancery::encoding::DecodeError::UnknownVersion { found: 1, .. })
    ));
}
