//! The ledger: append pipeline, reopening, queries, proofs and audit over a [`Store`].

mod checkpoints;
mod clock;
mod integrity;
mod present;
mod stamps;
mod uses;

pub use checkpoints::{
    check_checkpoint, checkpoint_verifiers, SignCheckpointError, SignedCheckpoint,
};
pub use clock::{Clock, ManualClock, SystemClock};
pub use integrity::{IntegrityKey, IntegrityKeyError, RECORD_LEN as INTEGRITY_RECORD_LEN};
pub use present::PresentError;

pub use uses::RecordedUse;

use crate::audit::{replay_chunks, EntryFault, PipelineError, Replay, ReplayError, Signatures};
use crate::crypto::{leaf_hash, Digest32};
use crate::crypto::{verify_threads, BatchJob, Domain, SignatureError};
use crate::encoding::{Canonical, DecodeError};
use crate::event::{Entry, SignedStatement};
use crate::id::LicenseId;
use crate::merkle::{ConsistencyProof, InclusionProof, MerkleTree, ProofError};
use crate::privacy::Disclosure;
use crate::stamp::{IssueStampError, StampError, StampKind, StatusStamp};
use crate::state::{
    signature_items, spread_flags, verify_signers, DueSealing, Receipt, Rejection, RuleError,
    SealStatus, State, Status, UndoLog,
};
use crate::storage::{MemoryStore, Record, StorageError, Store};
use crate::time::Timestamp;
use crate::verify::{verify_disclosure, DocumentReport, Verdict};
use std::path::PathBuf;

/// Entries read from the store per chunk when opening or auditing.
const CHUNK: u64 = 4096;

/// Batches at least this large are applied speculatively while their signatures are verified.
const SPECULATION_THRESHOLD: usize = 64;
/// How many times an append catches up with other writers and tries again before it reports
/// the conflict.
const MAX_CONFLICT_RETRIES: u32 = 16;

/// A single append failed; the ledger is unchanged.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    /// The submitted bytes are not a canonical signed statement.
    #[error("malformed statement: {0}")]
    Decode(#[from] DecodeError),
    /// The statement was refused.
    #[error("statement refused: {0}")]
    Rejected(#[from] Rejection),
    /// The store failed; nothing of the batch was acknowledged.
    #[error("storage failure: {0}")]
    Storage(#[from] StorageError),
    /// A proven batch's checkpoint key does not sign the ledger's checkpoints now (SPEC
    /// §16); nothing was appended.
    #[error("the key does not sign this ledger's checkpoints now (an active operator key does, or a root key while the ledger has none)")]
    NotACheckpointKey,
    /// A proven batch holds an event that changes which keys sign checkpoints (tags 96–99):
    /// append it with `append_batch`, then sign; nothing was appended.
    #[error(
        "a proven batch may not change the checkpoint keys: append it, then sign a checkpoint"
    )]
    ChangesCheckpointKeys,
    /// No checkpoint could be signed for a proven batch. Refused before appending (nothing
    /// was appended) when the ledger does not extend the last checkpoint kept; after
    /// appending when keeping the new checkpoint failed: the statements are then recorded
    /// (submitting them again returns their receipts) but unproven.
    #[error("no checkpoint for the batch: {0}")]
    Unproven(Box<SignCheckpointError>),
    /// An inclusion proof could not be made for a recorded entry (a bug; please report it).
    #[error("inclusion proof: {0}")]
    Proof(#[from] ProofError),
}

/// Opening or creating a ledger failed.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The store failed or is damaged.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// `open` on an empty store.
    #[error("the store holds no ledger")]
    Empty,
    /// `create` on a store that already holds entries.
    #[error("the store already holds a ledger")]
    AlreadyExists,
    /// The genesis statement was refused.
    #[error("genesis refused: {0}")]
    Genesis(Rejection),
    /// A stored entry is bad.
    #[error(transparent)]
    BadEntry(Box<BadEntry>),
    /// The store is dedicated to the ledger of another origin (see [`Store::origin`]).
    #[error("the store holds ledger {store:?}, not {ledger:?}")]
    OriginMismatch {
        /// The origin the store is for.
        store: String,
        /// The ledger's origin.
        ledger: String,
    },
}

/// Refuses a ledger of `origin` in a store dedicated to another origin.
fn check_origin<S: Store>(store: &S, origin: &str) -> Result<(), OpenError> {
    match store.origin() {
        Some(o) if o != origin => Err(OpenError::OriginMismatch {
            store: o.to_owned(),
            ledger: origin.to_owned(),
        }),
        _ => Ok(()),
    }
}

