//! Where the operator keeps the checkpoints it signs: the trait, in memory, and one append-only
//! file beside the journal (SPEC §16).
//!
//! ```text
//! checkpoints.log = header record*
//!   header        = "CHANCERY" "CKPT" u32be(2)                    16 bytes
//!   record        = u32be(len) u32be(!len) hash[32] note[len]     1 ≤ len ≤ 65,536
//!                   hash = SHA-256(note)
//! ```
//!
//! [`FileCheckpointLog::keep_checkpoint`] writes one record and `fdatasync`s the file before it
//! returns, so a checkpoint is kept before anyone sees it. At open every record must be intact
//! (damage is reported with its byte offset), except a write that never completed, which was
//! never returned and which the writer truncates: a tail shorter than a record's 8-byte length
//! header, or all zero bytes, or a record whose length header checks (`!len`) but whose note is
//! cut short by the end of the file or ends in a zero byte (a note is text ending in a line
//! feed; a page the crash lost reads as zeros). A length that does not check, or a full note
//! that does not match its hash, is damage wherever it lies.

use super::{io, Damage, DamageReason, StorageError};
use crate::crypto::sha256;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};

/// Where an operator keeps the checkpoints it has signed, so that it never signs two that do not
/// fit together: [`crate::Ledger::sign_checkpoint`] refuses to sign unless the ledger extends
/// the last checkpoint kept, and keeps the new one here, durably, before returning it.
pub trait CheckpointLog {
    /// The last checkpoint kept (the text of its signed note), if any. A log whose write
    /// failed answers [`StorageError::Poisoned`] until reopened, so that no proven batch is
    /// appended that could not be proven.
    fn last_checkpoint(&self) -> Result<Option<String>, StorageError>;

    /// Every checkpoint kept, oldest first.
    fn checkpoints(&self) -> Result<Vec<String>, StorageError>;

    /// Keeps `note` after the others, durably, if the last checkpoint kept is still `after`
    /// (the one the signer checked the ledger against): when this returns `Ok` it survives a
    /// crash or power loss. If another signer kept one meanwhile nothing is kept and the
    /// answer is [`StorageError::CheckpointMoved`].
    fn keep_checkpoint(&mut self, note: &str, after: Option<&str>) -> Result<(), StorageError>;
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

    fn keep_checkpoint(&mut self, note: &str, after: Option<&str>) -> Result<(), StorageError> {
        if self.notes.last().map(String::as_str) != after {
            return Err(StorageError::CheckpointMoved);
        }
        self.notes.push(note.to_owned());
        Ok(())
    }
}

/// The log file's magic and format version.
const MAGIC: &[u8; 16] = b"CHANCERYCKPT\x00\x00\x00\x02";
const HEADER_LEN: u64 = 16;
/// Length, its complement and hash before each note.
const OVERHEAD: u64 = 40;
/// The longest signed note accepted anywhere (`checkpoint::MAX_NOTE_LEN`).
const MAX_NOTE_LEN: u32 = crate::checkpoint::MAX_NOTE_LEN as u32;

/// The bytes of `file` from `from` to its end.
fn read_from(file: &File, path: &Path, from: u64) -> Result<Vec<u8>, StorageError> {
    let len = file.metadata().map_err(io("stat", path))?.len();
    let size = usize::try_from(len.saturating_sub(from)).map_err(|_| StorageError::Io {
        op: "read",
        path: path.to_path_buf(),
        source: std::io::Error::other("checkpoint log too large"),
    })?;
    let mut bytes = vec![0u8; size];
    file.read_exact_at(&mut bytes, from)
        .map_err(io("read", path))?;
    Ok(bytes)
}

fn damage(path: &Path, offset: u64, reason: DamageReason) -> StorageError {
    StorageError::Damaged(Damage {
        file: path.to_path_buf(),
        offset,
        seq: None,
        reason,
    })
}

/// The checkpoints of a [`crate::FileStore`]'s ledger, in the file `checkpoints.log` of its
/// directory. One writer at a time holds an exclusive lock on the file; readers take none.
#[derive(Debug)]
pub struct FileCheckpointLog {
    path: PathBuf,
    /// `None` for a reader of a store that has kept no checkpoint.
    file: Option<File>,
    /// Byte offset and note length of each intact record.
    records: Vec<(u64, u32)>,
    /// End of the last intact record.
    end: u64,
    last: Option<String>,
    read_only: bool,
    poisoned: bool,
    /// Test hook: how the next keep fails.
    fail_next_keep: Option<KeepFailure>,
    /// The record whose write or sync failed (a reader may have read it): [`Self::reopen`]
    /// writes and syncs it again.
    unkept: Option<Vec<u8>>,
    /// After a reopen, the earlier handle, which holds the writer's lock (the new handle
    /// cannot take it while that one holds it).
    lock: Option<File>,
}

