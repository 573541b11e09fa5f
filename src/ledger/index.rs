//! The persistent index (SPEC §12, "Persistent index"): the state's tables and the Merkle
//! tree's leaf hashes in a redb file beside the journal, so that opening a ledger reads its
//! head instead of replaying every entry, and a query reads the rows it needs.
//!
//! The journal stays the store of record: the index is a cache, written after the entries
//! that change it are durable, caught up from the journal when it is behind, and rebuilt from
//! the journal when it is damaged, ahead, or of another ledger. Every row carries a MAC under
//! the node-local integrity key, checked on every read: a row whoever can write the index
//! made or altered is never served; the journal answers instead and the index is rebuilt at
//! the next open.

use super::{AuditError, AuditReport, Clock, IntegrityKey, Ledger, OpenError};
use crate::audit::Signatures;
use crate::crypto::Digest32;
use crate::encoding::{hex, Canonical, DecodeError, Decoder, Encoder};
use crate::merkle::{MerkleTree, Tile, TileKind, TileSource, TileWrite};
use crate::state::{RowChange, RowSource, State};
use crate::storage::{StorageError, Store};
use redb::{Database, ReadOnlyDatabase, ReadableDatabase, ReadableTable, TableDefinition};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// The index's own table: its head and format.
const META: &str = "meta";
/// The Merkle tree's hash tiles: row `u8(L) || u64be(N)` holds C2SP tile `tile/L/N`, the
/// hashes concatenated (a partial tile holds fewer than 256).
const TILES: &str = "tiles";
/// The head's key in `META`.
const HEAD_KEY: &[u8] = b"head";
/// The index format (SPEC §12): bumped when a table or row encoding changes; an index of
/// another version is rebuilt.
pub const INDEX_VERSION: u64 = 2;
/// Entries a rebuild replays in memory before it streams the rest into the index through the
/// catch-up (2^22: about 5.5 GB of replayed state). Measured at 1 M demo entries: in memory
/// 37 s and 1.66 GB, streamed 101 s and 1.29 GB, so a rebuild streams only what memory could
/// not hold.
pub(crate) static REBUILD_SEED: std::sync::atomic::AtomicU64 =
    std::sync::atomic::AtomicU64::new(1 << 22);

/// The default index interval ([`Ledger::set_index_interval`]): entries appended between two
/// index writes.
pub const INDEX_INTERVAL: u64 = 8192;
/// Bytes of a row's MAC (HMAC-SHA-256 truncated, as RFC 2104 §5 allows).
const MAC_LEN: usize = 16;

/// The persistent index could not be used.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The index file could not be opened, read or written.
    #[error("index {path}: {reason}")]
    Io {
        /// The index file.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
}

/// Why a persistent index cannot be used as it is ([`Ledger::check_index`]): the writer
/// rebuilds it from the journal.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum IndexUnusable {
    /// It could not be opened (it may not exist yet).
    #[error(transparent)]
    Open(#[from] IndexError),
    /// It holds no head (it was never filled, or was made unusable to be rebuilt), or one of
    /// another index format.
    #[error("the index holds no head of this format")]
    NoHead,
    /// Its head is past the journal's end (or it holds no entry).
    #[error("the index holds {index} entries, the journal {journal}")]
    Ahead {
        /// Entries the index says it holds.
        index: u64,
        /// Entries the journal holds.
        journal: u64,
    },
    /// Its head is not the journal's entry of that size: it is another ledger's index.
    #[error("the index's entry {size} is not the journal's")]
    OtherLedger {
        /// Entries the index says it holds.
        size: u64,
    },
    /// The journal's entry at the index's head could not be read.
    #[error("the journal could not be read: {0}")]
    Journal(String),
    /// A row or tile failed its check (the first fault found).
    #[error("the index is damaged: {0}")]
    Damaged(String),
}

/// What the index holds: a ledger of `size` entries ending in `head`, of `origin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct IndexHead {
    pub size: u64,
    pub head: Digest32,
    pub origin: String,
}

impl IndexHead {
    fn encode(&self) -> Vec<u8> {
        let mut e = Encoder::new();
        e.array(4);
        e.uint(INDEX_VERSION);
        e.uint(self.size);
        self.head.encode(&mut e);
        e.text(&self.origin);
        e.into_bytes()
    }

    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        crate::encoding::check::validate(bytes)?;
        let mut d = Decoder::new(bytes);
        d.versioned("index head", INDEX_VERSION, 4, &[])?;
        let head = IndexHead {
            size: d.uint()?,
            head: Digest32::decode(&mut d)?,
            origin: d.text()?.to_owned(),
        };
        d.finish()?;
        Ok(head)
    }
}

impl Drop for Index {
    /// redb 4.6 may panic while closing a damaged file: closing is guarded like every other
    /// use of it.
    fn drop(&mut self) {
        let snapshot = self
            .snapshot
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        let db = self.db.take();
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
            drop(snapshot);
            drop(db);
        }));
    }
}

/// A checked row read on the way: its key, next key and value.
type Neighbour = (Vec<u8>, Vec<u8>, Vec<u8>);

/// A checked row: its key and value.
type Row = (Vec<u8>, Vec<u8>);

/// A table of the index open for reading.
type ReadRowTable = redb::ReadOnlyTable<&'static [u8], &'static [u8]>;

/// A table of the index open for writing.
type RowTable<'a> = redb::Table<'a, &'static [u8], &'static [u8]>;

/// redb's page cache for the index: enough for the registries and the rows a query touches,
/// not redb's default of 1 GiB (a reader process stays small).
const CACHE_BYTES: usize = 32 << 20;

/// The redb file, as the one writer (it writes the index) or as a reader beside it.
enum Db {
    Writer(Database),
    Reader(ReadOnlyDatabase),
}

impl Db {
    fn begin_read(&self) -> Result<redb::ReadTransaction, redb::TransactionError> {
        match self {
            Db::Writer(db) => db.begin_read(),
            Db::Reader(db) => db.begin_read(),
        }
    }

    fn begin_write(&self) -> Result<redb::WriteTransaction, String> {
        match self {
            Db::Writer(db) => db.begin_write().map_err(|e| e.to_string()),
            Db::Reader(_) => Err("a reader does not write the index".into()),
        }
    }
}

