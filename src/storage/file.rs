//! The durable default store: an append-only journal file plus a two-slot committed-head file.
//!
//! ```text
//! journal.log  = header record*
//!   header     = "CHANCERY" "JRNL" u32be(2)                      16 bytes
//!   record     = u32be(len) hash[32] bytes[len]                  hash = SHA-256(0x00 || bytes)
//! head         = slot0 slot1                                     2 × 64 bytes
//!   slot       = u64be(counter) u64be(count) u64be(journal_len) last_hash[32] check[8]
//!                check = SHA-256(first 56 bytes of the slot)[0..8]
//! ```
//!
//! An append writes all records of the batch with one write, `fdatasync`s the journal, then
//! writes the slot `counter % 2` of the head file with the new count, journal length and last
//! hash and `fdatasync`s it; only then does it return. At open the intact slot with the highest
//! counter is the committed head: every record below its journal length must be intact (damage
//! there is reported with its byte offset), and bytes after it are an unacknowledged tail that
//! the writer truncates (they were never acknowledged, so a failed batch never reappears, even in
//! part). A failed write or sync
//! poisons the store: it is never retried on the same handles, since the kernel may already
//! have dropped the pages; [`Store::reopen`] mends the batch through new handles (its head
//! written and synced again if a reader may have seen it, else its bytes cut off).
//!
//! One writer at a time holds an exclusive lock on the file `lock` in the directory; only the
//! writer creates, truncates or writes anything. Readers ([`FileStore::open_read_only`]) take
//! no lock and open the journal and head read-only: they read the committed head (retrying if
//! a slot is caught mid-write) and only the journal bytes it covers, so a reader always sees a
//! committed prefix of the ledger, never blocks the writer and is never blocked by it.
//!
//! ```text
//! offsets      = u64be(offset of record n)*                      8 bytes per entry
//! ```
//!
//! The writer also keeps `offsets`, where each record starts, after each commit (not synced:
//! it is a hint, checked against the journal wherever it is used, and rewritten from the
//! journal by every open with the full walk). A store opened
//! *lazily* ([`FileStore::open_lazily`], [`FileStore::open_read_only_lazily`]) reads the head
//! and the last offset instead of walking the journal: opening costs the same at any size, and
//! a committed record is checked when it is read (its framing must end where the next
//! record's offset says) and hashed by the ledger that reads it.

use super::{io, Damage, DamageReason, Record, StorageError, Store};
use crate::crypto::{leaf_hash, sha256, Digest32};
use crate::event::MAX_ENTRY_LEN;
use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read, Seek};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// The journal's magic and format version (2 since policy v2; SPEC §12, §22).
const MAGIC: &[u8; 16] = b"CHANCERYJRNL\x00\x00\x00\x02";
const FORMAT: u32 = 2;
const HEADER_LEN: u64 = 16;
const RECORD_OVERHEAD: u64 = 36;
const SLOT_LEN: usize = 64;

/// Journal-backed durable store in a directory.
#[derive(Debug)]
pub struct FileStore {
    dir: PathBuf,
    journal_path: PathBuf,
    head_path: PathBuf,
    journal: File,
    head: File,
    offsets: Offsets,
    end: u64,
    last_hash: Digest32,
    counter: u64,
    poisoned: bool,
    syncs: u64,
    /// Test hook: fail the sync this many syncs from now (1 = the next).
    fail_sync_in: u32,
    /// Test hook: the next journal write stops after this many bytes, as on a full disk.
    fail_write_after: Option<usize>,
    /// The head of the batch whose journal was synced but whose head slot's write or sync
    /// failed (`None` otherwise): [`Store::reopen`] writes and syncs it again.
    unsynced_head: Option<Head>,
    /// The writer's lock (`None` for a reader).
    lock: Option<File>,
    /// The offsets file, as the writer keeps it (`None` for a reader, or once a write to it
    /// failed: the next open rebuilds it).
    offsets_file: Option<File>,
}

#[derive(Debug, Clone, Copy)]
struct Head {
    counter: u64,
    count: u64,
    journal_len: u64,
    last_hash: Digest32,
}

impl Head {
    fn encode(&self) -> [u8; SLOT_LEN] {
        let mut s = [0u8; SLOT_LEN];
        s[0..8].copy_from_slice(&self.counter.to_be_bytes());
        s[8..16].copy_from_slice(&self.count.to_be_bytes());
        s[16..24].copy_from_slice(&self.journal_len.to_be_bytes());
        s[24..56].copy_from_slice(&self.last_hash.0);
        let check = sha256(&s[..56]);
        s[56..64].copy_from_slice(&check.0[..8]);
        s
    }

