//! The ledger over a [`Store`]: creating and opening it, the append pipeline and queries.
//!
//! Beside it: `error` (one error per operation), `replay` (opening, catching up, audit),
//! `checkpoints` (signing and checking checkpoints, proven receipts, witness cosigning),
//! `stamps` (issuing and checking status and sealing stamps), `present` (offline
//! presentations), `uses` (recorded uses), `integrity` (the integrity record), `clock`.

mod checkpoints;
mod clock;
mod error;
mod index;
mod integrity;
mod present;
mod replay;
mod stamps;
mod uses;

pub use checkpoints::{
    check_checkpoint, checkpoint_verifiers, SignCheckpointError, SignedCheckpoint,
};
pub use checkpoints::{ProvenBatch, ProvenReceipt, ReceiptError};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{
    AppendError, AuditError, AuditReport, BadEntry, CatchUpError, OpenError, ReadError,
};
pub use index::{IndexError, IndexStatus, IndexUnusable, INDEX_INTERVAL, INDEX_VERSION};
#[cfg(feature = "test-support")]
pub(crate) use index::{AUDIT_SEED, REBUILD_SEED};
pub use integrity::{IntegrityKey, IntegrityKeyError, RECORD_LEN as INTEGRITY_RECORD_LEN};
pub use present::PresentError;
pub use stamps::StampCheckError;

pub use uses::{RecordedUse, SignedUse, SignedUseError};

use crate::audit::{EntryFault, ReplayError, Signatures};
use crate::crypto::{leaf_hash, Digest32};
use crate::crypto::{verify_threads, BatchJob, Domain, SignatureError};
use crate::encoding::Canonical;
use crate::event::{Entry, SignedStatement};
use crate::id::LicenseId;
use crate::merkle::{ConsistencyProof, InclusionProof, MerkleTree, ProofError};
use crate::privacy::Disclosure;
use crate::state::{
    signature_items, spread_flags, verify_signers, DueSealing, Receipt, Rejection, RuleError,
    SealStatus, State, Status,
};
use crate::storage::{MemoryStore, Record, StorageError, Store};
use crate::time::Timestamp;
use crate::verify::{verify_disclosure, DocumentReport, Verdict};

/// One result per statement of a batch, in order.
type BatchResults = Vec<Result<Receipt, Rejection>>;

/// Entries read from the store per chunk when opening or auditing.
const CHUNK: u64 = 4096;

/// Batches at least this large are applied speculatively while their signatures are verified.
const SPECULATION_THRESHOLD: usize = 64;
/// How many times an append catches up with other writers and tries again before it reports
/// the conflict.
const MAX_CONFLICT_RETRIES: u32 = 16;

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
    /// The persistent index the state is read from, and how many entries it holds.
    index: Option<(std::sync::Arc<index::Index>, u64)>,
    /// Entries gathered before their changes are written to the index.
    index_interval: u64,
    /// Opens the same store again, read-only (a ledger with a persistent index): what its
    /// audit replays from.
    reopen: Option<index::Reopen<S>>,
}