/// The redb file and the key its rows are MACed with.
pub(super) struct Index {
    /// Always `Some` until dropped (see `Drop`).
    db: Option<Db>,
    /// The committed index state every read sees: taken at open, and by the writer after
    /// each of its writes. A reader keeps the one it opened with, so its rows are all of the
    /// head it opened at, however far the writer goes meanwhile.
    snapshot: std::sync::Mutex<Option<redb::ReadTransaction>>,
    key: IntegrityKey,
    path: PathBuf,
    /// A row failed its check: the next open rebuilds.
    damaged: AtomicBool,
    /// The first check that failed.
    fault: std::sync::Mutex<Option<String>>,
    /// The state and tree replayed from the journal, made when a row first fails its check:
    /// what answers instead of the damaged index.
    fallback: OnceLock<Option<(State, MerkleTree)>>,
    /// Replays the journal (the store of record) into a state and tree in memory.
    replay: Replay,
    /// Made anew from the journal by this process.
    rebuilt: bool,
    /// Full tiles read (checked) so far: a full tile never changes, so a proof or a served
    /// tile reads each once. Cleared when it holds `TILE_CACHE` of them.
    tiles: std::sync::Mutex<FullTiles>,
    /// Test hook: this many writes from now fail before their commit, as on a full disk.
    fail_writes: std::sync::atomic::AtomicU32,
}

/// Full tiles by level and index.
type FullTiles = std::collections::HashMap<(u8, u64), Arc<Vec<Digest32>>>;

/// Full tiles kept read (8 KiB each).
const TILE_CACHE: usize = 512;

/// Replays the journal into a state and tree in memory.
pub(super) type Replay = Box<dyn Fn() -> Option<(State, MerkleTree)> + Send + Sync>;

fn table(name: &str) -> TableDefinition<'_, &'static [u8], &'static [u8]> {
    TableDefinition::new(name)
}