/// The first bad entry of a ledger, with its position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}{}", location.as_ref().map(|(f, o)| format!(" ({} byte {o})", f.display())).unwrap_or_default())]
pub struct BadEntry {
    /// Sequence number and reason.
    pub error: ReplayError,
    /// File and byte offset of the entry, when the store knows them.
    pub location: Option<(PathBuf, u64)>,
}

/// What an audit found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    /// Entries replayed.
    pub entries: u64,
    /// Merkle root over all entries.
    pub root: Digest32,
    /// Hash of the last entry.
    pub head: Digest32,
}

/// Reading an entry failed.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The store failed, or holds no such entry (`StorageError::OutOfRange`).
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The stored entry is damaged (its hash or encoding).
    #[error(transparent)]
    BadEntry(Box<BadEntry>),
}

impl From<ReadError> for AuditError {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Storage(s) => AuditError::Storage(s),
            ReadError::BadEntry(b) => AuditError::BadEntry(b),
        }
    }
}

/// Catching up with other writers' entries failed; the ledger's state is as before.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum CatchUpError {
    /// The store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Another writer's entry is bad (a damaged or forged store).
    #[error(transparent)]
    BadEntry(Box<BadEntry>),
}

impl From<CatchUpError> for OpenError {
    fn from(e: CatchUpError) -> Self {
        match e {
            CatchUpError::Storage(s) => OpenError::Storage(s),
            CatchUpError::BadEntry(b) => OpenError::BadEntry(b),
        }
    }
}

/// An audit failed.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// Reading the store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The first bad entry.
    #[error(transparent)]
    BadEntry(Box<BadEntry>),
    /// Replay produced a state different from the one the ledger built incrementally.
    #[error("replayed state differs from the live state")]
    Divergence,
}

/// An append-only ledger of licenses over a store.
pub struct Ledger<S: Store> {
    store: S,
    state: State,
    tree: MerkleTree,
    /// The origin its genesis names (every ledger has one).
    origin: String,
    clock: Box<dyn Clock>,
    poisoned: bool,
    /// The integrity key, if the ledger keeps an integrity record (SPEC §12).
    integrity: Option<IntegrityKey>,
    /// How many entries' signatures were trusted at open, on a valid integrity record.
    trusted: u64,
}

impl<S: Store> std::fmt::Debug for Ledger<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("origin", &self.state.origin())
            .field("size", &self.state.size())
            .field("head", &self.state.head())
            .finish()
    }
}

impl Ledger<MemoryStore> {
    /// A new ledger in memory.
    pub fn in_memory(
        genesis: SignedStatement,
        clock: impl Clock + 'static,
    ) -> Result<Self, OpenError> {
        Self::create(MemoryStore::new(), genesis, clock)
    }
}

impl<S: Store> Ledger<S> {
    /// Creates a ledger in an empty store by recording `genesis` (a `LedgerCreated` statement
    /// signed by one of its root keys).
    pub fn create(
        store: S,
        genesis: SignedStatement,
        clock: impl Clock + 'static,
    ) -> Result<Self, OpenError> {
        if !store.is_empty() {
            return Err(OpenError::AlreadyExists);
        }
        let origin = genesis.statement().origin.clone();
        check_origin(&store, &origin)?;
        let mut ledger = Self::assemble(store, State::new(), MerkleTree::new(), origin, clock);
        match ledger.append_batch(vec![genesis])?.pop() {
            Some(Ok(_)) => Ok(ledger),
            Some(Err(r)) => Err(OpenError::Genesis(r)),
            None => Err(OpenError::Empty),
        }
    }

    /// Opens the ledger in `store` trusting nothing in it: re-reads every entry, checks
    /// hashes, chain links, every signature (batched over all cores) and every rule, and
    /// rebuilds the projections and the Merkle tree. Whoever can write the store (its files,
    /// its database tables) can therefore not slip in an entry the ledger would not have
    /// appended: the signatures cost about as much again as the rest of the replay (SPEC §12).
    pub fn open(store: S, clock: impl Clock + 'static) -> Result<Self, OpenError> {
        Self::replayed(store, clock, Signatures::Verify)
    }

    /// The same as [`Ledger::open`] (which verifies every signature since issue 12); kept for
    /// callers that say so explicitly, such as an auditor opening a store from elsewhere.
    pub fn open_verified(store: S, clock: impl Clock + 'static) -> Result<Self, OpenError> {
        Self::replayed(store, clock, Signatures::Verify)
    }

    fn replayed(
        store: S,
        clock: impl Clock + 'static,
        signatures: Signatures,
    ) -> Result<Self, OpenError> {
        if store.is_empty() {
            return Err(OpenError::Empty);
        }
        let (state, tree) = replay(&store, signatures)?;
        let origin = state.origin().ok_or(OpenError::Empty)?.to_owned();
        check_origin(&store, &origin)?;
        Ok(Self::assemble(store, state, tree, origin, clock))
    }

