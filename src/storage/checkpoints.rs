//! Where the operator keeps the checkpoints it signs: the trait, in memory, and one append-only
//! file beside the journal (SPEC §16).
//!
//! ```text
//! checkpoints.log = header record*
//!   header        = "CHANCERY" "CKPT" u32be(1)                    16 bytes
//!   record        = u32be(len) hash[32] note[len]                 hash = SHA-256(note)
//! ```
//!
//! [`FileCheckpointLog::keep_checkpoint`] writes one record and `fdatasync`s the file before it
//! returns, so a checkpoint is kept before anyone sees it. At open every record but the last must
//! be intact (damage is reported with its byte offset); a last record that is cut short or does
//! not match its hash is a write that never completed (its note was never returned), and the
//! writer truncates it.

use super::{io, Damage, DamageReason, StorageError};
use crate::crypto::sha256;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Where an operator keeps the checkpoints it has signed, so that it never signs two that do not
/// fit together: [`crate::Ledger::sign_checkpoint`] refuses to sign unless the ledger extends
/// the last checkpoint kept, and keeps the new one here, durably, before returning it.
pub trait CheckpointLog {
    /// The last checkpoint kept (the text of its signed note), if any.
    fn last_checkpoint(&self) -> Result<Option<String>, StorageError>;

    /// Every checkpoint kept, oldest first.
    fn checkpoints(&self) -> Result<Vec<String>, StorageError>;

    /// Keeps `note` after the others, durably: when this returns `Ok` it survives a crash or
    /// power loss.
    fn keep_checkpoint(&mut self, note: &str) -> Result<(), StorageError>;
}

/// Checkpoints kept in memory (tests, ephemeral ledgers); nothing survives the process.
#[derive(Debug, Default, Clone)]
pub struct MemoryCheckpointLog {
    notes: Vec<String>,
}

impl MemoryCheckpointLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }
}

impl CheckpointLog for MemoryCheckpointLog {
    fn last_checkpoint(&self) -> Result<Option<String>, StorageError> {
        Ok(self.notes.last().cloned())
    }

    fn checkpoints(&self) -> Result<Vec<String>, StorageError> {
        Ok(self.notes.clone())
    }

    fn keep_checkpoint(&mut self, note: &str) -> Result<(), StorageError> {
        self.notes.push(note.to_owned());
        Ok(())
    }
}

/// The log file's magic and format version.
const MAGIC: &[u8; 16] = b"CHANCERYCKPT\x00\x00\x00\x01";
const HEADER_LEN: u64 = 16;
/// Length field and hash before each note.
const OVERHEAD: u64 = 36;
/// No signed checkpoint note comes near this (origin, size, root and a few signature lines).
const MAX_NOTE_LEN: u32 = 1 << 20;

/// The checkpoints of a [`crate::FileStore`]'s ledger, in the file `checkpoints.log` of its
/// directory. One writer at a time holds an exclusive lock on the file; readers take none.
#[derive(Debug)]
pub struct FileCheckpointLog {
    path: PathBuf,
    file: File,
    /// Byte offset of each intact record.
    offsets: Vec<u64>,
    /// End of the last intact record.
    end: u64,
    last: Option<String>,
    read_only: bool,
    poisoned: bool,
}

impl FileCheckpointLog {
    /// The file's name in the store directory.
    pub const FILE: &'static str = "checkpoints.log";

