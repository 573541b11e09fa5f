//! The PostgreSQL backend (feature `postgres`, SPEC §21): several writer processes on several
//! hosts share one ledger; verifier nodes read from replicas.
//!
//! The ledger does all checking; the database keeps records and sequences writers. A batch is
//! committed in one transaction that first moves the ledger's head row from the expected length
//! to the new one (`UPDATE … WHERE seq = expected`): when another writer moved it first, no row
//! is updated, nothing is written, and the ledger catches up and tries again (SPEC §8). The
//! client is synchronous (the `postgres` crate over a private tokio runtime): inside a tokio
//! runtime, call it from `spawn_blocking`, or it panics.

use super::{CheckpointLog, Record, StorageError, Store};
use crate::crypto::Digest32;
use postgres::{Client, NoTls};
use std::sync::Mutex;

/// The schema version this library creates and reads.
pub const SCHEMA_VERSION: i64 = 2;

/// The migrations, in order: migration `i` brings the schema to version `i + 1`.
const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE chancery_head (
        ledger TEXT PRIMARY KEY,
        seq BIGINT NOT NULL CHECK (seq >= 0),
        hash BYTEA NOT NULL
    );
    CREATE TABLE chancery_entries (
        ledger TEXT NOT NULL REFERENCES chancery_head (ledger),
        seq BIGINT NOT NULL CHECK (seq >= 0),
        hash BYTEA NOT NULL,
        bytes BYTEA NOT NULL,
        PRIMARY KEY (ledger, seq)
    );
",
    "
    CREATE TABLE chancery_checkpoints (
        ledger TEXT NOT NULL REFERENCES chancery_head (ledger),
        n BIGINT NOT NULL CHECK (n >= 0),
        note TEXT NOT NULL,
        PRIMARY KEY (ledger, n)
    );
",
];

/// An advisory lock key serialising migrations between processes ("chancery" in ASCII).
const MIGRATION_LOCK: i64 = 0x6368_616e_6365_7279;

fn db(e: postgres::Error) -> StorageError {
    StorageError::Database(match e.as_db_error() {
        Some(d) => format!("{}: {}", d.code().code(), d.message()),
        None => e.to_string(),
    })
}

/// A ledger's records in a PostgreSQL database. Several ledgers (by name, normally the origin)
/// may share one database.
pub struct PgStore {
    client: Mutex<Client>,
    ledger: String,
    len: u64,
    read_only: bool,
    /// Whether the ledger's name is its origin (see [`PgStore::for_origin`]).
    named_by_origin: bool,
    /// Why appends are refused although the store is writable: the server is not durable.
    not_durable: Option<&'static str>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("ledger", &self.ledger)
            .field("len", &self.len)
            .field("read_only", &self.read_only)
            .finish()
    }
}

impl PgStore {
    /// Connects to `url` (e.g. `postgresql://user@host:5432/db`), creates or migrates the
    /// schema (serialised between processes by an advisory lock) and the ledger's head row.
    pub fn connect(url: &str, ledger: &str) -> Result<Self, StorageError> {
        let mut client = Client::connect(url, NoTls).map_err(db)?;
        // A commit is acknowledged only once the server has flushed it: whatever the server's
        // or the role's default, this session commits synchronously.
        client
            .batch_execute("SET synchronous_commit = on")
            .map_err(db)?;
        migrate(&mut client)?;
        client
            .execute(
                "INSERT INTO chancery_head (ledger, seq, hash) VALUES ($1, 0, $2)
                 ON CONFLICT (ledger) DO NOTHING",
                &[&ledger, &vec![0u8; 32]],
            )
            .map_err(db)?;
        Self::with_client(client, ledger, false)
    }