    /// A ledger over `store` holding `state` and `tree`, appending normally, keeping no
    /// integrity record.
    fn assemble(
        store: S,
        state: State,
        tree: MerkleTree,
        origin: String,
        clock: impl Clock + 'static,
    ) -> Self {
        Self {
            store,
            state,
            tree,
            origin,
            clock: Box::new(clock),
            poisoned: false,
            integrity: None,
            trusted: 0,
        }
    }

    /// Opens a ledger as [`Ledger::open`] does, except that the signatures of the entries a
    /// valid integrity record covers are trusted (SPEC §12): the record's MAC verifies under
    /// `key` and the replayed entries up to its size end in its head. Every later entry's
    /// signature is verified, and without a valid record (none, another key's, a torn one, or
    /// one the entries do not match) every signature is. The ledger then keeps the record
    /// up to date after each durable append.
    pub fn open_trusting(
        store: S,
        clock: impl Clock + 'static,
        key: IntegrityKey,
    ) -> Result<Self, OpenError> {
        if store.is_empty() {
            return Err(OpenError::Empty);
        }
        let covered = store
            .integrity_record()
            .and_then(|r| key.open(&r))
            .filter(|(size, _)| *size > 0 && *size <= store.len());
        let trusted = covered.and_then(|(size, head)| {
            replay_to(&store, Signatures::Trust, size)
                .ok()
                .filter(|(state, _)| state.head() == head)
        });
        let mut ledger = match trusted {
            Some((state, tree)) => {
                let trusted = state.size();
                let origin = state.origin().ok_or(OpenError::Empty)?.to_owned();
                let mut ledger = Self::assemble(store, state, tree, origin, clock);
                ledger.trusted = trusted;
                // The rest is read and checked as another writer's entries are: every
                // signature verified.
                ledger.catch_up()?;
                ledger
            }
            None => Self::replayed(store, clock, Signatures::Verify)?,
        };
        check_origin(&ledger.store, &ledger.origin)?;
        ledger.keep_integrity(key);
        Ok(ledger)
    }

    /// From now on, keeps an integrity record under `key` (SPEC §12): one is written now for
    /// the entries held, and again after each durable append. A record that cannot be written
    /// costs only signature checks at the next open, so write errors are not reported.
    pub fn keep_integrity(&mut self, key: IntegrityKey) {
        let record = key.seal(self.state.size(), &self.state.head());
        let _ = self.store.set_integrity_record(&record);
        self.integrity = Some(key);
    }

    /// How many entries' signatures [`Ledger::open_trusting`] trusted on a valid integrity
    /// record (0 after any other open).
    pub fn trusted_at_open(&self) -> u64 {
        self.trusted
    }

    /// [`Ledger::append_batch`], then a checkpoint of the ledger after the batch signed with
    /// `key` and kept in `log` as [`Ledger::sign_checkpoint`] does (SPEC §16), and each recorded
    /// statement's receipt with its inclusion proof to that checkpoint: "add and get the proof
    /// back". One checkpoint is signed per batch, so the batch size is the batching knob: larger
    /// batches, fewer checkpoints and signatures. Refused before anything is appended if `key`
    /// could not sign the checkpoint, the ledger does not extend the last one kept, or the
    /// batch changes which keys sign checkpoints.
    pub fn append_batch_proven(
        &mut self,
        statements: Vec<SignedStatement>,
        key: &crate::crypto::SecretKey,
        log: &mut impl crate::storage::CheckpointLog,
    ) -> Result<ProvenBatch, AppendError> {
        // A batch that changes which keys sign checkpoints would be proven by a checkpoint
        // its own key may no longer sign: such events go through `append_batch`, then a
        // checkpoint is signed with the key that signs then.
        if statements
            .iter()
            .any(|s| s.statement().event.changes_checkpoint_keys())
        {
            return Err(AppendError::ChangesCheckpointKeys);
        }
        // Refuse before appending if the checkpoint could not be signed.
        self.may_sign_checkpoint(key, log).map_err(|e| match e {
            SignCheckpointError::NotACheckpointKey => AppendError::NotACheckpointKey,
            other => AppendError::Unproven(Box::new(other)),
        })?;
        let results = self.append_batch(statements)?;
        let signed = self
            .sign_checkpoint(key, log)
            .map_err(|e| AppendError::Unproven(Box::new(e)))?;
        let size = signed.checkpoint.size;
        let receipts = results
            .into_iter()
            .map(|r| match r {
                Ok(receipt) => Ok(Ok(ProvenReceipt {
                    proof: self.tree.prove_inclusion(receipt.seq, size)?,
                    receipt,
                })),
                Err(rejection) => Ok(Err(rejection)),
            })
            .collect::<Result<_, ProofError>>()?;
        Ok(ProvenBatch {
            receipts,
            checkpoint: signed.note,
        })
    }