impl Index {
    /// Opens (or, as the writer, creates) the index at `path`: redb's single-writer mode, in
    /// which reader processes follow the writer's commits. A file redb cannot open (it may
    /// panic on a damaged one) is reported as an error: a writer rebuilds it, a reader replays
    /// the journal instead.
    pub(super) fn open(
        path: &Path,
        key: IntegrityKey,
        replay: Replay,
        writer: bool,
    ) -> Result<Index, IndexError> {
        let io = |reason: String| IndexError::Io {
            path: path.to_owned(),
            reason,
        };
        let opened = std::panic::catch_unwind(|| {
            let mut b = redb::Builder::new();
            b.set_cache_size(CACHE_BYTES)
                .set_concurrency_mode(redb::ConcurrencyMode::SingleWriter);
            if writer {
                b.create(path).map(Db::Writer)
            } else {
                b.open_read_only(path).map(Db::Reader)
            }
        })
        .map_err(|_| io("the index file is damaged".into()))?
        .map_err(|e| io(e.to_string()))?;
        let snapshot =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| opened.begin_read().ok()))
                .ok()
                .flatten();
        Ok(Index {
            db: Some(opened),
            snapshot: std::sync::Mutex::new(snapshot),
            key,
            path: path.to_owned(),
            damaged: AtomicBool::new(false),
            fault: std::sync::Mutex::new(None),
            fallback: OnceLock::new(),
            replay,
            rebuilt: false,
            tiles: std::sync::Mutex::default(),
            fail_writes: std::sync::atomic::AtomicU32::new(0),
        })
    }

    /// Removes the index file at `path` and makes a new, empty one.
    pub(super) fn recreate(
        path: &Path,
        key: IntegrityKey,
        replay: Replay,
    ) -> Result<Index, IndexError> {
        match std::fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(IndexError::Io {
                    path: path.to_owned(),
                    reason: e.to_string(),
                })
            }
        }
        let mut index = Index::open(path, key, replay, true)?;
        index.rebuilt = true;
        Ok(index)
    }

    fn io(&self, e: impl std::fmt::Display) -> IndexError {
        IndexError::Io {
            path: self.path.clone(),
            reason: e.to_string(),
        }
    }

    fn db(&self) -> Result<&Db, IndexError> {
        self.db.as_ref().ok_or_else(|| self.io("closed"))
    }

    /// Whether this is a reader's index, which it never writes.
    pub(super) fn is_reader(&self) -> bool {
        matches!(self.db, Some(Db::Reader(_)))
    }

    /// Whether a row failed its check since the index was opened.
    pub(super) fn is_damaged(&self) -> bool {
        self.damaged.load(Ordering::Acquire)
    }

    /// The row MAC (SPEC §12): HMAC-SHA-256 under the integrity key over
    /// `"chancery/v1/index-row\0" || u8(len table) || table || u32be(len key) || key ||
    /// u32be(len next) || next || value`, of which the first 16 bytes are kept.
    fn mac(&self, table: &str, key: &[u8], next: &[u8], value: &[u8]) -> hmac::Hmac<sha2::Sha256> {
        use hmac::Mac;
        let mut m = self.key.hmac();
        m.update(b"chancery/v1/index-row\0");
        m.update(&[table.len() as u8]);
        m.update(table.as_bytes());
        m.update(&(key.len() as u32).to_be_bytes());
        m.update(key);
        m.update(&(next.len() as u32).to_be_bytes());
        m.update(next);
        m.update(value);
        m
    }

    /// A row as stored: `u32be(len next) || next || value || mac`, where `next` is the key of
    /// the table's next row (empty for the last), so that a row's absence is proven by its
    /// predecessor (SPEC §12).
    fn seal(&self, table: &str, key: &[u8], next: &[u8], value: &[u8]) -> Vec<u8> {
        use hmac::Mac;
        let mac = self.mac(table, key, next, value).finalize().into_bytes();
        let mut out = Vec::with_capacity(4 + next.len() + value.len() + MAC_LEN);
        out.extend_from_slice(&(next.len() as u32).to_be_bytes());
        out.extend_from_slice(next);
        out.extend_from_slice(value);
        out.extend_from_slice(&mac[..MAC_LEN]);
        out
    }

    /// The next key and value of a stored row if its MAC verifies (compared in constant time).
    fn open_row(&self, table: &str, key: &[u8], stored: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
        use hmac::Mac;
        let len = u32::from_be_bytes(stored.get(..4)?.try_into().ok()?) as usize;
        let rest = stored.get(4..)?;
        let body = rest.len().checked_sub(MAC_LEN)?;
        if len > body {
            return None;
        }
        let (next, rest) = rest.split_at(len);
        let (value, mac) = rest.split_at(body - len);
        self.mac(table, key, next, value)
            .verify_truncated_left(mac)
            .ok()
            .map(|()| (next.to_vec(), value.to_vec()))
    }

    /// Marks the index damaged, keeping the first fault found: `what` failed its check.
    fn damage(&self, what: impl std::fmt::Display) -> IndexError {
        self.damaged.store(true, Ordering::Release);
        let what = what.to_string();
        self.note(&what);
        self.io(format!("the index is damaged: {what}"))
    }

    /// Keeps `what` as the first fault found, if none was (a read that failed, which makes
    /// the journal answer, without the index's bytes being shown wrong).
    fn note(&self, what: impl std::fmt::Display) {
        if let Ok(mut fault) = self.fault.lock() {
            fault.get_or_insert_with(|| what.to_string());
        }
    }

    /// The first fault found in the index since it was opened.
    pub(super) fn fault(&self) -> Option<String> {
        self.fault.lock().ok().and_then(|f| f.clone())
    }

    /// Runs `f` on the redb file. redb may panic on a damaged file instead of returning an
    /// error: a panic is taken as damage (and the index is rebuilt at the next open).
    fn guarded<T>(&self, f: impl FnOnce() -> Result<T, IndexError>) -> Result<T, IndexError> {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
            Ok(result) => result,
            Err(_) => Err(self.damage("redb failed on the file")),
        }
    }

    /// The checked value of row `key` of `table_name`: `Ok(None)` only when its predecessor
    /// proves there is none; any failed check is an error.
    fn lookup(&self, table_name: &str, key: &[u8]) -> Result<Option<Vec<u8>>, IndexError> {
        self.guarded(|| {
            let snapshot = self.snapshot();
            let tx = snapshot.as_ref().ok_or_else(|| self.io("no snapshot"))?;
            // Every table of a filled index exists: a missing one is damage.
            let t = tx
                .open_table(table(table_name))
                .map_err(|_| self.damage(format_args!("table {table_name} is missing")))?;
            let mut before = t.range::<&[u8]>(..=key).map_err(|e| self.io(e))?;
            let (at, stored) = match before.next_back() {
                Some(row) => {
                    let (k, v) = row.map_err(|e| self.io(e))?;
                    (k.value().to_vec(), v.value().to_vec())
                }
                // Not even the table's first (empty-keyed) row.
                None => {
                    return Err(self.damage(format_args!("table {table_name} has no first row")))
                }
            };
            let (next, value) = self
                .open_row(table_name, &at, &stored)
                .ok_or_else(|| self.damage(row_fault(table_name, &at, "fails its MAC")))?;
            if at == key {
                Ok(Some(value))
            } else if next.is_empty() || next.as_slice() > key {
                Ok(None)
            } else {
                Err(self.damage(row_fault(table_name, &at, "does not chain to its next row")))
            }
        })
    }

    /// Writes, in one redb transaction, the changed rows, the changed tiles of the tree, and
    /// the new head. `durable`: the commit is synced before this returns; otherwise it may be
    /// lost in a power loss (the next open finds the index behind and catches up: SPEC §12).
    pub(super) fn write(
        &self,
        changes: &[(&'static str, Vec<RowChange>)],
        tiles: &[TileWrite],
        head: &IndexHead,
        durable: bool,
    ) -> Result<(), IndexError> {
        self.guarded(|| {
            let mut tx = self.db()?.begin_write().map_err(|e| self.io(e))?;
            tx.set_durability(if durable {
                redb::Durability::Immediate
            } else {
                redb::Durability::None
            })
            .map_err(|e| self.io(e))?;
            for (name, rows) in changes {
                let mut t = tx.open_table(table(name)).map_err(|e| self.io(e))?;
                self.first_row(&mut t, name)?;
                for (key, value) in rows {
                    self.put(&mut t, name, key, value.as_deref())?;
                }
            }
            let mut t = tx.open_table(table(TILES)).map_err(|e| self.io(e))?;
            self.first_row(&mut t, TILES)?;
            for (key, bytes) in tiles.iter().map(tile_row) {
                self.put(&mut t, TILES, &key, Some(&bytes))?;
            }
            drop(t);
            let mut m = tx.open_table(table(META)).map_err(|e| self.io(e))?;
            self.first_row(&mut m, META)?;
            self.put(&mut m, META, HEAD_KEY, Some(&head.encode()))?;
            drop(m);
            let fail = self
                .fail_writes
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
                .is_ok();
            if fail {
                // Every page written, the commit refused: what a full disk does to it.
                tx.abort().map_err(|e| self.io(e))?;
                return Err(self.io("no space left on device (injected)"));
            }
            tx.commit().map_err(|e| self.io(e))?;
            self.refresh_snapshot()
        })
    }

    /// Makes sure a table has its first row (empty key, empty value), which proves the absence
    /// of every key before the first real one; a table with rows but no first row is damaged.
    fn first_row(&self, t: &mut RowTable<'_>, name: &str) -> Result<(), IndexError> {
        if t.get(&b""[..]).map_err(|e| self.io(e))?.is_some() {
            return Ok(());
        }
        if t.iter().map_err(|e| self.io(e))?.next().is_some() {
            return Err(self.damage(format_args!("table {name} has no first row")));
        }
        let sealed = self.seal(name, b"", b"", b"");
        t.insert(&b""[..], sealed.as_slice())
            .map_err(|e| self.io(e))?;
        Ok(())
    }

    /// Sets (`Some`) or removes (`None`) row `key`, keeping the chain of next keys: a new row
    /// takes its predecessor's next and becomes it; a removed row gives its next back. Every
    /// row read on the way is checked first, so a damaged one is never sealed anew.
    fn put(
        &self,
        t: &mut RowTable<'_>,
        name: &str,
        key: &[u8],
        value: Option<&[u8]>,
    ) -> Result<(), IndexError> {
        let current = t
            .get(key)
            .map_err(|e| self.io(e))?
            .map(|v| v.value().to_vec());
        let current = match current {
            Some(stored) => Some(
                self.open_row(name, key, &stored)
                    .ok_or_else(|| self.damage(row_fault(name, key, "fails its MAC")))?,
            ),
            None => None,
        };
        match (current, value) {
            (Some((next, _)), Some(v)) => {
                t.insert(key, self.seal(name, key, &next, v).as_slice())
                    .map_err(|e| self.io(e))?;
            }
            (None, Some(v)) => {
                let (pk, pnext, pvalue) = self.predecessor(t, name, key)?;
                if !(pnext.is_empty() || pnext.as_slice() > key) {
                    return Err(self.damage(row_fault(
                        name,
                        &pk,
                        "does not chain to its next row",
                    )));
                }
                t.insert(pk.as_slice(), self.seal(name, &pk, key, &pvalue).as_slice())
                    .map_err(|e| self.io(e))?;
                t.insert(key, self.seal(name, key, &pnext, v).as_slice())
                    .map_err(|e| self.io(e))?;
            }
            (Some((next, _)), None) => {
                let (pk, pnext, pvalue) = self.predecessor(t, name, key)?;
                if pnext != key {
                    return Err(self.damage(row_fault(
                        name,
                        &pk,
                        "does not chain to its next row",
                    )));
                }
                t.insert(
                    pk.as_slice(),
                    self.seal(name, &pk, &next, &pvalue).as_slice(),
                )
                .map_err(|e| self.io(e))?;
                t.remove(key).map_err(|e| self.io(e))?;
            }
            (None, None) => {}
        }
        Ok(())
    }

    /// The row before `key`, checked: its key, next key and value.
    fn predecessor(
        &self,
        t: &RowTable<'_>,
        name: &str,
        key: &[u8],
    ) -> Result<Neighbour, IndexError> {
        let (pk, stored) = {
            let mut before = t.range::<&[u8]>(..key).map_err(|e| self.io(e))?;
            let row = before
                .next_back()
                .ok_or_else(|| self.damage(format_args!("table {name} has no first row")))?;
            let (k, v) = row.map_err(|e| self.io(e))?;
            (k.value().to_vec(), v.value().to_vec())
        };
        let (next, value) = self
            .open_row(name, &pk, &stored)
            .ok_or_else(|| self.damage(row_fault(name, &pk, "fails its MAC")))?;
        Ok((pk, next, value))
    }

    /// The snapshot every read sees. A panic of redb while it was held (taken as damage where
    /// it happened) leaves the transaction as it was: the lock is not poisoned for good.
    fn snapshot(&self) -> std::sync::MutexGuard<'_, Option<redb::ReadTransaction>> {
        self.snapshot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Reads from now on see the last commit.
    fn refresh_snapshot(&self) -> Result<(), IndexError> {
        let fresh = self.db()?.begin_read().map_err(|e| self.io(e))?;
        let mut snapshot = self.snapshot();
        *snapshot = Some(fresh);
        Ok(())
    }

    /// The state and tree replayed from the journal, made once.
    fn fallback(&self) -> Option<&(State, MerkleTree)> {
        self.damaged.store(true, Ordering::Release);
        self.fallback.get_or_init(|| (self.replay)()).as_ref()
    }
}

/// A fault found in row `key` of `table`, for the index's report.
fn row_fault(table: &str, key: &[u8], what: &str) -> String {
    format!("row {} of table {table} {what}", hex(key))
}

/// A tile to write as its row of `TILES`: key and value (the hashes concatenated).
fn tile_row((level, n, hashes): &TileWrite) -> (Vec<u8>, Vec<u8>) {
    (
        tile_key(*level, *n).to_vec(),
        hashes.iter().flat_map(|h| h.0).collect(),
    )
}

/// The key of tile `tile/level/n` in `TILES`.
fn tile_key(level: u8, n: u64) -> [u8; 9] {
    let mut key = [0; 9];
    key[0] = level;
    key[1..].copy_from_slice(&n.to_be_bytes());
    key
}

impl TileSource for Index {
    fn tile(&self, level: u8, index: u64, width: u16) -> Option<Vec<Digest32>> {
        let cached = self
            .tiles
            .lock()
            .ok()
            .and_then(|c| c.get(&(level, index)).cloned());
        if let Some(full) = cached {
            return full.get(..usize::from(width)).map(<[Digest32]>::to_vec);
        }
        let read = self.read_tile(level, index, width)?;
        if read.len() == 256 && !self.is_damaged() {
            if let Ok(mut cache) = self.tiles.lock() {
                if cache.len() >= TILE_CACHE {
                    cache.clear();
                }
                cache.insert((level, index), Arc::new(read.clone()));
            }
        }
        read.get(..usize::from(width)).map(<[Digest32]>::to_vec)
    }
}

impl Index {
    /// The hashes of tile `(level, index)`, at least `width` of them (all it holds when it is
    /// read from the index), checked; the journal's if the index's fails its check.
    fn read_tile(&self, level: u8, index: u64, width: u16) -> Option<Vec<Digest32>> {
        let want = usize::from(width) * 32;
        let stored = match self.lookup(TILES, &tile_key(level, index)) {
            Ok(Some(v)) if v.len() >= want && v.len() % 32 == 0 && v.len() <= 256 * 32 => Some(v),
            // A tile the head says is there, missing or short: damage.
            Ok(_) => {
                self.damage(format_args!(
                    "tile {level}/{index} is missing or short of {width}"
                ));
                None
            }
            Err(e) => {
                self.note(&e);
                None
            }
        };
        let bytes = match stored {
            Some(v) => v,
            None => {
                let tile = Tile {
                    kind: TileKind::Hashes(level),
                    index,
                    partial: u8::try_from(width).ok(),
                };
                self.fallback()?.1.tile_hashes(&tile)?
            }
        };
        if bytes.len() < want {
            return None;
        }
        Some(
            bytes
                .chunks_exact(32)
                .filter_map(|c| c.try_into().ok().map(Digest32))
                .collect(),
        )
    }
}

impl RowSource for Index {
    fn row(&self, table_name: &'static str, key: &[u8]) -> Option<Vec<u8>> {
        match self.lookup(table_name, key) {
            Ok(found) => found,
            Err(e) => {
                self.note(&e);
                self.fallback()?.0.encoded_row(table_name, key)
            }
        }
    }

    fn scan(&self, table_name: &'static str) -> Vec<(Vec<u8>, Vec<u8>)> {
        // The chain checked as the audit's comparison checks it (`checked_rows`): a missing
        // table, a row out of the chain or failing its MAC is damage.
        let read = || -> Result<Vec<Row>, IndexError> {
            let snapshot = self.snapshot();
            let tx = snapshot.as_ref().ok_or_else(|| self.io("no snapshot"))?;
            let t = self.open_read(tx, table_name)?;
            let rows = self.checked_rows(t.as_ref(), table_name)?.collect();
            rows
        };
        match self.guarded(read) {
            Ok(rows) => rows,
            // Any bad row: the whole table as the journal has it.
            Err(e) => {
                self.note(&e);
                self.scan_fallback(table_name)
            }
        }
    }

    fn recover(&self, table_name: &'static str, key: &[u8]) -> Option<Vec<u8>> {
        self.note(row_fault(table_name, key, "does not decode"));
        self.fallback()?.0.encoded_row(table_name, key)
    }
}

impl Index {
    fn scan_fallback(&self, table_name: &'static str) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.fallback()
            .map(|(s, _)| s.encoded_rows(table_name))
            .unwrap_or_default()
    }

    /// Writes every row of `state` (a state in memory, replayed from the journal) and every
    /// tile of `tree` into this (empty) index, durably, then compacts the file. Table by
    /// table, each in key order with its chain of next keys written as it goes (one insert per
    /// row, pages filled in order).
    pub(super) fn fill(
        &mut self,
        state: &State,
        origin: String,
        tree: &MerkleTree,
    ) -> Result<(), IndexError> {
        let head = IndexHead {
            size: state.size(),
            head: state.head(),
            origin,
        };
        let tiles = tree
            .tiles_since(0)
            .ok_or_else(|| self.io("the tree's tiles cannot be read"))?;
        self.guarded(|| {
            let mut tx = self.db()?.begin_write().map_err(|e| self.io(e))?;
            tx.set_durability(redb::Durability::Immediate)
                .map_err(|e| self.io(e))?;
            for name in state.table_names() {
                let mut rows: Vec<(Vec<u8>, Vec<u8>)> = state
                    .table_rows(name)
                    .into_iter()
                    .filter_map(|(k, v)| Some((k, v?)))
                    .collect();
                rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
                let mut t = tx.open_table(table(name)).map_err(|e| self.io(e))?;
                self.fill_table(&mut t, name, rows)?;
            }
            let mut rows: Vec<(Vec<u8>, Vec<u8>)> = tiles.iter().map(tile_row).collect();
            rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            let mut t = tx.open_table(table(TILES)).map_err(|e| self.io(e))?;
            self.fill_table(&mut t, TILES, rows)?;
            drop(t);
            let mut m = tx.open_table(table(META)).map_err(|e| self.io(e))?;
            self.fill_table(&mut m, META, vec![(HEAD_KEY.to_vec(), head.encode())])?;
            drop(m);
            tx.commit().map_err(|e| self.io(e))
        })?;
        self.compact()?;
        self.refresh_snapshot()
    }

    /// Writes the rows of an empty table (sorted by key, none with the empty key) after its
    /// first row, each sealed with its successor's key.
    fn fill_table(
        &self,
        t: &mut RowTable<'_>,
        name: &str,
        rows: Vec<(Vec<u8>, Vec<u8>)>,
    ) -> Result<(), IndexError> {
        let (mut key, mut value) = (Vec::new(), Vec::new());
        for (k, v) in rows {
            t.insert(key.as_slice(), self.seal(name, &key, &k, &value).as_slice())
                .map_err(|e| self.io(e))?;
            (key, value) = (k, v);
        }
        t.insert(
            key.as_slice(),
            self.seal(name, &key, b"", &value).as_slice(),
        )
        .map_err(|e| self.io(e))?;
        Ok(())
    }

    /// Compacts the file (the writer's, after a rebuild): no read may be open meanwhile.
    fn compact(&mut self) -> Result<(), IndexError> {
        let snapshot = self
            .snapshot
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        drop(snapshot);
        let compacted =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match self.db.as_mut() {
                Some(Db::Writer(db)) => loop {
                    match db.compact() {
                        Ok(true) => {}
                        Ok(false) => break Ok(()),
                        Err(e) => break Err(e.to_string()),
                    }
                },
                _ => Ok(()),
            }));
        match compacted {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(self.io(e)),
            Err(_) => Err(self.damage("redb failed while compacting")),
        }
    }
}

