//! The ledger's checkpoints: which keys verify them, whether one belongs to the ledger, signing
//! one that is kept before it is returned, so the operator never equivocates (SPEC §16), proven
//! receipts ("add and get the proof back") and witness cosigning.

use super::{AppendError, Ledger};
use crate::checkpoint::{Checkpoint, CheckpointError, NoteError, NoteVerifier};
use crate::crypto::SecretKey;
use crate::event::SignedStatement;
use crate::merkle::MerkleTree;
use crate::merkle::{InclusionProof, ProofError};
use crate::state::State;
use crate::state::{Receipt, Rejection};
use crate::storage::{CheckpointLog, StorageError, Store};

/// Signing a checkpoint failed; nothing was signed or kept.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum SignCheckpointError {
    /// The key does not sign this ledger's checkpoints now (SPEC §16).
    #[error("the key does not sign this ledger's checkpoints now (an active operator key does, or a root key while the ledger has none)")]
    NotACheckpointKey,
    /// The last checkpoint kept does not belong to the ledger as it is: another ledger's, one
    /// of more entries than it holds (the ledger was rolled back), or one whose root differs
    /// (the ledger was rewritten). Signing now would make the operator sign two checkpoints
    /// that do not fit together.
    #[error("refusing to sign: the ledger is not consistent with the last checkpoint kept: {0}")]
    Inconsistent(CheckpointError),
    /// The ledger's origin cannot name a signed-note key.
    #[error("cannot sign a checkpoint for this origin: {0}")]
    Origin(NoteError),
    /// Reading or keeping in the checkpoint log failed; the new checkpoint was not returned.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Catching up with another writer's entries, to sign past them, failed.
    #[error(transparent)]
    CatchUp(super::CatchUpError),
}

/// A checkpoint signed and kept by [`Ledger::sign_checkpoint`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    /// The signed note's text (C2SP signed-note).
    pub note: String,
    /// The checkpoint it signs.
    pub checkpoint: Checkpoint,
}

/// The verifiers of a ledger's checkpoints under its `origin` as key name: every key that has
/// signed them, root or operator, retired or not (SPEC §16).
pub fn checkpoint_verifiers(origin: &str, state: &State) -> Vec<NoteVerifier> {
    NoteVerifier::for_keys(origin, &state.all_checkpoint_keys())
}

/// Checks that a signed checkpoint belongs to the ledger of `origin` replayed into `state` and
/// `tree`: signed by one of its checkpoint keys, for its origin, at a size it has reached, with
/// the root it has at that size.
pub fn check_checkpoint(
    note: &[u8],
    origin: &str,
    state: &State,
    tree: &MerkleTree,
) -> Result<Checkpoint, CheckpointError> {
    belongs(note, origin, &checkpoint_verifiers(origin, state), tree)
}

/// Whether `note` verifies under `verifiers` and is a checkpoint of the ledger of `origin` whose
/// tree is `tree`.
fn belongs(
    note: &[u8],
    origin: &str,
    verifiers: &[NoteVerifier],
    tree: &MerkleTree,
) -> Result<Checkpoint, CheckpointError> {
    let (cp, _) = Checkpoint::open(note, verifiers)?;
    if cp.origin != origin {
        return Err(CheckpointError::WrongOrigin {
            expected: origin.to_owned(),
            found: cp.origin,
        });
    }
    let len = tree.len();
    if cp.size > len {
        return Err(CheckpointError::BeyondLedger { size: cp.size, len });
    }
    if tree.root(cp.size).ok() != Some(cp.root) {
        return Err(CheckpointError::Inconsistent { size: cp.size });
    }
    Ok(cp)
}

impl<S: Store> Ledger<S> {
    /// Checks that a signed checkpoint belongs to this ledger (see [`check_checkpoint`]).
    pub fn check_checkpoint(&self, note: &[u8]) -> Result<Checkpoint, CheckpointError> {
        check_checkpoint(note, &self.origin, &self.state, &self.tree)
    }