    /// The ledger's present: the clock, but never before the last entry.
    pub fn now(&self) -> Timestamp {
        self.clock.now().max(self.state.last_time())
    }

    /// Records one statement. Re-submitting a recorded statement returns its original receipt.
    pub fn append(&mut self, statement: SignedStatement) -> Result<Receipt, AppendError> {
        // One statement has exactly one result.
        match <[_; 1]>::try_from(self.append_batch(vec![statement])?) {
            Ok([result]) => Ok(result?),
            Err(results) => unreachable!("one statement gave {} results", results.len()),
        }
    }

    /// Strictly decodes a signed statement and records it.
    pub fn append_bytes(&mut self, bytes: &[u8]) -> Result<Receipt, AppendError> {
        self.append(SignedStatement::from_canonical(bytes)?)
    }

    /// Records a batch with one durable commit. Statements are checked in order, each against
    /// the state left by the ones before it; a refused statement is left out and the others are
    /// recorded (one result per statement, in order). Receipts are returned only after the
    /// batch is durable. If the store fails, nothing of the batch is acknowledged, the ledger
    /// reloads its state from the store and refuses further appends until reopened.
    ///
    /// A large batch is applied speculatively on this thread while its signatures are verified
    /// on the others; if any signature fails, the speculative changes are rolled back and the
    /// batch is applied again, refusing the statements whose signatures failed.
    pub fn append_batch(
        &mut self,
        statements: Vec<SignedStatement>,
    ) -> Result<Vec<Result<Receipt, Rejection>>, StorageError> {
        let mut conflicts = 0;
        loop {
            if self.poisoned {
                return Err(StorageError::Poisoned);
            }
            match self.try_append_batch(&statements) {
                // Another writer moved the store: catch up with its entries and validate the
                // batch again against the new state.
                Err(StorageError::Conflict { .. }) if conflicts < MAX_CONFLICT_RETRIES => {
                    conflicts += 1;
                    if self.catch_up().is_err() {
                        self.poisoned = true;
                        return Err(StorageError::Poisoned);
                    }
                }
                other => return other,
            }
        }
    }

    /// Reads and applies the entries other writers appended to the store since this ledger's
    /// last one, checking each as a replay does (stored hash, strict decoding, sequence, chain,
    /// signature, every rule at its ledger time); returns how many. A store with one writer
    /// never has any. On failure the ledger's state is unchanged.
    pub fn catch_up(&mut self) -> Result<u64, CatchUpError> {
        let base = self.state.size();
        let len = self.store.refresh()?;
        if len <= base {
            return Ok(0);
        }
        let records = self.store.read(base, len)?;
        let mut replay = Replay::resume(
            std::mem::take(&mut self.state),
            std::mem::take(&mut self.tree),
            Signatures::Verify,
        );
        let outcome = replay.feed([Ok::<_, StorageError>(records)]);
        let (state, tree) = replay.finish();
        match outcome {
            Ok(()) => {
                self.state = state;
                self.tree = tree;
                Ok(len - base)
            }
            Err(failure) => {
                // Put back the state as it was before the catch-up: the entries it held, which
                // this ledger checked before (a rare path: only a damaged or forged store).
                match replay_to(&self.store, Signatures::Verify, base) {
                    Ok((s, t)) => {
                        self.state = s;
                        self.tree = t;
                    }
                    Err(_) => {
                        self.state = state;
                        self.tree = tree;
                        self.poisoned = true;
                    }
                }
                Err(match failure {
                    PipelineError::Source(e) => CatchUpError::Storage(e),
                    PipelineError::Entry(error) => CatchUpError::BadEntry(Box::new(BadEntry {
                        location: self.store.locate(error.seq),
                        error,
                    })),
                })
            }
        }
    }

