//! Portable ledger archives (SPEC §14): one file, a CBOR sequence (RFC 8742) of a header, every
//! entry in order and a trailer, written and read as streams in constant memory.
//!
//! An auditor verifies an archive with [`audit_archive`] without trusting the agency's store
//! or software: every entry is re-hashed, strictly decoded, signature-checked and re-applied
//! from genesis, and the trailer's entry count, Merkle root and head must match the replay.

use crate::audit::{replay_chunks, PipelineError, RawEntry, ReplayError, Signatures};
use crate::crypto::Digest32;
use crate::encoding::{Canonical, DecodeError, Decoder, Encoder};
use crate::ledger::Ledger;
use crate::merkle::MerkleTree;
use crate::state::State;
use crate::storage::{Record, StorageError, Store};
use std::collections::VecDeque;
use std::io::{Read, Write};

/// First element of the header.
pub const MAGIC: &str = "chancery-archive";
/// First element of the trailer.
pub const END_MAGIC: &str = "chancery-archive-end";
/// Archive format version written and read. Version 1 (before policy v2, SPEC §22) is refused
/// with [`ArchiveError::OldFormat`].
pub const VERSION: u64 = 2;
/// Entries per chunk when replaying an archive.
const CHUNK: usize = 4096;
/// Largest header or trailer accepted.
const MAX_FRAME: usize = 4096;

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
const CHECKPOINT_MAGIC: &str = "chancery-checkpoint";
/// Most checkpoints read from one archive.
pub const MAX_CHECKPOINTS: usize = 4096;

/// An item after the entries: a signed checkpoint or the trailer.
enum Tail {
    Checkpoint(String),
    End(Trailer),
}

impl Tail {
    fn decode_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
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

/// Writes an archive: the header, then each entry, then [`ArchiveWriter::finish`].
#[derive(Debug)]
pub struct ArchiveWriter<W: Write> {
    out: W,
    announced: u64,
    written: u64,
}

impl<W: Write> ArchiveWriter<W> {
    /// Starts an archive by writing its header.
    pub fn new(mut out: W, header: &Header) -> Result<Self, ArchiveError> {
        out.write_all(&header.to_canonical())?;
        Ok(Self {
            out,
            announced: header.entries,
            written: 0,
        })
    }

    /// Writes the next entry: its hash and bytes.
    pub fn entry(&mut self, hash: &Digest32, bytes: &[u8]) -> Result<(), ArchiveError> {
        let mut e = Encoder::new();
        e.array(2);
        e.bytes(&hash.0);
        e.bytes(bytes);
        self.out.write_all(&e.into_bytes())?;
        self.written += 1;
        Ok(())
    }

    /// Writes a signed checkpoint (its note text), after every entry.
    pub fn checkpoint(&mut self, note: &str) -> Result<(), ArchiveError> {
        if self.written != self.announced {
            return Err(ArchiveError::CountMismatch {
                announced: self.announced,
                written: self.written,
            });
        }
        let mut e = Encoder::new();
        e.array(2);
        e.text(CHECKPOINT_MAGIC);
        e.text(note);
        self.out.write_all(&e.into_bytes())?;
        Ok(())
    }

