//! The verifier surface works alone: a relying party that depends on chancery with
//! `default-features = false, features = ["verify"]` verifies the committed presentation
//! vectors (full and compact, against the signed trust list) and refuses a tampered one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chancery::present::compact::{verify_compact, CompactPresentation};
use chancery::present::trust::{ListOperator, Trust};
use chancery::present::{verify_presentation, Presentation};
use chancery::{Canonical, PublicKey, Timestamp, Verdict};
use serde_json::Value;

fn vectors() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/present-v2.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn bytes(v: &Value, field: &str) -> Vec<u8> {
    hex::decode(v[field].as_str().unwrap()).unwrap()
}

fn trust(v: &Value) -> Trust {
    let key = PublicKey::from_canonical(&bytes(v, "list_operator_public_key_hex")).unwrap();
    let mut trust = Trust::new();
    trust
        .load(
            &bytes(v, "signed_trust_list_hex"),
            &[ListOperator::new(key, ["gov.cn/trust/elicense"])],
        )
        .unwrap();
    trust
}

#[test]
fn given_the_full_presentation_vector_when_verified_offline_then_valid() {
    let v = vectors();
    let p = Presentation::from_canonical(&bytes(&v, "presentation_hex")).unwrap();
    let at = Timestamp(v["verify_at"].as_u64().unwrap());
    assert_eq!(verify_presentation(&p, &trust(&v), at), Verdict::Valid);
}

#[test]
fn given_the_compact_vector_when_verified_offline_then_valid() {
    let v = vectors();
    let c = CompactPresentation::from_text(v["compact_text"].as_str().unwrap()).unwrap();
    let at = Timestamp(v["verify_at"].as_u64().unwrap());
    assert_eq!(verify_compact(&c, &trust(&v), at), Verdict::Valid);
}

#[test]
fn given_a_disclosed_claim_changed_when_verified_offline_then_invalid() {
    let v = vectors();
    let mut p = Presentation::from_canonical(&bytes(&v, "presentation_hex")).unwrap();
    p.disclosure.claims[0].value.push('!');
    let at = Timestamp(v["verify_at"].as_u64().unwrap());
    assert!(matches!(
        verify_presentation(&p, &trust(&v), at),
        Verdict::Invalid(_)
    ));
}
