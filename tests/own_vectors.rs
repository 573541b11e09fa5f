//! The project's own known-answer vectors (tests/vectors/ledger-v2.json), cited by SPEC.md.
//!
//! The vectors are made from fixed key seeds, times and salts. This test rebuilds them with the
//! library and compares byte for byte, and checks them independently with sha2 and
//! ed25519-dalek directly. Set CHANCERY_WRITE_VECTORS=1 to rewrite the file after a deliberate
//! format change (which must also bump the affected version numbers in SPEC.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::crypto::{sha256, Digest32};
use chancery::event::{AuthorityRegistration, Policy};
use chancery::privacy::{ClaimValue, HolderOpening};
use chancery::{
    Actor, Canonical, Credential, Event, Ledger, LicenseId, ManualClock, SecretKey, Timestamp,
};
use common::vectors::h;
use serde_json::{json, Value};

const ORIGIN: &str = "ledger.example.gov.cn/elicense";
const T: Timestamp = Timestamp(1_767_225_600_000);

fn generate() -> Value {
    let root = Actor::new(ORIGIN, SecretKey::from_seed([1; 32]));
    let auth = Actor::new(ORIGIN, SecretKey::from_seed([2; 32]));
    let clock = ManualClock::new(T);
    let genesis = root.sign(
        Event::LedgerCreated {
            root_keys: vec![root.public_key()],
            policy: Policy::default(),
        },
        T,
    );
    let mut ledger = Ledger::in_memory(genesis, clock.clone()).unwrap();
    clock.advance(1000);
    let t1 = T.plus_millis(1000);
    ledger
        .append(root.sign(
            Event::AuthorityRegistered(AuthorityRegistration {
                code: "11330100MB0000001X".into(),
                name: "杭州市市场监督管理局".into(),
                parent: None,
                keys: vec![auth.public_key()],
                license_types: vec!["FOODBIZ".into()],
                may_register_seals: true,
                may_delegate: false,
            }),
            t1,
        ))
        .unwrap();
    ledger
        .append(auth.sign(
            Event::LicenseTypeDefined {
                code: "FOODBIZ".into(),
                name: "食品经营许可证".into(),
                claim_names: vec!["name".into(), "address".into()],
            },
            t1,
        ))
        .unwrap();
    let id = LicenseId::new("FOODBIZ", "11330100MB0000001X", "000123", 1).unwrap();
    let cred = Credential {
        license: id.clone(),
        holder: HolderOpening {
            code: "330106199001011234".into(),
            salt: [0x11; 16],
        },
        claims: vec![
            ClaimValue {
                name: "name".into(),
                value: "西湖面馆".into(),
                salt: [0x22; 16],
            },
            ClaimValue {
                name: "address".into(),
                value: "文三路1号".into(),
                salt: [0x33; 16],
            },
        ],
    };
    ledger
        .append(auth.sign(
            Event::LicenseIssued(cred.version(chancery::VersionTerms {
                printed_number: "JY13301000000123".into(),
                valid_from: T,
                valid_until: Some(T.plus_days(5 * 365)),
                document: sha256(b"%PDF-1.7 example"),
                related: vec![],
            })),
            t1,
        ))
        .unwrap();
    let entries = common::vectors::entries_json(&ledger);
    let n = ledger.len();
    json!({
        "description": "Chancery v1 vectors: see SPEC.md. Keys are Ed25519 with the given seeds.",
        "origin": ORIGIN,
        "keys": [
            { "role": "root", "seed_hex": hex::encode([1u8; 32]), "public_key_cbor_hex": hex::encode(root.public_key().to_canonical()), "key_id": root.key_id().0.to_hex() },
            { "role": "authority", "seed_hex": hex::encode([2u8; 32]), "public_key_cbor_hex": hex::encode(auth.public_key().to_canonical()), "key_id": auth.key_id().0.to_hex() },
        ],
        "holder_commitment": { "code": cred.holder.code, "salt_hex": hex::encode(cred.holder.salt), "commitment": cred.holder_commitment().to_hex() },
        "claim_digests": cred.claims.iter().map(|c| json!({ "name": c.name, "value": c.value, "salt_hex": hex::encode(c.salt), "digest": c.digest().to_hex() })).collect::<Vec<_>>(),
        "credential_hex": hex::encode(cred.to_canonical()),
        "license_id": id.to_string(),
        "entries": entries,
        "merkle_root": ledger.root(n).unwrap().to_hex(),
        "merkle_root_size": n,
        "inclusion_proof_entry_3": ledger.prove_inclusion(3, n).unwrap().path.iter().map(Digest32::to_hex).collect::<Vec<_>>(),
    })
}

fn path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/ledger-v2.json")
}

#[test]
fn vectors_match_the_library() {
    let v = generate();
    if std::env::var("CHANCERY_WRITE_VECTORS").is_ok() {
        std::fs::write(path(), serde_json::to_string_pretty(&v).unwrap() + "\n").unwrap();
    }
    let stored: Value = serde_json::from_slice(&std::fs::read(path()).unwrap()).unwrap();
    assert_eq!(
        stored, v,
        "the library no longer produces the committed vectors"
    );
}

/// Checks the committed vectors with sha2 and ed25519-dalek directly, as an independent
/// implementation following SPEC.md would.
#[test]
fn vectors_verify_independently() {
    let v: Value = serde_json::from_slice(&std::fs::read(path()).unwrap()).unwrap();
    let leaves = common::vectors::check_entries_independently(&v);
    // Merkle root over the four leaves: H(1 || H(1||l0||l1) || H(1||l2||l3)).
    let node = |a: &[u8], b: &[u8]| -> Vec<u8> { hex::decode(h(&[&[1], a, b])).unwrap() };
    let root = node(&node(&leaves[0], &leaves[1]), &node(&leaves[2], &leaves[3]));
    assert_eq!(v["merkle_root"], hex::encode(root));
    // Commitments.
    let hc = &v["holder_commitment"];
    let salt = hex::decode(hc["salt_hex"].as_str().unwrap()).unwrap();
    let code = hc["code"].as_str().unwrap();
    let payload = [
        &[0x82, 0x50][..],
        &salt,
        &[0x60 + code.len() as u8],
        code.as_bytes(),
    ]
    .concat();
    assert_eq!(
        hc["commitment"],
        h(&[b"chancery/v1/holder", &[0], &payload])
    );
}
