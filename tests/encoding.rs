//! Canonical encoding: each strictness rule has its own typed error, an independent CBOR
//! implementation (ciborium) reads what we write, and any single flipped byte is detected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::encoding::{check, Canonical, DecodeError, MAX_DEPTH, MAX_INPUT_LEN};
use chancery::{Entry, Event, MemoryStore, SignedStatement};
use common::*;
use proptest::prelude::*;

fn err(bytes: &[u8]) -> DecodeError {
    check::validate(bytes).unwrap_err()
}

#[test]
fn each_strictness_rule_has_its_own_error() {
    // Trailing bytes.
    assert_eq!(err(&[0x01, 0x02]), DecodeError::TrailingBytes { offset: 1 });
    // Non-shortest integers and lengths, at each width.
    assert_eq!(err(&[0x18, 0x17]), DecodeError::NonShortest { offset: 0 });
    assert_eq!(
        err(&[0x19, 0x00, 0xff]),
        DecodeError::NonShortest { offset: 0 }
    );
    assert_eq!(
        err(&[0x1a, 0x00, 0x00, 0xff, 0xff]),
        DecodeError::NonShortest { offset: 0 }
    );
    assert_eq!(
        err(&[0x1b, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]),
        DecodeError::NonShortest { offset: 0 }
    );
    assert_eq!(
        err(&[0x58, 0x01, 0xaa]),
        DecodeError::NonShortest { offset: 0 }
    );
    assert_eq!(
        err(&[0x81, 0x18, 0x01]),
        DecodeError::NonShortest { offset: 1 }
    );
    // Indefinite lengths.
    assert_eq!(
        err(&[0x5f, 0x41, 0x00, 0xff]),
        DecodeError::IndefiniteLength { offset: 0 }
    );
    assert_eq!(
        err(&[0x9f, 0xff]),
        DecodeError::IndefiniteLength { offset: 0 }
    );
    assert_eq!(
        err(&[0xbf, 0xff]),
        DecodeError::IndefiniteLength { offset: 0 }
    );
    // Floats of every width.
    assert_eq!(err(&[0xf9, 0x3c, 0x00]), DecodeError::Float { offset: 0 });
    assert_eq!(
        err(&[0xfa, 0x3f, 0x80, 0, 0]),
        DecodeError::Float { offset: 0 }
    );
    assert_eq!(
        err(&[0xfb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]),
        DecodeError::Float { offset: 0 }
    );
    // Maps: unsorted and duplicate keys.
    assert_eq!(
        err(&[0xa2, 0x02, 0x00, 0x01, 0x00]),
        DecodeError::UnsortedMapKeys { offset: 3 }
    );
    assert_eq!(
        err(&[0xa2, 0x01, 0x00, 0x01, 0x00]),
        DecodeError::DuplicateMapKey { offset: 3 }
    );
    assert!(check::validate(&[0xa2, 0x01, 0x00, 0x02, 0x00]).is_ok());
    // Too deep.
    let mut deep = vec![0x81; MAX_DEPTH + 1];
    deep.push(0x00);
    assert!(matches!(err(&deep), DecodeError::TooDeep { .. }));
    let mut ok_depth = vec![0x81; MAX_DEPTH];
    ok_depth.push(0x00);
    assert!(check::validate(&ok_depth).is_ok());
    // Truncated, bad UTF-8, tags, undefined.
    assert_eq!(err(&[0x43, 0x01]), DecodeError::Truncated { offset: 0 });
    assert_eq!(err(&[0x19, 0x01]), DecodeError::Truncated { offset: 0 });
    assert_eq!(
        err(&[0x62, 0xff, 0xfe]),
        DecodeError::InvalidUtf8 { offset: 0 }
    );
    assert!(matches!(
        err(&[0xc0, 0x00]),
        DecodeError::Unsupported { major: 6, .. }
    ));
    assert!(matches!(
        err(&[0xf7]),
        DecodeError::Unsupported { major: 7, .. }
    ));
    assert!(matches!(err(&[0x1c]), DecodeError::Unsupported { .. }));
    assert_eq!(err(&[]), DecodeError::Truncated { offset: 0 });
}

fn sample_statement() -> SignedStatement {
    let (mut w, a) = World::standard(MemoryStore::new());
    let (ev, _, _) = w.issue_event("AUTH1", "S1");
    let s = w.sign(&a, ev);
    w.ledger.append(s.clone()).unwrap();
    s
}