impl Index {
    /// The first key (in key order) at which table `name` of this index, overlaid with
    /// `pending` (rows changed since it was written, sorted by key; `None` removes a row),
    /// differs from `other`'s; `None` if they hold the same rows. Both are read in key order,
    /// every row checked (MAC and chain) as it is read: a row that fails its check is an
    /// error, not a difference.
    fn same_rows(
        &self,
        other: &Index,
        name: &str,
        pending: &[RowChange],
    ) -> Result<Option<Vec<u8>>, IndexError> {
        self.guarded(|| {
            other.guarded(|| {
                let mine = self.snapshot();
                let theirs = other.snapshot();
                let mine = mine.as_ref().ok_or_else(|| self.io("no snapshot"))?;
                let theirs = theirs.as_ref().ok_or_else(|| other.io("no snapshot"))?;
                let (a, b) = (self.open_read(mine, name)?, other.open_read(theirs, name)?);
                let mut live = Overlay {
                    rows: self.checked_rows(a.as_ref(), name)?.peekable(),
                    pending: pending.iter().peekable(),
                };
                let mut fresh = other.checked_rows(b.as_ref(), name)?;
                loop {
                    return Ok(
                        match (live.next().transpose()?, fresh.next().transpose()?) {
                            (None, None) => None,
                            (Some(x), Some(y)) if x == y => continue,
                            (Some((k, _)), None) | (None, Some((k, _))) => Some(k),
                            // The first key that is not the same row in both.
                            (Some((x, _)), Some((y, _))) => Some(x.min(y)),
                        },
                    );
                }
            })
        })
    }

