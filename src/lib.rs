//! Chancery: a tamper-evident, append-only ledger of government e-licenses (电子证照) and
//! e-seals (电子印章).
//!
//! Every entry is a signed statement ([`SignedStatement`], Ed25519, domain-separated) in
//! canonical CBOR ([`encoding`]), chained by hash and covered by an RFC 6962 Merkle tree
//! ([`merkle`]); personal data enters only as salted commitments ([`privacy`]). The byte-exact
//! contract is the [specification](crate::spec); the measured speed is in [the benches'
//! figures](crate::benches). The command-line tool's tour is the repository's README.
//!
//! # Two surfaces
//!
//! - **Verifying** (always built; alone with `--no-default-features --features verify`): what a
//!   relying party needs with no storage, threads or command-line dependencies. Formats and
//!   keys ([`encoding`], [`crypto`], [`event`], [`id`], [`time`]), proofs ([`merkle`]), signed
//!   notes, checkpoints, cosignatures, witnesses and monitors ([`checkpoint`]), status and
//!   sealing stamps ([`stamp`]), offline presentations and trust lists ([`present`]),
//!   disclosures ([`privacy`]), statuses ([`status`]) and verdicts ([`verify`]).
//! - **Keeping a ledger** (feature `ledger`, on by default): [`Ledger`] over a [`Store`]
//!   ([`MemoryStore`], the durable [`FileStore`], PostgreSQL with feature `postgres`) appends
//!   under the rules of [`state`], replays and audits ([`audit`]), signs checkpoints kept in a
//!   [`CheckpointLog`], issues stamps and presentations, and exports archives ([`archive`]).
//! - **Serving a ledger** (feature `server`, on by default): [`server`] answers the C2SP
//!   tlog-tiles read API over HTTP, for witnesses, monitors and any tlog-tiles client.
//!
//! # Example
//!
//! A ledger in memory: genesis, an authority, a license type, an issuance, a disclosure
//! checked, an inclusion proof and an audit.
//!
//! ```
#![doc = include_str!("../examples/library.rs")]
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

/// The specification (`SPEC.md`): the byte-exact contract, from which an independent
/// implementation verifies everything.
#[cfg(doc)]
#[allow(
    rustdoc::broken_intra_doc_links,
    rustdoc::invalid_html_tags,
    rustdoc::bare_urls
)]
#[doc = include_str!("../SPEC.md")]
pub mod spec {}

/// The benchmarks (`benches/README.md`): what each measures and the figures, as ratios to the
/// raw primitives measured in the same run.
#[cfg(doc)]
#[allow(
    rustdoc::broken_intra_doc_links,
    rustdoc::invalid_html_tags,
    rustdoc::bare_urls
)]
#[doc = include_str!("../benches/README.md")]
pub mod benches {}

#[cfg(feature = "ledger")]
pub mod archive;
#[cfg(feature = "ledger")]
pub mod audit;
pub mod checkpoint;
pub mod crypto;
pub mod encoding;
pub mod event;
pub mod id;
#[cfg(feature = "ledger")]
pub mod ledger;
pub mod merkle;
#[cfg(feature = "ledger")]
mod parallel;
pub mod present;
pub mod privacy;
#[cfg(feature = "server")]
pub mod server;
pub mod stamp;
#[cfg(feature = "ledger")]
pub mod state;
pub mod status;
#[cfg(feature = "ledger")]
pub mod storage;
#[cfg(feature = "test-support")]
#[doc(hidden)]
pub mod test_support;
pub mod time;
pub mod verify;

pub use crypto::{sha256, Digest32, KeyId, PublicKey, SecretKey, Signature};
pub use encoding::{Canonical, DecodeError};
pub use event::{
    Actor, AuthorityRegistration, Entry, Event, LicenseVersion, Policy, SignedStatement, Statement,
    Succession, Termination,
};
pub use id::LicenseId;
#[cfg(feature = "ledger")]
pub use ledger::{
    AppendError, AuditError, BadEntry, CatchUpError, Clock, IndexError, IndexStatus, IndexUnusable,
    IntegrityKey, IntegrityKeyError, Ledger, ManualClock, OpenError, ProvenBatch, ProvenReceipt,
    ReadError, ReceiptError, RecordedUse, SignCheckpointError, SignedCheckpoint, StampCheckError,
    SystemClock, INDEX_INTERVAL, INDEX_VERSION,
};
pub use privacy::{ClaimsError, Credential, Disclosure, VersionTerms};
#[cfg(feature = "ledger")]
pub use state::{Effect, Receipt, Rejection, RuleError, State};
pub use status::{SealStatus, Status};
#[cfg(feature = "ledger")]
pub use storage::{
    CheckpointLog, FileCheckpointLog, FileStore, MemoryCheckpointLog, MemoryStore, StorageError,
    Store,
};
pub use time::{Timestamp, UtcOffset};
pub use verify::{DocumentReport, IndeterminateReason, InvalidReason, Verdict};
