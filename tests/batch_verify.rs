//! Batch signature verification against single `verify_strict`: for batches signed by one or
//! several keys, with any mix of corrupted signatures (wrong message, wrong key, altered R,
//! altered or non-canonical s, swapped signatures), `verify_many` gives exactly the per-signature
//! answer of `verify_strict`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chancery::crypto::{verify_many, Domain};
use chancery::{PublicKey, SecretKey, Signature};
use proptest::prelude::*;

fn corrupt(sig: &Signature, mode: u8, other: &Signature) -> Signature {
    let Signature::Ed25519(s) = sig;
    let mut b = s.to_bytes();
    match mode % 5 {
        0 => b[0] ^= 1,  // R altered (usually off the curve or a different point)
        1 => b[40] ^= 1, // s altered
        2 => {
            // s + l: the same value mod l, but non-canonical
            let l: [u8; 32] = [
                0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
                0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
            ];
            let mut carry = 0u16;
            for i in 0..32 {
                let v = u16::from(b[32 + i]) + u16::from(l[i]) + carry;
                b[32 + i] = v as u8;
                carry = v >> 8;
            }
        }
        3 => {
            let Signature::Ed25519(o) = other;
            b = o.to_bytes(); // another message's signature
        }
        _ => b[63] ^= 0x80, // high bit of s
    }
    Signature::Ed25519(ed25519_dalek::Signature::from_bytes(&b))
}

fn check(keys: usize, n: usize, bad: &[(usize, u8)], wrong_key: Option<usize>) {
    let secrets: Vec<SecretKey> = (0..keys)
        .map(|i| SecretKey::from_seed([i as u8 + 1; 32]))
        .collect();
    let publics: Vec<PublicKey> = secrets.iter().map(SecretKey::public_key).collect();
    let payloads: Vec<Vec<u8>> = (0..n)
        .map(|i| format!("statement {i}").into_bytes())
        .collect();
    let mut sigs: Vec<Signature> = payloads
        .iter()
        .enumerate()
        .map(|(i, p)| secrets[i % keys].sign(Domain::Statement, p))
        .collect();
    let mut key_of: Vec<&PublicKey> = (0..n).map(|i| &publics[i % keys]).collect();
    let original = sigs.clone();
    for (i, mode) in bad {
        let i = i % n;
        sigs[i] = corrupt(&original[i], *mode, &original[(i + 1) % n]);
    }
    let stranger = SecretKey::from_seed([99; 32]).public_key();
    if let Some(i) = wrong_key {
        key_of[i % n] = &stranger;
    }
    let items: Vec<_> = (0..n)
        .map(|i| (payloads[i].as_slice(), key_of[i], &sigs[i]))
        .collect();
    let got = verify_many(Domain::Statement, &items);
    let want: Vec<bool> = items
        .iter()
        .map(|(p, k, s)| k.verify(Domain::Statement, p, s).is_ok())
        .collect();
    assert_eq!(got, want);
    // On ordinary signatures (no crafted torsion) the rule agrees with ed25519-dalek's
    // verify_strict.
    let strict: Vec<bool> = items
        .iter()
        .map(|(p, k, s)| {
            let (PublicKey::Ed25519(k), Signature::Ed25519(s)) = (k, s);
            k.verify_strict(&Domain::Statement.message(p), s).is_ok()
        })
        .collect();
    assert_eq!(got, strict);
    // A signature for one domain never verifies in another.
    let other_domain = verify_many(Domain::Claim, &items);
    assert!(other_domain.iter().all(|ok| !ok));
}

#[test]
fn all_valid_batches_pass() {
    for (keys, n) in [(1, 2), (1, 200), (3, 200), (7, 100), (200, 200)] {
        check(keys, n, &[], None);
    }
}

#[test]
fn each_corruption_is_caught_in_large_and_small_batches() {
    for n in [2, 5, 64, 300] {
        for mode in 0..5 {
            check(2, n, &[(n / 2, mode)], None);
        }
        check(2, n, &[], Some(n / 3));
    }
}

/// A key holder can make a signature whose R carries a small-order component: the cofactored
/// rule accepts it and verify_strict does not. What matters is that the answer never depends on
/// the batch: alone, among valid signatures, or in a batch that fails and falls back.
#[test]
fn crafted_torsion_signature_gets_the_same_answer_in_every_batch() {
    use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
    use curve25519_dalek::scalar::Scalar;
    use sha2::{Digest, Sha512};
    let seed = [5u8; 32];
    let key = SecretKey::from_seed(seed).public_key();
    let PublicKey::Ed25519(vk) = key;
    let mut expanded: [u8; 32] = Sha512::digest(seed)[..32].try_into().unwrap();
    expanded[0] &= 248;
    expanded[31] &= 127;
    expanded[31] |= 64;
    let a = Scalar::from_bytes_mod_order(expanded);
    let payload = b"crafted".to_vec();
    let r = Scalar::from_bytes_mod_order([7u8; 32]);
    let big_r = (ED25519_BASEPOINT_POINT * r + EIGHT_TORSION[1]).compress();
    let mut h = Sha512::new();
    h.update(big_r.as_bytes());
    h.update(vk.as_bytes());
    h.update(Domain::Statement.message(&payload));
    let k = Scalar::from_bytes_mod_order_wide(&h.finalize().into());
    let s = r + k * a;
    let mut bytes = [0u8; 64];
    bytes[..32].copy_from_slice(big_r.as_bytes());
    bytes[32..].copy_from_slice(s.as_bytes());
    let crafted = Signature::Ed25519(ed25519_dalek::Signature::from_bytes(&bytes));
    assert!(key.verify(Domain::Statement, &payload, &crafted).is_ok());
    let Signature::Ed25519(raw) = crafted;
    assert!(vk
        .verify_strict(&Domain::Statement.message(&payload), &raw)
        .is_err());

    let signer = SecretKey::from_seed(seed);
    let others: Vec<Vec<u8>> = (0..100u32).map(|i| i.to_be_bytes().to_vec()).collect();
    let sigs: Vec<Signature> = others
        .iter()
        .map(|p| signer.sign(Domain::Statement, p))
        .collect();
    let mut items: Vec<_> = others
        .iter()
        .zip(&sigs)
        .map(|(p, s)| (p.as_slice(), &key, s))
        .collect();
    items.insert(50, (payload.as_slice(), &key, &crafted));
    assert!(verify_many(Domain::Statement, &items[50..51])
        .iter()
        .all(|ok| *ok));
    assert!(verify_many(Domain::Statement, &items).iter().all(|ok| *ok));
    let bad = corrupt(&sigs[10], 1, &sigs[11]);
    items[10].2 = &bad;
    let flags = verify_many(Domain::Statement, &items);
    assert!(
        !flags[10] && flags[50],
        "the fallback gives the crafted signature the same answer"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn verify_many_agrees_with_verify_strict(
        keys in 1usize..5,
        n in 2usize..260,
        bad in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..4),
        wrong_key in proptest::option::of(any::<usize>()),
    ) {
        check(keys, n, &bad, wrong_key);
    }
}