    /// Table `name` of a read transaction (`None`: the table was never written).
    fn open_read(
        &self,
        tx: &redb::ReadTransaction,
        name: &str,
    ) -> Result<Option<ReadRowTable>, IndexError> {
        match tx.open_table(table(name)) {
            Ok(t) => Ok(Some(t)),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
            Err(e) => Err(self.io(e)),
        }
    }

    /// The rows of `t` (of table `name`) in key order, the empty-keyed first row left out,
    /// each checked: its MAC, and that its key is its predecessor's next.
    fn checked_rows<'a>(
        &'a self,
        t: Option<&'a ReadRowTable>,
        name: &'a str,
    ) -> Result<impl Iterator<Item = Result<Row, IndexError>> + 'a, IndexError> {
        let rows = match t {
            Some(t) => Some(t.iter().map_err(|e| self.io(e))?),
            None => None,
        };
        let mut expected: Option<Vec<u8>> = Some(Vec::new());
        let mut rows = rows.into_iter().flatten();
        Ok(std::iter::from_fn(move || loop {
            let Some(row) = rows.next() else {
                // The last row has no next; every table of a filled index has its first row.
                return expected
                    .take()
                    .map(|next| Err(self.damage(row_fault(name, &next, "is missing"))));
            };
            let (k, v) = match row {
                Ok((k, v)) => (k.value().to_vec(), v.value().to_vec()),
                Err(e) => return Some(Err(self.io(e))),
            };
            if expected.as_deref() != Some(k.as_slice()) {
                return Some(Err(self.damage(row_fault(name, &k, "is not the next row"))));
            }
            let Some((next, value)) = self.open_row(name, &k, &v) else {
                return Some(Err(self.damage(row_fault(name, &k, "fails its MAC"))));
            };
            expected = (!next.is_empty()).then_some(next);
            if !k.is_empty() {
                return Some(Ok((k, value)));
            }
        }))
    }
}