/// How a keep is made to fail (test hook).
#[cfg_attr(not(feature = "test-support"), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeepFailure {
    /// Nothing is written.
    Write,
    /// The record is written (to the page cache) and the sync fails.
    Sync,
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
        file.try_lock().map_err(|e| match e {
            std::fs::TryLockError::WouldBlock => StorageError::Locked(path.clone()),
            std::fs::TryLockError::Error(e) => io("lock", &path)(e),
        })?;
        // Shorter than its header: created by a writer that stopped before the header was
        // synced, so it has kept nothing.
        if fresh || file.metadata().map_err(io("stat", &path))?.len() < HEADER_LEN {
            file.write_all_at(MAGIC, 0).map_err(io("write", &path))?;
            file.sync_all().map_err(io("sync", &path))?;
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(io("sync directory", dir))?;
        }
        let log = Self::read(path, file, false)?;
        log.cut_tail()?;
        Ok(log)
    }

    /// A writer whose write or sync failed (poisoned): writes the record that failed again
    /// through a new handle and syncs it (the page cache may show it, and a reader may have
    /// read it, though the kernel dropped its pages), then reads the log again as
    /// [`Self::open`] does, so that checkpoints are kept again once writes succeed; the
    /// writer's lock is held throughout. While that fails it stays poisoned; a file shorter
    /// than what was kept is reported ([`DamageReason::Truncated`]) and left as it is. Any
    /// other log is left as it is.
    pub fn reopen(&mut self) -> Result<(), StorageError> {
        if !self.poisoned || self.read_only {
            return Ok(());
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&self.path)
            .map_err(io("open", &self.path))?;
        let len = file.metadata().map_err(io("stat", &self.path))?.len();
        if len < self.end {
            return Err(damage(&self.path, len, DamageReason::Truncated));
        }
        if let Some(record) = &self.unkept {
            file.write_all_at(record, self.end)
                .and_then(|()| file.sync_all())
                .map_err(io("write", &self.path))?;
        }
        let mut log = Self::read(self.path.clone(), file, false)?;
        log.cut_tail()?;
        log.lock = self.lock.take().or_else(|| self.file.take());
        *self = log;
        Ok(())
    }

    /// Truncates what lies past the last intact record (a write that never completed).
    fn cut_tail(&self) -> Result<(), StorageError> {
        if let Some(file) = &self.file {
            let len = file.metadata().map_err(io("stat", &self.path))?.len();
            if len > self.end {
                file.set_len(self.end).map_err(io("truncate", &self.path))?;
                file.sync_all().map_err(io("sync", &self.path))?;
            }
        }
        Ok(())
    }

    /// Opens the log in `dir` for reading only: no lock, nothing created or written; a store
    /// without one has kept no checkpoint (an empty log). Keeping is refused with
    /// [`StorageError::ReadOnly`].
    pub fn open_read_only(dir: impl AsRef<Path>) -> Result<Self, StorageError> {
        let path = dir.as_ref().join(Self::FILE);
        if !path.exists() {
            return Ok(Self {
                path,
                file: None,
                records: Vec::new(),
                end: HEADER_LEN,
                last: None,
                read_only: true,
                poisoned: false,
                fail_next_keep: None,
                unkept: None,
                lock: None,
            });
        }
        let file = File::open(&path).map_err(io("open", &path))?;
        Self::read(path, file, true)
    }

    /// Reads every record of an open log file (through the handle, so the file locked is the
    /// file read).
    fn read(path: PathBuf, file: File, read_only: bool) -> Result<Self, StorageError> {
        let bytes = read_from(&file, &path, 0)?;
        if bytes.get(..MAGIC.len()) != Some(&MAGIC[..]) {
            return Err(damage(&path, 0, DamageReason::BadHeader));
        }
        let mut log = Self {
            path,
            file: None,
            records: Vec::new(),
            end: HEADER_LEN,
            last: None,
            read_only,
            poisoned: false,
            fail_next_keep: None,
            unkept: None,
            lock: None,
        };
        log.take(bytes.get(HEADER_LEN as usize..).unwrap_or_default())?;
        log.file = Some(file);
        Ok(log)
    }

    /// Takes in the intact records at the start of `bytes`, the file's bytes from `end` on;
    /// stops at a record whose write never completed.
    fn take(&mut self, bytes: &[u8]) -> Result<(), StorageError> {
        let base = self.end;
        // Taken in only if every record reads: a fault leaves the log as it was.
        let mut records = Vec::new();
        let mut last = None;
        let mut pos = 0usize;
        while pos < bytes.len() {
            let at = base + pos as u64;
            let tail = &bytes[pos..];
            // A length header cut short, or a tail of zeros: a write that never completed.
            let Some(head) = tail.get(..8) else { break };
            if tail.iter().all(|b| *b == 0) {
                break;
            }
            let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
            let check = u32::from_be_bytes([head[4], head[5], head[6], head[7]]);
            if check != !len || len == 0 || len > MAX_NOTE_LEN {
                return Err(damage(&self.path, at, DamageReason::BadLength(len)));
            }
            let end = pos + OVERHEAD as usize + len as usize;
            let Some(note) = bytes.get(pos + OVERHEAD as usize..end) else {
                break; // the note cut short by the end of the file
            };
            let hash = &bytes[pos + 8..pos + OVERHEAD as usize];
            if sha256(note).0[..] != *hash || std::str::from_utf8(note).is_err() {
                if end == bytes.len() && note.last() == Some(&0) {
                    break; // the last note's pages were lost in a crash
                }
                return Err(damage(&self.path, at, DamageReason::HashMismatch));
            }
            records.push((at, len));
            last = Some(note);
            pos = end;
        }
        // The loop stops at the end of the last intact record.
        self.records.extend(records);
        if let Some(note) = last {
            self.last = Some(String::from_utf8_lossy(note).into_owned());
        }
        self.end = base + pos as u64;
        Ok(())
    }

    /// A reader takes in the checkpoints the writer kept since it opened (or last refreshed),
    /// reading only the bytes past those it holds: the cost is that of what is new, not of
    /// the whole log. A log that shrank under it, or whose new bytes are damaged, is reported
    /// and the reader keeps what it had; a log put in place of the one it opened (by rename)
    /// is read whole.
    pub fn refresh(&mut self) -> Result<(), StorageError> {
        let Some(file) = &self.file else {
            // No log when it opened: one may have been created since.
            if self.path.exists() {
                let file = File::open(&self.path).map_err(io("open", &self.path))?;
                *self = Self::read(self.path.clone(), file, self.read_only)?;
            }
            return Ok(());
        };
        // Another file put in place (a log restored by rename): read it whole.
        let open = file.metadata().map_err(io("stat", &self.path))?;
        let named = std::fs::metadata(&self.path).map_err(io("stat", &self.path))?;
        if (open.dev(), open.ino()) != (named.dev(), named.ino()) {
            let file = File::open(&self.path).map_err(io("open", &self.path))?;
            *self = Self::read(self.path.clone(), file, self.read_only)?;
            return Ok(());
        }
        let len = open.len();
        if len < self.end {
            return Err(damage(&self.path, len, DamageReason::Truncated));
        }
        if len > self.end {
            let bytes = read_from(file, &self.path, self.end)?;
            self.take(&bytes)?;
        }
        Ok(())
    }

    /// Test hook: the next keep fails, as a failed write or a failed sync does.
    #[cfg_attr(not(feature = "test-support"), allow(dead_code))]
    pub(crate) fn inject_keep_failure(&mut self, how: KeepFailure) {
        self.fail_next_keep = Some(how);
    }

    /// Number of checkpoints kept.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether no checkpoint is kept.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The log file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl CheckpointLog for FileCheckpointLog {
    fn last_checkpoint(&self) -> Result<Option<String>, StorageError> {
        // After a failed write the file's end is unknown: a signer must not append a batch it
        // could not prove, so the log answers nothing until reopened.
        if self.poisoned {
            return Err(StorageError::Poisoned);
        }
        Ok(self.last.clone())
    }

    fn checkpoints(&self) -> Result<Vec<String>, StorageError> {
        let Some(file) = &self.file else {
            return Ok(Vec::new());
        };
        let mut notes = Vec::with_capacity(self.records.len());
        for &(at, len) in &self.records {
            // The lengths read at open (checked then), not the file's now.
            let mut record = vec![0u8; OVERHEAD as usize + len as usize];
            file.read_exact_at(&mut record, at)
                .map_err(io("read", &self.path))?;
            let (head, note) = record.split_at(OVERHEAD as usize);
            if sha256(note).0[..] != head[8..] || head[..4] != len.to_be_bytes() {
                return Err(StorageError::Damaged(Damage {
                    file: self.path.clone(),
                    offset: at,
                    seq: None,
                    reason: DamageReason::HashMismatch,
                }));
            }
            notes.push(String::from_utf8_lossy(note).into_owned());
        }
        Ok(notes)
    }

    fn keep_checkpoint(&mut self, note: &str, after: Option<&str>) -> Result<(), StorageError> {
        let file = match &self.file {
            Some(file) if !self.read_only => file,
            _ => return Err(StorageError::ReadOnly),
        };
        if self.last.as_deref() != after {
            return Err(StorageError::CheckpointMoved);
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
        record.extend_from_slice(&(!len).to_be_bytes());
        record.extend_from_slice(&sha256(note.as_bytes()).0);
        record.extend_from_slice(note.as_bytes());
        // A failed write or sync is never retried: the kernel may have dropped the pages.
        let written = match self.fail_next_keep.take() {
            Some(KeepFailure::Write) => Err(std::io::Error::other("injected write failure")),
            Some(KeepFailure::Sync) => file
                .write_all_at(&record, self.end)
                .and_then(|()| Err(std::io::Error::other("injected sync failure"))),
            None => file
                .write_all_at(&record, self.end)
                .and_then(|()| file.sync_data()),
        };
        if let Err(e) = written {
            self.poisoned = true;
            self.unkept = Some(record);
            return Err(io("write", &self.path)(e));
        }
        self.records.push((self.end, len));
        self.end += record.len() as u64;
        self.last = Some(note.to_owned());
        Ok(())
    }
}
