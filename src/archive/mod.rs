//! Portable ledger archives (SPEC §14): one file, a CBOR sequence (RFC 8742) of a header, every
//! entry in order and a trailer, written and read as streams in constant memory.
//!
//! An auditor verifies an archive with [`audit_archive`] without trusting the agency's store
//! or software: every entry is re-hashed, strictly decoded, signature-checked and re-applied
//! from genesis, and the trailer's entry count, Merkle root and head must match the replay.

mod format;
mod reader;
mod verify;
mod writer;

pub use format::{ArchiveError, Header, Trailer, END_MAGIC, MAGIC, MAX_CHECKPOINTS, VERSION};
pub use reader::{ArchiveEntry, ArchiveReader};
pub use verify::{audit_archive, import, ArchiveAuditError, ArchiveReport};
pub use writer::{export, ArchiveWriter, ExportError};