#[test]
fn typed_errors_for_schema_violations() {
    let s = sample_statement();
    let bytes = s.to_canonical();
    // Unknown version: byte 1 is the version (array head, then 0x01).
    let mut v = bytes.clone();
    assert_eq!(v[1], 0x01);
    v[1] = 0x02;
    assert!(matches!(
        SignedStatement::from_canonical(&v),
        Err(DecodeError::UnknownVersion { found: 2, .. })
    ));
    // Oversize input.
    let big = vec![0u8; MAX_INPUT_LEN + 1];
    assert!(matches!(
        SignedStatement::from_canonical(&big),
        Err(DecodeError::TooLarge { .. })
    ));
    // Wrong type.
    assert!(matches!(
        SignedStatement::from_canonical(&[0x01]),
        Err(DecodeError::UnexpectedType { .. })
    ));
    // Unknown event tag.
    let st = s.statement().clone();
    let mut ev_bytes = st.event.to_canonical();
    ev_bytes[1] = 0x17; // tag 23: unassigned
    assert!(matches!(
        Event::from_canonical(&ev_bytes),
        Err(DecodeError::UnknownTag { tag: 23, .. })
    ));
    // Unknown algorithm in a key.
    let key = actor(3).public_key().to_canonical();
    let mut k = key.clone();
    k[1] = 0x02;
    assert!(matches!(
        chancery::PublicKey::from_canonical(&k),
        Err(DecodeError::UnknownAlgorithm { alg: 2, .. })
    ));
    // A small-order Ed25519 key is refused.
    let mut weak = key;
    weak[4..].copy_from_slice(&[0u8; 32]);
    weak[4] = 1; // the identity point
    assert!(matches!(
        chancery::PublicKey::from_canonical(&weak),
        Err(DecodeError::InvalidValue { .. })
    ));
    // A non-canonical encoding of a valid key (y >= p, reduced by decompression) is refused,
    // so one key cannot have two key ids.
    let mut found = 0;
    for v in 2u8..19 {
        let mut y = [0xffu8; 32];
        y[0] = 0xed + v; // p = 2^255 - 19 = 0x7fff..ffed, little-endian
        y[31] = 0x7f;
        let Ok(k) = ed25519_dalek::VerifyingKey::from_bytes(&y) else {
            continue;
        };
        if k.is_weak() {
            continue;
        }
        let mut noncanon = actor(3).public_key().to_canonical();
        noncanon[4..].copy_from_slice(&y);
        assert_eq!(
            chancery::PublicKey::from_canonical(&noncanon).unwrap_err(),
            DecodeError::InvalidValue {
                offset: 2,
                what: "non-canonical Ed25519 public key encoding"
            }
        );
        found += 1;
    }
    assert!(found > 0, "no non-canonical test key found");
}

#[test]
fn ciborium_reads_what_we_write() {
    let s = sample_statement();
    let bytes = s.to_canonical();
    let v: ciborium::Value = ciborium::from_reader(bytes.as_slice()).unwrap();
    // ciborium re-encodes definite-length arrays with shortest heads: same bytes.
    let mut again = Vec::new();
    ciborium::into_writer(&v, &mut again).unwrap();
    assert_eq!(again, bytes);
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), 3);
    assert_eq!(arr[0], ciborium::Value::Integer(1.into()));
}

#[test]
fn any_single_flipped_byte_is_detected() {
    let s = sample_statement();
    let bytes = s.to_canonical();
    let id = s.id();
    for i in 0..bytes.len() {
        for bit in [0x01u8, 0x80] {
            let mut b = bytes.clone();
            b[i] ^= bit;
            match SignedStatement::from_canonical(&b) {
                Err(_) => {}
                Ok(t) => {
                    // It decoded: then it is a different statement or its signature fails.
                    let key = actor(10).public_key();
                    let same = t.id() == id && t.signature() == s.signature();
                    let verifies = key
                        .verify(
                            chancery::crypto::Domain::Statement,
                            t.statement_bytes(),
                            t.signature(),
                        )
                        .is_ok();
                    assert!(!same && !verifies, "flip at byte {i} went unnoticed");
                }
            }
        }
    }
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = Entry::from_canonical(&bytes);
        let _ = SignedStatement::from_canonical(&bytes);
        let _ = chancery::Credential::from_canonical(&bytes);
        let _ = chancery::Disclosure::from_canonical(&bytes);
    }

    #[test]
    fn decode_succeeds_only_on_canonical_input(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(e) = Event::from_canonical(&bytes) {
            prop_assert_eq!(e.to_canonical(), bytes);
        }
    }

    #[test]
    fn integers_round_trip(n in any::<u64>()) {
        let b = n.to_canonical();
        prop_assert_eq!(u64::from_canonical(&b).unwrap(), n);
        let v: ciborium::Value = ciborium::from_reader(b.as_slice()).unwrap();
        prop_assert_eq!(v, ciborium::Value::Integer(n.into()));
    }

    #[test]
    fn text_round_trip(s in ".{0,40}") {
        let b = s.clone().to_canonical();
        prop_assert_eq!(String::from_canonical(&b).unwrap(), s);
    }
}

/// SPEC §2's table names every domain tag the code signs or hashes under, each once (issue 14:
/// `chancery/v1/trust-list` was missing).
#[test]
fn given_the_domain_tags_when_reading_spec_section_2_then_each_has_its_row() {
    let spec = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/SPEC.md")).unwrap();
    let start = spec.find("## 2. Hashes and domain separation").unwrap();
    let end = spec[start..].find("## 3.").unwrap() + start;
    let section = &spec[start..end];
    for d in chancery::crypto::Domain::ALL {
        let tag = std::str::from_utf8(d.tag()).unwrap();
        let row = format!("| `{tag}` |");
        assert_eq!(section.matches(&row).count(), 1, "{tag}");
    }
    let rows = section.matches("| `chancery/v1/").count();
    // The integrity record's MAC key tag is the one row that is not a Domain.
    assert_eq!(rows, chancery::crypto::Domain::ALL.len() + 1);
}

/// Review of issue 14: an empty event array has no tag; it is refused as of the wrong length
/// at its own offset (it used to read the next item as the tag).
#[test]
fn given_an_empty_event_array_when_decoded_then_wrong_length() {
    // Before, the end of the input (or the next item) was read as the tag.
    assert!(matches!(
        Event::from_canonical(&[0x80]),
        Err(DecodeError::WrongLength {
            offset: 0,
            found: 0,
            ..
        })
    ));
}

#[test]
fn given_an_empty_policy_array_when_decoded_then_wrong_length() {
    assert!(matches!(
        chancery::Policy::from_canonical(&[0x80]),
        Err(DecodeError::WrongLength {
            offset: 0,
            found: 0,
            ..
        })
    ));
}