    /// Connects read-only (a verifier node, typically on a streaming replica): every session
    /// transaction is read-only, nothing is created, and appends are refused with
    /// [`StorageError::ReadOnly`]. The schema and the ledger must exist.
    pub fn connect_read_only(url: &str, ledger: &str) -> Result<Self, StorageError> {
        let mut client = Client::connect(url, NoTls).map_err(db)?;
        client
            .batch_execute("SET default_transaction_read_only = on")
            .map_err(db)?;
        let version = schema_version(&mut client)?;
        if version != SCHEMA_VERSION {
            return Err(StorageError::SchemaVersion {
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        Self::with_client(client, ledger, true)
    }

    fn with_client(
        mut client: Client,
        ledger: &str,
        read_only: bool,
    ) -> Result<Self, StorageError> {
        let len = head(&mut client, ledger)?;
        // A server that does not fsync loses acknowledged commits in a crash: a writer
        // refuses to append to it (a reader may still read).
        let fsync: String = client
            .query_one("SELECT current_setting('fsync')", &[])
            .map_err(db)?
            .get(0);
        let not_durable = (fsync == "off").then_some("fsync = off");
        Ok(Self {
            client: Mutex::new(client),
            ledger: ledger.to_owned(),
            len,
            read_only,
            named_by_origin: false,
            not_durable,
        })
    }

    /// The value of a server setting as this store's session sees it (e.g.
    /// `synchronous_commit`), for operators' checks and tests.
    pub fn session_setting(&self, name: &str) -> Result<String, StorageError> {
        let mut client = self.client()?;
        let row = client
            .query_one("SELECT current_setting($1)", &[&name])
            .map_err(db)?;
        Ok(row.get(0))
    }

    /// [`PgStore::connect`] for the ledger of `origin`, keyed by that origin: a ledger of any
    /// other origin is refused when created or opened in it
    /// ([`crate::OpenError::OriginMismatch`]), so a writer pointed at the wrong ledger writes
    /// nothing.
    pub fn for_origin(url: &str, origin: &str) -> Result<Self, StorageError> {
        let mut store = Self::connect(url, origin)?;
        store.named_by_origin = true;
        Ok(store)
    }

    /// The ledger's name in the database.
    pub fn ledger(&self) -> &str {
        &self.ledger
    }

    /// The ledger's name and the client, for a write: refused on a read-only handle or a
    /// server that could lose acknowledged commits.
    fn writer(&self) -> Result<(String, std::sync::MutexGuard<'_, Client>), StorageError> {
        if self.read_only {
            return Err(StorageError::ReadOnly);
        }
        if let Some(setting) = self.not_durable {
            return Err(StorageError::NotDurable { setting });
        }
        Ok((self.ledger.clone(), self.client()?))
    }

    fn client(&self) -> Result<std::sync::MutexGuard<'_, Client>, StorageError> {
        self.client
            .lock()
            .map_err(|_| StorageError::Database("client lock poisoned".into()))
    }
}

/// The schema version recorded in the database (0: none).
fn schema_version(client: &mut Client) -> Result<i64, StorageError> {
    let exists: bool = client
        .query_one("SELECT to_regclass('chancery_schema') IS NOT NULL", &[])
        .map_err(db)?
        .get(0);
    if !exists {
        return Ok(0);
    }
    let row = client
        .query_one("SELECT COALESCE(MAX(version), 0) FROM chancery_schema", &[])
        .map_err(db)?;
    Ok(row.get::<_, i64>(0))
}

/// Brings the schema to [`SCHEMA_VERSION`], one migration per version, in one transaction.
fn migrate(client: &mut Client) -> Result<(), StorageError> {
    let mut tx = client.transaction().map_err(db)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .map_err(db)?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS chancery_schema (version BIGINT NOT NULL)")
        .map_err(db)?;
    let found: i64 = tx
        .query_one("SELECT COALESCE(MAX(version), 0) FROM chancery_schema", &[])
        .map_err(db)?
        .get(0);
    if found > SCHEMA_VERSION {
        return Err(StorageError::SchemaVersion {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (i, m) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tx.batch_execute(m).map_err(db)?;
        tx.execute(
            "INSERT INTO chancery_schema (version) VALUES ($1)",
            &[&(i as i64 + 1)],
        )
        .map_err(db)?;
    }
    tx.commit().map_err(db)
}

/// The ledger's stored length.
fn head(client: &mut Client, ledger: &str) -> Result<u64, StorageError> {
    let row = client
        .query_opt(
            "SELECT seq FROM chancery_head WHERE ledger = $1",
            &[&ledger],
        )
        .map_err(db)?
        .ok_or_else(|| StorageError::NoSuchLedger(ledger.to_owned()))?;
    Ok(row.get::<_, i64>(0) as u64)
}

fn to_i64(n: u64) -> Result<i64, StorageError> {
    i64::try_from(n).map_err(|_| StorageError::Database(format!("{n} exceeds BIGINT")))
}

impl PgStore {
    /// Appends `records` after `expected_len` entries in one transaction, with `checkpoint`
    /// (a note and the note it must follow) kept in the same transaction if given.
    fn commit(
        &mut self,
        expected_len: u64,
        records: &[Record],
        checkpoint: Option<(&str, Option<&str>)>,
    ) -> Result<(), StorageError> {
        let (ledger, mut client) = self.writer()?;
        let mut tx = client.transaction().map_err(db)?;

        let new_len =
            expected_len
                .checked_add(records.len() as u64)
                .ok_or(StorageError::Conflict {
                    expected: expected_len,
                    actual: self.len,
                })?;
        let last = records.last().map(|r| r.hash.0.to_vec());
        // Move the head from the expected length to the new one; no row means another writer
        // moved it first.
        let moved = match &last {
            Some(hash) => tx.execute(
                "UPDATE chancery_head SET seq = $1, hash = $2 WHERE ledger = $3 AND seq = $4",
                &[&to_i64(new_len)?, hash, &ledger, &to_i64(expected_len)?],
            ),
            None => tx.execute(
                "SELECT 1 FROM chancery_head WHERE ledger = $1 AND seq = $2",
                &[&ledger, &to_i64(expected_len)?],
            ),
        }
        .map_err(db)?;
        if moved == 0 {
            let actual = tx
                .query_opt(
                    "SELECT seq FROM chancery_head WHERE ledger = $1",
                    &[&ledger],
                )
                .map_err(db)?
                .map_or(0, |r| r.get::<_, i64>(0) as u64);
            drop(tx);
            drop(client);
            self.len = actual;
            return Err(StorageError::Conflict {
                expected: expected_len,
                actual,
            });
        }
        if !records.is_empty() {
            let seqs: Vec<i64> = (expected_len..new_len)
                .map(to_i64)
                .collect::<Result<_, _>>()?;
            let hashes: Vec<&[u8]> = records.iter().map(|r| &r.hash.0[..]).collect();
            let bytes: Vec<&[u8]> = records.iter().map(|r| r.bytes.as_slice()).collect();
            tx.execute(
                "INSERT INTO chancery_entries (ledger, seq, hash, bytes)
                 SELECT $1, * FROM unnest($2::BIGINT[], $3::BYTEA[], $4::BYTEA[])",
                &[&ledger, &seqs, &hashes, &bytes],
            )
            .map_err(db)?;
        }
        if let Some((note, after)) = checkpoint {
            keep_in(&mut tx, &ledger, note, after)?;
        }
        // Durable when this returns (synchronous_commit on for this session, fsync on).
        tx.commit().map_err(db)?;
        drop(client);
        self.len = new_len;
        Ok(())
    }
}

impl Store for PgStore {
    fn len(&self) -> u64 {
        self.len
    }

    fn append(&mut self, expected_len: u64, records: &[Record]) -> Result<(), StorageError> {
        self.commit(expected_len, records, None)
    }

    fn append_with_checkpoint(
        &mut self,
        expected_len: u64,
        records: &[Record],
        note: &str,
        after: Option<&str>,
    ) -> Result<(), StorageError> {
        self.commit(expected_len, records, Some((note, after)))
    }

    fn read(&self, start: u64, end: u64) -> Result<Vec<Record>, StorageError> {
        if start > end || end > self.len {
            return Err(StorageError::OutOfRange {
                start,
                end,
                len: self.len,
            });
        }
        let rows = self
            .client()?
            .query(
                "SELECT seq, hash, bytes FROM chancery_entries
                 WHERE ledger = $1 AND seq >= $2 AND seq < $3 ORDER BY seq",
                &[&self.ledger, &to_i64(start)?, &to_i64(end)?],
            )
            .map_err(db)?;
        let mut out = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            let seq: i64 = row.get(0);
            let hash: Vec<u8> = row.get(1);
            if seq as u64 != start + i as u64 {
                return Err(StorageError::Database(format!(
                    "entry {} is missing from the database",
                    start + i as u64
                )));
            }
            let hash: [u8; 32] = hash.try_into().map_err(|_| {
                StorageError::Database(format!("entry {seq}: stored hash is not 32 bytes"))
            })?;
            out.push(Record {
                hash: Digest32(hash),
                bytes: row.get(2),
            });
        }
        if out.len() as u64 != end - start {
            return Err(StorageError::Database(format!(
                "entries {start}..{end}: {} found",
                out.len()
            )));
        }
        Ok(out)
    }

    fn origin(&self) -> Option<&str> {
        self.named_by_origin.then_some(self.ledger.as_str())
    }

    fn refresh(&mut self) -> Result<u64, StorageError> {
        let ledger = self.ledger.clone();
        let len = head(&mut *self.client()?, &ledger)?;
        self.len = len;
        Ok(len)
    }
}

/// The operator's checkpoints of the ledger, in the table `chancery_checkpoints` (one row each,
/// numbered from 0), each kept in its own committed transaction; keepers of one ledger are
/// serialised by a lock on its head row, under which a keeper whose checked note is no longer
/// the last is refused ([`StorageError::CheckpointMoved`]). Use a second handle on the same ledger as the log of
/// a ledger over this store (`Ledger::sign_checkpoint(key, &mut log)`).
impl CheckpointLog for PgStore {
    fn last_checkpoint(&self) -> Result<Option<String>, StorageError> {
        Ok(self
            .client()?
            .query_opt(
                "SELECT note FROM chancery_checkpoints WHERE ledger = $1 ORDER BY n DESC LIMIT 1",
                &[&self.ledger],
            )
            .map_err(db)?
            .map(|row| row.get(0)))
    }

    fn checkpoints(&self) -> Result<Vec<String>, StorageError> {
        Ok(self
            .client()?
            .query(
                "SELECT note FROM chancery_checkpoints WHERE ledger = $1 ORDER BY n",
                &[&self.ledger],
            )
            .map_err(db)?
            .iter()
            .map(|row| row.get(0))
            .collect())
    }

    fn keep_checkpoint(&mut self, note: &str, after: Option<&str>) -> Result<(), StorageError> {
        let (ledger, mut client) = self.writer()?;
        let mut tx = client.transaction().map_err(db)?;
        keep_in(&mut tx, &ledger, note, after)?;
        // Durable when this returns (synchronous_commit on for this session, fsync on).
        tx.commit().map_err(db)
    }
}

/// Keeps `note` as the ledger's next checkpoint in `tx`, if the last kept is still `after`.
fn keep_in(
    tx: &mut postgres::Transaction<'_>,
    ledger: &str,
    note: &str,
    after: Option<&str>,
) -> Result<(), StorageError> {
    // The head row serialises keepers as it serialises appends; under it, the last note kept
    // must still be the one the signer checked (another node may have kept one).
    tx.execute(
        "SELECT 1 FROM chancery_head WHERE ledger = $1 FOR UPDATE",
        &[&ledger],
    )
    .map_err(db)?;
    let last = tx
        .query_opt(
            "SELECT n, note FROM chancery_checkpoints WHERE ledger = $1 ORDER BY n DESC LIMIT 1",
            &[&ledger],
        )
        .map_err(db)?;
    let (n, last_note): (i64, Option<String>) = match last {
        Some(row) => (row.get::<_, i64>(0) + 1, Some(row.get(1))),
        None => (0, None),
    };
    if last_note.as_deref() != after {
        return Err(StorageError::CheckpointMoved);
    }
    tx.execute(
        "INSERT INTO chancery_checkpoints (ledger, n, note) VALUES ($1, $2, $3)",
        &[&ledger, &n, &note],
    )
    .map_err(db)?;
    Ok(())
}