    /// Signs a checkpoint of the ledger as it is with `key` and keeps it in `log` before
    /// returning it. Refused unless `key` signs the ledger's checkpoints now and the ledger
    /// still holds the last checkpoint kept in `log` (same root at its size), so that signing
    /// through one log never makes the operator sign two checkpoints that do not fit together
    /// (the log is the operator's memory: a signer given another, or an empty, log is not held
    /// to it; witnesses hold the operator to one history across logs, SPEC §24). If another
    /// signer keeps a checkpoint meanwhile, the ledger is checked against it and signing tried
    /// again. A checkpoint equal to the last kept is returned without keeping it twice.
    pub fn sign_checkpoint(
        &self,
        key: &SecretKey,
        log: &mut impl CheckpointLog,
    ) -> Result<SignedCheckpoint, SignCheckpointError> {
        let mut moved = 0;
        loop {
            let last = self.may_sign_checkpoint(key, log)?;
            let signed = self.checkpoint_note(key)?;
            if let Some(kept) = already_kept(last.as_deref(), &signed) {
                return Ok(kept);
            }
            match log.keep_checkpoint(&signed.note, last.as_deref()) {
                Ok(()) => return Ok(signed),
                Err(StorageError::CheckpointMoved) if moved < MAX_MOVED => moved += 1,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The checkpoint of the ledger as it is (no extensions), signed with `key`; kept nowhere.
    pub(super) fn checkpoint_note(
        &self,
        key: &SecretKey,
    ) -> Result<SignedCheckpoint, SignCheckpointError> {
        let head = self.tree_head();
        let checkpoint = Checkpoint {
            origin: self.origin.clone(),
            size: head.size,
            root: head.root,
            extensions: vec![],
        };
        let note = checkpoint
            .sign(&self.origin, key)
            .map_err(SignCheckpointError::Origin)?
            .to_text();
        Ok(SignedCheckpoint { note, checkpoint })
    }

    /// The checks of [`Ledger::sign_checkpoint`] before signing; returns the last note kept.
    pub(super) fn may_sign_checkpoint(
        &self,
        key: &SecretKey,
        log: &impl CheckpointLog,
    ) -> Result<Option<String>, SignCheckpointError> {
        if !self.signs_checkpoints_now(key) {
            return Err(SignCheckpointError::NotACheckpointKey);
        }
        self.check_log(log)
    }

    /// Whether `key` signs the ledger's checkpoints and stamps now (SPEC §16).
    pub fn signs_checkpoints_now(&self, key: &SecretKey) -> bool {
        self.state
            .checkpoint_keys(self.now())
            .contains(&key.public_key())
    }

    /// The last checkpoint kept in `log`, checked to belong to the ledger: signed by a key that
    /// ever signed its checkpoints (one since declared compromised too: the question is whether
    /// the operator signed it, not whether to trust it), for its origin, at a size it holds,
    /// with the root it has there. Every signature the ledger makes over its tree (checkpoints
    /// and stamps) is refused while this fails.
    pub(super) fn check_log(
        &self,
        log: &impl CheckpointLog,
    ) -> Result<Option<String>, SignCheckpointError> {
        let last = log.last_checkpoint()?;
        if let Some(note) = &last {
            self.check_kept_checkpoint(note.as_bytes())
                .map_err(SignCheckpointError::Inconsistent)?;
        }
        Ok(last)
    }

    /// Checks that a checkpoint the operator kept belongs to this ledger: as
    /// [`Ledger::check_checkpoint`], but under every key that ever signed its checkpoints,
    /// compromised ones included (an audit of the operator's own log asks whether the operator
    /// signed it, not whether a relying party should trust it).
    pub fn check_kept_checkpoint(&self, note: &[u8]) -> Result<Checkpoint, CheckpointError> {
        let every = NoteVerifier::for_keys(&self.origin, &self.state.every_checkpoint_key());
        belongs(note, &self.origin, &every, &self.tree)
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
        let active = NoteVerifier::for_keys(origin, &self.state.checkpoint_keys(self.now()));
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
}

/// The last note kept, if it is `signed` already: the same checkpoint text carrying the same
/// signature line, perhaps with witnesses' cosignatures added after it (SPEC §16). A note is
/// not kept twice, and the one with the cosignatures is what is returned.
fn already_kept(last: Option<&str>, signed: &SignedCheckpoint) -> Option<SignedCheckpoint> {
    let last = last?;
    if last == signed.note {
        return Some(signed.clone());
    }
    let (kept, new) = (
        crate::checkpoint::Note::parse(last.as_bytes()).ok()?,
        crate::checkpoint::Note::parse(signed.note.as_bytes()).ok()?,
    );
    (kept.text == new.text && new.signatures.iter().all(|s| kept.signatures.contains(s))).then(
        || SignedCheckpoint {
            note: last.to_owned(),
            checkpoint: signed.checkpoint.clone(),
        },
    )
}

/// How many times [`Ledger::sign_checkpoint`] tries again when other signers keep checkpoints
/// meanwhile.
const MAX_MOVED: u32 = 16;

impl<S: Store> Ledger<S> {
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
        // Another writer's entries first (a shared database): the checkpoint it kept may be
        // past ours. Then refuse before appending if the checkpoint could not be signed.
        self.catch_up()
            .map_err(|e| AppendError::NotExtending(Box::new(SignCheckpointError::CatchUp(e))))?;
        let last = self.may_sign_checkpoint(key, log).map_err(|e| match e {
            SignCheckpointError::NotACheckpointKey => AppendError::NotACheckpointKey,
            other => AppendError::NotExtending(Box::new(other)),
        })?;
        let results = self.append_batch(statements)?;
        // The ledger now extends the checkpoint checked above (it only grew), so that check is
        // not made again: the key is (another writer's entries may have retired it), and the
        // new checkpoint is kept only after that one.
        let unproven = |e: SignCheckpointError| AppendError::Unproven(Box::new(e));
        if !self.signs_checkpoints_now(key) {
            return Err(unproven(SignCheckpointError::NotACheckpointKey));
        }
        let signed = self.checkpoint_note(key).map_err(unproven)?;
        let kept = match already_kept(last.as_deref(), &signed) {
            Some(kept) => Ok(kept),
            None => log
                .keep_checkpoint(&signed.note, last.as_deref())
                .map(|()| signed),
        };
        let signed = match kept {
            Ok(signed) => Ok(signed),
            // Another signer kept one meanwhile: the whole check, against it.
            Err(StorageError::CheckpointMoved) => self.sign_checkpoint(key, log),
            Err(e) => Err(e.into()),
        };
        let signed = match signed {
            // Another writer appended and kept a larger checkpoint meanwhile (a shared
            // database): read its entries and sign the larger tree, which holds the batch.
            Err(SignCheckpointError::Inconsistent(CheckpointError::BeyondLedger { .. })) => {
                self.catch_up()
                    .map_err(|e| unproven(SignCheckpointError::CatchUp(e)))?;
                self.sign_checkpoint(key, log)
            }
            other => other,
        }
        .map_err(unproven)?;
        self.proven(results, signed)
    }

    /// Each recorded statement's receipt with its inclusion proof to the checkpoint `signed`.
    fn proven(
        &self,
        results: Vec<Result<Receipt, Rejection>>,
        signed: SignedCheckpoint,
    ) -> Result<ProvenBatch, AppendError> {
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
}

impl<S: Store + CheckpointLog> Ledger<S> {
    /// [`Ledger::append_batch_proven`] with the store as its own checkpoint log (PostgreSQL):
    /// the checkpoint of the ledger after the batch is signed first and written with the batch
    /// in one transaction, so neither is durable without the other. Refused as
    /// `append_batch_proven` refuses; another writer's entries or checkpoint kept meanwhile are
    /// caught up with and the batch tried again.
    pub fn append_batch_proven_in_store(
        &mut self,
        statements: Vec<SignedStatement>,
        key: &SecretKey,
    ) -> Result<ProvenBatch, AppendError> {
        if statements
            .iter()
            .any(|s| s.statement().event.changes_checkpoint_keys())
        {
            return Err(AppendError::ChangesCheckpointKeys);
        }
        let mut conflicts = 0;
        loop {
            if self.poisoned {
                return Err(AppendError::Storage(StorageError::Poisoned));
            }
            // Another writer's entries first: the checkpoint it kept may be past ours.
            self.catch_up().map_err(|e| {
                AppendError::NotExtending(Box::new(SignCheckpointError::CatchUp(e)))
            })?;
            let last = self
                .may_sign_checkpoint(key, &self.store)
                .map_err(|e| match e {
                    SignCheckpointError::NotACheckpointKey => AppendError::NotACheckpointKey,
                    other => AppendError::NotExtending(Box::new(other)),
                })?;
            match self.try_append_batch(&statements, Some((key, last.as_deref()))) {
                Ok((results, Some(signed))) => return self.proven(results, signed),
                // Nothing was appended (every statement refused or already recorded): the
                // checkpoint of the ledger as it is proves the resubmitted ones.
                Ok((results, None)) => {
                    let signed = self
                        .checkpoint_note(key)
                        .map_err(|e| AppendError::Unproven(Box::new(e)))?;
                    let signed = match already_kept(last.as_deref(), &signed) {
                        Some(kept) => kept,
                        None => {
                            self.store
                                .keep_checkpoint(&signed.note, last.as_deref())
                                .map_err(|e| AppendError::Unproven(Box::new(e.into())))?;
                            signed
                        }
                    };
                    return self.proven(results, signed);
                }
                Err(StorageError::Conflict { .. } | StorageError::CheckpointMoved)
                    if conflicts < super::MAX_CONFLICT_RETRIES =>
                {
                    conflicts += 1;
                    self.catch_up().map_err(|e| {
                        AppendError::NotExtending(Box::new(SignCheckpointError::CatchUp(e)))
                    })?;
                }
                Err(e) => return Err(AppendError::Storage(e)),
            }
        }
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