    /// The byte offset of its slot in the head file.
    fn slot(&self) -> u64 {
        (self.counter % 2) * SLOT_LEN as u64
    }

    fn decode(s: &[u8]) -> Option<Self> {
        let s: &[u8; SLOT_LEN] = s.try_into().ok()?;
        if sha256(&s[..56]).0[..8] != s[56..64] {
            return None;
        }
        let u = |r: std::ops::Range<usize>| u64::from_be_bytes(s[r].try_into().unwrap_or([0; 8]));
        Some(Self {
            counter: u(0..8),
            count: u(8..16),
            journal_len: u(16..24),
            last_hash: Digest32(s[24..56].try_into().unwrap_or([0; 32])),
        })
    }
}

impl FileStore {
    /// Opens the store in `dir` as its writer, creating it if the directory holds none. Takes
    /// the exclusive writer lock (refused with [`StorageError::Locked`] while another writer
    /// holds it); checks every committed record and truncates an unacknowledged torn tail.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, StorageError> {
        let dir = dir.as_ref().to_owned();
        std::fs::create_dir_all(&dir).map_err(io("create directory", &dir))?;
        let lock = Self::take_lock(&dir)?;
        let journal_path = dir.join("journal.log");
        let head_path = dir.join("head");
        // A store is new only if neither file exists: a head without its journal is damage to
        // report, never a reason to start over (that would destroy the evidence).
        let fresh = !journal_path.exists() && !head_path.exists();
        if !journal_path.exists() && !fresh {
            return Err(StorageError::Damaged(Damage {
                file: journal_path,
                offset: 0,
                seq: None,
                reason: DamageReason::BadHeader,
            }));
        }
        let journal = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&journal_path)
            .map_err(io("open", &journal_path))?;
        let head = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&head_path)
            .map_err(io("open", &head_path))?;
        if fresh {
            Self::initialise(&dir, &journal_path, &journal, &head_path, &head)?;
        }
        let mut store = Self::handle(dir, journal, head, Some(lock));
        store.recover()?;
        store.keep_offsets();
        Ok(store)
    }

    /// [`FileStore::open`] without walking the journal: the committed head, and where the
    /// records start from the offsets file (checked against the head: the last record must
    /// end where the head says and carry its hash; records the file lacks are walked). A
    /// committed record is then checked when it is read (SPEC §12), not here: what an indexed
    /// ledger opens with, whose open must not cost a read of the whole journal. Without a
    /// usable offsets file (or with a head slot damaged), as [`FileStore::open`].
    pub fn open_lazily(dir: impl AsRef<Path>) -> Result<Self, StorageError> {
        let dir = dir.as_ref();
        if !dir.join("journal.log").exists() || !dir.join("head").exists() {
            return Self::open(dir);
        }
        let mut store = Self::open_handle(dir)?;
        if !store.recover_lazily()? {
            store.recover()?;
        }
        store.keep_offsets();
        Ok(store)
    }

    /// [`FileStore::open_read_only`] without walking the journal, as
    /// [`FileStore::open_lazily`].
    pub fn open_read_only_lazily(dir: impl AsRef<Path>) -> Result<Self, StorageError> {
        let mut store = Self::reader_handle(dir.as_ref())?;
        if !store.recover_lazily()? {
            store.recover()?;
        }
        Ok(store)
    }

    /// The writer's exclusive lock on the store in `dir`.
    fn take_lock(dir: &Path) -> Result<File, StorageError> {
        let lock_path = dir.join("lock");
        let lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(io("open", &lock_path))?;
        lock.try_lock()
            .map_err(|_| StorageError::Locked(dir.to_owned()))?;
        Ok(lock)
    }

    /// The writer's handle on an existing store in `dir` (the lock taken), not yet read.
    fn open_handle(dir: &Path) -> Result<Self, StorageError> {
        let dir = dir.to_owned();
        let lock = Self::take_lock(&dir)?;
        let journal = open_rw(&dir.join("journal.log"))?;
        let head = open_rw(&dir.join("head"))?;
        Ok(Self::handle(dir, journal, head, Some(lock)))
    }

    /// Reads the committed head and the offsets file instead of the journal; `false` (nothing
    /// changed) if they do not make a whole, agreeing picture, which the full walk then
    /// settles (and reports damage with).
    fn recover_lazily(&mut self) -> Result<bool, StorageError> {
        let (head, both_slots) = self.committed_head()?;
        // With a head slot damaged the writer must look past the older head (see `recover`).
        if !(both_slots || self.is_read_only()) || head.count == 0 {
            return Ok(false);
        }
        let file_len = self.journal_file_len()?;
        let mut magic = [0u8; 16];
        if file_len < head.journal_len
            || self.journal.read_exact_at(&mut magic, 0).is_err()
            || &magic != MAGIC
        {
            return Ok(false);
        }
        // Only a regular file (a pipe planted there would block the open).
        let path = self.dir.join(OFFSETS);
        if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
            return Ok(false);
        }
        let Ok(file) = File::open(&path) else {
            return Ok(false);
        };
        let kept = file.metadata().map_or(0, |m| m.len() / 8).min(head.count);
        if kept == 0 {
            return Ok(false);
        }
        let probe = Offsets {
            file: Some(file),
            stored: kept,
            tail: Vec::new(),
        };
        let (Some(first), Some(last)) = (probe.get(0), probe.get(kept - 1)) else {
            return Ok(false);
        };
        if first != HEADER_LEN {
            return Ok(false);
        }
        // Walk from the last offset the file holds to the committed end.
        let Some(tail) = self.frame(last, kept - 1, &head) else {
            return Ok(false);
        };
        if file_len > head.journal_len && !self.is_read_only() {
            // Both slots intact: what follows the head was never acknowledged.
            self.journal
                .set_len(head.journal_len)
                .map_err(io("truncate", &self.journal_path))?;
            self.journal
                .sync_all()
                .map_err(io("sync", &self.journal_path))?;
        }
        self.offsets = Offsets {
            file: probe.file,
            stored: kept - 1,
            tail,
        };
        self.end = head.journal_len;
        self.counter = head.counter;
        self.last_hash = head.last_hash;
        Ok(true)
    }

    /// The offsets of the records from `pos` (record number `seq`) to the end of the committed
    /// `head`, by their framing alone (each length within bounds): `None` unless the last one
    /// ends exactly at the head's journal length, the count is the head's and the last stored
    /// hash is the head's. The records' bytes are hashed by the ledger that reads them.
    fn frame(&self, mut pos: u64, seq: u64, head: &Head) -> Option<Vec<u64>> {
        let mut tail = Vec::new();
        let mut hash = Digest32::ZERO;
        while pos < head.journal_len {
            let mut fixed = [0u8; RECORD_OVERHEAD as usize];
            self.journal.read_exact_at(&mut fixed, pos).ok()?;
            let len = u32::from_be_bytes([fixed[0], fixed[1], fixed[2], fixed[3]]);
            if len == 0 || len as usize > MAX_ENTRY_LEN {
                return None;
            }
            tail.push(pos);
            hash = Digest32(fixed[4..].try_into().unwrap_or([0; 32]));
            pos += RECORD_OVERHEAD + u64::from(len);
        }
        (pos == head.journal_len && seq + tail.len() as u64 == head.count && hash == head.last_hash)
            .then_some(tail)
    }

    /// A reader takes in the records the writer committed since this handle last read the
    /// head (SPEC §12): the new committed head, and the new records' framing checked against
    /// it. A head that no longer extends what this handle read (fewer entries, or the same
    /// count under another last hash) is damage: a committed journal never shrinks.
    fn follow(&mut self) -> Result<u64, StorageError> {
        let (head, _) = self.committed_head()?;
        let len = self.offsets.len();
        let rewritten = head.count < len || (head.count == len && head.last_hash != self.last_hash);
        if rewritten || head.journal_len < self.end {
            return Err(self.damage(&self.head_path, 0, Some(len), DamageReason::HeadMismatch));
        }
        if head.count == len {
            return Ok(len);
        }
        let tail = self.frame(self.end, len, &head).ok_or_else(|| {
            self.damage(
                &self.journal_path,
                self.end,
                Some(len),
                DamageReason::HeadMismatch,
            )
        })?;
        self.offsets.extend(&tail);
        self.end = head.journal_len;
        self.counter = head.counter;
        self.last_hash = head.last_hash;
        Ok(self.offsets.len())
    }

    /// The writer makes the offsets file hold every record's offset, and no more. A failure
    /// leaves it as it is: it is a hint, checked at every open.
    fn keep_offsets(&mut self) {
        if self.is_read_only() {
            return;
        }
        let path = self.dir.join(OFFSETS);
        // Anything but a regular file there (a link, a pipe) is removed, not followed.
        if std::fs::symlink_metadata(&path).is_ok_and(|m| !m.is_file()) {
            let _ = std::fs::remove_file(&path);
        }
        let Ok(file) = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
        else {
            return;
        };
        // The first `stored` offsets came from this file and were checked; the rest are new.
        let bytes: Vec<u8> = self
            .offsets
            .tail
            .iter()
            .flat_map(|o| o.to_be_bytes())
            .collect();
        let written = file.write_all_at(&bytes, self.offsets.stored * 8).is_ok()
            && file.set_len(self.offsets.len() * 8).is_ok();
        self.offsets_file = written.then_some(file);
    }

    /// Opens the store in `dir` for reading only: no lock, nothing created, truncated or
    /// written. It holds the ledger as of the committed head at this moment; the entries a
    /// writer appends later are taken in by [`Store::refresh`] (which [`crate::Ledger::catch_up`]
    /// calls); appends are refused with [`StorageError::ReadOnly`].
    pub fn open_read_only(dir: impl AsRef<Path>) -> Result<Self, StorageError> {
        let mut store = Self::reader_handle(dir.as_ref())?;
        store.recover()?;
        Ok(store)
    }

    /// A reader's handle on the store in `dir`, not yet read.
    fn reader_handle(dir: &Path) -> Result<Self, StorageError> {
        let journal_path = dir.join("journal.log");
        let head_path = dir.join("head");
        let journal = File::open(&journal_path).map_err(io("open", &journal_path))?;
        let head = File::open(&head_path).map_err(io("open", &head_path))?;
        Ok(Self::handle(dir.to_owned(), journal, head, None))
    }

    /// A handle on the store in `dir` before [`FileStore::recover`] reads it; a writer's holds
    /// the lock.
    fn handle(dir: PathBuf, journal: File, head: File, lock: Option<File>) -> Self {
        Self {
            journal_path: dir.join("journal.log"),
            head_path: dir.join("head"),
            dir,
            journal,
            head,
            offsets: Offsets::default(),
            end: HEADER_LEN,
            last_hash: Digest32::ZERO,
            counter: 0,
            poisoned: false,
            syncs: 0,
            fail_sync_in: 0,
            fail_write_after: None,
            unsynced_head: None,
            lock,
            offsets_file: None,
        }
    }

    /// Whether this handle is a reader (opened with [`FileStore::open_read_only`]).
    pub fn is_read_only(&self) -> bool {
        self.lock.is_none()
    }

    /// The committed head: the intact slot with the highest counter, and whether both slots
    /// are intact. A reader retries a while if neither slot checks (a writer may be rewriting
    /// one as it reads).
    fn committed_head(&self) -> Result<(Head, bool), StorageError> {
        let attempts = if self.is_read_only() { 100 } else { 1 };
        for attempt in 0..attempts {
            let mut slots = [0u8; 2 * SLOT_LEN];
            if self.head.read_exact_at(&mut slots, 0).is_ok() {
                let intact: Vec<Head> = [&slots[..SLOT_LEN], &slots[SLOT_LEN..]]
                    .iter()
                    .filter_map(|s| Head::decode(s))
                    .collect();
                if let Some(h) = intact.iter().max_by_key(|h| h.counter) {
                    return Ok((*h, intact.len() == 2));
                }
            }
            if attempt + 1 < attempts {
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        }
        Err(self.damage(&self.head_path, 0, None, DamageReason::BadHead))
    }

    fn initialise(
        dir: &Path,
        jp: &Path,
        journal: &File,
        hp: &Path,
        head: &File,
    ) -> Result<(), StorageError> {
        journal.write_all_at(MAGIC, 0).map_err(io("write", jp))?;
        journal.sync_all().map_err(io("sync", jp))?;
        let h = Head {
            counter: 0,
            count: 0,
            journal_len: HEADER_LEN,
            last_hash: Digest32::ZERO,
        };
        let mut both = [0u8; 2 * SLOT_LEN];
        both[..SLOT_LEN].copy_from_slice(&h.encode());
        head.write_all_at(&both, 0).map_err(io("write", hp))?;
        head.sync_all().map_err(io("sync", hp))?;
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io("sync directory", dir))
    }

    fn damage(
        &self,
        file: &Path,
        offset: u64,
        seq: Option<u64>,
        reason: DamageReason,
    ) -> StorageError {
        StorageError::Damaged(Damage {
            file: file.to_owned(),
            offset,
            seq,
            reason,
        })
    }

    /// The journal file's length on disk.
    fn journal_file_len(&self) -> Result<u64, StorageError> {
        Ok(self
            .journal
            .metadata()
            .map_err(io("stat", &self.journal_path))?
            .len())
    }

    /// Reads the committed head and scans the journal.
    fn recover(&mut self) -> Result<(), StorageError> {
        let (head, both_slots) = self.committed_head()?;
        let file_len = self.journal_file_len()?;
        let mut magic = [0u8; 16];
        if file_len >= HEADER_LEN
            && self.journal.read_exact_at(&mut magic, 0).is_ok()
            && magic[..12] == MAGIC[..12]
        {
            let found = u32::from_be_bytes([magic[12], magic[13], magic[14], magic[15]]);
            if found < FORMAT && found > 0 {
                return Err(StorageError::Format {
                    path: self.journal_path.clone(),
                    found,
                });
            }
        }
        if file_len < HEADER_LEN
            || self.journal.read_exact_at(&mut magic, 0).is_err()
            || &magic != MAGIC
        {
            return Err(self.damage(&self.journal_path, 0, None, DamageReason::BadHeader));
        }
        if file_len < head.journal_len {
            // Name the first committed entry that is missing or cut short.
            let seq = self.records_within(file_len);
            return Err(self.damage(
                &self.journal_path,
                file_len,
                Some(seq),
                DamageReason::MissingCommitted {
                    committed: head.journal_len,
                },
            ));
        }
        // Committed records are walked without hashing them: the ledger hashes every record
        // it replays. If the walk finds a fault, a record before it may be the damaged one (a
        // changed length misframes the records after it), so the walk is repeated hashing every
        // record, to name the first damaged record.
        // Only what the committed head covers counts. With both head slots intact, bytes after
        // it were never acknowledged (a batch whose write or sync failed, or a crash before its
        // head slot was written): the writer truncates them, so a failed batch never reappears
        // in part. With one slot damaged, that slot may have been the newest, acknowledged,
        // head: its batch was wholly synced before the slot was written, so the writer keeps
        // the intact records after the older head (a batch is then there entirely). A reader
        // reads only what the head covers.
        let scan_len = if both_slots || self.is_read_only() {
            head.journal_len
        } else {
            file_len
        };
        let pos = match self.scan(&head, scan_len, false) {
            Ok(pos) => pos,
            Err(fault) => {
                self.offsets = Offsets::default();
                self.last_hash = Digest32::ZERO;
                self.scan(&head, scan_len, true)?;
                return Err(fault);
            }
        };
        if pos < file_len && !self.is_read_only() {
            self.journal
                .set_len(pos)
                .map_err(io("truncate", &self.journal_path))?;
            self.journal
                .sync_all()
                .map_err(io("sync", &self.journal_path))?;
        }
        self.end = pos;
        self.counter = head.counter;
        Ok(())
    }

    /// How many whole records lie in the first `end` bytes of the journal (by their length
    /// fields alone): the sequence number of the first record that does not.
    fn records_within(&self, end: u64) -> u64 {
        let mut pos = HEADER_LEN;
        let mut n = 0;
        let mut len = [0u8; 4];
        while pos + RECORD_OVERHEAD <= end && self.journal.read_exact_at(&mut len, pos).is_ok() {
            let next = pos + RECORD_OVERHEAD + u64::from(u32::from_be_bytes(len));
            if next > end {
                break;
            }
            n += 1;
            pos = next;
        }
        n
    }

    /// Walks the journal's records from the start: framing, lengths, the committed head, and
    /// (for records past the committed head always, for committed ones if `hash_committed`)
    /// each record's hash. Returns the end of the last intact record.
    fn scan(
        &mut self,
        head: &Head,
        file_len: u64,
        hash_committed: bool,
    ) -> Result<u64, StorageError> {
        let mut reader = BufReader::with_capacity(1 << 20, &self.journal);
        reader
            .seek(std::io::SeekFrom::Start(0))
            .map_err(io("read", &self.journal_path))?;
        let mut skip = [0u8; HEADER_LEN as usize];
        reader
            .read_exact(&mut skip)
            .map_err(io("read", &self.journal_path))?;
        let mut pos = HEADER_LEN;
        let mut buf = Vec::new();
        while pos < file_len {
            let seq = self.offsets.len();
            let committed = pos < head.journal_len;
            let bad =
                |store: &Self, reason| store.damage(&store.journal_path, pos, Some(seq), reason);
            let mut fixed = [0u8; RECORD_OVERHEAD as usize];
            if pos + RECORD_OVERHEAD > file_len {
                if committed {
                    return Err(bad(self, DamageReason::Truncated));
                }
                break;
            }
            reader
                .read_exact(&mut fixed)
                .map_err(io("read", &self.journal_path))?;
            let len = u32::from_be_bytes([fixed[0], fixed[1], fixed[2], fixed[3]]);
            if len == 0 || len as usize > MAX_ENTRY_LEN {
                if committed {
                    return Err(bad(self, DamageReason::BadLength(len)));
                }
                break;
            }
            let next = pos + RECORD_OVERHEAD + u64::from(len);
            if next > file_len {
                if committed {
                    return Err(bad(self, DamageReason::Truncated));
                }
                break;
            }
            let stored = Digest32(fixed[4..].try_into().unwrap_or([0; 32]));
            let hash = if committed && !hash_committed {
                reader
                    .seek_relative(i64::from(len))
                    .map_err(io("read", &self.journal_path))?;
                stored
            } else {
                buf.resize(len as usize, 0);
                reader
                    .read_exact(&mut buf)
                    .map_err(io("read", &self.journal_path))?;
                let hash = leaf_hash(&buf);
                if hash != stored {
                    if committed {
                        return Err(bad(self, DamageReason::HashMismatch));
                    }
                    break;
                }
                hash
            };
            if next > head.journal_len && committed {
                return Err(bad(self, DamageReason::HeadMismatch));
            }
            self.offsets.push(pos);
            self.last_hash = hash;
            pos = next;
            if pos == head.journal_len
                && (self.offsets.len() != head.count || self.last_hash != head.last_hash)
            {
                return Err(self.damage(
                    &self.journal_path,
                    pos,
                    Some(seq),
                    DamageReason::HeadMismatch,
                ));
            }
        }
        if head.count > 0 && self.offsets.len() < head.count {
            return Err(self.damage(&self.journal_path, pos, None, DamageReason::HeadMismatch));
        }
        Ok(pos)
    }

    /// Number of `fdatasync` calls made by appends since open (test hook).
    #[cfg_attr(not(feature = "test-support"), allow(dead_code))]
    pub(crate) fn syncs(&self) -> u64 {
        self.syncs
    }

    /// The store's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Test hook: the `n`-th sync from now fails (1 = the next: the journal's; 2: the head's).
    #[cfg_attr(not(feature = "test-support"), allow(dead_code))]
    pub(crate) fn inject_sync_failure(&mut self, n: u32) {
        self.fail_sync_in = n;
    }

    /// Test hook: the next journal write stops after `bytes` bytes and fails with ENOSPC.
    #[cfg_attr(not(feature = "test-support"), allow(dead_code))]
    pub(crate) fn inject_write_failure(&mut self, bytes: usize) {
        self.fail_write_after = Some(bytes);
    }

    fn sync(&mut self, which: bool) -> Result<(), StorageError> {
        let (file, path) = if which {
            (&self.journal, &self.journal_path)
        } else {
            (&self.head, &self.head_path)
        };
        let scheduled = match self.fail_sync_in {
            0 => false,
            1 => {
                self.fail_sync_in = 0;
                true
            }
            n => {
                self.fail_sync_in = n - 1;
                false
            }
        };
        if scheduled {
            return Err(StorageError::Io {
                op: "sync",
                path: path.clone(),
                source: std::io::Error::other("injected sync failure"),
            });
        }
        file.sync_data().map_err(io("sync", path))?;
        self.syncs += 1;
        Ok(())
    }

    fn commit(&mut self, records: &[Record]) -> Result<(), StorageError> {
        let total: usize = records.iter().map(|r| r.bytes.len() + 36).sum();
        let mut buf = Vec::with_capacity(total);
        let mut offsets = Vec::with_capacity(records.len());
        let mut pos = self.end;
        for r in records {
            let len = u32::try_from(r.bytes.len()).map_err(|_| StorageError::Io {
                op: "append",
                path: self.journal_path.clone(),
                source: std::io::Error::other("record too large"),
            })?;
            offsets.push(pos);
            buf.extend_from_slice(&len.to_be_bytes());
            buf.extend_from_slice(&r.hash.0);
            buf.extend_from_slice(&r.bytes);
            pos += RECORD_OVERHEAD + u64::from(len);
        }
        if let Some(n) = self.fail_write_after.take() {
            let n = n.min(buf.len());
            self.journal
                .write_all_at(&buf[..n], self.end)
                .map_err(io("write", &self.journal_path))?;
            return Err(StorageError::Io {
                op: "write",
                path: self.journal_path.clone(),
                source: std::io::Error::from_raw_os_error(28),
            });
        }
        self.journal
            .write_all_at(&buf, self.end)
            .map_err(io("write", &self.journal_path))?;
        self.sync(true)?;
        let head = Head {
            counter: self.counter + 1,
            count: self.offsets.len() + records.len() as u64,
            journal_len: pos,
            last_hash: records.last().map_or(self.last_hash, |r| r.hash),
        };
        // From here a reader may see the batch (the page cache shows its head slot), so a
        // failure is mended by writing this head again, never by cutting the batch off.
        self.unsynced_head = Some(head);
        self.head
            .write_all_at(&head.encode(), head.slot())
            .map_err(io("write", &self.head_path))?;
        self.sync(false)?;
        self.unsynced_head = None;
        let at = self.offsets.len() * 8;
        self.offsets.extend(&offsets);
        if let Some(file) = &self.offsets_file {
            let bytes: Vec<u8> = offsets.iter().flat_map(|o| o.to_be_bytes()).collect();
            if file.write_all_at(&bytes, at).is_err() {
                self.offsets_file = None;
            }
        }
        self.end = pos;
        self.counter = head.counter;
        self.last_hash = head.last_hash;
        Ok(())
    }
}

