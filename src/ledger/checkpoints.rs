//! The ledger's checkpoints: which keys verify them, whether one belongs to the ledger, and
//! signing one that is kept before it is returned, so the operator never equivocates (SPEC §16).

use super::Ledger;
use crate::checkpoint::{Checkpoint, CheckpointError, NoteError, NoteVerifier};
use crate::crypto::SecretKey;
use crate::merkle::MerkleTree;
use crate::state::State;
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
    state
        .all_checkpoint_keys()
        .iter()
        .filter_map(|k| NoteVerifier::new(origin, k).ok())
        .collect()
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
    let (cp, _) = Checkpoint::open(note, &checkpoint_verifiers(origin, state))?;
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
    /// still holds the last checkpoint kept in `log` (same root at its size): whoever uses the
    /// library cannot make the operator sign two checkpoints that do not fit together. A
    /// checkpoint equal to the last kept is returned without keeping it twice.
    pub fn sign_checkpoint(
        &self,
        key: &SecretKey,
        log: &mut impl CheckpointLog,
    ) -> Result<SignedCheckpoint, SignCheckpointError> {
        let last = self.may_sign_checkpoint(key, log)?;
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
        if last.as_deref() != Some(note.as_str()) {
            log.keep_checkpoint(&note)?;
        }
        Ok(SignedCheckpoint { note, checkpoint })
    }

    /// The checks of [`Ledger::sign_checkpoint`] before signing; returns the last note kept.
    pub(super) fn may_sign_checkpoint(
        &self,
        key: &SecretKey,
        log: &impl CheckpointLog,
    ) -> Result<Option<String>, SignCheckpointError> {
        if !self
            .state
            .checkpoint_keys(self.now())
            .contains(&key.public_key())
        {
            return Err(SignCheckpointError::NotACheckpointKey);
        }
        let last = log.last_checkpoint()?;
        if let Some(note) = &last {
            self.check_checkpoint(note.as_bytes())
                .map_err(SignCheckpointError::Inconsistent)?;
        }
        Ok(last)
    }
}
