//! Hooks for this crate's own tests (feature `test-support`): not a stable API, and not built
//! for users. Fault injection in the file store and the state's transactions (whose rollback
//! undoes a speculative application); the store conformance suite is `storage::conformance` under the same feature.

use crate::crypto::Digest32;
use crate::event::SignedStatement;
use crate::state::State;
use crate::storage::FileStore;
use crate::time::Timestamp;

/// Fault injection and sync counting in the file store.
pub trait FileStoreHooks {
    /// Number of `fdatasync` calls made by appends since open (two per committed batch:
    /// journal, then head). Lets tests prove the commit path syncs before it acknowledges.
    fn sync_count(&self) -> u64;
    /// The next sync fails as if the device reported an error.
    fn fail_next_sync(&mut self);
    /// The `n`-th sync from now fails (1 = the next: the journal's; 2: the head's).
    fn fail_sync_in(&mut self, n: u32);
    /// The next journal write stops after `bytes` bytes and fails with ENOSPC.
    fn fail_write_after(&mut self, bytes: usize);
}

impl FileStoreHooks for FileStore {
    fn sync_count(&self) -> u64 {
        self.syncs()
    }
    fn fail_next_sync(&mut self) {
        self.inject_sync_failure(1);
    }
    fn fail_sync_in(&mut self, n: u32) {
        self.inject_sync_failure(n);
    }
    fn fail_write_after(&mut self, bytes: usize) {
        self.inject_write_failure(bytes);
    }
}

/// Fault injection in the file checkpoint log.
pub trait CheckpointLogHooks {
    /// The next `keep_checkpoint` fails as if its write or sync had failed.
    fn fail_next_keep(&mut self);
    /// The next `keep_checkpoint` writes its record and then fails as if its sync had failed.
    fn fail_next_keep_sync(&mut self);
}

impl CheckpointLogHooks for crate::storage::FileCheckpointLog {
    fn fail_next_keep(&mut self) {
        self.inject_keep_failure(crate::storage::KeepFailure::Write);
    }
    fn fail_next_keep_sync(&mut self) {
        self.inject_keep_failure(crate::storage::KeepFailure::Sync);
    }
}

/// The engine's application of entries to a state, and its transactions.
pub trait StateHooks {
    /// Applies entry `seq` (which passed the rules) to the state.
    fn apply_entry(&mut self, seq: u64, at: Timestamp, statement: &SignedStatement, hash: Digest32);
    /// Starts a transaction: every change from here is logged with its inverse.
    fn begin(&mut self);
    /// Undoes every change since `begin`.
    fn roll_back(&mut self);
    /// Keeps every change since `begin`.
    fn commit(&mut self);
}

impl StateHooks for State {
    fn apply_entry(
        &mut self,
        seq: u64,
        at: Timestamp,
        statement: &SignedStatement,
        hash: Digest32,
    ) {
        self.apply(seq, at, statement, hash);
    }
    fn begin(&mut self) {
        State::begin(self);
    }
    fn roll_back(&mut self) {
        self.rollback();
    }
    fn commit(&mut self) {
        State::commit(self);
    }
}

/// How many entries a rebuild of the persistent index replays in memory before it streams the
/// rest into the index (default 2^22): process-wide, for a test binary of its own.
pub fn set_rebuild_seed(entries: u64) {
    crate::ledger::REBUILD_SEED.store(entries, std::sync::atomic::Ordering::Relaxed);
}

/// How many entries an audit of an indexed ledger replays in memory before it streams the rest
/// into its temporary index (default 2^16): process-wide, for a test binary of its own.
pub fn set_audit_seed(entries: u64) {
    crate::ledger::AUDIT_SEED.store(entries, std::sync::atomic::Ordering::Relaxed);
}

/// Fault injection in a ledger's persistent index.
pub trait LedgerHooks {
    /// The next `n` writes of the index fail before their commit, as on a full disk.
    fn fail_index_writes(&mut self, n: u32);
}

impl<S: crate::storage::Store> LedgerHooks for crate::Ledger<S> {
    fn fail_index_writes(&mut self, n: u32) {
        crate::Ledger::fail_index_writes(self, n);
    }
}
