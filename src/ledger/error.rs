//! The ledger's errors, one per operation: appending, opening, reading an entry, catching up,
//! auditing (signing checkpoints and issuing or checking stamps have theirs beside them).

use super::SignCheckpointError;
use crate::audit::ReplayError;
use crate::crypto::Digest32;
use crate::encoding::{hex, DecodeError};
use crate::merkle::ProofError;
use crate::state::Rejection;
use crate::storage::StorageError;
use std::path::PathBuf;

/// A single append failed; the ledger is unchanged.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    /// The submitted bytes are not a canonical signed statement.
    #[error("malformed statement: {0}")]
    Decode(#[from] DecodeError),
    /// The statement was refused.
    #[error("statement refused: {0}")]
    Rejected(#[from] Rejection),
    /// The store failed; nothing of the batch was acknowledged.
    #[error("storage failure: {0}")]
    Storage(#[from] StorageError),
    /// A proven batch's checkpoint key does not sign the ledger's checkpoints now (SPEC
    /// §16); nothing was appended.
    #[error("the key does not sign this ledger's checkpoints now (an active operator key does, or a root key while the ledger has none)")]
    NotACheckpointKey,
    /// A proven batch holds an event that changes which keys sign checkpoints (tags 96–99):
    /// append it with `append_batch`, then sign; nothing was appended.
    #[error(
        "a proven batch may not change the checkpoint keys: append it, then sign a checkpoint"
    )]
    ChangesCheckpointKeys,
    /// A proven batch is refused before anything is appended: the ledger does not hold the
    /// last checkpoint kept in the log (or the log cannot be read).
    #[error("refused before appending: {0}")]
    NotExtending(Box<SignCheckpointError>),
    /// The batch was appended, but no checkpoint could be signed or kept for it: the
    /// statements are recorded (submitting them again returns their receipts) but unproven.
    #[error("the batch was recorded, but no checkpoint was kept for it: {0}")]
    Unproven(Box<SignCheckpointError>),
    /// An inclusion proof could not be made for a recorded entry (a bug; please report it).
    #[error("inclusion proof: {0}")]
    Proof(#[from] ProofError),
}

/// Opening or creating a ledger failed.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The store failed or is damaged.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// `open` on an empty store.
    #[error("the store holds no ledger")]
    Empty,
    /// The persistent index could neither be used nor rebuilt (its file cannot be written).
    #[error(transparent)]
    Index(#[from] super::IndexError),
    /// `create` on a store that already holds entries.
    #[error("the store already holds a ledger")]
    AlreadyExists,
    /// The genesis statement was refused.
    #[error("genesis refused: {0}")]
    Genesis(Rejection),
    /// A stored entry is bad.
    #[error(transparent)]
    BadEntry(Box<BadEntry>),
    /// The store is dedicated to the ledger of another origin (see [`Store::origin`](crate::storage::Store::origin)).
    #[error("the store holds ledger {store:?}, not {ledger:?}")]
    OriginMismatch {
        /// The origin the store is for.
        store: String,
        /// The ledger's origin.
        ledger: String,
    },
}

/// The first bad entry of a ledger, with its position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}{}", location.as_ref().map(|(f, o)| format!(" ({} byte {o})", f.display())).unwrap_or_default())]
pub struct BadEntry {
    /// Sequence number and reason.
    pub error: ReplayError,
    /// File and byte offset of the entry, when the store knows them.
    pub location: Option<(PathBuf, u64)>,
}

/// What an audit found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    /// Entries replayed.
    pub entries: u64,
    /// Merkle root over all entries.
    pub root: Digest32,
    /// Hash of the last entry.
    pub head: Digest32,
}

/// Reading an entry failed.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The store failed, or holds no such entry (`StorageError::OutOfRange`).
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The stored entry is damaged (its hash or encoding).
    #[error(transparent)]
    BadEntry(Box<BadEntry>),
}

impl From<ReadError> for AuditError {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Storage(s) => AuditError::Storage(s),
            ReadError::BadEntry(b) => AuditError::BadEntry(b),
        }
    }
}

/// Catching up with other writers' entries failed; the ledger's state is as before.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum CatchUpError {
    /// The store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Another writer's entry is bad (a damaged or forged store).
    #[error(transparent)]
    BadEntry(Box<BadEntry>),
}

impl From<CatchUpError> for OpenError {
    fn from(e: CatchUpError) -> Self {
        match e {
            CatchUpError::Storage(s) => OpenError::Storage(s),
            CatchUpError::BadEntry(b) => OpenError::BadEntry(b),
        }
    }
}

/// An audit failed.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// Reading the store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The first bad entry.
    #[error(transparent)]
    BadEntry(Box<BadEntry>),
    /// Replay produced a state different from the one the ledger built incrementally.
    #[error("replayed state differs from the live state")]
    Divergence,
    /// A table of the live index differs from the journal's replay (SPEC §12): the first row
    /// in key order whose value differs, or that one of the two holds and the other does not.
    #[error(
        "the index's table `{table}` differs from the journal's replay at row {}",
        hex(key)
    )]
    IndexDivergence {
        /// The table's name (`tiles` and `meta` included).
        table: String,
        /// The row's key, as stored.
        key: Vec<u8>,
    },
    /// The audit's temporary index could not be made, or the live index could not be read.
    #[error(transparent)]
    Index(#[from] super::IndexError),
    /// The store holds no ledger (or another origin's) where the audit replayed it.
    #[error("the store could not be replayed: {0}")]
    Replay(String),
}
