//! Parallel batch verification of many signatures.

use super::hash::Domain;
use super::keys::{PublicKey, Signature};
#[cfg(feature = "ledger")]
use crate::parallel::Pieces;
use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use rand_core::RngCore;
use sha2::{Digest, Sha512};
use std::collections::HashMap;

/// Below this many signatures a batch is verified on the calling thread.
#[cfg(feature = "ledger")]
const PARALLEL_THRESHOLD: usize = 64;

/// One `(payload, key, signature)` triple to verify.
pub type Item<'a> = (&'a [u8], &'a PublicKey, &'a Signature);

/// A set of signatures cut into pieces that any number of threads verify together: each thread
/// calling [`BatchJob::work`] (or [`BatchJob::work_one`]) takes pieces until none are left.
#[cfg(feature = "ledger")]
#[derive(Debug)]
pub(crate) struct BatchJob<'a> {
    domain: Domain,
    pieces: Pieces<'a, Item<'a>, Vec<bool>>,
}

#[cfg(feature = "ledger")]
impl<'a> BatchJob<'a> {
    /// A job over `items`, cut into `pieces_per_thread` pieces for each of `threads` threads.
    /// One piece per thread keeps each Ed25519 batch as large as possible (batch verification
    /// gets cheaper per signature as the batch grows); more pieces let the threads finish
    /// together when other work shares the cores.
    pub fn new(
        domain: Domain,
        items: &'a [Item<'a>],
        threads: usize,
        pieces_per_thread: usize,
    ) -> Self {
        let piece = items
            .len()
            .div_ceil(threads.max(1) * pieces_per_thread.max(1))
            .max(PARALLEL_THRESHOLD / 2);
        Self {
            domain,
            pieces: Pieces::new(items, piece),
        }
    }

    /// Verifies pieces until none are left.
    pub fn work(&self) {
        while self.work_one() {}
    }

    /// Verifies the next piece; false when none was left.
    pub fn work_one(&self) -> bool {
        self.pieces
            .take(|_, piece| verify_share(self.domain, piece))
    }

    /// One flag per item, in order (true = valid). Call after every worker has returned.
    pub fn finish(self) -> Vec<bool> {
        let mut out = Vec::new();
        for (piece, flags) in self.pieces.finish() {
            // A piece nobody verified (a worker died) counts as invalid, never as valid.
            match flags {
                Some(flags) => out.extend(flags),
                None => out.extend(std::iter::repeat_n(false, piece.len())),
            }
        }
        out
    }
}

/// The number of threads to verify with: one per core.
#[cfg(feature = "ledger")]
pub(crate) fn verify_threads() -> usize {
    crate::parallel::cores()
}

