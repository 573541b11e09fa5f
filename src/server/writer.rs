//! The commit of a service over a file store (SPEC §25): a durable append with a checkpoint
//! signed and kept for it, cosigned by the witnesses if there are any; after a failed write
//! (a full disk, a failed sync) the store and the checkpoint log are reopened at the next commit,
//! so the service takes submissions again once writes succeed, without a restart.

use super::{WitnessOutcome, Witnesses};
use crate::crypto::SecretKey;
use crate::event::SignedStatement;
use crate::ledger::{AppendError, ProvenBatch};
use crate::storage::{FileCheckpointLog, FileStore, StorageError};
use crate::Ledger;
use std::path::{Path, PathBuf};

/// What `chancery serve --operator-key` commits with: [`Ledger::append_batch_proven`] into the
/// store's own checkpoint log, signed with the operator key, then [`Witnesses::cosign_and_keep`].
pub struct FileCommitter {
    dir: PathBuf,
    key: SecretKey,
    log: FileCheckpointLog,
    witnesses: Option<Witnesses>,
    report: Box<dyn FnMut(&str) + Send>,
}

impl std::fmt::Debug for FileCommitter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileCommitter")
            .field("dir", &self.dir)
            .field("witnesses", &self.witnesses)
            .finish_non_exhaustive()
    }
}

impl FileCommitter {
    /// Commits into the store in `dir` (its checkpoint log opened as its writer), signing with
    /// `key`.
    pub fn new(dir: &Path, key: SecretKey) -> Result<Self, StorageError> {
        Ok(Self {
            dir: dir.to_owned(),
            key,
            log: FileCheckpointLog::open(dir)?,
            witnesses: None,
            report: Box::new(|_| {}),
        })
    }

    /// Has each commit's checkpoint cosigned by `witnesses`.
    pub fn with_witnesses(mut self, witnesses: Witnesses) -> Self {
        self.witnesses = Some(witnesses).filter(|w| !w.is_empty());
        self
    }

    /// Tells `report` what the operator should know and no submitter is told: a witness that
    /// did not cosign, a store reopened.
    pub fn reporting(mut self, report: impl FnMut(&str) + Send + 'static) -> Self {
        self.report = Box::new(report);
        self
    }

    /// Commits `statements` to `ledger`.
    pub fn commit(
        &mut self,
        ledger: &mut Ledger<FileStore>,
        statements: Vec<SignedStatement>,
    ) -> Result<ProvenBatch, AppendError> {
        // After a failed write: the store and the log opened again, so that a disk that had
        // filled up takes the batch once it has room (while it has none, this fails again and
        // the batch is refused unwritten).
        ledger.reopen_store().map_err(|e| {
            AppendError::Storage(match e {
                crate::ledger::CatchUpError::Storage(s) => s,
                other => StorageError::Unsupported(match other {
                    crate::ledger::CatchUpError::BadEntry(_) => {
                        "the reopened store holds an entry that does not verify"
                    }
                    _ => "the store cannot be reopened",
                }),
            })
        })?;
        self.log.reopen()?;
        let mut proven = ledger.append_batch_proven(statements, &self.key, &mut self.log)?;
        if let Some(witnesses) = &mut self.witnesses {
            let urls = witnesses.urls();
            let (note, outcomes) =
                witnesses.cosign_and_keep(ledger, &proven.checkpoint, &mut self.log);
            for (url, outcome) in urls.iter().zip(outcomes) {
                if let WitnessOutcome::Failed(why) = outcome {
                    (self.report)(&format!("witness {url} did not cosign: {why}"));
                }
            }
            proven.checkpoint = note;
        }
        Ok(proven)
    }
}
