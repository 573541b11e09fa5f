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
