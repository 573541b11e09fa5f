//! Writing archives: [`ArchiveWriter`] and [`export`] of a whole ledger.

use super::format::{ArchiveError, Header, Trailer, CHECKPOINT_MAGIC, CHUNK};
use crate::crypto::Digest32;
use crate::encoding::{Canonical, Encoder};
use crate::ledger::Ledger;
use crate::storage::{StorageError, Store};
use std::io::Write;

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
