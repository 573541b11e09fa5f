//! Known-answer vectors for trust lists, full and compact presentations
//! (tests/vectors/present-v2.json, cited by SPEC §20): rebuilt by the library byte for byte and
//! verified; the trust list's signature is also checked with ed25519-dalek directly. With
//! CHANCERY_WRITE_VECTORS=1 the file and the fuzz seeds (fuzz/corpus/{presentation,compact,
//! trust_list}/seed-v1) are rewritten.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chancery::checkpoint::{cosign_note, Checkpoint, NoteVerifier, WitnessPolicy};
use chancery::event::{AuthorityRegistration, Policy};
use chancery::present::compact::{verify_compact, CompactPresentation};
use chancery::present::trust::{
    KeyRoles, ListOperator, OperatorKey, SignedTrustList, Trust, TrustList, TrustedLedger,
};
use chancery::present::{verify_presentation, Presentation};
use chancery::{
    crypto::sha256, Actor, Canonical, Credential, Event, Ledger, LicenseId, ManualClock, SecretKey,
    Timestamp, Verdict,
};
use ed25519_dalek::Verifier;
use serde_json::{json, Value};

const ORIGIN: &str = "zj.gov.cn/elicense";
const T: Timestamp = Timestamp(1_767_225_600_000);

fn sk(seed: u8) -> SecretKey {
    SecretKey::from_seed([seed; 32])
}

fn generate() -> Value {
    let root = Actor::new(ORIGIN, sk(1));
    let bureau = Actor::new(ORIGIN, sk(2));
    let clock = ManualClock::new(T);
    let genesis = root.sign(
        Event::LedgerCreated {
            root_keys: vec![root.public_key()],
            policy: Policy::default(),
        },
        T,
    );
    let mut ledger = Ledger::in_memory(genesis, clock.clone()).unwrap();
    let id = LicenseId::new("FOODBIZ", "11330100MB0000001X", "000123", 1).unwrap();
    let mut cred = Credential::new(
        id.clone(),
        "91330100MA27XXXX1Q",
        &[
            ("name", "西湖面馆"),
            ("address", "文三路1号"),
            ("scope", "餐饮服务"),
        ],
    );
    cred.holder.salt = [0x11; 16];
    for (i, c) in cred.claims.iter_mut().enumerate() {
        c.salt = [0x20 + i as u8; 16];
    }
    for s in [
        root.sign(
            Event::AuthorityRegistered(AuthorityRegistration {
                code: "11330100MB0000001X".into(),
                name: "杭州市市场监督管理局".into(),
                parent: None,
                keys: vec![bureau.public_key()],
                license_types: vec!["FOODBIZ".into()],
                may_register_seals: false,
                may_delegate: false,
            }),
            T,
        ),
        bureau.sign(
            Event::LicenseTypeDefined {
                code: "FOODBIZ".into(),
                name: "食品经营许可证".into(),
                claim_names: vec!["name".into(), "address".into(), "scope".into()],
            },
            T,
        ),
        bureau.sign(
            Event::LicenseIssued(cred.version(chancery::VersionTerms {
                printed_number: "JY13301000000123".into(),
                valid_from: T,
                valid_until: Some(T.plus_days(5 * 365)),
                document: sha256(b"%PDF-1.7 example"),
                related: vec![],
            })),
            T,
        ),
    ] {
        ledger.append(s).unwrap();
    }
    let size = ledger.len();
    let cp = Checkpoint {
        origin: ORIGIN.into(),
        size,
        root: ledger.root(size).unwrap(),
        extensions: vec![],
    };
    let mut note = cp.sign(ORIGIN, &sk(1)).unwrap();
    note.signatures
        .push(cosign_note(&note.text, "witness.example.org", &sk(3), T.millis() / 1000).unwrap());
    let stamp = ledger
        .stamp(
            &id,
            T,
            T.plus_days(1),
            &sk(1),
            &chancery::MemoryCheckpointLog::new(),
        )
        .unwrap();
    let full = ledger
        .present(
            cred.disclose(&["name", "address", "scope"], false).unwrap(),
            &note.to_text(),
            stamp,
        )
        .unwrap();
    let compact = CompactPresentation::from_presentation(&full, 1).unwrap();
    let list = SignedTrustList::sign(
        TrustList {
            name: "gov.cn/trust/elicense".into(),
            version: 1,
            issued: T,
            next_update: T.plus_days(3650),
            ledgers: vec![TrustedLedger {
                origin: ORIGIN.into(),
                operator_keys: vec![OperatorKey {
                    key: root.public_key(),
                    valid_from: T,
                    valid_until: None,
                    roles: KeyRoles::ROOT,
                }],
                witnesses: WitnessPolicy {
                    witnesses: vec![NoteVerifier::cosigner(
                        "witness.example.org",
                        &sk(3).public_key(),
                    )
                    .unwrap()],
                    threshold: 1,
                },
                freshness: chancery::present::trust::Freshness::DEFAULT,
                unwitnessed: false,
                require_holder: false,
            }],
        },
        &sk(4),
    );
    json!({
        "description": "Chancery v1 presentation vectors: see SPEC.md §20. Keys: root 01×32, authority 02×32, witness 03×32, list operator 04×32.",
        "list_operator_public_key_hex": hex::encode(chancery::PublicKey::to_canonical(&sk(4).public_key())),
        "signed_trust_list_hex": hex::encode(list.to_canonical()),
        "trust_list_hex": hex::encode(list.list.to_canonical()),
        "presentation_hex": hex::encode(full.to_canonical()),
        "compact_hex": hex::encode(compact.to_canonical()),
        "compact_text": compact.to_text(),
        "verify_at": T.plus_millis(3_600_000).millis(),
        "verdict": "valid",
    })
}