impl Store for FileStore {
    fn len(&self) -> u64 {
        self.offsets.len()
    }

    /// A reader's handle follows the writer's committed head; the writer's (the only one)
    /// has nothing to take in.
    fn refresh(&mut self) -> Result<u64, StorageError> {
        if self.is_read_only() {
            self.follow()
        } else {
            Ok(self.len())
        }
    }

    fn is_read_only(&self) -> bool {
        FileStore::is_read_only(self)
    }

    /// New handles on the journal and the head (a failed sync's error stays with the old
    /// ones), the failed batch mended through them, then checked as [`FileStore::open`] checks
    /// them, keeping the writer's lock.
    ///
    /// Mended, because after a failed sync the page cache may show bytes whose pages the
    /// kernel dropped, and a later sync may succeed without making them durable. A batch whose
    /// journal was synced but whose head slot's write or sync failed may have been read (a
    /// reader follows the head): its head is written again and synced, so what was seen is
    /// durable and the batch is taken in. A batch whose journal write or sync failed was never
    /// named by a head: the journal is cut back to the last synced head's end and synced. A
    /// journal shorter than what was synced is left as it is, for the check to report.
    fn reopen(&mut self) -> Result<(), StorageError> {
        if !self.poisoned || self.is_read_only() {
            return Ok(());
        }
        let journal = open_rw(&self.journal_path)?;
        let head = open_rw(&self.head_path)?;
        let len = journal
            .metadata()
            .map_err(io("stat", &self.journal_path))?
            .len();
        let mut syncs = self.syncs;
        match self.unsynced_head {
            Some(h) if len >= h.journal_len => {
                head.write_all_at(&h.encode(), h.slot())
                    .and_then(|()| head.sync_all())
                    .map_err(io("write", &self.head_path))?;
                syncs += 1;
            }
            None if len >= self.end => {
                journal
                    .set_len(self.end)
                    .and_then(|()| journal.sync_all())
                    .map_err(io("truncate", &self.journal_path))?;
                syncs += 1;
            }
            _ => {}
        }
        let mut fresh = Self::handle(self.dir.clone(), journal, head, self.lock.take());
        fresh.syncs = syncs;
        match fresh.recover() {
            Ok(()) => {
                fresh.keep_offsets();
                *self = fresh;
                Ok(())
            }
            Err(e) => {
                self.lock = fresh.lock.take();
                Err(e)
            }
        }
    }

