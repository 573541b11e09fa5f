//! Checkpoints (C2SP `tlog-checkpoint`): text, signing, opening, and whether one extends another.

use super::{b64, sign_note, Note, NoteError, NoteVerifier};
use crate::crypto::{Digest32, SecretKey};
use base64::Engine as _;

/// A transparency-log checkpoint: origin, tree size and RFC 6962 root (C2SP `tlog-checkpoint`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin.
    pub origin: String,
    /// Number of entries.
    pub size: u64,
    /// Merkle root at that size.
    pub root: Digest32,
    /// Extension lines (opaque; Chancery writes none).
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The note text.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            b64().encode(self.root.0)
        );
        for e in &self.extensions {
            out.push_str(e);
            out.push('\n');
        }
        out
    }

    /// Parses a checkpoint from a note text.
    pub fn parse_text(text: &str) -> Result<Self, NoteError> {
        let body = text
            .strip_suffix('\n')
            .ok_or(NoteError::BadCheckpoint("no final newline"))?;
        let mut lines = body.split('\n');
        let origin = lines.next().unwrap_or_default();
        let size = lines
            .next()
            .ok_or(NoteError::BadCheckpoint("no tree size"))?;
        let root = lines
            .next()
            .ok_or(NoteError::BadCheckpoint("no root hash"))?;
        if origin.is_empty() {
            return Err(NoteError::BadCheckpoint("empty origin"));
        }
        let size = parse_size(size).ok_or(NoteError::BadCheckpoint("tree size"))?;
        let root: [u8; 32] = b64()
            .decode(root)
            .ok()
            .and_then(|r| r.try_into().ok())
            .ok_or(NoteError::BadCheckpoint(
                "root hash is not 32 bytes of base64",
            ))?;
        let extensions: Vec<String> = lines.map(str::to_owned).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(NoteError::BadCheckpoint("empty extension line"));
        }
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root: Digest32(root),
            extensions,
        })
    }

    /// Signs the checkpoint as `name` with `key`: a signed note.
    pub fn sign(&self, name: &str, key: &SecretKey) -> Result<Note, NoteError> {
        let text = self.to_text();
        let signature = sign_note(&text, name, key)?;
        Ok(Note {
            text,
            signatures: vec![signature],
        })
    }

    /// Parses a signed checkpoint and verifies it against `verifiers` (see [`Note::verify`]).
    pub fn open(bytes: &[u8], verifiers: &[NoteVerifier]) -> Result<(Self, Note), NoteError> {
        let note = Note::parse(bytes)?;
        note.verify(verifiers)?;
        Ok((Self::parse_text(&note.text)?, note))
    }
}

/// Why a signed checkpoint does not belong to a ledger.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The note is malformed or not signed by a root key of the ledger.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// The checkpoint names another origin.
    #[error("checkpoint for origin {found:?}, the ledger is {expected:?}")]
    WrongOrigin {
        /// The ledger's origin.
        expected: String,
        /// The checkpoint's origin.
        found: String,
    },
    /// The checkpoint is for more entries than the ledger holds.
    #[error("checkpoint of size {size} but the ledger holds {len} entries")]
    BeyondLedger {
        /// The checkpoint's size.
        size: u64,
        /// The ledger's size.
        len: u64,
    },
    /// The ledger's root at the checkpoint's size differs: the ledger was rewritten (or the
    /// operator signed a fork).
    #[error("the ledger's root at size {size} differs from the checkpoint's")]
    Inconsistent {
        /// The checkpoint's size.
        size: u64,
    },
}

/// Why a checkpoint cannot follow another of the same log.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsistencyError {
    /// The checkpoints name different origins.
    #[error("checkpoints of different logs")]
    WrongOrigin,
    /// Same size, different roots: two histories.
    #[error("two roots for size {size}")]
    Fork {
        /// The common size.
        size: u64,
    },
    /// The newer checkpoint is smaller than the older one.
    #[error("checkpoint of size {new} after one of size {old}")]
    Rollback {
        /// Size of the older checkpoint.
        old: u64,
        /// Size of the newer one.
        new: u64,
    },
    /// A larger checkpoint came without a consistency proof.
    #[error("no consistency proof from size {old} to {new}")]
    MissingProof {
        /// Older size.
        old: u64,
        /// Newer size.
        new: u64,
    },
    /// The consistency proof does not link the two checkpoints.
    #[error("consistency proof from size {old} to {new} fails: {reason}")]
    BadProof {
        /// Older size.
        old: u64,
        /// Newer size.
        new: u64,
        /// Why.
        reason: crate::merkle::ProofError,
    },
}

/// A tree size in ASCII decimal without leading zeros (`0` for the empty tree), as checkpoints
/// and the witness protocol write it.
pub(super) fn parse_size(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    text.parse().ok().filter(|_| canonical)
}

/// Checks that `new` extends `old`: the same origin, and equal roots at equal sizes or a
/// consistency proof (RFC 9162) from `old` to a larger `new`.
pub fn check_extends(
    old: &Checkpoint,
    new: &Checkpoint,
    proof: Option<&crate::merkle::ConsistencyProof>,
) -> Result<(), ConsistencyError> {
    if old.origin != new.origin {
        return Err(ConsistencyError::WrongOrigin);
    }
    let (o, n) = (old.size, new.size);
    if n < o {
        return Err(ConsistencyError::Rollback { old: o, new: n });
    }
    if n == o {
        return if old.root == new.root {
            Ok(())
        } else {
            Err(ConsistencyError::Fork { size: n })
        };
    }
    if o == 0 {
        return Ok(());
    }
    let proof = proof.ok_or(ConsistencyError::MissingProof { old: o, new: n })?;
    if proof.old_size != o || proof.new_size != n {
        return Err(ConsistencyError::BadProof {
            old: o,
            new: n,
            reason: crate::merkle::ProofError::BadSizes {
                old: proof.old_size,
                new: proof.new_size,
            },
        });
    }
    proof
        .verify(&old.root, &new.root)
        .map_err(|reason| ConsistencyError::BadProof {
            old: o,
            new: n,
            reason,
        })
}