impl<S: Store> Drop for Ledger<S> {
    /// Writes to the persistent index what it lacks (a failure leaves it behind: the next
    /// open catches up).
    fn drop(&mut self) {
        // Not while unwinding (the state may be taken apart or mid-transaction), nor for a
        // ledger that refuses appends: the next open catches the index up instead.
        if std::thread::panicking() || self.poisoned {
            return;
        }
        let _ = self.write_index(true);
    }
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
            index: None,
            index_interval: index::INDEX_INTERVAL,
            reopen: None,
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
            replay::replay_to(&store, Signatures::Trust, size)
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
            match self
                .try_append_batch(&statements, None)
                .map(|(results, _)| results)
            {
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

    /// One attempt of [`Ledger::append_batch`]: on a conflict the in-memory changes are undone
    /// and the conflict returned.
    ///
    /// With `seal` (a checkpoint key and the last checkpoint kept in the store, which the
    /// caller checked), the checkpoint of the ledger after the batch is signed before the
    /// batch is written and written with it in one durable step
    /// ([`Store::append_with_checkpoint`]); it is returned if anything was appended.
    /// `StorageError::CheckpointMoved` is then undone like a conflict.
    pub(super) fn try_append_batch(
        &mut self,
        statements: &[SignedStatement],
        seal: Option<(&crate::crypto::SecretKey, Option<&str>)>,
    ) -> Result<(BatchResults, Option<SignedCheckpoint>), StorageError> {
        let now = self.now();
        let base = self.state.size();
        let refs: Vec<&SignedStatement> = statements.iter().collect();
        let keys = self.state.resolve_signers(&refs);
        let mut records = Vec::new();
        let (state, tree) = (&mut self.state, &mut self.tree);
        let mut results = None;
        // Every change is logged so that a conflict with another writer can be undone.
        state.begin();
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
                    .map(|st| admit(state, tree, &mut records, now, st))
                    .collect();
                job.work();
                speculative
            });
            let flags = spread_flags(refs.len(), &slots, job.finish());
            if flags.iter().all(|ok| *ok) {
                results = Some(speculative);
            } else {
                state.rollback();
                state.begin();
                // At or above the stored prefix (the index holds at most `base` entries):
                // memory only, it cannot fail.
                let _ = tree.truncate(base);
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
                        admit(state, tree, &mut records, now, st)
                    } else {
                        Err(Rejection::Signature(SignatureError))
                    }
                })
                .collect(),
        };
        let mut sealed = None;
        if !records.is_empty() {
            let written = match seal {
                None => self.store.append(base, &records),
                Some((key, after)) => match self.checkpoint_note(key) {
                    Ok(signed) => {
                        let written =
                            self.store
                                .append_with_checkpoint(base, &records, &signed.note, after);
                        sealed = Some(signed);
                        written
                    }
                    // The origin cannot name a note key: nothing is written.
                    Err(_) => Err(StorageError::Unsupported(
                        "the ledger's origin cannot name a checkpoint key",
                    )),
                },
            };
            if let Err(e) = written {
                if let StorageError::Conflict { .. } | StorageError::CheckpointMoved = e {
                    self.state.rollback();
                    let _ = self.tree.truncate(base);
                    return Err(e);
                }
                self.poisoned = true;
                self.state.rollback();
                let _ = self.tree.truncate(base);
                self.detach_index();
                if let Ok((state, tree)) = replay::replay(&self.store, Signatures::Verify) {
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
        self.state.commit();
        // A failed write is retried with the next append, or caught up at the next open.
        let _ = self.write_index(false);
        Ok((results, sealed))
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

    /// The facts of the license that version `id` belongs to, each version's status at `at`
    /// (see [`State::license_facts`]); `None` if the ledger holds no such license.
    pub fn license_facts(
        &self,
        id: &LicenseId,
        at: Timestamp,
    ) -> Option<crate::state::LicenseFacts> {
        self.state.license_facts(id, at)
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

    /// Reads entry `seq`, checks its stored hash against its bytes and against the Merkle
    /// tree's leaf `seq`, decodes it strictly and checks that it is entry `seq`.
    pub fn entry(&self, seq: u64) -> Result<Entry, ReadError> {
        let recs = self.store.read(seq, seq.saturating_add(1))?;
        let rec = recs.first().ok_or(StorageError::OutOfRange {
            start: seq,
            end: seq.saturating_add(1),
            len: self.len(),
        })?;
        // Its hash must be its bytes' and the leaf the tree holds at `seq` (a record the store
        // misplaces, with a matching hash and sequence number made up, is not entry `seq`).
        let in_tree = self.tree.leaf(seq).is_none_or(|leaf| leaf == rec.hash);
        let fault = if leaf_hash(&rec.bytes) != rec.hash || !in_tree {
            EntryFault::HashMismatch
        } else {
            match Entry::from_canonical(&rec.bytes) {
                // A store that misplaces a record (its offsets wrong) must not pass it off as
                // another entry.
                Ok(e) if e.seq != seq => EntryFault::WrongSequence {
                    expected: seq,
                    found: e.seq,
                },
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
}

/// Checks one statement (whose signature verified, or is being verified while the state's
/// transaction logs the changes) and, if it passes, records it in state and tree and queues its record; returns
/// its receipt. The same checks as replay.
fn admit(
    state: &mut State,
    tree: &mut MerkleTree,
    records: &mut Vec<Record>,
    now: Timestamp,
    statement: &SignedStatement,
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
    state.apply(seq, now, statement, hash);
    tree.push(hash);
    records.push(Record { hash, bytes });
    Ok(Receipt {
        seq,
        entry_hash: hash,
        ledger_time: now,
        resubmission: None,
    })
}
