//! Verifying archives: [`audit_archive`], [`import`], [`ArchiveReport`] and [`ArchiveAuditError`].

use super::format::{ArchiveError, Header, Trailer, CHUNK};
use super::reader::{ArchiveEntry, ArchiveReader};
use crate::audit::{replay_chunks, PipelineError, ReplayError, Signatures};
use crate::merkle::MerkleTree;
use crate::state::State;
use crate::storage::{Record, StorageError, Store};
use std::collections::VecDeque;
use std::io::Read;

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
