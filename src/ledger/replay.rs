//! Replaying the store: opening, catching up with other writers' entries, and the audit, all
//! through the one replay driver (`audit::Replay`).

use super::{AuditError, AuditReport, BadEntry, CatchUpError, Clock, Ledger, OpenError, CHUNK};
use crate::audit::{replay_chunks, PipelineError, Replay, Signatures};
use crate::merkle::MerkleTree;
use crate::state::State;
use crate::storage::{StorageError, Store};

impl<S: Store> Ledger<S> {
    /// Reads and applies the entries other writers appended to the store since this ledger's
    /// last one, checking each as a replay does (stored hash, strict decoding, sequence, chain,
    /// signature, every rule at its ledger time); returns how many. A store with one writer
    /// never has any. On failure the ledger holds every entry before the first bad one (each
    /// checked), and none from it on.
    pub fn catch_up(&mut self) -> Result<u64, CatchUpError> {
        self.catch_up_to(u64::MAX)
    }

    /// After an append whose write failed (the ledger refuses appends, [`StorageError::Poisoned`]:
    /// a full disk, a failed sync), reopens the store ([`Store::reopen`]) and takes in what it
    /// then holds past the ledger's entries, each checked as [`Ledger::catch_up`] checks it, so
    /// that appends go on once writes succeed again, without reopening the ledger. A ledger
    /// whose writes have not failed is left as it is. The persistent index, detached at the
    /// failure, stays detached until the ledger is opened again (which catches it up).
    pub fn reopen_store(&mut self) -> Result<(), CatchUpError> {
        if !self.poisoned {
            return Ok(());
        }
        self.store.reopen()?;
        let len = self.store.refresh()?;
        if len < self.state.size() {
            // Fewer entries than the ledger replayed before: read it all again.
            let (state, tree) = replay(&self.store, Signatures::Verify).map_err(|e| match e {
                ReplayFailure::Storage(s) => CatchUpError::Storage(s),
                ReplayFailure::BadEntry(b) => CatchUpError::BadEntry(b),
            })?;
            self.state = state;
            self.tree = tree;
        }
        self.catch_up()?;
        self.poisoned = false;
        Ok(())
    }

    /// [`Ledger::catch_up`] to at most `limit` entries.
    pub(super) fn catch_up_to(&mut self, limit: u64) -> Result<u64, CatchUpError> {
        let base = self.state.size();
        let len = self.store.refresh()?.min(limit);
        if len <= base {
            return Ok(0);
        }
        // In pieces of the index interval, the index written after each: a long catch-up (a
        // rebuild streams through here) holds one piece's changes in memory, not all of them.
        let piece = self.index_interval.max(CHUNK);
        let mut at = base;
        while at < len {
            let end = at.saturating_add(piece).min(len);
            let store = &self.store;
            let chunks = (at..end)
                .step_by(CHUNK as usize)
                .map(|k| store.read(k, (k + CHUNK).min(end)));
            let mut replay = Replay::resume(
                std::mem::take(&mut self.state),
                std::mem::take(&mut self.tree),
                Signatures::Verify,
            );
            let outcome = replay.feed(chunks);
            // Every entry before a failure was checked and applied: the ledger keeps them.
            let (state, tree) = replay.finish();
            self.state = state;
            self.tree = tree;
            // A failed write is retried with the next append, or caught up at the next open.
            let _ = self.write_index(true);
            if let Err(failure) = outcome {
                return Err(self.catch_up_error(failure));
            }
            at = end;
        }
        Ok(len - base)
    }

    /// The error of a failed catch-up.
    fn catch_up_error(&self, failure: PipelineError<StorageError>) -> CatchUpError {
        match failure {
            PipelineError::Source(e) => CatchUpError::Storage(e),
            PipelineError::Entry(error) => CatchUpError::BadEntry(Box::new(BadEntry {
                location: self.store.locate(error.seq),
                error,
            })),
        }
    }

    /// Full audit: re-reads every entry from the store and re-checks hashes, chain links,
    /// every signature (batched over all cores), every rule at each entry's time, then compares
    /// the replayed state and Merkle root with the live ones. Reports the first bad entry.
    ///
    /// A ledger with a persistent index is audited against it with bounded memory: the journal
    /// is replayed into a temporary index beside it and the two are compared row by row.
    pub fn audit(&self) -> Result<AuditReport, AuditError> {
        if self.index.is_some() {
            return self.audit_indexed();
        }
        let (state, tree) = replay(&self.store, Signatures::Verify)?;
        let same = tree.head() == self.tree.head() && state.equals_on_cores(&self.state);
        let report = AuditReport {
            entries: state.size(),
            root: tree.head().root,
            head: state.head(),
        };
        // Freeing a replayed state costs about a microsecond per entry; let another thread do
        // it (or this one, if no thread can be started).
        let _ = std::thread::Builder::new().spawn(move || drop((state, tree)));
        if !same {
            return Err(AuditError::Divergence);
        }
        Ok(report)
    }

    pub(super) fn replayed(
        store: S,
        clock: impl Clock + 'static,
        signatures: Signatures,
    ) -> Result<Self, OpenError> {
        if store.is_empty() {
            return Err(OpenError::Empty);
        }
        let (state, tree) = replay(&store, signatures)?;
        let origin = state.origin().ok_or(OpenError::Empty)?.to_owned();
        super::check_origin(&store, &origin)?;
        Ok(Self::assemble(store, state, tree, origin, clock))
    }
}

/// Why a replay of a store stopped.
pub(super) enum ReplayFailure {
    Storage(StorageError),
    BadEntry(Box<BadEntry>),
}

impl From<StorageError> for ReplayFailure {
    fn from(e: StorageError) -> Self {
        ReplayFailure::Storage(e)
    }
}

impl From<ReplayFailure> for OpenError {
    fn from(e: ReplayFailure) -> Self {
        match e {
            ReplayFailure::Storage(s) => OpenError::Storage(s),
            ReplayFailure::BadEntry(b) => OpenError::BadEntry(b),
        }
    }
}

impl From<ReplayFailure> for AuditError {
    fn from(e: ReplayFailure) -> Self {
        match e {
            ReplayFailure::Storage(s) => AuditError::Storage(s),
            ReplayFailure::BadEntry(b) => AuditError::BadEntry(b),
        }
    }
}

/// Replays a whole store on every core (see [`replay_chunks`]), reading it in chunks.
pub(super) fn replay<S: Store>(
    store: &S,
    signatures: Signatures,
) -> Result<(State, MerkleTree), ReplayFailure> {
    replay_to(store, signatures, store.len())
}

/// Replays the first `len` entries of the store.
pub(super) fn replay_to<S: Store>(
    store: &S,
    signatures: Signatures,
    len: u64,
) -> Result<(State, MerkleTree), ReplayFailure> {
    let chunks =
        (0..len.div_ceil(CHUNK)).map(|k| store.read(k * CHUNK, ((k + 1) * CHUNK).min(len)));
    replay_chunks(chunks, signatures, len).map_err(|e| match e {
        PipelineError::Source(e) => ReplayFailure::Storage(e),
        PipelineError::Entry(error) => ReplayFailure::BadEntry(Box::new(BadEntry {
            location: store.locate(error.seq),
            error,
        })),
    })
}