/// An index's checked rows in key order with changes not yet written laid over them.
struct Overlay<'a, I: Iterator<Item = Result<Row, IndexError>>> {
    rows: std::iter::Peekable<I>,
    pending: std::iter::Peekable<std::slice::Iter<'a, RowChange>>,
}

impl<I: Iterator<Item = Result<Row, IndexError>>> Iterator for Overlay<'_, I> {
    type Item = Result<Row, IndexError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let row_key = match self.rows.peek() {
                Some(Ok((k, _))) => Some(k.clone()),
                Some(Err(_)) => return self.rows.next(),
                None => None,
            };
            match (self.pending.peek(), &row_key) {
                (None, None) => return None,
                (Some((pk, _)), Some(rk)) if pk > rk => return self.rows.next(),
                (None, Some(_)) => return self.rows.next(),
                (Some((pk, _)), Some(rk)) if pk == rk => {
                    // The pending change replaces the written row.
                    self.rows.next();
                }
                _ => {}
            }
            if let Some((k, Some(v))) = self.pending.next() {
                return Some(Ok((k.clone(), v.clone())));
            }
            // A row removed: on to the next.
        }
    }
}

impl Index {
    /// Makes the index unusable until rebuilt (its head removed, durably): for a ledger whose
    /// state no longer comes from it.
    pub(super) fn invalidate(&self) -> Result<(), IndexError> {
        self.guarded(|| {
            let tx = self.db()?.begin_write().map_err(|e| self.io(e))?;
            // Without its head table the index is damaged, whatever else it holds.
            tx.delete_table(table(META)).map_err(|e| self.io(e))?;
            tx.commit().map_err(|e| self.io(e))?;
            self.refresh_snapshot()
        })
    }
}

impl<S: Store + 'static> Ledger<S> {
    /// Opens the ledger in `store` with its persistent index at `path` (SPEC §12), created if
    /// absent. The rows of the index are MACed with `key` (the node's integrity key).
    ///
    /// - The index holds a head of this journal (its entry count, the hash of that entry,
    ///   the origin, each checked): the state is read from the index — the small registries
    ///   now, every other row when first asked — and the entries appended since are read,
    ///   checked (every signature verified) and written to the index.
    /// - Otherwise (no index, a damaged, foreign, newer-format or ahead one): the journal is
    ///   replayed, verifying every signature, and the index rebuilt from it.
    ///
    /// `reopen` opens the same store again, read-only: should a row fail its check while the
    /// ledger runs, the journal is replayed through it to answer instead (and the index is
    /// rebuilt at the next open). After each durable append the ledger writes the batch's
    /// changes to the index.
    pub fn open_indexed(
        store: S,
        clock: impl Clock + 'static,
        path: &Path,
        key: IntegrityKey,
        reopen: impl Fn() -> Result<S, StorageError> + Send + Sync + 'static,
    ) -> Result<Self, OpenError> {
        if store.is_empty() {
            return Err(OpenError::Empty);
        }
        let reopen: Reopen<S> = Arc::new(reopen);
        // A reader beside the writer opens the index read-only and never writes it.
        let writer = !store.is_read_only();
        let opened = Index::open(path, key.clone(), journal_replay(&reopen), writer)
            .ok()
            .map(Arc::new);
        if let Some(index) = opened {
            if let Ok((state, tree)) = Self::read_index(&store, &index) {
                let origin = state.origin().ok_or(OpenError::Empty)?.to_owned();
                let size = state.size();
                let mut ledger = Self::assemble(store, state, tree, origin, clock);
                ledger.index = Some((index, size));
                ledger.reopen = Some(reopen);
                ledger.catch_up()?;
                super::check_origin(&ledger.store, &ledger.origin)?;
                return Ok(ledger);
            }
        }
        if !writer {
            // Readers never write the index: without a usable one, the journal is replayed.
            return Self::replayed(store, clock, Signatures::Verify);
        }
        let seed = REBUILD_SEED.load(Ordering::Relaxed);
        let replay = journal_replay(&reopen);
        let mut ledger = Self::rebuilt(store, clock, path, key, replay, seed, u64::MAX)?;
        ledger.reopen = Some(reopen);
        Ok(ledger)
    }
}

