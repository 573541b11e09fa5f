//! Storage: a small record-level trait, an in-memory backend and the durable file backend.
//!
//! A store keeps entry bytes and their hashes in sequence and nothing else: the ledger does all
//! decoding, hashing, checking and indexing, so a backend cannot break the ledger's invariants.
//! A backend must make `append` durable before it returns.

mod checkpoints;
#[cfg(feature = "test-support")]
pub mod conformance;
mod file;
mod memory;
#[cfg(feature = "postgres")]
mod postgres;

#[cfg(feature = "test-support")]
pub(crate) use checkpoints::KeepFailure;
pub use checkpoints::{CheckpointLog, FileCheckpointLog, MemoryCheckpointLog};
pub use file::FileStore;
pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::{PgStore, SCHEMA_VERSION};

use crate::crypto::Digest32;
use std::path::{Path, PathBuf};

/// An I/O error of `op` on `path`, as a storage error.
fn io<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> StorageError + 'a {
    move |source| StorageError::Io {
        op,
        path: path.to_owned(),
        source,
    }
}

/// One stored entry: its canonical bytes and entry hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Entry hash (`SHA-256(0x00 || bytes)`).
    pub hash: Digest32,
    /// Canonical entry bytes.
    pub bytes: Vec<u8>,
}

/// Where damage was found in a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// The damaged file.
    pub file: PathBuf,
    /// Byte offset of the first bad record (or field) in the file.
    pub offset: u64,
    /// Sequence number of the first bad entry, when known.
    pub seq: Option<u64>,
    /// What is wrong.
    pub reason: DamageReason,
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.file.display(), self.offset)?;
        if let Some(seq) = self.seq {
            write!(f, " (entry {seq})")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Kinds of damage.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DamageReason {
    /// The file does not start with the expected magic and version.
    #[error("bad file header")]
    BadHeader,
    /// Neither copy of the committed head is intact.
    #[error("no intact copy of the committed head")]
    BadHead,
    /// A record's stored hash does not match its bytes.
    #[error("record hash does not match its bytes")]
    HashMismatch,
    /// A record's length field is zero or over the limit.
    #[error("record length {0} is out of range")]
    BadLength(u32),
    /// A committed record is cut short.
    #[error("committed record is truncated")]
    Truncated,
    /// The journal is shorter than the committed head says.
    #[error("journal is shorter than its committed head ({committed} bytes)")]
    MissingCommitted {
        /// Committed length.
        committed: u64,
    },
    /// The records do not match the committed head (count or last hash).
    #[error("records do not match the committed head")]
    HeadMismatch,
    /// The offsets file does not frame the journal where a record was read (remove it: the
    /// next open rebuilds it from the journal).
    #[error("the offsets file does not frame the journal")]
    BadOffset,
}

/// A storage operation failed.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// An I/O call failed.
    #[error("{op} {path}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The store's length is not the one the append expected (another writer moved it).
    #[error("expected {expected} entries in the store, found {actual}")]
    Conflict {
        /// Expected length.
        expected: u64,
        /// Actual length.
        actual: u64,
    },
    /// A read beyond the stored entries.
    #[error("range {start}..{end} is outside the {len} stored entries")]
    OutOfRange {
        /// Start.
        start: u64,
        /// End.
        end: u64,
        /// Stored entries.
        len: u64,
    },
    /// Stored data is damaged.
    #[error("damaged store: {0}")]
    Damaged(Damage),
    /// The store was made by another format version of this library (before 1.0, older
    /// stores are not read).
    #[error("{path} was made by format v{found}; this version reads v2 only: re-create the store (export with the version that made it, or init anew)")]
    Format {
        /// The file.
        path: PathBuf,
        /// The version found.
        found: u32,
    },
    /// Another process holds the store.
    #[error("store {0} is in use by another process")]
    Locked(PathBuf),
    /// A write or sync failed earlier; the store refuses further work until reopened.
    #[error("a previous write failed; reopen the store")]
    Poisoned,
    /// The database refused or failed a request (connection, query, commit). After a failed
    /// commit the batch may or may not be stored: the ledger re-reads the store.
    #[error("database: {0}")]
    Database(String),
    /// The store was opened read-only (a verifier node on a replica); appends are refused.
    #[error("the store is read-only")]
    ReadOnly,
    /// The database's schema is newer than this library knows, or missing in read-only mode.
    #[error("database schema version {found}, this library supports {supported}")]
    SchemaVersion {
        /// The version found (0: none).
        found: i64,
        /// The version this library writes.
        supported: i64,
    },
    /// The database server is configured so that acknowledged commits can be lost (e.g.
    /// `fsync = off`): appends are refused.
    #[error("the database server runs with {setting}: an acknowledged entry could be lost in a crash, so appends are refused")]
    NotDurable {
        /// The setting found.
        setting: &'static str,
    },
    /// The store does not support the operation.
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
    /// Another signer kept a checkpoint after the one this signer checked the ledger against
    /// ([`CheckpointLog::keep_checkpoint`]); nothing was kept.
    #[error("another signer kept a checkpoint meanwhile")]
    CheckpointMoved,
    /// The database holds no ledger of that name (read-only mode creates nothing).
    #[error("no ledger {0:?} in the database")]
    NoSuchLedger(String),
}

