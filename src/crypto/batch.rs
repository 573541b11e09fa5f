//! Parallel batch verification of many signatures.

use super::hash::Domain;
use super::keys::{PublicKey, Signature};

/// Below this many signatures a batch is verified one by one on the calling thread.
const PARALLEL_THRESHOLD: usize = 64;

/// Verifies many `(payload, key, signature)` triples, all in `domain`, and returns one flag per
/// triple (true = valid).
///
/// The work is split over the machine's cores; each share is checked with Ed25519 batch
/// verification and, only if that fails, signature by signature with `verify_strict` to find the
/// bad ones. A triple is reported valid only if it passed a check.
pub fn verify_many(domain: Domain, items: &[(&[u8], &PublicKey, &Signature)]) -> Vec<bool> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    if items.len() < PARALLEL_THRESHOLD || threads == 1 {
        return verify_share(domain, items);
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|share| s.spawn(move || verify_share(domain, share)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

fn verify_share(domain: Domain, items: &[(&[u8], &PublicKey, &Signature)]) -> Vec<bool> {
    let messages: Vec<Vec<u8>> = items.iter().map(|(p, _, _)| domain.message(p)).collect();
    let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    let mut keys = Vec::with_capacity(items.len());
    let mut sigs = Vec::with_capacity(items.len());
    for (_, k, s) in items {
        match (k, s) {
            (PublicKey::Ed25519(k), Signature::Ed25519(s)) => {
                keys.push(*k);
                sigs.push(*s);
            }
        }
    }
    if items.len() > 1 && ed25519_dalek::verify_batch(&refs, &sigs, &keys).is_ok() {
        return vec![true; items.len()];
    }
    items
        .iter()
        .map(|(p, k, s)| k.verify(domain, p, s).is_ok())
        .collect()
}
