//! The archive format: its constants, header, trailer, tail items and [`ArchiveError`].

use crate::crypto::Digest32;
use crate::encoding::{Canonical, DecodeError, Decoder, Encoder};

/// First element of the header.
pub const MAGIC: &str = "chancery-archive";
/// First element of the trailer.
pub const END_MAGIC: &str = "chancery-archive-end";
/// Archive format version written and read. Version 1 (before policy v2, SPEC §22) is refused
/// with [`ArchiveError::OldFormat`].
pub const VERSION: u64 = 2;
/// Entries per chunk when replaying an archive.
pub(super) const CHUNK: usize = 4096;
/// Largest header or trailer accepted.
pub(super) const MAX_FRAME: usize = 4096;

/// The first item: `["chancery-archive", VERSION, origin, entry count]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The ledger's origin.
    pub origin: String,
    /// Number of entries that follow.
    pub entries: u64,
}

impl Canonical for Header {
    fn encode(&self, e: &mut Encoder) {
        e.array(4);
        e.text(MAGIC);
        e.uint(VERSION);
        e.text(&self.origin);
        e.uint(self.entries);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(4)?;
        let at = d.position();
        if d.text()? != MAGIC {
            return Err(DecodeError::InvalidValue {
                offset: at,
                what: "archive magic",
            });
        }
        d.version("archive", VERSION)?;
        Ok(Self {
            origin: d.text()?.to_owned(),
            entries: d.uint()?,
        })
    }
}

/// The last item: `["chancery-archive-end", entry count, Merkle root, head entry hash]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trailer {
    /// Number of entries written.
    pub entries: u64,
    /// RFC 6962 root over all entries.
    pub root: Digest32,
    /// Hash of the last entry.
    pub head: Digest32,
}

impl Canonical for Trailer {
    fn encode(&self, e: &mut Encoder) {
        e.array(4);
        e.text(END_MAGIC);
        e.uint(self.entries);
        self.root.encode(e);
        self.head.encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(4)?;
        let at = d.position();
        if d.text()? != END_MAGIC {
            return Err(DecodeError::InvalidValue {
                offset: at,
                what: "archive trailer magic",
            });
        }
        Ok(Self {
            entries: d.uint()?,
            root: Digest32::decode(d)?,
            head: Digest32::decode(d)?,
        })
    }
}

/// A signed checkpoint item: `["chancery-checkpoint", signed note text]`.
pub(super) const CHECKPOINT_MAGIC: &str = "chancery-checkpoint";
/// Most checkpoints read from one archive.
pub const MAX_CHECKPOINTS: usize = 4096;

/// An item after the entries: a signed checkpoint or the trailer.
pub(super) enum Tail {
    Checkpoint(String),
    End(Trailer),
}

impl Tail {
    pub(super) fn decode_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        crate::encoding::check::validate(bytes)?;
        let mut d = Decoder::new(bytes);
        let n = d.array_of(&[2, 4])?;
        let at = d.position();
        let magic = d.text()?;
        let tail = match (n, magic) {
            (2, CHECKPOINT_MAGIC) => Tail::Checkpoint(d.text()?.to_owned()),
            (4, END_MAGIC) => {
                return Trailer::from_canonical(bytes).map(Tail::End);
            }
            _ => {
                return Err(DecodeError::InvalidValue {
                    offset: at,
                    what: "checkpoint or trailer",
                })
            }
        };
        d.finish()?;
        Ok(tail)
    }
}

/// `" (entry N)"` for a damage report, or nothing.
fn entry_note(entry: &Option<u64>) -> String {
    entry.map(|n| format!(" (entry {n})")).unwrap_or_default()
}

/// Why an archive cannot be read. Offsets count bytes from the start of the file.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// Reading or writing failed.
    #[error("archive I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The file ends early.
    #[error("archive truncated at byte {offset}{}: {expected} expected", entry_note(.entry))]
    Truncated {
        /// Where the missing item starts.
        offset: u64,
        /// What was expected there.
        expected: &'static str,
        /// The sequence number of the entry cut short or missing, when the cut is among the
        /// entries.
        entry: Option<u64>,
    },
    /// An item is not what the format requires there.
    #[error("malformed archive {item} at byte {offset}: {reason}")]
    Malformed {
        /// Where the item starts.
        offset: u64,
        /// Which item.
        item: &'static str,
        /// What is wrong.
        reason: DecodeError,
    },
    /// The archive was written by an earlier, unsupported format version.
    #[error("archive made by format v{found}; this version reads v{VERSION} only: re-export it with the version that made it, or re-create the ledger")]
    OldFormat {
        /// The version found.
        found: u64,
    },
    /// More than [`MAX_CHECKPOINTS`] checkpoints.
    #[error("more than {MAX_CHECKPOINTS} checkpoints in the archive")]
    TooManyCheckpoints,
    /// Bytes follow the trailer.
    #[error("data after the archive trailer at byte {offset}")]
    TrailingData {
        /// The first byte after the trailer.
        offset: u64,
    },
    /// The writer was given a different number of entries than its header announced.
    #[error("archive header announced {announced} entries, {written} written")]
    CountMismatch {
        /// The header's count.
        announced: u64,
        /// Entries written.
        written: u64,
    },
}