    /// One attempt of [`Ledger::append_batch`]: on a conflict the in-memory changes are undone
    /// and the conflict returned.
    fn try_append_batch(
        &mut self,
        statements: &[SignedStatement],
    ) -> Result<Vec<Result<Receipt, Rejection>>, StorageError> {
        let now = self.now();
        let base = self.state.size();
        let refs: Vec<&SignedStatement> = statements.iter().collect();
        let keys = self.state.resolve_signers(&refs);
        let mut records = Vec::new();
        let (state, tree) = (&mut self.state, &mut self.tree);
        let mut results = None;
        // Every change is logged so that a conflict with another writer can be undone.
        let mut log = UndoLog::new();
        let flags = if refs.len() < SPECULATION_THRESHOLD {
            verify_signers(&refs, &keys)
        } else {
            let (items, slots) = signature_items(&refs, &keys);
            let threads = verify_threads();
            // Four pieces per core: this thread applies the batch meanwhile, then helps, and
            // small last pieces keep threads from idling while one finishes.
            let job = BatchJob::new(Domain::Statement, &items, threads, 4);
            let speculative = std::thread::scope(|s| {
                for _ in 0..threads {
                    s.spawn(|| job.work());
                }
                let speculative: Vec<_> = refs
                    .iter()
                    .map(|st| admit(state, tree, &mut records, now, st, Some(&mut log)))
                    .collect();
                job.work();
                speculative
            });
            let flags = spread_flags(refs.len(), &slots, job.finish());
            if flags.iter().all(|ok| *ok) {
                results = Some(speculative);
            } else {
                state.rollback(std::mem::take(&mut log));
                tree.truncate(base);
                records.clear();
            }
            flags
        };
        let results = match results {
            Some(r) => r,
            None => refs
                .iter()
                .zip(flags)
                .map(|(st, ok)| {
                    if ok {
                        admit(state, tree, &mut records, now, st, Some(&mut log))
                    } else {
                        Err(Rejection::Signature(SignatureError))
                    }
                })
                .collect(),
        };
        if !records.is_empty() {
            if let Err(e) = self.store.append(base, &records) {
                if let StorageError::Conflict { .. } = e {
                    self.state.rollback(log);
                    self.tree.truncate(base);
                    return Err(e);
                }
                self.poisoned = true;
                if let Ok((state, tree)) = replay(&self.store, Signatures::Verify) {
                    self.state = state;
                    self.tree = tree;
                }
                return Err(e);
            }
            if let Some(key) = &self.integrity {
                let record = key.seal(self.state.size(), &self.state.head());
                let _ = self.store.set_integrity_record(&record);
            }
        }
        Ok(results)
    }

    /// The derived state (authority and license registries).
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The store, mutably (for backend-specific maintenance and test hooks). Entries appended to
    /// it directly are treated like another writer's at the next append: checked as a replay
    /// checks them and built on, or refused (see [`Ledger::catch_up`]).
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    /// Number of entries.
    pub fn len(&self) -> u64 {
        self.state.size()
    }

    /// Whether the ledger has no entries (never true once created).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Status of a license version at reference time `at`.
    pub fn status(&self, id: &LicenseId, at: Timestamp) -> Status {
        self.state.status(id, at)
    }

    /// Verifies a holder's disclosure at reference time `at`.
    pub fn verify_disclosure(&self, disclosure: &Disclosure, at: Timestamp) -> Verdict {
        verify_disclosure(&self.state, disclosure, at, self.now())
    }

    /// Verifies a holder's disclosure for a relying party checking the license for a service
    /// item at `at`: a consent of the holder must cover the use (see
    /// [`crate::verify::verify_for_relying_party`]).
    pub fn verify_for_relying_party(
        &self,
        disclosure: &Disclosure,
        relying_party: &str,
        service_item: &str,
        at: Timestamp,
    ) -> Verdict {
        crate::verify::verify_for_relying_party(
            &self.state,
            disclosure,
            relying_party,
            service_item,
            at,
            self.now(),
        )
    }

    /// Status of seal `es_id` at reference time `at`.
    pub fn seal_status(&self, es_id: &str, at: Timestamp) -> SealStatus {
        self.state.seal_status(es_id, at)
    }

    /// Verifies a sealed document, given its bytes, as of reference time `at` (see
    /// [`crate::verify::verify_sealed_document`]).
    pub fn verify_document(&self, document: &[u8], at: Timestamp) -> DocumentReport {
        self.verify_document_digest(&crate::crypto::sha256(document), at)
    }

    /// Verifies a sealed document, given its SHA-256 digest, as of reference time `at`.
    pub fn verify_document_digest(&self, document: &Digest32, at: Timestamp) -> DocumentReport {
        crate::verify::verify_sealed_document(&self.state, document, at, self.now())
    }

    /// Whether the document with this digest is validly sealed by the seals `asked` selects
    /// (a unit's, or one seal), as of `at`; every sealing is reported with its own verdict.
    pub fn verify_document_digest_by(
        &self,
        document: &Digest32,
        asked: &crate::verify::SealFilter,
        at: Timestamp,
    ) -> DocumentReport {
        crate::verify::verify_sealed_document_by(&self.state, document, asked, at, self.now())
    }

    /// The automatic sealings due now (the auto-seal engine's `tick`): see
    /// [`State::due_auto_seals`].
    pub fn due_auto_seals(&self) -> Vec<DueSealing> {
        self.state.due_auto_seals(self.now())
    }

