//! Witnesses: k-of-n cosignature policies, and a witness that cosigns only consistent checkpoints.

use super::{
    b64, check_extends, cosign_note, tlog::parse_size, Checkpoint, CheckpointError,
    ConsistencyError, Note, NoteError, NoteSignature, NoteVerifier, VerifierKind, MAX_NOTE_LEN,
};
use crate::crypto::{Digest32, SecretKey};
use crate::merkle::ConsistencyProof;
use base64::Engine;

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

/// The most consistency proof lines an `add-checkpoint` request carries (C2SP tlog-witness).
pub const MAX_PROOF_LINES: usize = 63;

/// The largest `add-checkpoint` request body: a note of [`MAX_NOTE_LEN`] bytes after the old
/// size line, [`MAX_PROOF_LINES`] hashes and the blank line.
pub const MAX_ADD_CHECKPOINT_LEN: usize = MAX_NOTE_LEN + 32 + MAX_PROOF_LINES * 45;

/// A C2SP tlog-witness `add-checkpoint` request (SPEC §16): the size of the checkpoint the
/// witness last cosigned for the log (as the client believes; `0` for none), a consistency
/// proof from that size to the new checkpoint's, and the new checkpoint's signed note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The old size.
    pub old_size: u64,
    /// The consistency proof's hashes (RFC 9162 §2.1.4), empty when the old size is `0`.
    pub proof: Vec<Digest32>,
    /// The new checkpoint: a signed note (§16).
    pub note: String,
}

