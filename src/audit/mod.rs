//! Replay from genesis: re-checks everything append checked and rebuilds the projections.
//!
//! [`Replay`] is the one replay driver: from genesis or resumed after a state, it is fed chunks
//! of entry bytes (with their stored hashes) in order, checks each on every core and stops at
//! the first bad entry with the reason. Opening, auditing, catching up with other writers,
//! checking stamps and importing archives all replay through it.

use crate::crypto::{leaf_hash, Digest32};
use crate::encoding::{Canonical, DecodeError};
use crate::event::Entry;
use crate::merkle::MerkleTree;
use crate::state::{RuleError, State};

mod pipeline;

pub use pipeline::{replay_chunks, PipelineError, Replay};

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

/// An entry that passed the checks that need no ledger state: stored hash, strict decoding and
/// (when asked) its signature.
#[derive(Debug, Clone)]
pub(crate) struct Prechecked {
    /// The decoded entry.
    pub(crate) entry: Entry,
    /// Its entry hash.
    pub(crate) hash: Digest32,
    /// Whether its signature verified (always true when signatures are trusted).
    pub(crate) signature_ok: bool,
}

/// A record as read from a store or an archive: the entry bytes and, where the source keeps
/// one, the entry hash stored beside them.
pub trait RawEntry: Sync {
    /// The stored entry hash, if the source keeps one (it must then match the bytes).
    fn stored_hash(&self) -> Option<Digest32>;
    /// The entry bytes.
    fn bytes(&self) -> &[u8];
}

impl RawEntry for crate::storage::Record {
    fn stored_hash(&self) -> Option<Digest32> {
        Some(self.hash)
    }
    fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// Entry bytes with no stored hash (entries read from a served log's bundles).
impl RawEntry for Vec<u8> {
    fn stored_hash(&self) -> Option<Digest32> {
        None
    }
    fn bytes(&self) -> &[u8] {
        self
    }
}

impl RawEntry for (Digest32, &[u8]) {
    fn stored_hash(&self) -> Option<Digest32> {
        Some(self.0)
    }
    fn bytes(&self) -> &[u8] {
        self.1
    }
}

/// Hashes each record, checks the stored hash (if any) and decodes it, the first at sequence number `first`; stops
/// at the first bad one and returns the entries before it with its fault.
pub(crate) fn decode_records<R: RawEntry>(
    first: u64,
    records: &[R],
) -> (Vec<Prechecked>, Option<ReplayError>) {
    let mut out = Vec::with_capacity(records.len());
    for (i, record) in records.iter().enumerate() {
        let fail = |fault| ReplayError {
            seq: first + i as u64,
            fault,
        };
        let bytes = record.bytes();
        let hash = leaf_hash(bytes);
        if record.stored_hash().is_some_and(|stored| stored != hash) {
            return (out, Some(fail(EntryFault::HashMismatch)));
        }
        match Entry::from_canonical(bytes) {
            Ok(entry) => out.push(Prechecked {
                entry,
                hash,
                signature_ok: true,
            }),
            Err(e) => return (out, Some(fail(e.into()))),
        }
    }
    (out, None)
}

/// Second stage of a replay: checks sequence numbers, chain links and every rule in order, and
/// rebuilds state and Merkle tree. Driven by [`Replay`].
#[derive(Debug, Default)]
pub(crate) struct Replayer {
    state: State,
    tree: MerkleTree,
}

impl Replayer {
    /// A replayer after the entries that made `state` and `tree`.
    pub(crate) fn resume(state: State, tree: MerkleTree) -> Self {
        Self { state, tree }
    }

    /// Applies the next prechecked entries, in order.
    pub(crate) fn apply(
        &mut self,
        checked: impl IntoIterator<Item = Prechecked>,
    ) -> Result<(), ReplayError> {
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
            let ledger_time = entry.ledger_time;
            self.state
                .apply_owned(seq, ledger_time, p.entry.statement, p.hash);
            self.tree.push(p.hash);
        }
        Ok(())
    }

    /// The state so far.
    pub(crate) fn state(&self) -> &State {
        &self.state
    }

    /// The state and tree so far.
    pub(crate) fn parts(&self) -> (&State, &MerkleTree) {
        (&self.state, &self.tree)
    }

    /// The rebuilt state and tree.
    pub(crate) fn finish(self) -> (State, MerkleTree) {
        (self.state, self.tree)
    }
}
