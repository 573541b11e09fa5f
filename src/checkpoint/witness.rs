//! Witnesses: k-of-n cosignature policies, and a witness that cosigns only consistent checkpoints.

use super::{
    check_extends, cosign_note, Checkpoint, CheckpointError, ConsistencyError, Note, NoteError,
    NoteSignature, NoteVerifier, VerifierKind,
};
use crate::crypto::SecretKey;

/// A k-of-n witness policy: at least `threshold` of the named witnesses must have cosigned a
/// checkpoint before a verifier relies on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessPolicy {
    /// The witnesses' cosignature verifiers ([`NoteVerifier::cosigner`]).
    pub witnesses: Vec<NoteVerifier>,
    /// How many distinct witnesses must have cosigned.
    pub threshold: usize,
}

impl WitnessPolicy {
    /// The number of distinct policy witnesses whose cosignatures on `note` verify, if it
    /// reaches the threshold. Unknown signatures are ignored; a cosignature that claims to be
    /// from a policy witness and does not verify refuses the note.
    pub fn check(&self, note: &Note) -> Result<usize, NoteError> {
        let cosigned = note
            .verified_by(&self.witnesses, |w| w.kind() == VerifierKind::Cosignature)?
            .len();
        if cosigned < self.threshold {
            return Err(NoteError::QuorumNotMet {
                have: cosigned,
                need: self.threshold,
            });
        }
        Ok(cosigned)
    }
}

/// Why a witness refuses to cosign.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    /// The note is malformed or not signed by the log.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// The checkpoint does not extend the last one the witness cosigned.
    #[error(transparent)]
    Inconsistent(#[from] ConsistencyError),
    /// A witness that follows the ledger (`Ledger::cosign`): the checkpoint is not the
    /// ledger's.
    #[error(transparent)]
    NotTheLedgers(#[from] CheckpointError),
}

/// A witness: cosigns a log's checkpoints only if each extends the last one it cosigned.
/// The caller keeps [`Witness::last`] on stable storage between runs.
#[derive(Debug, Clone)]
pub struct Witness {
    name: String,
    key: SecretKey,
    origin: String,
    log: Vec<NoteVerifier>,
    last: Option<Checkpoint>,
}

impl Witness {
    /// A witness `name` with `key` for the log `origin` whose checkpoints `log` verifies,
    /// having last cosigned `last`.
    pub fn new(
        name: &str,
        key: SecretKey,
        origin: &str,
        log: Vec<NoteVerifier>,
        last: Option<Checkpoint>,
    ) -> Result<Self, NoteError> {
        NoteVerifier::cosigner(name, &key.public_key())?;
        Ok(Self {
            name: name.to_owned(),
            key,
            origin: origin.to_owned(),
            log,
            last,
        })
    }

    /// The last checkpoint cosigned.
    pub fn last(&self) -> Option<&Checkpoint> {
        self.last.as_ref()
    }

    /// Replaces the log's verifiers: a witness that follows the log (`Ledger::cosign`) sets
    /// them to the keys that may sign the log's checkpoints now.
    pub fn follow(&mut self, log: Vec<NoteVerifier>) {
        self.log = log;
    }

    /// Verifies the log's signature on `note`, checks that it extends the last checkpoint
    /// cosigned (with `proof` when it is larger), and cosigns it at `now` (seconds since the
    /// epoch). Nothing changes if it refuses.
    pub fn cosign(
        &mut self,
        note: &[u8],
        proof: Option<&crate::merkle::ConsistencyProof>,
        now: u64,
    ) -> Result<NoteSignature, WitnessError> {
        let (cp, note) = Checkpoint::open(note, &self.log)?;
        if cp.origin != self.origin {
            return Err(ConsistencyError::WrongOrigin.into());
        }
        if let Some(last) = &self.last {
            check_extends(last, &cp, proof)?;
        }
        let signature = cosign_note(&note.text, &self.name, &self.key, now)?;
        self.last = Some(cp);
        Ok(signature)
    }
}