    /// Reads entry `seq`, checks its stored hash and decodes it strictly.
    pub fn entry(&self, seq: u64) -> Result<Entry, ReadError> {
        let recs = self.store.read(seq, seq.saturating_add(1))?;
        let rec = recs.first().ok_or(StorageError::OutOfRange {
            start: seq,
            end: seq.saturating_add(1),
            len: self.len(),
        })?;
        let fault = if leaf_hash(&rec.bytes) != rec.hash {
            EntryFault::HashMismatch
        } else {
            match Entry::from_canonical(&rec.bytes) {
                Ok(e) => return Ok(e),
                Err(e) => e.into(),
            }
        };
        Err(ReadError::BadEntry(Box::new(BadEntry {
            error: ReplayError { seq, fault },
            location: self.store.locate(seq),
        })))
    }

    /// The ledger's origin (its genesis names it).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The current tree head: the number of entries and their Merkle root.
    pub fn tree_head(&self) -> crate::merkle::TreeHead {
        self.tree.head()
    }

    /// The Merkle tree over the entries.
    pub fn tree(&self) -> &MerkleTree {
        &self.tree
    }

    /// Merkle root of the first `size` entries.
    pub fn root(&self, size: u64) -> Result<Digest32, ProofError> {
        self.tree.root(size)
    }

    /// Inclusion proof of entry `seq` in the tree of the first `size` entries.
    pub fn prove_inclusion(&self, seq: u64, size: u64) -> Result<InclusionProof, ProofError> {
        self.tree.prove_inclusion(seq, size)
    }

    /// Consistency proof between the trees of the first `old` and `new` entries.
    pub fn prove_consistency(&self, old: u64, new: u64) -> Result<ConsistencyProof, ProofError> {
        self.tree.prove_consistency(old, new)
    }

    /// A current status stamp (SPEC §17) for `license` at `this_update`, which must be the
    /// ledger's present: not after it ([`IssueStampError::Future`]), within the clock skew before it
    /// and not before the last entry's ledger time ([`IssueStampError::NotPresent`]), valid
    /// until `next_update`, as of the ledger's current size, signed with the operator's `key`
    /// (an active root key). A stamp about the past is [`Ledger::stamp_as_of`].
    pub fn stamp(
        &self,
        license: &LicenseId,
        this_update: Timestamp,
        next_update: Timestamp,
        key: &crate::crypto::SecretKey,
    ) -> Result<StatusStamp, IssueStampError> {
        self.check_present(this_update)?;
        self.sign_stamp(StampKind::Current, license, this_update, next_update, key)
    }

    /// Only a key that signs checkpoints now signs stamps (SPEC §16).
    fn check_stamp_key(&self, key: &crate::crypto::SecretKey) -> Result<(), IssueStampError> {
        if self
            .state
            .checkpoint_keys(self.now())
            .contains(&key.public_key())
        {
            Ok(())
        } else {
            Err(IssueStampError::NotAStampKey)
        }
    }

    /// A current stamp's time is the ledger's present: not after it, not before the last
    /// entry (a change it records would be dated after the stamp), and within the skew of it.
    fn check_present(&self, this_update: Timestamp) -> Result<(), IssueStampError> {
        let present = self.now();
        if this_update > present {
            return Err(IssueStampError::Future(this_update));
        }
        if this_update < self.state.last_time()
            || present.0 - this_update.0 > self.state.policy().max_skew_ms
        {
            return Err(IssueStampError::NotPresent {
                at: this_update,
                present,
            });
        }
        Ok(())
    }

    /// A sealing stamp (SPEC §17) for the sealing of `document` recorded at `seq`: its verdict
    /// (§18) judged now with the whole ledger, at `this_update` (the ledger's present, as for
    /// [`Ledger::stamp`]), valid until `next_update`, signed with the operator's `key`.
    pub fn stamp_sealing(
        &self,
        document: &Digest32,
        seq: u64,
        this_update: Timestamp,
        next_update: Timestamp,
        key: &crate::crypto::SecretKey,
    ) -> Result<crate::stamp::SealingStamp, IssueStampError> {
        self.check_present(this_update)?;
        self.check_stamp_key(key)?;
        let claim = stamps::sealing_claim_for(
            &self.origin,
            &self.state,
            &self.tree,
            document,
            seq,
            this_update,
            next_update,
        )?;
        crate::stamp::SealingStamp::sign(claim, key)
    }

    /// An as-of status stamp (SPEC §17): the status of `license` at a past moment `at` (not
    /// after the ledger's present) as the ledger's current size gives it, for auditors and
    /// courts. Verifiers of presentations never accept it as current.
    pub fn stamp_as_of(
        &self,
        license: &LicenseId,
        at: Timestamp,
        next_update: Timestamp,
        key: &crate::crypto::SecretKey,
    ) -> Result<StatusStamp, IssueStampError> {
        self.sign_stamp(StampKind::AsOf, license, at, next_update, key)
    }

