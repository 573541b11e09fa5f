#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod archive;
pub mod audit;
pub mod checkpoint;
pub mod crypto;
pub mod encoding;
pub mod event;
pub mod id;
pub mod ledger;
pub mod merkle;
mod parallel;
pub mod present;
pub mod privacy;
pub mod stamp;
pub mod state;
pub mod storage;
pub mod time;
pub mod verify;

pub use crypto::{sha256, Digest32, KeyId, PublicKey, SecretKey, Signature};
pub use encoding::{Canonical, DecodeError};
pub use event::{
    Actor, AuthorityRegistration, Entry, Event, LicenseVersion, Policy, SignedStatement, Statement,
    Succession, Termination,
};
pub use id::LicenseId;
pub use ledger::{
    AppendError, AuditError, BadEntry, Clock, IntegrityKey, IntegrityKeyError, Ledger, ManualClock,
    OpenError, ProvenBatch, ProvenReceipt, ReceiptError, RecordedUse, SignCheckpointError,
    SignedCheckpoint, StampCheckError, SystemClock,
};
pub use privacy::{ClaimsError, Credential, Disclosure, VersionTerms};
pub use state::{Effect, Receipt, Rejection, RuleError, SealStatus, State, Status};
pub use storage::{
    CheckpointLog, FileCheckpointLog, FileStore, MemoryCheckpointLog, MemoryStore, StorageError,
    Store,
};
pub use time::{Timestamp, UtcOffset};
pub use verify::{DocumentReport, IndeterminateReason, InvalidReason, Verdict};