/// A record-level, synchronous store of entries.
pub trait Store: Send {
    /// Number of stored entries.
    fn len(&self) -> u64;

    /// Whether no entry is stored.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends `records` after exactly `expected_len` entries, durably: when this returns `Ok`
    /// the records survive a crash or power loss. On `Conflict` nothing is written.
    fn append(&mut self, expected_len: u64, records: &[Record]) -> Result<(), StorageError>;

    /// Reads entries `start..end`.
    fn read(&self, start: u64, end: u64) -> Result<Vec<Record>, StorageError>;

    /// The origin of the one ledger this store is dedicated to, if it is (a database that keys
    /// ledgers by origin): creating or opening a ledger of another origin in it is refused.
    fn origin(&self) -> Option<&str> {
        None
    }

    /// The number of stored entries as the backend holds it now, after any other writer's
    /// appends (a shared database); a store with a single writer just returns [`Store::len`].
    fn refresh(&mut self) -> Result<u64, StorageError> {
        Ok(self.len())
    }

    /// After a failed write (a writer that answers [`StorageError::Poisoned`]), opens the
    /// backend's files again and checks what they hold as opening does (a torn, never
    /// acknowledged tail truncated), so that appends can go on once writes succeed again (a
    /// disk that had filled up). What the store then holds may be more than the ledger thought
    /// (a batch whose last sync failed, found whole): the ledger catches up with it. A store
    /// that was not poisoned, or has nothing to reopen, does nothing.
    fn reopen(&mut self) -> Result<(), StorageError> {
        Ok(())
    }

    /// Whether this handle is a reader beside a writer process whose persistent index it
    /// shares (a file store's reader): it appends nothing, and a ledger over it writes no index
    /// (SPEC §12). A PostgreSQL handle, even a read-only one, answers `false`: each node keeps
    /// its own local index, which it writes.
    fn is_read_only(&self) -> bool {
        false
    }

    /// Where entry `seq` lies (file and byte offset), for damage reports.
    fn locate(&self, seq: u64) -> Option<(PathBuf, u64)> {
        let _ = seq;
        None
    }

    /// The stored integrity record (SPEC §12), if this store keeps one. Its bytes are checked
    /// by the ledger with the integrity key; the store only keeps them.
    fn integrity_record(&self) -> Option<Vec<u8>> {
        None
    }

    /// Appends `records` after exactly `expected_len` entries and keeps `note` (the checkpoint
    /// of the ledger after them) in this store's own checkpoint log after `after` (see
    /// [`CheckpointLog::keep_checkpoint`]), in one durable step: both or neither survive a
    /// crash. Only a store that is its own checkpoint log supports it (PostgreSQL: one
    /// transaction); the others answer [`StorageError::Unsupported`].
    fn append_with_checkpoint(
        &mut self,
        expected_len: u64,
        records: &[Record],
        note: &str,
        after: Option<&str>,
    ) -> Result<(), StorageError> {
        let _ = (expected_len, records, note, after);
        Err(StorageError::Unsupported(
            "this store keeps no checkpoint log of its own",
        ))
    }

    /// Replaces the integrity record. It need not be durable: a lost or torn record only makes
    /// the next open verify more signatures. A store that keeps none ignores it.
    fn set_integrity_record(&mut self, record: &[u8]) -> Result<(), StorageError> {
        let _ = record;
        Ok(())
    }
}