fn path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/present-v2.json")
}

fn bytes(v: &Value, field: &str) -> Vec<u8> {
    hex::decode(v[field].as_str().unwrap()).unwrap()
}

#[test]
fn presentation_vectors_match_and_verify() {
    let v = generate();
    if std::env::var("CHANCERY_WRITE_VECTORS").is_ok() {
        std::fs::write(path(), serde_json::to_string_pretty(&v).unwrap() + "\n").unwrap();
        let fuzz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
        for (dir, field) in [
            ("presentation", "presentation_hex"),
            ("trust_list", "signed_trust_list_hex"),
        ] {
            std::fs::create_dir_all(fuzz.join(dir)).unwrap();
            std::fs::write(fuzz.join(dir).join("seed-v1"), bytes(&v, field)).unwrap();
        }
        std::fs::create_dir_all(fuzz.join("compact")).unwrap();
        std::fs::write(
            fuzz.join("compact/seed-v1"),
            v["compact_text"].as_str().unwrap(),
        )
        .unwrap();
    }
    let stored: Value = serde_json::from_slice(&std::fs::read(path()).unwrap()).unwrap();
    assert_eq!(
        stored, v,
        "the library no longer produces the committed vectors"
    );
    let list_key =
        chancery::PublicKey::from_canonical(&bytes(&v, "list_operator_public_key_hex")).unwrap();
    let mut trust = Trust::new();
    trust
        .load(
            &bytes(&v, "signed_trust_list_hex"),
            &[ListOperator::new(list_key, ["gov.cn/trust/elicense"])],
        )
        .unwrap();
    let at = Timestamp(v["verify_at"].as_u64().unwrap());
    let full = Presentation::from_canonical(&bytes(&v, "presentation_hex")).unwrap();
    assert_eq!(verify_presentation(&full, &trust, at), Verdict::Valid);
    let compact = CompactPresentation::from_text(v["compact_text"].as_str().unwrap()).unwrap();
    assert_eq!(compact.to_canonical(), bytes(&v, "compact_hex"));
    assert_eq!(verify_compact(&compact, &trust, at), Verdict::Valid);
}

/// The trust list signature, checked with ed25519-dalek over the SPEC §20 message.
#[test]
fn trust_list_signature_verifies_independently() {
    let v: Value = serde_json::from_slice(&std::fs::read(path()).unwrap()).unwrap();
    let signed = bytes(&v, "signed_trust_list_hex");
    let list = bytes(&v, "trust_list_hex");
    // [1, list, [1, h'sig']]: 0x83 0x01 <list> 0x82 0x01 0x58 0x40 <64 bytes>
    assert_eq!(&signed[..2], &[0x83, 0x01]);
    assert_eq!(&signed[2..2 + list.len()], list.as_slice());
    let tail = &signed[2 + list.len()..];
    assert_eq!(&tail[..4], &[0x82, 0x01, 0x58, 0x40]);
    let sig = ed25519_dalek::Signature::from_bytes(&tail[4..68].try_into().unwrap());
    let key = ed25519_dalek::SigningKey::from_bytes(&[4; 32]).verifying_key();
    let message = [b"chancery/v1/trust-list".as_slice(), &[0], &list].concat();
    key.verify(&message, &sig).unwrap();
}