impl AddCheckpoint {
    /// Parses a request body strictly: `old <size>\n`, at most [`MAX_PROOF_LINES`] lines of
    /// one base64 hash each, a blank line, then the signed note.
    pub fn parse(body: &[u8]) -> Result<Self, AddCheckpointError> {
        use AddCheckpointError::Malformed;
        if body.len() > MAX_ADD_CHECKPOINT_LEN {
            return Err(Malformed("request too large"));
        }
        let text = std::str::from_utf8(body).map_err(|_| Malformed("not UTF-8"))?;
        let (head, note) = text
            .split_once("\n\n")
            .ok_or(Malformed("no blank line before the checkpoint"))?;
        let mut lines = head.split('\n');
        let old_size = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .and_then(parse_size)
            .ok_or(Malformed("the first line is not `old <size>`"))?;
        let proof = lines
            .map(|l| {
                b64()
                    .decode(l)
                    .ok()
                    .and_then(|h| <[u8; 32]>::try_from(h).ok())
                    .map(Digest32)
                    .ok_or(Malformed("a proof line is not one base64 hash"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if proof.len() > MAX_PROOF_LINES {
            return Err(Malformed("more than 63 consistency proof lines"));
        }
        Ok(Self {
            old_size,
            proof,
            note: note.to_owned(),
        })
    }

    /// The request body.
    pub fn to_text(&self) -> String {
        let mut out = format!("old {}\n", self.old_size);
        for h in &self.proof {
            out.push_str(&b64().encode(h.0));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.note);
        out
    }
}

/// Why a witness refuses an `add-checkpoint` request (C2SP tlog-witness); [`Self::status`] is
/// the HTTP status the protocol gives each.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum AddCheckpointError {
    /// The request body is malformed (400).
    #[error("malformed request: {0}")]
    Malformed(&'static str),
    /// The checkpoint is not a well-formed signed note or checkpoint (400).
    #[error("malformed checkpoint: {0}")]
    Checkpoint(NoteError),
    /// The witness does not follow a log of this origin (404).
    #[error("this witness follows no log {0:?}")]
    UnknownLog(String),
    /// No signature by a key the witness trusts for the log verifies (403).
    #[error("not signed by the log: {0}")]
    NotSigned(NoteError),
    /// The old size is larger than the checkpoint's (400).
    #[error("old size {old} is larger than the checkpoint's size {size}")]
    OldBeyondCheckpoint {
        /// The old size.
        old: u64,
        /// The checkpoint's size.
        size: u64,
    },
    /// The old size is not the size of the last checkpoint the witness cosigned (409; the
    /// answer's body is that size).
    #[error("the witness last cosigned size {latest}, not {old}")]
    Conflict {
        /// The size of the last checkpoint cosigned (`0` for none).
        latest: u64,
        /// The old size of the request.
        old: u64,
    },
    /// The checkpoint has the size of the last one cosigned and another root: the log forked
    /// (409).
    #[error("a checkpoint of size {size} with another root than the one cosigned: a fork")]
    Fork {
        /// The size.
        size: u64,
    },
    /// The consistency proof does not lead from the last checkpoint cosigned to this one
    /// (422).
    #[error(transparent)]
    Inconsistent(ConsistencyError),
    /// Recording the new checkpoint failed; nothing was cosigned (500).
    #[error("cannot record the checkpoint: {0}")]
    NotKept(std::io::Error),
}

impl AddCheckpointError {
    /// The HTTP status of the refusal (C2SP tlog-witness).
    pub fn status(&self) -> u16 {
        match self {
            Self::Malformed(_) | Self::Checkpoint(_) | Self::OldBeyondCheckpoint { .. } => 400,
            Self::NotSigned(_) => 403,
            Self::UnknownLog(_) => 404,
            Self::Conflict { .. } | Self::Fork { .. } => 409,
            Self::Inconsistent(_) => 422,
            Self::NotKept(_) => 500,
        }
    }
}

/// The origin named by a request's checkpoint, for a witness of several logs to pick the one
/// that answers it.
pub fn request_origin(request: &AddCheckpoint) -> Result<String, AddCheckpointError> {
    let note = Note::parse(request.note.as_bytes()).map_err(AddCheckpointError::Checkpoint)?;
    Ok(Checkpoint::parse_text(&note.text)
        .map_err(AddCheckpointError::Checkpoint)?
        .origin)
}
impl Witness {
    /// Answers a C2SP tlog-witness `add-checkpoint` request (SPEC §16) at `now` (seconds since
    /// the epoch): checks, in the protocol's order, that the checkpoint is for this witness's
    /// log, signed by one of its keys, that the old size is at most the checkpoint's and is the
    /// size of the last checkpoint cosigned (`0` for none), and that the proof leads from that
    /// checkpoint to this one (equal roots at equal sizes, an empty proof from `0`). Then
    /// `keep` records the new checkpoint (with its cosignature) on stable storage, and only
    /// if it succeeds does the witness move on and return the cosignature: nothing changes if
    /// anything refuses.
    pub fn add_checkpoint(
        &mut self,
        request: &AddCheckpoint,
        now: u64,
        keep: impl FnOnce(&Checkpoint, &str) -> std::io::Result<()>,
    ) -> Result<NoteSignature, AddCheckpointError> {
        use AddCheckpointError as E;
        let note = Note::parse(request.note.as_bytes()).map_err(E::Checkpoint)?;
        let cp = Checkpoint::parse_text(&note.text).map_err(E::Checkpoint)?;
        if cp.origin != self.origin {
            return Err(E::UnknownLog(cp.origin));
        }
        note.verify(&self.log).map_err(E::NotSigned)?;
        let old = request.old_size;
        if old > cp.size {
            return Err(E::OldBeyondCheckpoint { old, size: cp.size });
        }
        let latest = self.last.as_ref().map_or(0, |l| l.size);
        if old != latest {
            return Err(E::Conflict { latest, old });
        }
        if old == 0 || old == cp.size {
            // Nothing to prove: the empty tree, or the same tree (then the same root).
            if !request.proof.is_empty() {
                return Err(E::Inconsistent(ConsistencyError::BadProof {
                    old,
                    new: cp.size,
                    reason: crate::merkle::ProofError::WrongLength,
                }));
            }
            if let Some(last) = self.last.as_ref().filter(|l| l.size == cp.size) {
                if last.root != cp.root {
                    return Err(E::Fork { size: old });
                }
            }
        } else if let Some(last) = &self.last {
            let proof = ConsistencyProof {
                old_size: old,
                new_size: cp.size,
                path: request.proof.clone(),
            };
            check_extends(last, &cp, Some(&proof)).map_err(E::Inconsistent)?;
        }
        let signature =
            cosign_note(&note.text, &self.name, &self.key, now).map_err(E::Checkpoint)?;
        // What is kept is the checkpoint with the log's signatures that verified and this
        // cosignature, never the request's other lines: a record that would not read back
        // (more signatures or bytes than a note may have) could stop the witness's restart.
        let kept = Note {
            signatures: note
                .signatures
                .iter()
                .filter(|s| {
                    self.log
                        .iter()
                        .any(|v| v.name() == s.name && v.key_id() == s.key_id)
                })
                .cloned()
                .chain(std::iter::once(signature.clone()))
                .collect(),
            text: note.text,
        };
        keep(&cp, &kept.to_text()).map_err(E::NotKept)?;
        self.last = Some(cp);
        Ok(signature)
    }
}