/// Verifies many `(payload, key, signature)` triples, all in `domain`, and returns one flag per
/// triple (true = valid).
///
/// The triples are cut into pieces that one thread per core (the caller among them) takes in
/// turn; each piece is checked with Ed25519 batch verification (one term per distinct key, see
/// `batch_holds`) and, only if that fails,
/// signature by signature with [`PublicKey::verify`] to find the bad ones. A triple is reported valid
/// only if it passed a check.
///
/// Without the `ledger` feature (a verifier-only build) no thread is started: the caller
/// verifies every piece.
pub fn verify_many(domain: Domain, items: &[Item<'_>]) -> Vec<bool> {
    #[cfg(feature = "ledger")]
    {
        let threads = verify_threads();
        if items.len() >= PARALLEL_THRESHOLD && threads > 1 {
            let job = BatchJob::new(domain, items, threads, 1);
            std::thread::scope(|s| {
                for _ in 1..threads {
                    s.spawn(|| job.work());
                }
                job.work();
            });
            return job.finish();
        }
    }
    verify_share(domain, items)
}

fn verify_share(domain: Domain, items: &[Item<'_>]) -> Vec<bool> {
    if items.len() > 1 && batch_holds(domain, items) {
        return vec![true; items.len()];
    }
    items
        .iter()
        .map(|(p, k, s)| k.verify(domain, p, s).is_ok())
        .collect()
}

/// Whether every signature of the batch is valid (SPEC §3), checked at once: with random
/// 128-bit `z_i` and `k_i = SHA-512(R_i || A_i || M_i) mod l`,
/// `[8]([-Σ z_i s_i]B + Σ [z_i]R_i + Σ_A [Σ_{i: A_i = A} z_i k_i]A) = 0`. Valid signatures
/// always satisfy it; if any signature is invalid it fails except with probability about
/// 2^-128. The `A` terms of signatures made by the same key are merged, so a batch signed by a
/// few authority keys multiplies about half as many points as one term per signature would.
fn batch_holds(domain: Domain, items: &[Item<'_>]) -> bool {
    let mut z_bytes = vec![0u8; 16 * items.len()];
    if rand_core::OsRng.try_fill_bytes(&mut z_bytes).is_err() {
        return false;
    }
    combination_vanishes(domain, items, |i| {
        let mut wide = [0u8; 32];
        wide[..16].copy_from_slice(&z_bytes[16 * i..16 * i + 16]);
        Scalar::from_bytes_mod_order(wide)
    })
}

/// Verifies one Ed25519 signature by the rule of SPEC §3 (the cofactored equation, canonical
/// `s`, `R` not of small order).
pub(crate) fn verify_one(
    domain: Domain,
    payload: &[u8],
    key: &PublicKey,
    signature: &Signature,
) -> bool {
    combination_vanishes(domain, &[(payload, key, signature)], |_| Scalar::ONE)
}

/// One signature to verify in its own domain.
pub type DomainItem<'a> = (Domain, &'a [u8], &'a PublicKey, &'a Signature);

/// Whether every signature is valid by the rule of SPEC §3, each in its own domain, checked as
/// one Ed25519 batch on the calling thread (for a handful of signatures of different kinds, e.g.
/// a presentation's statements and status stamp). It does not say which one is invalid.
pub fn verify_all(items: &[DomainItem<'_>]) -> bool {
    let mut z_bytes = vec![0u8; 16 * items.len()];
    if rand_core::OsRng.try_fill_bytes(&mut z_bytes).is_err() {
        return false;
    }
    combination_vanishes_each(
        items.len(),
        |i| items[i],
        |i| {
            let mut wide = [0u8; 32];
            wide[..16].copy_from_slice(&z_bytes[16 * i..16 * i + 16]);
            Scalar::from_bytes_mod_order(wide)
        },
    )
}

/// `[8](Σ_i [z_i]([s_i]B − R_i − [k_i]A_i)) == 0`, with the `A` terms grouped by key; false if
/// any `s_i` is not canonical or any `R_i` is not a point or is of small order.
fn combination_vanishes(
    domain: Domain,
    items: &[Item<'_>],
    z_of: impl Fn(usize) -> Scalar,
) -> bool {
    combination_vanishes_each(
        items.len(),
        |i| {
            let (payload, key, signature) = items[i];
            (domain, payload, key, signature)
        },
        z_of,
    )
}

/// [`combination_vanishes`] with a domain for each of the `n` items.
fn combination_vanishes_each<'a>(
    n: usize,
    item: impl Fn(usize) -> DomainItem<'a>,
    z_of: impl Fn(usize) -> Scalar,
) -> bool {
    let mut b_coefficient = Scalar::ZERO;
    let mut zs = Vec::with_capacity(n);
    let mut rs = Vec::with_capacity(n);
    let mut keys: Vec<(EdwardsPoint, Scalar)> = Vec::new();
    let mut key_index: HashMap<[u8; 32], usize> = HashMap::new();
    for i in 0..n {
        let (domain, payload, key, signature) = item(i);
        let (PublicKey::Ed25519(a), Signature::Ed25519(sig)) = (key, signature);
        let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(*sig.s_bytes())) else {
            return false;
        };
        let Some(r) = CompressedEdwardsY(*sig.r_bytes()).decompress() else {
            return false;
        };
        if r.is_small_order() {
            return false;
        }
        let mut h = Sha512::new();
        h.update(sig.r_bytes());
        h.update(a.as_bytes());
        h.update(domain.tag());
        h.update([0u8]);
        h.update(payload);
        let k = Scalar::from_bytes_mod_order_wide(&h.finalize().into());
        let z = z_of(i);
        b_coefficient += z * s;
        zs.push(z);
        rs.push(r);
        let slot = *key_index.entry(*a.as_bytes()).or_insert_with(|| {
            keys.push((a.to_edwards(), Scalar::ZERO));
            keys.len() - 1
        });
        keys[slot].1 += z * k;
    }
    // [-Σ z s]B + Σ [z]R + Σ [Σ z k]A is minus the combination above; same zero test.
    let scalars = std::iter::once(-b_coefficient)
        .chain(zs)
        .chain(keys.iter().map(|(_, c)| *c));
    let points = std::iter::once(ED25519_BASEPOINT_POINT)
        .chain(rs)
        .chain(keys.iter().map(|(p, _)| *p));
    EdwardsPoint::vartime_multiscalar_mul(scalars, points)
        .mul_by_cofactor()
        .is_identity()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::SecretKey;

    /// A batch of signatures in different domains holds only if each is valid in its own.
    #[test]
    fn mixed_domain_batches() {
        let k1 = SecretKey::from_seed([1; 32]);
        let k2 = SecretKey::from_seed([2; 32]);
        let (p1, p2) = (k1.public_key(), k2.public_key());
        let s1 = k1.sign(Domain::Statement, b"statement");
        let s2 = k2.sign(Domain::StatusStamp, b"stamp");
        let s3 = k1.sign(Domain::StatusStamp, b"another stamp");
        let good: Vec<DomainItem<'_>> = vec![
            (Domain::Statement, b"statement", &p1, &s1),
            (Domain::StatusStamp, b"stamp", &p2, &s2),
            (Domain::StatusStamp, b"another stamp", &p1, &s3),
        ];
        assert!(verify_all(&good));
        assert!(verify_all(&[]));
        let mut wrong_domain = good.clone();
        wrong_domain[1].0 = Domain::Statement;
        assert!(!verify_all(&wrong_domain));
        let mut wrong_key = good.clone();
        wrong_key[0].2 = &p2;
        assert!(!verify_all(&wrong_key));
    }

    /// The merged batch equation itself holds for valid batches (so the fast path is taken) and
    /// fails when any one signature is wrong; the fallback's answers are tested elsewhere.
    #[test]
    fn batch_equation_holds_only_for_valid_batches() {
        let keys: Vec<SecretKey> = (1..=3u8).map(|i| SecretKey::from_seed([i; 32])).collect();
        let publics: Vec<PublicKey> = keys.iter().map(SecretKey::public_key).collect();
        let payloads: Vec<Vec<u8>> = (0..50u32).map(|i| i.to_be_bytes().to_vec()).collect();
        let sigs: Vec<Signature> = payloads
            .iter()
            .enumerate()
            .map(|(i, p)| keys[i % 3].sign(Domain::Statement, p))
            .collect();
        let items: Vec<Item<'_>> = payloads
            .iter()
            .enumerate()
            .map(|(i, p)| (p.as_slice(), &publics[i % 3], &sigs[i]))
            .collect();
        assert!(batch_holds(Domain::Statement, &items));
        assert!(!batch_holds(Domain::Claim, &items));
        let mut wrong = items.clone();
        wrong[7].1 = &publics[(7 + 1) % 3];
        assert!(!batch_holds(Domain::Statement, &wrong));
        let mut swapped = items.clone();
        swapped.swap(3, 4);
        swapped[3].0 = items[3].0;
        assert!(!batch_holds(Domain::Statement, &swapped));
    }
}