    /// Writes the trailer and returns the output, flushed.
    pub fn finish(mut self, root: Digest32, head: Digest32) -> Result<W, ArchiveError> {
        if self.written != self.announced {
            return Err(ArchiveError::CountMismatch {
                announced: self.announced,
                written: self.written,
            });
        }
        let trailer = Trailer {
            entries: self.written,
            root,
            head,
        };
        self.out.write_all(&trailer.to_canonical())?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Writes the whole ledger as an archive to `out`, with these signed checkpoints (note texts),
/// calling `progress` with the number of entries written so far.
pub fn export<S: Store, W: Write>(
    ledger: &Ledger<S>,
    checkpoints: &[String],
    out: W,
    mut progress: impl FnMut(u64),
) -> Result<W, ExportError> {
    let n = ledger.len();
    let header = Header {
        origin: ledger.origin().to_owned(),
        entries: n,
    };
    let mut w = ArchiveWriter::new(out, &header)?;
    let mut next = 0;
    while next < n {
        let end = (next + CHUNK as u64).min(n);
        for r in ledger.store().read(next, end)? {
            w.entry(&r.hash, &r.bytes)?;
        }
        next = end;
        progress(next);
    }
    for note in checkpoints {
        w.checkpoint(note)?;
    }
    Ok(w.finish(ledger.tree_head().root, ledger.state().head())?)
}

/// Exporting failed.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Writing the archive failed.
    #[error(transparent)]
    Archive(#[from] ArchiveError),
}

/// One entry read from an archive, with the offset of its item in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveEntry {
    /// Byte offset of the entry's item.
    pub offset: u64,
    /// The entry hash written beside it (checked against the bytes when replayed).
    pub hash: Digest32,
    /// The entry bytes.
    pub bytes: Vec<u8>,
}

impl RawEntry for ArchiveEntry {
    fn stored_hash(&self) -> Option<Digest32> {
        Some(self.hash)
    }
    fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// Reads an archive item by item, in constant memory.
#[derive(Debug)]
pub struct ArchiveReader<R: Read> {
    input: R,
    offset: u64,
    header: Header,
    read: u64,
}

impl<R: Read> ArchiveReader<R> {
    /// Reads and checks the header.
    pub fn new(mut input: R) -> Result<Self, ArchiveError> {
        let mut offset = 0;
        let header = read_frame(&mut input, &mut offset, "header")?;
        let header = Header::from_canonical(&header).map_err(|reason| match reason {
            DecodeError::UnknownVersion {
                structure: "archive",
                found,
                ..
            } if found < VERSION => ArchiveError::OldFormat { found },
            reason => ArchiveError::Malformed {
                offset: 0,
                item: "header",
                reason,
            },
        })?;
        Ok(Self {
            input,
            offset,
            header,
            read: 0,
        })
    }

    /// The archive's header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The next entry, or `None` once the header's count has been read.
    pub fn next_entry(&mut self) -> Result<Option<ArchiveEntry>, ArchiveError> {
        let seq = self.read;
        self.read_entry().map_err(|e| match e {
            ArchiveError::Truncated {
                offset, expected, ..
            } => ArchiveError::Truncated {
                offset,
                expected,
                entry: Some(seq),
            },
            other => other,
        })
    }

    fn read_entry(&mut self) -> Result<Option<ArchiveEntry>, ArchiveError> {
        if self.read == self.header.entries {
            return Ok(None);
        }
        let offset = self.offset;
        let malformed = |reason| ArchiveError::Malformed {
            offset,
            item: "entry",
            reason,
        };
        // `[h'entry hash', h'entry bytes']`
        let n = self.entry_head(offset, 4, "array")?;
        if n != 2 {
            return Err(malformed(DecodeError::WrongLength {
                offset: 0,
                expected: 2,
                found: n,
            }));
        }
        let hash_len = self.entry_head(offset, 2, "byte string")?;
        if hash_len != 32 {
            return Err(malformed(DecodeError::WrongLength {
                offset: 1,
                expected: 32,
                found: hash_len,
            }));
        }
        let mut hash = [0u8; 32];
        read_exact(
            &mut self.input,
            &mut hash,
            &mut self.offset,
            offset,
            "entry",
        )?;
        let len = self.entry_head(offset, 2, "byte string")?;
        if len > crate::event::MAX_ENTRY_LEN as u64 {
            return Err(malformed(DecodeError::TooLarge {
                len: usize::try_from(len).unwrap_or(usize::MAX),
                limit: crate::event::MAX_ENTRY_LEN,
            }));
        }
        let mut bytes = vec![0; len as usize];
        read_exact(
            &mut self.input,
            &mut bytes,
            &mut self.offset,
            offset,
            "entry",
        )?;
        self.read += 1;
        Ok(Some(ArchiveEntry {
            offset,
            hash: Digest32(hash),
            bytes,
        }))
    }