impl<S: Store> Ledger<S> {
    /// The ledger of the first `len` entries of `store` (all of them, if fewer), its index
    /// made anew at `path` from the journal, every signature verified: the first `seed`
    /// entries replayed in memory and written at once, the rest streamed through the
    /// catch-up, the index written every index interval, so that memory does not grow with
    /// the ledger. `replay` answers for a row of the new index that fails its check.
    fn rebuilt(
        store: S,
        clock: impl Clock + 'static,
        path: &Path,
        key: IntegrityKey,
        replay: Replay,
        seed: u64,
        len: u64,
    ) -> Result<Self, OpenError> {
        let len = len.min(store.len());
        let (state, mut tree) =
            super::replay::replay_to(&store, Signatures::Verify, seed.clamp(1, len.max(1)))?;
        let origin = state.origin().ok_or(OpenError::Empty)?.to_owned();
        super::check_origin(&store, &origin)?;
        let mut index = Index::recreate(path, key, replay)?;
        index.fill(&state, origin.clone(), &tree)?;
        let index = Arc::new(index);
        drop(state);
        tree.attach(Arc::clone(&index) as Arc<dyn TileSource>);
        let state = State::persisted(Arc::clone(&index) as Arc<dyn RowSource>);
        let size = state.size();
        let mut ledger = Self::assemble(store, state, tree, origin, clock);
        ledger.index = Some((index, size));
        ledger.catch_up_to(len)?;
        Ok(ledger)
    }

    /// The audit of a ledger with a persistent index (SPEC §12): the journal's first entries,
    /// as many as the ledger holds, replayed (every signature verified) into a temporary index
    /// beside the live one, streamed as a rebuild is; then every table of the two compared row
    /// by row, in key order, the live index's rows overlaid with the changes the ledger has not
    /// written yet (each row of both checked as it is read), and the two trees' heads.
    /// Memory holds one index interval's changes and the tables' row caches, whatever the size
    /// of the ledger.
    pub(super) fn audit_indexed(&self) -> Result<AuditReport, AuditError> {
        let (Some((live, written)), Some(reopen)) = (&self.index, &self.reopen) else {
            return Err(AuditError::Divergence);
        };
        let store = reopen()?;
        // One name per audit: two audits at once (threads, or a reader and a writer of one
        // store in one process) never share a file.
        static AUDITS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let temp = TempIndex(live.path.with_file_name(format!(
            "{}.audit-{}-{}",
            live.path.file_name().and_then(|n| n.to_str()).unwrap_or("index"),
            std::process::id(),
            AUDITS.fetch_add(1, Ordering::Relaxed),
        )));
        let mut audited = Self::rebuilt(
            store,
            super::ManualClock::new(self.now()),
            &temp.0,
            live.key.clone(),
            // A row of the audit's own index failing its check fails the audit.
            Box::new(|| None),
            AUDIT_SEED.load(Ordering::Relaxed),
            self.state.size(),
        )
        .map_err(|e| match e {
            OpenError::Storage(s) => AuditError::Storage(s),
            OpenError::BadEntry(b) => AuditError::BadEntry(b),
            OpenError::Index(i) => AuditError::Index(i),
            other => AuditError::Replay(other.to_string()),
        })?;
        // Every replayed entry in the audit's index, or the comparison would be with less.
        audited.flush_index()?;
        let held = audited.index_status().map_or(0, |s| s.entries);
        if held != audited.state.size() {
            return Err(AuditError::Index(IndexError::Io {
                path: temp.0.clone(),
                reason: format!(
                    "the audit's index holds {held} of {} entries",
                    audited.state.size()
                ),
            }));
        }
        let report = AuditReport {
            entries: audited.state.size(),
            root: audited.tree.head().root,
            head: audited.state.head(),
        };
        let (fresh, _) = audited.index.as_ref().ok_or(AuditError::Divergence)?;
        let same_heads = audited.state.size() == self.state.size()
            && audited.state.head() == self.state.head()
            && audited.tree.head() == self.tree.head();
        // The first table (in the order compared) and row that differ.
        let mut differs: Option<(String, Vec<u8>)> = None;
        let pending = self.state.changes();
        for name in self.state.table_names() {
            let mut rows: Vec<RowChange> = pending
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, r)| r.clone())
                .unwrap_or_default();
            rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            if let Some(key) = live.same_rows(fresh, name, &rows)? {
                differs.get_or_insert((name.to_owned(), key));
            }
        }
        let mut tiles: Vec<RowChange> = self
            .tree
            .tiles_since(*written)
            .ok_or(AuditError::Divergence)?
            .iter()
            .map(|t| {
                let (k, v) = tile_row(t);
                (k, Some(v))
            })
            .collect();
        tiles.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        if let Some(key) = live.same_rows(fresh, TILES, &tiles)? {
            differs.get_or_insert((TILES.to_owned(), key));
        }
        // The head the live index would hold once its changes are written.
        let head = IndexHead {
            size: self.state.size(),
            head: self.state.head(),
            origin: self.origin.clone(),
        };
        let meta = [(HEAD_KEY.to_vec(), Some(head.encode()))];
        if let Some(key) = live.same_rows(fresh, META, &meta)? {
            differs.get_or_insert((META.to_owned(), key));
        }
        drop(audited);
        if live.is_damaged() {
            // Some answers came from the journal, not the index: it is not what was audited.
            return Err(AuditError::Index(IndexError::Io {
                path: live.path.clone(),
                reason: format!("the index is damaged: {}", live.fault().unwrap_or_default()),
            }));
        }
        if let Some((table, key)) = differs {
            return Err(AuditError::IndexDivergence { table, key });
        }
        if !same_heads {
            return Err(AuditError::Divergence);
        }
        Ok(report)
    }
}

/// Opens a ledger's store again, read-only.
pub(super) type Reopen<S> = Arc<dyn Fn() -> Result<S, StorageError> + Send + Sync>;

/// Replays the journal (through a handle `reopen` opens) into a state and tree in memory.
fn journal_replay<S: Store + 'static>(reopen: &Reopen<S>) -> Replay {
    let reopen = Arc::clone(reopen);
    Box::new(move || {
        let store = reopen().ok()?;
        super::replay::replay(&store, Signatures::Verify).ok()
    })
}

/// Entries an audit replays in memory before it streams the rest through the catch-up: a few
/// catch-up pieces' worth, so that its memory does not grow with the ledger.
pub(crate) static AUDIT_SEED: std::sync::atomic::AtomicU64 =
    std::sync::atomic::AtomicU64::new(1 << 16);