    /// The file `integrity` in the store directory, if it is a regular file (never more than
    /// a record's length is read: a device or a pipe planted there reads as no record).
    fn integrity_record(&self) -> Option<Vec<u8>> {
        use std::io::Read;
        let path = self.dir.join("integrity");
        if !std::fs::symlink_metadata(&path).ok()?.is_file() {
            return None;
        }
        let mut out = Vec::new();
        File::open(&path)
            .ok()?
            .take(crate::ledger::INTEGRITY_RECORD_LEN as u64 + 1)
            .read_to_end(&mut out)
            .ok()?;
        Some(out)
    }

    /// Written to a new temporary file (any leftover or link of that name is removed first, and
    /// the file is created exclusively, so nothing outside the store is followed or written)
    /// and renamed over `integrity` (no sync: see the trait).
    fn set_integrity_record(&mut self, record: &[u8]) -> Result<(), StorageError> {
        use std::io::Write;
        if self.is_read_only() {
            return Err(StorageError::ReadOnly);
        }
        let path = self.dir.join("integrity");
        let temp = self.dir.join("integrity.new");
        match std::fs::remove_file(&temp) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(io("remove", &temp)(e));
            }
            _ => {}
        }
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .and_then(|mut f| f.write_all(record))
            .map_err(io("write", &temp))?;
        std::fs::rename(&temp, &path).map_err(io("rename", &path))
    }

    fn append(&mut self, expected_len: u64, records: &[Record]) -> Result<(), StorageError> {
        if self.is_read_only() {
            return Err(StorageError::ReadOnly);
        }
        if self.poisoned {
            return Err(StorageError::Poisoned);
        }
        if expected_len != self.len() {
            return Err(StorageError::Conflict {
                expected: expected_len,
                actual: self.len(),
            });
        }
        if records.is_empty() {
            return Ok(());
        }
        let result = self.commit(records);
        if result.is_err() {
            self.poisoned = true;
        }
        result
    }

    fn read(&self, start: u64, end: u64) -> Result<Vec<Record>, StorageError> {
        if start > end || end > self.len() {
            return Err(StorageError::OutOfRange {
                start,
                end,
                len: self.len(),
            });
        }
        if start == end {
            return Ok(Vec::new());
        }
        let offset = |seq: u64| {
            self.offsets.get(seq).ok_or_else(|| {
                self.damage(
                    &self.dir.join(OFFSETS),
                    seq * 8,
                    Some(seq),
                    DamageReason::BadOffset,
                )
            })
        };
        let from = offset(start)?;
        let to = if end == self.len() {
            self.end
        } else {
            offset(end)?
        };
        // No span longer than its records could be (a damaged offset must not make a read
        // allocate the journal).
        let most = (end - start).saturating_mul(RECORD_OVERHEAD + MAX_ENTRY_LEN as u64);
        if to < from || to > self.end || to - from > most {
            return Err(self.damage(
                &self.dir.join(OFFSETS),
                start * 8,
                Some(start),
                DamageReason::BadOffset,
            ));
        }
        let mut buf = vec![0u8; usize::try_from(to - from).unwrap_or(0)];
        self.journal
            .read_exact_at(&mut buf, from)
            .map_err(io("read", &self.journal_path))?;
        let mut out = Vec::with_capacity((end - start) as usize);
        let mut p = 0usize;
        // Offsets read from the offsets file (a lazily opened store) that do not frame the
        // journal are the offsets file's fault until the full walk says otherwise.
        let hinted = start < self.offsets.stored;
        for seq in start..=end {
            let bad = |reason| {
                StorageError::Damaged(if hinted {
                    Damage {
                        file: self.dir.join(OFFSETS),
                        offset: start * 8,
                        seq: Some(start),
                        reason: DamageReason::BadOffset,
                    }
                } else {
                    Damage {
                        file: self.journal_path.clone(),
                        offset: from + p as u64,
                        seq: Some(seq),
                        reason,
                    }
                })
            };
            if seq == end {
                // The records must end where the next one starts: offsets that do not frame
                // the journal are caught here, not served.
                if p != buf.len() {
                    return Err(bad(DamageReason::HeadMismatch));
                }
                break;
            }
            let fixed = buf
                .get(p..p + 36)
                .ok_or_else(|| bad(DamageReason::Truncated))?;
            let len = u32::from_be_bytes([fixed[0], fixed[1], fixed[2], fixed[3]]) as usize;
            if len == 0 || len > MAX_ENTRY_LEN {
                return Err(bad(DamageReason::BadLength(len as u32)));
            }
            let hash = Digest32(fixed[4..36].try_into().unwrap_or([0; 32]));
            let bytes = buf
                .get(p + 36..p + 36 + len)
                .ok_or_else(|| bad(DamageReason::Truncated))?
                .to_vec();
            out.push(Record { hash, bytes });
            p += 36 + len;
        }
        Ok(out)
    }

    fn locate(&self, seq: u64) -> Option<(PathBuf, u64)> {
        let offset = self.offsets.get(seq)?;
        Some((self.journal_path.clone(), offset))
    }
}

/// The offsets file's name in the store directory.
const OFFSETS: &str = "offsets";

/// Where each record starts: the first `stored` read from the offsets file when asked (a store
/// opened lazily), the rest in memory.
#[derive(Debug, Default)]
struct Offsets {
    file: Option<File>,
    stored: u64,
    tail: Vec<u64>,
}

impl Offsets {
    fn len(&self) -> u64 {
        self.stored + self.tail.len() as u64
    }

    fn push(&mut self, offset: u64) {
        self.tail.push(offset);
    }

    fn extend(&mut self, offsets: &[u64]) {
        self.tail.extend_from_slice(offsets);
    }

    /// Where record `seq` starts (`None` past the end, or if the offsets file cannot be read).
    fn get(&self, seq: u64) -> Option<u64> {
        if seq < self.stored {
            let mut b = [0u8; 8];
            self.file.as_ref()?.read_exact_at(&mut b, seq * 8).ok()?;
            Some(u64::from_be_bytes(b))
        } else {
            self.tail
                .get(usize::try_from(seq - self.stored).ok()?)
                .copied()
        }
    }
}

/// An existing file of a store, opened for reading and writing.
fn open_rw(path: &Path) -> Result<File, StorageError> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(io("open", path))
}