    /// Reads a head inside the entry item starting at `offset`; its major type must be `major`.
    fn entry_head(
        &mut self,
        offset: u64,
        major: u8,
        expected: &'static str,
    ) -> Result<u64, ArchiveError> {
        match read_head(&mut self.input, &mut self.offset, "entry")? {
            Some(h) if h.major == major => Ok(h.value),
            Some(_) => Err(ArchiveError::Malformed {
                offset,
                item: "entry",
                reason: DecodeError::UnexpectedType {
                    offset: 0,
                    expected,
                },
            }),
            None => Err(ArchiveError::Truncated {
                offset,
                expected: "entry",
                entry: None,
            }),
        }
    }

    /// After every entry: reads the signed checkpoints (with their offsets) and the trailer,
    /// and checks that nothing follows it.
    pub fn finish(mut self) -> Result<(Vec<(u64, String)>, Trailer), ArchiveError> {
        while self.next_entry()?.is_some() {}
        let mut checkpoints = Vec::new();
        let trailer = loop {
            let at = self.offset;
            let frame = read_frame(&mut self.input, &mut self.offset, "trailer")?;
            let malformed = |reason| ArchiveError::Malformed {
                offset: at,
                item: "checkpoint or trailer",
                reason,
            };
            match Tail::decode_bytes(&frame).map_err(malformed)? {
                Tail::End(t) => break t,
                Tail::Checkpoint(_) if checkpoints.len() == MAX_CHECKPOINTS => {
                    return Err(ArchiveError::TooManyCheckpoints)
                }
                Tail::Checkpoint(note) => checkpoints.push((at, note)),
            }
        };
        let mut extra = [0u8; 1];
        loop {
            match self.input.read(&mut extra) {
                Ok(0) => return Ok((checkpoints, trailer)),
                Ok(_) => {
                    return Err(ArchiveError::TrailingData {
                        offset: self.offset,
                    })
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// A parsed item head: major type, argument and the head's bytes as read.
struct RawHead {
    major: u8,
    value: u64,
    bytes: Vec<u8>,
}

/// Reads one item head; `None` at a clean end of input.
fn read_head(
    input: &mut impl Read,
    offset: &mut u64,
    item: &'static str,
) -> Result<Option<RawHead>, ArchiveError> {
    let start = *offset;
    let mut first = [0u8; 1];
    loop {
        match input.read(&mut first) {
            Ok(0) => return Ok(None),
            Ok(_) => break,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    *offset += 1;
    let extra = match first[0] & 0x1f {
        24 => 1,
        25 => 2,
        26 => 4,
        27 => 8,
        _ => 0,
    };
    let mut bytes = vec![first[0]; 1 + extra];
    read_exact(input, &mut bytes[1..], offset, start, item)?;
    match crate::encoding::check::head(&bytes, 0) {
        Ok(h) => Ok(Some(RawHead {
            major: h.major,
            value: h.value,
            bytes,
        })),
        Err(reason) => Err(ArchiveError::Malformed {
            offset: start,
            item,
            reason,
        }),
    }
}

fn read_exact(
    input: &mut impl Read,
    buf: &mut [u8],
    offset: &mut u64,
    item_start: u64,
    item: &'static str,
) -> Result<(), ArchiveError> {
    match input.read_exact(buf) {
        Ok(()) => {
            *offset += buf.len() as u64;
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(ArchiveError::Truncated {
            offset: item_start,
            expected: item,
            entry: None,
        }),
        Err(e) => Err(e.into()),
    }
}

/// Reads a header or trailer as the bytes of the file: one array of integers and strings,
/// checked strictly by the caller's decoding.
fn read_frame(
    input: &mut impl Read,
    offset: &mut u64,
    item: &'static str,
) -> Result<Vec<u8>, ArchiveError> {
    let start = *offset;
    let mut frame = Vec::new();
    let mut left = 1u64;
    let mut top = true;
    while left > 0 {
        left -= 1;
        let head_at = *offset;
        let Some(head) = read_head(input, offset, item)? else {
            return Err(ArchiveError::Truncated {
                offset: start,
                expected: item,
                entry: None,
            });
        };
        frame.extend_from_slice(&head.bytes);
        match (head.major, top) {
            (4, true) => left = head.value,
            (0, false) => {}
            (2 | 3, false) => {
                if head.value > MAX_FRAME as u64 {
                    return Err(too_large(head.value, start, item));
                }
                let at = frame.len();
                frame.resize(at + head.value as usize, 0);
                read_exact(input, &mut frame[at..], offset, start, item)?;
            }
            _ => {
                return Err(ArchiveError::Malformed {
                    offset: head_at,
                    item,
                    reason: DecodeError::UnexpectedType {
                        offset: 0,
                        expected: if top { "array" } else { "integer or string" },
                    },
                })
            }
        }
        top = false;
        if frame.len() > MAX_FRAME {
            return Err(too_large(frame.len() as u64, start, item));
        }
    }
    Ok(frame)
}

fn too_large(len: u64, offset: u64, item: &'static str) -> ArchiveError {
    ArchiveError::Malformed {
        offset,
        item,
        reason: DecodeError::TooLarge {
            len: usize::try_from(len).unwrap_or(usize::MAX),
            limit: MAX_FRAME,
        },
    }
}

/// What a verified archive holds.
#[derive(Debug)]
pub struct ArchiveReport {
    /// The header.
    pub header: Header,
    /// The trailer, checked against the replay.
    pub trailer: Trailer,
    /// The signed checkpoints, each verified against the replay (SPEC §16).
    pub checkpoints: Vec<crate::checkpoint::Checkpoint>,
    /// Their signed notes, as read (what an import keeps beside the entries).
    pub notes: Vec<String>,
    /// The state rebuilt by replaying every entry.
    pub state: State,
    /// The Merkle tree over every entry.
    pub tree: MerkleTree,
}

/// Why an archive failed verification.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ArchiveAuditError {
    /// The archive cannot be read.
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    /// An entry is bad: the first in ledger order.
    #[error("{error} (archive byte {offset})")]
    BadEntry {
        /// Sequence number and reason.
        error: ReplayError,
        /// Byte offset of the entry's item in the archive.
        offset: u64,
    },
    /// The header names another origin than the genesis entry.
    #[error("archive header names origin {header:?}, the genesis entry {genesis:?}")]
    OriginMismatch {
        /// Origin in the header.
        header: String,
        /// Origin of the genesis entry.
        genesis: String,
    },
    /// The archive holds no entries.
    #[error("the archive holds no entries")]
    Empty,
    /// The trailer does not match the replayed entries.
    #[error("archive trailer {what} does not match the entries")]
    TrailerMismatch {
        /// Which field: "entry count", "root" or "head".
        what: &'static str,
    },
    /// A signed checkpoint does not verify against the replayed ledger.
    #[error("checkpoint at archive byte {offset}: {reason}")]
    BadCheckpoint {
        /// Byte offset of the checkpoint item.
        offset: u64,
        /// What is wrong.
        reason: crate::checkpoint::CheckpointError,
    },
    /// Writing the entries elsewhere (an import) failed.
    #[error("writing the imported entries: {0}")]
    Sink(StorageError),
}

/// Verifies a whole archive as an auditor: see the module documentation and SPEC §14.
/// `progress` is called with the number of entries read so far.
pub fn audit_archive<R: Read>(
    input: R,
    progress: impl FnMut(u64),
) -> Result<ArchiveReport, ArchiveAuditError> {
    replay_archive(input, progress, |_| Ok(()))
}

/// Verifies an archive as [`audit_archive`] does while writing its entries to `store` (which
/// must be empty). If verification fails, entries already written stay in `store`: import into
/// a fresh store and discard it on error.
pub fn import<R: Read, S: Store>(
    input: R,
    store: &mut S,
    progress: impl FnMut(u64),
) -> Result<ArchiveReport, ArchiveAuditError> {
    replay_archive(input, progress, |chunk| {
        let records: Vec<Record> = chunk
            .iter()
            // The replay checks each hash against the bytes; on a mismatch the import fails.
            .map(|e| Record {
                hash: e.hash,
                bytes: e.bytes.clone(),
            })
            .collect();
        store.append(store.len(), &records)
    })
}

fn replay_archive<R: Read>(
    input: R,
    mut progress: impl FnMut(u64),
    mut sink: impl FnMut(&[ArchiveEntry]) -> Result<(), StorageError>,
) -> Result<ArchiveReport, ArchiveAuditError> {
    let mut reader = ArchiveReader::new(input)?;
    let header = reader.header().clone();
    if header.entries == 0 {
        return Err(ArchiveAuditError::Empty);
    }
    // Offsets of the last chunks read: a failing entry is in one of the chunks in flight.
    let mut recent: VecDeque<(u64, Vec<u64>)> = VecDeque::new();
    let mut read = 0u64;
    let mut sink_error = None;
    // A read error is reported after the entries read before it, so a damaged entry whose
    // framing still parsed is named rather than the misframed item after it.
    let mut deferred: Option<ArchiveError> = None;
    let chunks = std::iter::from_fn(|| {
        if let Some(e) = deferred.take() {
            return Some(Err(e));
        }
        let mut chunk = Vec::with_capacity(CHUNK);
        while chunk.len() < CHUNK {
            match reader.next_entry() {
                Ok(Some(e)) => chunk.push(e),
                Ok(None) => break,
                Err(e) if chunk.is_empty() => return Some(Err(e)),
                Err(e) => {
                    deferred = Some(e);
                    break;
                }
            }
        }
        if chunk.is_empty() {
            return None;
        }
        if let Err(e) = sink(&chunk) {
            sink_error = Some(e);
            return None;
        }
        if recent.len() == 4 {
            recent.pop_front();
        }
        recent.push_back((read, chunk.iter().map(|e| e.offset).collect()));
        read += chunk.len() as u64;
        progress(read);
        Some(Ok(chunk))
    });
    // The header's count is not trusted yet: size the maps for at most 2^21 entries.
    let expected = header.entries.min(1 << 21);
    let replayed = replay_chunks(chunks, Signatures::Verify, expected);
    if let Some(e) = sink_error {
        return Err(ArchiveAuditError::Sink(e));
    }
    let (state, tree) = replayed.map_err(|e| match e {
        PipelineError::Source(e) => ArchiveAuditError::Archive(e),
        PipelineError::Entry(error) => {
            let offset = recent
                .iter()
                .find_map(|(first, offsets)| {
                    let i = usize::try_from(error.seq.checked_sub(*first)?).ok()?;
                    offsets.get(i).copied()
                })
                .unwrap_or_default();
            ArchiveAuditError::BadEntry { error, offset }
        }
    })?;
    let (notes, trailer) = reader.finish()?;
    // At least one entry was replayed (the header's count is not 0), so there is a genesis.
    let genesis = state.origin().ok_or(ArchiveAuditError::Empty)?;
    if genesis != header.origin {
        return Err(ArchiveAuditError::OriginMismatch {
            header: header.origin,
            genesis: genesis.to_owned(),
        });
    }
    let n = state.size();
    if trailer.entries != n {
        return Err(ArchiveAuditError::TrailerMismatch {
            what: "entry count",
        });
    }
    if tree.root(n).ok() != Some(trailer.root) {
        return Err(ArchiveAuditError::TrailerMismatch { what: "root" });
    }
    if state.head() != trailer.head {
        return Err(ArchiveAuditError::TrailerMismatch { what: "head" });
    }
    let checkpoints = notes
        .iter()
        .map(|(offset, note)| {
            crate::ledger::check_checkpoint(note.as_bytes(), genesis, &state, &tree).map_err(
                |reason| ArchiveAuditError::BadCheckpoint {
                    offset: *offset,
                    reason,
                },
            )
        })
        .collect::<Result<_, _>>()?;
    Ok(ArchiveReport {
        header,
        trailer,
        checkpoints,
        notes: notes.into_iter().map(|(_, note)| note).collect(),
        state,
        tree,
    })
}