    /// Opens the log in `dir` as its writer, creating it if absent, taking its exclusive lock
    /// (refused with [`StorageError::Locked`] while another writer holds it); truncates a last
    /// record whose write never completed.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, StorageError> {
        let dir = dir.as_ref();
        let path = dir.join(Self::FILE);
        let fresh = !path.exists();
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io("open", &path))?;
        file.try_lock()
            .map_err(|_| StorageError::Locked(path.clone()))?;
        if fresh || file.metadata().map_err(io("stat", &path))?.len() == 0 {
            file.write_all_at(MAGIC, 0).map_err(io("write", &path))?;
            file.sync_all().map_err(io("sync", &path))?;
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(io("sync directory", dir))?;
        }
        let log = Self::read(path, file, false)?;
        let len = log.file.metadata().map_err(io("stat", &log.path))?.len();
        if len > log.end {
            log.file
                .set_len(log.end)
                .map_err(io("truncate", &log.path))?;
            log.file.sync_all().map_err(io("sync", &log.path))?;
        }
        Ok(log)
    }

    /// Opens the log in `dir` for reading only: no lock, nothing created or written; a store
    /// without one has kept no checkpoint. Keeping is refused with [`StorageError::ReadOnly`].
    pub fn open_read_only(dir: impl AsRef<Path>) -> Result<Option<Self>, StorageError> {
        let path = dir.as_ref().join(Self::FILE);
        if !path.exists() {
            return Ok(None);
        }
        let file = File::open(&path).map_err(io("open", &path))?;
        Self::read(path, file, true).map(Some)
    }

    /// Reads every record of an open log file.
    fn read(path: PathBuf, file: File, read_only: bool) -> Result<Self, StorageError> {
        let bytes = std::fs::read(&path).map_err(io("read", &path))?;
        let damage = |offset: u64, reason| {
            StorageError::Damaged(Damage {
                file: path.clone(),
                offset,
                seq: None,
                reason,
            })
        };
        if bytes.get(..MAGIC.len()) != Some(&MAGIC[..]) {
            return Err(damage(0, DamageReason::BadHeader));
        }
        let mut offsets = Vec::new();
        let mut last = None;
        let mut pos = HEADER_LEN as usize;
        while pos < bytes.len() {
            let Some(head) = bytes.get(pos..pos + OVERHEAD as usize) else {
                break; // a torn last record
            };
            let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
            if len == 0 || len > MAX_NOTE_LEN {
                return Err(damage(pos as u64, DamageReason::BadLength(len)));
            }
            let end = pos + OVERHEAD as usize + len as usize;
            let Some(note) = bytes.get(pos + OVERHEAD as usize..end) else {
                break;
            };
            let intact = sha256(note).0[..] == head[4..] && std::str::from_utf8(note).is_ok();
            if !intact {
                if end == bytes.len() {
                    break; // the last record's write never completed
                }
                return Err(damage(pos as u64, DamageReason::HashMismatch));
            }
            offsets.push(pos as u64);
            last = Some(String::from_utf8_lossy(note).into_owned());
            pos = end;
        }
        // The loop stops at the end of the last intact record.
        Ok(Self {
            path,
            file,
            offsets,
            end: pos as u64,
            last,
            read_only,
            poisoned: false,
        })
    }

    /// Number of checkpoints kept.
    pub fn len(&self) -> usize {
        self.offsets.len()
    }

    /// Whether no checkpoint is kept.
    pub fn is_empty(&self) -> bool {
        self.offsets.is_empty()
    }

    /// The log file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl CheckpointLog for FileCheckpointLog {
    fn last_checkpoint(&self) -> Result<Option<String>, StorageError> {
        Ok(self.last.clone())
    }

    fn checkpoints(&self) -> Result<Vec<String>, StorageError> {
        let mut notes = Vec::with_capacity(self.offsets.len());
        for &at in &self.offsets {
            let mut head = [0u8; OVERHEAD as usize];
            self.file
                .read_exact_at(&mut head, at)
                .map_err(io("read", &self.path))?;
            let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
            let mut note = vec![0u8; len as usize];
            self.file
                .read_exact_at(&mut note, at + OVERHEAD)
                .map_err(io("read", &self.path))?;
            if sha256(&note).0[..] != head[4..] {
                return Err(StorageError::Damaged(Damage {
                    file: self.path.clone(),
                    offset: at,
                    seq: None,
                    reason: DamageReason::HashMismatch,
                }));
            }
            notes.push(String::from_utf8_lossy(&note).into_owned());
        }
        Ok(notes)
    }

    fn keep_checkpoint(&mut self, note: &str) -> Result<(), StorageError> {
        if self.read_only {
            return Err(StorageError::ReadOnly);
        }
        if self.poisoned {
            return Err(StorageError::Poisoned);
        }
        let len = u32::try_from(note.len())
            .ok()
            .filter(|l| (1..=MAX_NOTE_LEN).contains(l))
            .ok_or(StorageError::Io {
                op: "keep checkpoint",
                path: self.path.clone(),
                source: std::io::Error::other("note length out of range"),
            })?;
        let mut record = Vec::with_capacity(OVERHEAD as usize + note.len());
        record.extend_from_slice(&len.to_be_bytes());
        record.extend_from_slice(&sha256(note.as_bytes()).0);
        record.extend_from_slice(note.as_bytes());
        // A failed write or sync is never retried: the kernel may have dropped the pages.
        let written = self
            .file
            .write_all_at(&record, self.end)
            .and_then(|()| self.file.sync_data());
        if let Err(e) = written {
            self.poisoned = true;
            return Err(io("write", &self.path)(e));
        }
        self.offsets.push(self.end);
        self.end += record.len() as u64;
        self.last = Some(note.to_owned());
        Ok(())
    }
}
