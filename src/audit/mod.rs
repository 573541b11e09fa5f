//! Replay from genesis: re-checks everything append checked and rebuilds the projections.
//!
//! [`Replayer`] is pure: it is fed entry bytes with their stored hashes, in order, in chunks,
//! and stops at the first bad entry with the reason.

use crate::crypto::{leaf_hash, Digest32};
use crate::encoding::{Canonical, DecodeError};
use crate::event::Entry;
use crate::merkle::MerkleTree;
use crate::state::{verify_signers, KeyDirectory, RuleError, State};

/// What is wrong with an entry.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryFault {
    /// The stored hash does not match the bytes.
    #[error("stored hash does not match the entry bytes")]
    HashMismatch,
    /// The bytes are not a canonical entry.
    #[error("malformed entry: {0}")]
    Decode(#[from] DecodeError),
    /// The entry's sequence number is not its position.
    #[error("sequence number {found} at position {expected}")]
    WrongSequence {
        /// Position.
        expected: u64,
        /// Sequence number in the entry.
        found: u64,
    },
    /// The previous-entry hash does not match the previous entry.
    #[error("previous-entry hash does not link to the entry before")]
    BrokenChain,
    /// The actor's signature does not verify.
    #[error("signature does not verify")]
    BadSignature,
    /// The statement breaks a ledger rule at its ledger time.
    #[error("rule broken: {0}")]
    Rule(#[from] RuleError),
}

/// The first bad entry found by a replay.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("entry {seq}: {fault}")]
pub struct ReplayError {
    /// Sequence number (position) of the bad entry.
    pub seq: u64,
    /// What is wrong.
    pub fault: EntryFault,
}

/// Below this many records a chunk is decoded on the calling thread.
const PARALLEL_DECODE: usize = 256;

/// Whether a replay verifies signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signatures {
    /// Verify every signature (audit).
    Verify,
    /// Trust signatures checked when the entries were appended (reopening one's own store).
    Trust,
}

/// An entry that passed the checks that need no ledger state: stored hash, strict decoding and
/// (when asked) its signature.
#[derive(Debug, Clone)]
pub struct Prechecked {
    /// The decoded entry.
    pub entry: Entry,
    /// Its entry hash.
    pub hash: Digest32,
    /// Whether its signature verified (always true when signatures are trusted).
    pub signature_ok: bool,
}

/// First stage of a replay, independent of ledger state so it can run on other threads ahead of
/// [`Replayer::apply`]: recomputes hashes, decodes strictly and verifies signatures with the
/// keys every earlier entry introduced (see [`KeyDirectory`]).
#[derive(Debug, Default)]
pub struct Prechecker {
    next_seq: u64,
    directory: KeyDirectory,
}

impl Prechecker {
    /// A prechecker at genesis.
    pub fn new() -> Self {
        Self::default()
    }

    /// Prechecks the next records, given as `(stored hash, bytes)` in order. Stops at the first
    /// entry that fails.
    pub fn check(
        &mut self,
        records: &[(Digest32, &[u8])],
        signatures: Signatures,
    ) -> Result<Vec<Prechecked>, ReplayError> {
        let first = self.next_seq;
        let decode =
            |offset: usize, part: &[(Digest32, &[u8])]| -> Result<Vec<Prechecked>, ReplayError> {
                part.iter()
                    .enumerate()
                    .map(|(i, (hash, bytes))| {
                        let seq = first + (offset + i) as u64;
                        let fail = |fault| ReplayError { seq, fault };
                        if leaf_hash(bytes) != *hash {
                            return Err(fail(EntryFault::HashMismatch));
                        }
                        let entry = Entry::from_canonical(bytes).map_err(|e| fail(e.into()))?;
                        Ok(Prechecked {
                            entry,
                            hash: *hash,
                            signature_ok: true,
                        })
                    })
                    .collect()
            };
        // Hashing and decoding run on every core; the first error in order wins.
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut out = if records.len() >= PARALLEL_DECODE && threads > 1 {
            let share = records.len().div_ceil(threads);
            let parts: Vec<Result<Vec<Prechecked>, ReplayError>> = std::thread::scope(|s| {
                let handles: Vec<_> = records
                    .chunks(share)
                    .enumerate()
                    .map(|(k, part)| s.spawn(move || decode(k * share, part)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                    .collect()
            });
            let mut all = Vec::with_capacity(records.len());
            for part in parts {
                all.extend(part?);
            }
            all
        } else {
            decode(0, records)?
        };
        if signatures == Signatures::Verify {
            let mut keys = Vec::with_capacity(out.len());
            for p in &out {
                self.directory.learn(&p.entry.statement);
                keys.push(self.directory.get(&p.entry.statement.statement().actor));
            }
            let refs: Vec<_> = out.iter().map(|p| &p.entry.statement).collect();
            let flags = verify_signers(&refs, &keys);
            for (p, ok) in out.iter_mut().zip(flags) {
                p.signature_ok = ok;
            }
        }
        self.next_seq += out.len() as u64;
        Ok(out)
    }
}

/// Second stage of a replay: checks sequence numbers, chain links and every rule in order, and
/// rebuilds state and Merkle tree.
#[derive(Debug, Default)]
pub struct Replayer {
    state: State,
    tree: MerkleTree,
    prechecker: Prechecker,
}

impl Replayer {
    /// A replayer at genesis.
    pub fn new() -> Self {
        Self::default()
    }

    /// Replays the next entries, given as `(stored hash, bytes)` in order, on this thread.
    pub fn push(
        &mut self,
        records: &[(Digest32, &[u8])],
        signatures: Signatures,
    ) -> Result<(), ReplayError> {
        let checked = self.prechecker.check(records, signatures)?;
        self.apply(checked)
    }

    /// Applies the next prechecked entries (from a [`Prechecker`] fed the same records in the
    /// same order).
    pub fn apply(&mut self, checked: Vec<Prechecked>) -> Result<(), ReplayError> {
        for p in checked {
            let seq = self.tree.len();
            let fail = |fault| ReplayError { seq, fault };
            let entry = &p.entry;
            if entry.seq != seq {
                return Err(fail(EntryFault::WrongSequence {
                    expected: seq,
                    found: entry.seq,
                }));
            }
            if entry.prev != self.state.head() {
                return Err(fail(EntryFault::BrokenChain));
            }
            if !p.signature_ok {
                return Err(fail(EntryFault::BadSignature));
            }
            self.state
                .check(&entry.statement, entry.ledger_time)
                .map_err(|e| fail(e.into()))?;
            self.state
                .apply(seq, entry.ledger_time, &entry.statement, p.hash);
            self.tree.push(p.hash);
        }
        Ok(())
    }

    /// The state so far.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The rebuilt state and tree.
    pub fn finish(self) -> (State, MerkleTree) {
        (self.state, self.tree)
    }
}
