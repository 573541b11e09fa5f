//! Parallel batch verification of many signatures.

use super::hash::Domain;
use super::keys::{PublicKey, Signature};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Below this many signatures a batch is verified on the calling thread.
const PARALLEL_THRESHOLD: usize = 64;

/// One `(payload, key, signature)` triple to verify.
pub type Item<'a> = (&'a [u8], &'a PublicKey, &'a Signature);

/// A set of signatures cut into pieces that any number of threads verify together: each thread
/// calling [`BatchJob::work`] takes pieces until none are left.
#[derive(Debug)]
pub struct BatchJob<'a> {
    domain: Domain,
    pieces: Vec<&'a [Item<'a>]>,
    next: AtomicUsize,
    done: Mutex<Vec<(usize, Vec<bool>)>>,
}

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
            pieces: items.chunks(piece.max(1)).collect(),
            next: AtomicUsize::new(0),
            done: Mutex::new(Vec::new()),
        }
    }

    /// Verifies pieces until none are left.
    pub fn work(&self) {
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            let Some(piece) = self.pieces.get(i) else {
                return;
            };
            let flags = verify_share(self.domain, piece);
            self.done
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push((i, flags));
        }
    }

    /// One flag per item, in order (true = valid). Call after every worker has returned.
    pub fn finish(self) -> Vec<bool> {
        let mut done = self
            .done
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        done.sort_by_key(|(i, _)| *i);
        let mut out = Vec::new();
        let mut expected = 0;
        for (i, flags) in done {
            // A piece nobody verified (a worker died) counts as invalid, never as valid.
            while expected < i {
                out.extend(std::iter::repeat_n(false, self.pieces[expected].len()));
                expected += 1;
            }
            out.extend(flags);
            expected += 1;
        }
        for p in self.pieces.get(expected..).unwrap_or_default() {
            out.extend(std::iter::repeat_n(false, p.len()));
        }
        out
    }
}

/// The number of threads to verify with: one per core.
pub fn verify_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Verifies many `(payload, key, signature)` triples, all in `domain`, and returns one flag per
/// triple (true = valid).
///
/// The triples are cut into pieces that one thread per core (the caller among them) takes in
/// turn; each piece is checked with Ed25519 batch verification and, only if that fails,
/// signature by signature with `verify_strict` to find the bad ones. A triple is reported valid
/// only if it passed a check.
pub fn verify_many(domain: Domain, items: &[Item<'_>]) -> Vec<bool> {
    let threads = verify_threads();
    if items.len() < PARALLEL_THRESHOLD || threads == 1 {
        return verify_share(domain, items);
    }
    let job = BatchJob::new(domain, items, threads, 1);
    std::thread::scope(|s| {
        for _ in 1..threads {
            s.spawn(|| job.work());
        }
        job.work();
    });
    job.finish()
}

fn verify_share(domain: Domain, items: &[Item<'_>]) -> Vec<bool> {
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