    fn sign_stamp(
        &self,
        kind: StampKind,
        license: &LicenseId,
        this_update: Timestamp,
        next_update: Timestamp,
        key: &crate::crypto::SecretKey,
    ) -> Result<StatusStamp, IssueStampError> {
        if this_update > self.now() {
            return Err(IssueStampError::Future(this_update));
        }
        self.check_stamp_key(key)?;
        let claim = stamps::claim_for(
            &self.origin,
            &self.state,
            &self.tree,
            kind,
            license,
            this_update,
            next_update,
        )?;
        StatusStamp::sign(claim, key)
    }

    /// Cosigns `note` as `witness`, a witness that follows this ledger (SPEC §16): the note
    /// must be signed by a key that signs the ledger's checkpoints at its present (an active
    /// operator key, or a root key while it has none; a retired or compromised one is refused,
    /// [`crate::checkpoint::WitnessError::Note`]) and belong to this ledger, and it must extend
    /// the last checkpoint the witness cosigned (the ledger makes the consistency proof).
    /// Nothing changes if it refuses.
    pub fn cosign(
        &self,
        witness: &mut crate::checkpoint::Witness,
        note: &[u8],
        now_secs: u64,
    ) -> Result<crate::checkpoint::NoteSignature, crate::checkpoint::WitnessError> {
        use crate::checkpoint::NoteVerifier;
        let origin = self.origin();
        let active: Vec<NoteVerifier> = self
            .state
            .checkpoint_keys(self.now())
            .iter()
            .filter_map(|k| NoteVerifier::new(origin, k).ok())
            .collect();
        let (cp, _) = crate::checkpoint::Checkpoint::open(note, &active)?;
        self.check_checkpoint(note)?;
        // The ledger holds `cp.size` entries (just checked), so the proof exists; a witness
        // that saw a larger tree refuses the smaller one itself.
        let proof = witness
            .last()
            .filter(|last| last.size < cp.size)
            .and_then(|last| self.prove_consistency(last.size, cp.size).ok());
        let mut following = witness.clone();
        following.follow(active);
        let signature = following.cosign(note, proof.as_ref(), now_secs)?;
        *witness = following;
        Ok(signature)
    }

    /// Checks status stamps against the log: each must be signed by a root key and say what the
    /// ledger said at the stamp's size, which is found by replaying the store up to it (one
    /// pass for all stamps, in size order; entry signatures are trusted here: [`Ledger::open`]
    /// verified them, and [`Ledger::audit`] re-checks them). Returns the index of the first
    /// stamp (in size order) that fails, with the reason.
    pub fn check_stamps(&self, stamps: &[StatusStamp]) -> Result<(), StampCheckError> {
        let mut order: Vec<usize> = (0..stamps.len()).collect();
        order.sort_by_key(|&i| stamps[i].claim.size);
        let mut replay = Replay::from_genesis(Signatures::Trust, 0);
        for i in order {
            let stamp = &stamps[i];
            let size = stamp.claim.size;
            if size > self.len() || size == 0 {
                return Err(StampCheckError::Stamp(
                    i,
                    StampError::Mismatch("checkpoint size"),
                ));
            }
            // Replay up to the stamp's size (stamps are taken in size order).
            let from = replay.len();
            let chunks = (from..size)
                .step_by(CHUNK as usize)
                .map(|at| self.store.read(at, (at + CHUNK).min(size)));
            replay.feed(chunks).map_err(|e| match e {
                PipelineError::Source(e) => StampCheckError::Storage(e),
                PipelineError::Entry(error) => StampCheckError::BadEntry(Box::new(BadEntry {
                    location: self.store.locate(error.seq),
                    error,
                })),
            })?;
            let (state, tree) = replay.parts();
            // Signed by a key that could sign at its this update (judged with all the ledger
            // knows now), and not dated after the next entry, which a stamp at this size
            // ignores (an honest one is made before that entry is recorded).
            let after_next = match size < self.len() {
                true => {
                    let next = self
                        .entry(size)
                        .map_err(|e| StampCheckError::Read(Box::new(e)))?
                        .ledger_time;
                    stamp.claim.this_update.0
                        > next.0.saturating_add(self.state.policy().max_skew_ms)
                }
                false => false,
            };
            // A current stamp is signed at its this update; an as-of one when the ledger had
            // `size` entries (at or after the last of them).
            let signed_at = match stamp.claim.kind {
                StampKind::Current => stamp.claim.this_update,
                StampKind::AsOf => state.last_time(),
            };
            stamp
                .verify(&self.state.checkpoint_keys(signed_at))
                .and_then(|claim| {
                    if after_next {
                        return Err(StampError::Mismatch(
                            "this update (after the next entry, which a stamp at this size ignores)",
                        ));
                    }
                    stamps::check_claim(&self.origin, claim, state, tree)
                })
                .map_err(|e| StampCheckError::Stamp(i, e))?;
        }
        Ok(())
    }