/// An audit's temporary index file, removed when dropped.
struct TempIndex(PathBuf);

impl Drop for TempIndex {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl<S: Store> Ledger<S> {
    /// Whether [`Ledger::open_indexed`] of `store` would read its state from the index at
    /// `path` under `key`, rather than replay the journal (and, as the writer, rebuild the
    /// index), and if not, why: so that a reader finding no usable index may take the writer's
    /// role to build one, and say why it does. Reads the index's head, its small registries
    /// and the tree's right edge; writes nothing. `Ok` is the count of entries the index holds.
    pub fn check_index(store: &S, path: &Path, key: &IntegrityKey) -> Result<u64, IndexUnusable> {
        let index = Index::open(path, key.clone(), Box::new(|| None), false)?;
        Self::read_index(store, &Arc::new(index)).map(|(state, _)| state.size())
    }

    /// The state and tree the index holds, if its head is one of this journal's entries and
    /// what it holds agrees with its head.
    fn read_index(store: &S, index: &Arc<Index>) -> Result<(State, MerkleTree), IndexUnusable> {
        let damaged = |index: &Index| IndexUnusable::Damaged(index.fault().unwrap_or_default());
        let head = match index.lookup(META, HEAD_KEY) {
            Ok(Some(value)) => IndexHead::decode(&value).map_err(|_| IndexUnusable::NoHead)?,
            Ok(None) => return Err(IndexUnusable::NoHead),
            Err(_) if index.is_damaged() => return Err(damaged(index)),
            Err(e) => return Err(IndexUnusable::Open(e)),
        };
        let journal = store.len();
        if head.size == 0 || head.size > journal {
            return Err(IndexUnusable::Ahead {
                index: head.size,
                journal,
            });
        }
        let at = store
            .read(head.size - 1, head.size)
            .map_err(|e| IndexUnusable::Journal(e.to_string()))?;
        if at.first().map(|r| r.hash) != Some(head.head) {
            return Err(IndexUnusable::OtherLedger { size: head.size });
        }
        let tree = MerkleTree::stored(Arc::clone(index) as Arc<dyn TileSource>, head.size)
            .ok_or_else(|| damaged(index))?;
        let state = State::persisted(Arc::clone(index) as Arc<dyn RowSource>);
        if index.is_damaged() {
            return Err(damaged(index));
        }
        let agrees = state.size() == head.size
            && state.head() == head.head
            && state.origin() == Some(head.origin.as_str())
            && tree.len() == head.size;
        if !agrees {
            return Err(IndexUnusable::Damaged(
                "its state disagrees with its head".into(),
            ));
        }
        Ok((state, tree))
    }

    /// Writes what changed since the index was last written, once that is at least the
    /// ledger's index interval of entries (or at once with `force`: after a catch-up, on
    /// [`Ledger::flush_index`] and when the ledger is dropped). A failed write is tried again
    /// with the next one: until then the changes stay in memory, and an index left behind is
    /// caught up at the next open.
    pub(super) fn write_index(&mut self, force: bool) -> Result<(), IndexError> {
        let Some((index, written)) = &mut self.index else {
            return Ok(());
        };
        // Only committed changes of entries in the journal (a state taken apart, or in an open
        // transaction, is not written), and never by a reader.
        let Some(pending) = self.state.size().checked_sub(*written) else {
            return Ok(());
        };
        if pending == 0
            || (!force && pending < self.index_interval)
            || self.state.in_transaction()
            || index.is_reader()
        {
            return Ok(());
        }
        let head = IndexHead {
            size: self.state.size(),
            head: self.state.head(),
            origin: self.origin.clone(),
        };
        let changes = self.state.changes();
        let tiles = self
            .tree
            .tiles_since(*written)
            .ok_or_else(|| index.io("the tree's tiles cannot be read"))?;
        index.write(&changes, &tiles, &head, true)?;
        *written = head.size;
        self.state.settle();
        self.tree.settle();
        Ok(())
    }

    /// Writes to the persistent index every change not yet written (the ledger writes them
    /// once [`Ledger::set_index_interval`] entries are pending, and when it is dropped).
    /// Without an index, nothing.
    pub fn flush_index(&mut self) -> Result<(), IndexError> {
        self.write_index(true)
    }

    /// How many appended entries the ledger gathers before it writes their changes to the
    /// persistent index in one durable redb transaction (default [`INDEX_INTERVAL`]; 1 writes
    /// after every batch). A larger interval amortizes the index's page writes and its sync
    /// over more entries, at the cost of holding their changes in memory meanwhile and of a
    /// longer catch-up for a reader opened beside the writer (it applies, in memory, the entries
    /// the index lacks) or after a crash (the next open catches up).
    pub fn set_index_interval(&mut self, entries: u64) {
        self.index_interval = entries.max(1);
    }

    /// The state no longer comes from the index (it was replaced by a replay in memory):
    /// the index is made unusable, to be rebuilt at the next open.
    pub(super) fn detach_index(&mut self) {
        if let Some((index, _)) = self.index.take() {
            let _ = index.invalidate();
        }
    }

    /// Test hook: the next `n` index writes fail before their commit.
    #[cfg(feature = "test-support")]
    pub(crate) fn fail_index_writes(&self, n: u32) {
        if let Some((index, _)) = &self.index {
            index.fail_writes.store(n, Ordering::Release);
        }
    }

    /// Whether the ledger reads its state from a persistent index, and whether a row of it
    /// failed its check (it is then rebuilt at the next open).
    pub fn index_status(&self) -> Option<IndexStatus> {
        self.index.as_ref().map(|(index, written)| IndexStatus {
            entries: *written,
            damaged: index.is_damaged(),
            rebuilt: index.rebuilt,
        })
    }
}

/// What [`Ledger::index_status`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexStatus {
    /// Entries the index holds.
    pub entries: u64,
    /// A row failed its check: answers came from the journal, and the next open rebuilds.
    pub damaged: bool,
    /// The index was rebuilt from the journal when the ledger was opened (it was absent,
    /// damaged, foreign, of another format, or ahead of the journal).
    pub rebuilt: bool,
}
