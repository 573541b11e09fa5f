//! Replay from genesis: re-checks everything append checked and rebuilds the projections.
//!
//! [`Replayer`] is pure: it is fed entry bytes with their stored hashes, in order, in chunks,
//! and stops at the first bad entry with the reason.

use crate::crypto::{leaf_hash, Digest32};
use crate::encoding::{Canonical, DecodeError};
use crate::event::Entry;
use crate::merkle::MerkleTree;
use crate::state::{RuleError, State};

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

/// Whether a replay verifies signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signatures {
    /// Verify every signature (audit).
    Verify,
    /// Trust signatures checked when the entries were appended (reopening one's own store).
    Trust,
}

/// Rebuilds state and Merkle tree from entries.
#[derive(Debug, Default)]
pub struct Replayer {
    state: State,
    tree: MerkleTree,
}

impl Replayer {
    /// A replayer at genesis.
    pub fn new() -> Self {
        Self::default()
    }

    /// Replays the next entries, given as `(stored hash, bytes)` in order.
    pub fn push(
        &mut self,
        records: &[(Digest32, &[u8])],
        signatures: Signatures,
    ) -> Result<(), ReplayError> {
        let first = self.tree.len();
        let mut entries = Vec::with_capacity(records.len());
        for (i, (hash, bytes)) in records.iter().enumerate() {
            let seq = first + i as u64;
            let fail = |fault| ReplayError { seq, fault };
            if leaf_hash(bytes) != *hash {
                return Err(fail(EntryFault::HashMismatch));
            }
            let entry = Entry::from_canonical(bytes).map_err(|e| fail(e.into()))?;
            entries.push(entry);
        }
        let sig_ok = match signatures {
            Signatures::Verify => {
                let refs: Vec<_> = entries.iter().map(|e| &e.statement).collect();
                self.state.verify_signatures(&refs)
            }
            Signatures::Trust => vec![true; entries.len()],
        };
        for ((entry, (hash, _)), ok) in entries.iter().zip(records).zip(sig_ok) {
            let seq = self.tree.len();
            let fail = |fault| ReplayError { seq, fault };
            if entry.seq != seq {
                return Err(fail(EntryFault::WrongSequence {
                    expected: seq,
                    found: entry.seq,
                }));
            }
            if entry.prev != self.state.head() {
                return Err(fail(EntryFault::BrokenChain));
            }
            if !ok {
                return Err(fail(EntryFault::BadSignature));
            }
            self.state
                .check(&entry.statement, entry.ledger_time)
                .map_err(|e| fail(e.into()))?;
            self.state.apply(entry, *hash);
            self.tree.push(*hash);
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