    /// Full audit: re-reads every entry from the store and re-checks hashes, chain links,
    /// every signature (batched over all cores), every rule at each entry's time, then compares
    /// the replayed state and Merkle root with the live ones. Reports the first bad entry.
    pub fn audit(&self) -> Result<AuditReport, AuditError> {
        let (state, tree) = replay(&self.store, Signatures::Verify)?;
        let same = tree == self.tree && state.equals_on_cores(&self.state);
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
}

/// A receipt with the entry's inclusion proof to the checkpoint of its batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvenReceipt {
    /// The receipt.
    pub receipt: Receipt,
    /// Inclusion proof of the entry in the tree of the batch's checkpoint.
    pub proof: InclusionProof,
}

impl ProvenReceipt {
    /// Checks the receipt against the batch's signed checkpoint `note`: signed by one of
    /// `verifiers` (the ledger's checkpoint keys), and the entry hash is included at the
    /// receipt's sequence number in the checkpoint's tree.
    pub fn verify(
        &self,
        note: &str,
        verifiers: &[crate::checkpoint::NoteVerifier],
    ) -> Result<crate::checkpoint::Checkpoint, ReceiptError> {
        let (cp, _) = crate::checkpoint::Checkpoint::open(note.as_bytes(), verifiers)?;
        if self.proof.index != self.receipt.seq || self.proof.tree_size != cp.size {
            return Err(ReceiptError::Proof(ProofError::IndexOutOfRange {
                index: self.proof.index,
                size: cp.size,
            }));
        }
        self.proof.verify(&self.receipt.entry_hash, &cp.root)?;
        Ok(cp)
    }
}

/// A proven receipt does not check out.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    /// The checkpoint is malformed or not signed by the ledger.
    #[error(transparent)]
    Checkpoint(#[from] crate::checkpoint::NoteError),
    /// The inclusion proof does not lead to the checkpoint's root.
    #[error(transparent)]
    Proof(#[from] ProofError),
}

/// What [`Ledger::append_batch_proven`] returns.
#[derive(Debug, Clone)]
pub struct ProvenBatch {
    /// One result per statement, in order.
    pub receipts: Vec<Result<ProvenReceipt, Rejection>>,
    /// The signed checkpoint (note text) the proofs lead to.
    pub checkpoint: String,
}

/// Checking status stamps against the log failed.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum StampCheckError {
    /// Stamp `.0` (an index into the stamps given) is false or not the operator's.
    #[error("status stamp {0}: {1}")]
    Stamp(usize, StampError),
    /// Reading the store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A stored entry is bad.
    #[error(transparent)]
    BadEntry(Box<BadEntry>),
    /// The entry after a stamp's size could not be read.
    #[error(transparent)]
    Read(Box<ReadError>),
}

/// Checks one statement (whose signature verified, or is being verified while `log` records
/// the changes) and, if it passes, records it in state and tree and queues its record; returns
/// its receipt. The same checks as replay.
fn admit(
    state: &mut State,
    tree: &mut MerkleTree,
    records: &mut Vec<Record>,
    now: Timestamp,
    statement: &SignedStatement,
    log: Option<&mut UndoLog>,
) -> Result<Receipt, Rejection> {
    match state.check(statement, now) {
        Ok(()) => {}
        // Idempotent re-submission: the rule found it recorded; answer with its receipt.
        Err(RuleError::DuplicateStatement(seq)) => {
            let mut receipt = state
                .receipt_of(&statement.id())
                .ok_or(RuleError::DuplicateStatement(seq))?;
            receipt.resubmission = Some(state.effect_of(statement, &receipt, now));
            return Ok(receipt);
        }
        Err(e) => return Err(e.into()),
    }
    let seq = state.size();
    let bytes = Entry::encode_parts(seq, &state.head(), now, statement);
    if bytes.len() > crate::event::MAX_ENTRY_LEN {
        return Err(RuleError::Invalid(crate::state::Invalid::StatementTooLarge).into());
    }
    let hash = leaf_hash(&bytes);
    match log {
        Some(log) => state.apply_speculative(seq, now, statement, hash, log),
        None => state.apply(seq, now, statement, hash),
    }
    tree.push(hash);
    records.push(Record { hash, bytes });
    Ok(Receipt {
        seq,
        entry_hash: hash,
        ledger_time: now,
        resubmission: None,
    })
}

/// Why a replay of a store stopped.
enum ReplayFailure {
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
fn replay<S: Store>(
    store: &S,
    signatures: Signatures,
) -> Result<(State, MerkleTree), ReplayFailure> {
    replay_to(store, signatures, store.len())
}

/// Replays the first `len` entries of the store.
fn replay_to<S: Store>(
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
