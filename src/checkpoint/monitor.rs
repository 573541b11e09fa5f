//! Monitors: accept a log's checkpoints only with proof they extend the last; fork evidence.

use super::{check_extends, Checkpoint, ConsistencyError, NoteError, NoteVerifier};

/// Two checkpoints, both validly signed by the log, that no consistency proof links: evidence
/// that the log showed different histories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForkEvidence {
    /// The signed note trusted before.
    pub earlier: String,
    /// The signed note that does not extend it.
    pub later: String,
    /// Why they do not fit together.
    pub reason: ConsistencyError,
}

/// Why a monitor did not accept a checkpoint.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MonitorError {
    /// The note is malformed or not signed by the log.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// Both checkpoints are signed by the log and do not fit together.
    #[error("the log signed inconsistent checkpoints: {}", .0.reason)]
    Fork(Box<ForkEvidence>),
}

/// A monitor (or any relying party): remembers the last checkpoint of a log it trusted and
/// accepts a new one only with proof that it extends it. The caller keeps
/// [`Monitor::last_note`] on stable storage between runs.
#[derive(Debug, Clone)]
pub struct Monitor {
    log: Vec<NoteVerifier>,
    last: Option<(Checkpoint, String)>,
}

impl Monitor {
    /// A monitor of the log whose checkpoints `log` verifies, having trusted `last` (a signed
    /// note) before.
    pub fn new(log: Vec<NoteVerifier>, last: Option<&str>) -> Result<Self, NoteError> {
        let last = match last {
            Some(note) => {
                let (cp, _) = Checkpoint::open(note.as_bytes(), &log)?;
                Some((cp, note.to_owned()))
            }
            None => None,
        };
        Ok(Self { log, last })
    }

    /// Opens `note` under the log's keys (nothing trusted or changed): the checkpoint it
    /// signs, or why not.
    pub fn open(&self, note: &[u8]) -> Result<Checkpoint, NoteError> {
        Checkpoint::open(note, &self.log).map(|(cp, _)| cp)
    }

    /// The last checkpoint trusted.
    pub fn last(&self) -> Option<&Checkpoint> {
        self.last.as_ref().map(|(cp, _)| cp)
    }

    /// The signed note of the last checkpoint trusted.
    pub fn last_note(&self) -> Option<&str> {
        self.last.as_ref().map(|(_, n)| n.as_str())
    }

    /// Accepts `note` if it is signed by the log and extends the last checkpoint trusted
    /// (`proof` from the last size to the new one). A signed checkpoint that does not extend it
    /// is reported with both notes as evidence; a smaller, consistent one is accepted without
    /// replacing the larger.
    pub fn update(
        &mut self,
        note: &[u8],
        proof: Option<&crate::merkle::ConsistencyProof>,
    ) -> Result<Checkpoint, MonitorError> {
        let (cp, parsed) = Checkpoint::open(note, &self.log)?;
        let text = parsed.to_text();
        if let Some((last, last_note)) = &self.last {
            let fork = |reason| {
                MonitorError::Fork(Box::new(ForkEvidence {
                    earlier: last_note.clone(),
                    later: text.clone(),
                    reason,
                }))
            };
            if cp.size < last.size {
                // An older view: it must be a prefix of the one trusted.
                check_extends(&cp, last, proof).map_err(fork)?;
            } else {
                check_extends(last, &cp, proof).map_err(fork)?;
            }
            if cp.size <= last.size {
                return Ok(last.clone());
            }
        }
        self.last = Some((cp.clone(), text));
        Ok(cp)
    }
}
